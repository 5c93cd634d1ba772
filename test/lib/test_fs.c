/* lib/fs.c: fs_write_existing, the writer of /proc and cgroup files. */
#include <podsock/fs.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testdir.h"

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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (writes_into_an_existing_file, testdir_setup, testdir_teardown),
    cmocka_unit_test_setup_teardown (creates_nothing_and_says_which_file, testdir_setup,
                                     testdir_teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
