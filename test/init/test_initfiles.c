/* init's own pieces: identity files (init/idfiles.c), the builds mount
 * check (init/buildsdir.c), the network file system list (init/sockdir.c). */
#include "buildsdir.h"
#include "idfiles.h"

#include <podsock/fs.h>
#include "sockdir.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testdir.h"

static struct idfiles_spec
spec_for (unsigned uid, unsigned gid, char *paths[5])
{
  static char buf[5][128];
  const char *names[5] = { "out", "passwd.in", "group.in", "uid_map", "gid_map" };
  for (int i = 0; i < 5; i++)
    {
      snprintf (buf[i], sizeof buf[i], "%s/%s", testdir, names[i]);
      paths[i] = buf[i];
    }
  return (struct idfiles_spec){ .out_dir = paths[0],
                                .passwd_src = paths[1],
                                .group_src = paths[2],
                                .uid_map = paths[3],
                                .gid_map = paths[4],
                                .home = "/home/podsock",
                                .uid = uid,
                                .gid = gid,
                                .window_start = 100000,
                                .window_count = 65536 };
}

/* The files idfiles_write reads: the image's passwd and group, and the
 * user namespace's maps. */
static void
put_inputs (const char *passwd, const char *group, const char *uid_map, const char *gid_map)
{
  testdir_put ("passwd.in", passwd);
  testdir_put ("group.in", group);
  testdir_put ("uid_map", uid_map);
  testdir_put ("gid_map", gid_map);
}

static const char image_passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                                   "podman:x:1000:1000::/home/podman:/bin/sh";
static const char image_group[] = "root:x:0:\npodman:x:1000:\n";

/* OpenShift: a UID with no passwd entry, a pod user namespace. */
static void
adds_entry_for_unknown_uid (void **state)
{
  char *p[5], *t;
  struct idfiles_report r;
  podsock_error_t err = NULL;
  struct idfiles_spec s = spec_for (1000680000, 0, p);
  (void) state;
  put_inputs (image_passwd, image_group, "         0          0 4294967295\n",
              "         0          0 4294967295\n");
  assert_int_equal (idfiles_write (&s, &r, &err), 0);
  assert_string_equal (r.user, "podsock");
  assert_true (r.user_added);
  assert_false (r.group_added); /* gid 0 has root */
  assert_int_equal (r.uids, 65536);
  assert_true (r.initial_ns);
  t = testdir_get ("out/passwd");
  assert_non_null (
      strstr (t, "root:x:0:0:root:/root:/bin/sh\npodman:x:1000:1000::/home/podman:/bin/sh\n"
                 "podsock:x:1000680000:0:podsock:/home/podsock:/bin/sh\n"));
  free (t);
  t = testdir_get ("out/subuid");
  assert_string_equal (t, "podsock:100000:65536\n");
  free (t);
  t = testdir_get ("out/group");
  assert_string_equal (t, image_group);
  free (t);
}

/* OpenShift: GID 0, the fsGroup supplementary.  The fsGroup (and the
 * builds directory's group) get a one-ID subgid range each, after the
 * subordinate block, so the engine's user namespace maps them; GID 0 itself
 * and IDs already in the block are not repeated. */
static void
maps_the_pods_other_groups (void **state)
{
  char *p[5], *t;
  struct idfiles_report r;
  podsock_error_t err = NULL;
  struct idfiles_spec s = spec_for (1000680000, 0, p);
  gid_t groups[] = { 1000680000, 0, 100005, 1000680000 };
  (void) state;
  s.groups = groups;
  s.n_groups = 4;
  put_inputs (image_passwd, image_group, "         0          0 4294967295\n",
              "         0          0 4294967295\n");
  assert_int_equal (idfiles_write (&s, &r, &err), 0);
  assert_int_equal (r.groups_added, 1);
  assert_int_equal (r.gids, 65536);
  t = testdir_get ("out/subgid");
  assert_string_equal (t, "podsock:100000:65536\npodsock:1000680000:1\n");
  free (t);
  /* In a user namespace that does not map the group, newgidmap could not
   * map it either: left out. */
  put_inputs (image_passwd, image_group, "0 1000680000 1\n1 100000 65536\n",
              "0 0 1\n1 100000 65536\n");
  assert_int_equal (idfiles_write (&s, &r, &err), 0);
  assert_int_equal (r.groups_added, 0);
}

static void
keeps_existing_entry_and_is_idempotent (void **state)
{
  char *p[5], *t1, *t2;
  struct idfiles_report r;
  podsock_error_t err = NULL;
  struct idfiles_spec s = spec_for (1000, 1000, p);
  (void) state;
  put_inputs (image_passwd, image_group, "0 200000 65536\n", "0 200000 65536\n");
  assert_int_equal (idfiles_write (&s, &r, &err), 0);
  assert_string_equal (r.user, "podman");
  assert_false (r.user_added);
  assert_int_equal (r.uids, 65534);
  t1 = testdir_get ("out/subuid");
  assert_string_equal (t1, "podman:1:999\npodman:1001:64535\n");
  assert_int_equal (idfiles_write (&s, &r, &err), 0);
  t2 = testdir_get ("out/subuid");
  assert_string_equal (t1, t2);
  free (t1);
  free (t2);
  t1 = testdir_get ("out/passwd");
  assert_string_equal (t1, image_passwd);
  free (t1);
}

static void
name_taken_by_another_uid (void **state)
{
  char *p[5];
  struct idfiles_report r;
  podsock_error_t err = NULL;
  struct idfiles_spec s = spec_for (1234, 1234, p);
  (void) state;
  put_inputs ("podsock:x:1500:1500::/home/podsock:/bin/sh\n", "podsock:x:1500:\n",
              "0 0 4294967295\n", "0 0 4294967295\n");
  assert_int_equal (idfiles_write (&s, &r, &err), 0);
  assert_string_equal (r.user, "podsock-1234");
  assert_string_equal (r.group, "podsock-1234");
  assert_true (r.initial_ns);
  assert_int_equal (r.uids, 65536);
}

static void
bad_map_is_an_error (void **state)
{
  char *p[5];
  struct idfiles_report r;
  podsock_error_t err = NULL;
  struct idfiles_spec s = spec_for (0, 0, p);
  (void) state;
  put_inputs (image_passwd, image_group, "0 0 x\n", "0 0 1\n");
  assert_int_equal (idfiles_write (&s, &r, &err), -1);
  assert_non_null (strstr (err->msg, "uid_map line 1"));
  podsock_error_free (&err);
}

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

static void
network_file_systems (void **state)
{
  (void) state;
  assert_string_equal (sockdir_network_fs (0x6969), "nfs");
  assert_string_equal (sockdir_network_fs (0xFF534D42), "cifs");
  assert_string_equal (sockdir_network_fs (0x00C36400), "ceph");
  assert_null (sockdir_network_fs (0x01021994)); /* tmpfs */
  assert_null (sockdir_network_fs (0xEF53));     /* ext4 */
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (adds_entry_for_unknown_uid, testdir_setup, testdir_teardown),
    cmocka_unit_test_setup_teardown (maps_the_pods_other_groups, testdir_setup, testdir_teardown),
    cmocka_unit_test_setup_teardown (keeps_existing_entry_and_is_idempotent, testdir_setup,
                                     testdir_teardown),
    cmocka_unit_test_setup_teardown (name_taken_by_another_uid, testdir_setup, testdir_teardown),
    cmocka_unit_test_setup_teardown (bad_map_is_an_error, testdir_setup, testdir_teardown),
    cmocka_unit_test (finds_mount_points),
    cmocka_unit_test_setup_teardown (builds_check_warns_with_the_fix, testdir_setup,
                                     testdir_teardown),
    cmocka_unit_test (network_file_systems),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
