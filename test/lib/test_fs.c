/* lib/fs.c: fs_write_existing, the writer of /proc and cgroup files, and
 * fs_lstat_is, the type check of a path that must be a socket or a volume. */
#include <podsock/fs.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "testdir.h"
#include "testutil.h"

static void
writes_into_an_existing_file (void **state)
{
  char path[128], *text;
  podsock_error_t err = NULL;
  (void) state;

  testdir_put ("procs", "");
  snprintf (path, sizeof path, "%s/procs", testdir);
  assert_int_equal (fs_write_existing (path, "4242", &err), 0);
  text = testdir_get ("procs");
  assert_string_equal (text, "4242");
  free (text);
}

static void
creates_nothing_and_says_which_file (void **state)
{
  char path[128];
  podsock_error_t err = NULL;
  (void) state;

  snprintf (path, sizeof path, "%s/memory.max", testdir);
  assert_int_equal (fs_write_existing (path, "1", &err), -1);
  assert_int_equal (err->status, ENOENT);
  assert_non_null (strstr (err->msg, "open "));
  assert_non_null (strstr (err->msg, "/memory.max: No such file or directory"));
  podsock_error_free (&err);
  /* Without an error to fill, errno still says why. */
  errno = 0;
  assert_int_equal (fs_write_existing (path, "1", NULL), -1);
  assert_int_equal (errno, ENOENT);
}

/* What a path is, against what it must be: a type table. */
static void
lstat_is_tells_type_and_absence (void **state)
{
  static const struct
  {
    const char *name; /* in testdir; "" is testdir itself */
    mode_t want;
    int result;
    const char *msg; /* for result -1 */
  } cases[] = {
    { "", S_IFDIR, 1, NULL },
    { "file", S_IFREG, 1, NULL },
    { "missing", S_IFSOCK, 0, NULL },
    { "file", S_IFSOCK, -1, "/file exists and is not a socket; choose another path" },
    { "file", S_IFDIR, -1, "/file exists and is not a directory; choose another path" },
    { "link", S_IFDIR, -1, "/link exists and is not a directory; choose another path" },
  };
  char path[256];
  struct stat st;
  (void) state;

  testdir_put ("file", "x");
  snprintf (path, sizeof path, "%s/link", testdir);
  assert_int_equal (symlink (testdir, path), 0);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      podsock_error_t err = NULL;
      snprintf (path, sizeof path, "%s/%s", testdir, cases[i].name);
      memset (&st, 0, sizeof st);
      assert_int_equal (fs_lstat_is (path, cases[i].want, "choose another path", &st, &err),
                        cases[i].result);
      if (cases[i].result == 1)
        assert_int_equal (st.st_mode & S_IFMT, cases[i].want);
      if (cases[i].msg == NULL)
        {
          assert_null (err);
          continue;
        }
      assert_non_null (strstr (err->msg, cases[i].msg));
      podsock_error_free (&err);
    }
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, writes_into_an_existing_file,
                    creates_nothing_and_says_which_file, lstat_is_tells_type_and_absence)
