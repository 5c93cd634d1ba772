/* init/buildsdir.c: is the runner's builds directory a volume here, and the
 * warning, with the pod_spec lines to add, when it is not. */
#include "buildsdir.h"

#include <podsock/fs.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testdir.h"
#include "testutil.h"

static const char mountinfo[]
    = "22 1 0:21 / / rw,relatime - tmpfs podroot rw\n"
      "36 22 254:1 /var/tmp/pod/builds /builds rw,relatime - ext4 /dev/vda1 rw\n"
      "37 22 254:1 /x /with\\040space rw - ext4 /dev/vda1 rw\n";

static void
finds_mount_points (void **state)
{
  (void) state;
  assert_int_equal (mountinfo_has_mount_point (mountinfo, "/builds"), 1);
  assert_int_equal (mountinfo_has_mount_point (mountinfo, "/builds/"), 1);
  assert_int_equal (mountinfo_has_mount_point (mountinfo, "/build"), 0);
  assert_int_equal (mountinfo_has_mount_point (mountinfo, "/builds/demo"), 0);
  assert_int_equal (mountinfo_has_mount_point (mountinfo, "/with space"), 1);
  assert_int_equal (mountinfo_has_mount_point ("1 2 3:4 /\n", "/"), -1);
}

/* The kernel's other escapes, a root that stays "/", a field that is no
 * path, and no lines at all. */
struct mount_case
{
  const char *mountinfo, *path;
  int want;
};

static void
mount_point_edge_cases (void **state)
{
  static const struct mount_case cases[] = {
    { "1 0 0:1 / /a\\011b rw - tmpfs t rw\n", "/a\tb", 1 },
    { "1 0 0:1 / /a\\134b rw - tmpfs t rw\n", "/a\\b", 1 },
    { "1 0 0:1 / /a\\012b rw - tmpfs t rw\n", "/a\nb", 1 },
    { "1 0 0:1 / /a\\9b rw - tmpfs t rw\n", "/a\\9b", 1 }, /* not octal: kept */
    { "1 0 0:1 / / rw - tmpfs t rw\n", "/", 1 },
    { "1 0 0:1 / /builds rw - tmpfs t rw\n", "/builds//", 1 },
    { "1 0 0:1 / relative rw - tmpfs t rw\n", "/x", -1 },
    { "", "/builds", 0 },
    { "\n\n", "/builds", 0 },
  };

  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      int got = mountinfo_has_mount_point (cases[i].mountinfo, cases[i].path);
      if (got != cases[i].want)
        fail_msg ("case %zu (%s): %d, want %d", i, cases[i].path, got, cases[i].want);
    }
}

static const char *
testdir_path (const char *rel, char *buf, size_t size)
{
  snprintf (buf, size, "%s/%s", testdir, rel);
  return buf;
}

static void
builds_check_warns_with_the_fix (void **state)
{
  char *warning = NULL, path[128];
  podsock_error_t err = NULL;
  (void) state;
  testdir_put ("mountinfo", mountinfo);
  snprintf (path, sizeof path, "%s/mountinfo", testdir);
  assert_int_equal (buildsdir_check ("/nonexistent-builds", path, &warning, &err), 1);
  assert_non_null (strstr (warning, "does not exist"));
  assert_non_null (strstr (warning, "mountPath: /nonexistent-builds"));
  free (warning);
  assert_int_equal (buildsdir_check (testdir, path, &warning, &err), 1);
  assert_non_null (strstr (warning, "not a mount point"));
  free (warning);
  assert_int_equal (buildsdir_check ("relative", path, &warning, &err), -1);
  assert_non_null (strstr (err->msg, "absolute"));
  podsock_error_free (&err);
  assert_int_equal (buildsdir_check ("/", "/proc/self/mountinfo", &warning, &err), 0);
}

/* A file where the directory should be, a directory that mountinfo lists,
 * and the errors: no mountinfo, a malformed one. */
static void
builds_check_other_answers (void **state)
{
  char file[128], info[128], *warning = NULL, *text;
  cleanup_error podsock_error_t err = NULL;
  (void) state;

  testdir_put ("plain", "x");
  testdir_path ("plain", file, sizeof file);
  testdir_path ("mountinfo", info, sizeof info);
  assert_int_equal (buildsdir_check (file, "/nonexistent", &warning, &err), 1);
  assert_non_null (strstr (warning, "is not a directory"));
  assert_non_null (strstr (warning, "[[runners.kubernetes.pod_spec]]"));
  free (warning);

  if (asprintf (&text, "1 0 0:1 / %s rw - tmpfs t rw\n", testdir) < 0)
    fail ();
  testdir_put ("mountinfo", text);
  free (text);
  assert_int_equal (buildsdir_check (testdir, info, &warning, &err), 0);
  assert_null (warning);

  assert_int_equal (buildsdir_check (testdir, "/nonexistent/mountinfo", &warning, &err), -1);
  assert_non_null (strstr (err->msg, "/nonexistent/mountinfo"));
  testdir_put ("mountinfo", "1 2 3:4 /\n");
  assert_int_equal (buildsdir_check (testdir, info, &warning, &err), -1);
  assert_non_null (strstr (err->msg, "a line without a mount point field"));
  assert_null (warning);
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, finds_mount_points, mount_point_edge_cases,
                    builds_check_warns_with_the_fix, builds_check_other_answers)
