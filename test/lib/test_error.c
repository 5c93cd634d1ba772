#include <podsock/error.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void
make_appends_strerror_and_keeps_status (void **state)
{
  podsock_error_t err = NULL;
  (void) state;
  assert_int_equal (podsock_error_make (&err, ENOENT, "open %s", "/x"), -1);
  assert_int_equal (err->status, ENOENT);
  assert_string_equal (err->msg, "open /x: No such file or directory");
  podsock_error_free (&err);
  assert_null (err);
}

static void
prefix_adds_context_outermost_first (void **state)
{
  podsock_error_t err = NULL;
  (void) state;
  podsock_error_make (&err, 0, "test mount failed");
  assert_int_equal (podsock_error_prefix (&err, "storage %s", "/s"), -1);
  podsock_error_prefix (&err, "detect");
  assert_string_equal (err->msg, "detect: storage /s: test mount failed");
  assert_int_equal (err->status, 0);
  podsock_error_free (&err);
}

static void
make_replaces_an_earlier_error (void **state)
{
  podsock_error_t err = NULL;
  (void) state;
  podsock_error_make (&err, EPERM, "first");
  podsock_error_make (&err, 0, "second");
  assert_string_equal (err->msg, "second");
  podsock_error_free (&err);
}

static void
null_error_pointer_is_allowed (void **state)
{
  (void) state;
  errno = EBADF;
  assert_int_equal (podsock_error_make (NULL, EINVAL, "ignored"), -1);
  assert_int_equal (errno, EBADF); /* errno survives */
  assert_int_equal (podsock_error_prefix (NULL, "x"), -1);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (make_appends_strerror_and_keeps_status),
    cmocka_unit_test (prefix_adds_context_outermost_first),
    cmocka_unit_test (make_replaces_an_earlier_error),
    cmocka_unit_test (null_error_pointer_is_allowed),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
