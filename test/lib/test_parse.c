#include <podsock/parse.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static void
u64_accepts_plain_decimal (void **state)
{
  uint64_t v = 0;
  (void) state;
  assert_int_equal (parse_u64 ("0", 0, 10, &v), 0);
  assert_int_equal (v, 0);
  assert_int_equal (parse_u64 ("18446744073709551615", 0, UINT64_MAX, &v), 0);
  assert_true (v == UINT64_MAX);
}

static void
u64_rejects_junk_and_range (void **state)
{
  uint64_t v = 42;
  const char *bad[] = { "", "-1", "+1", " 1", "1 ", "1k", "0x10", "1.5" };
  (void) state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      errno = 0;
      assert_int_equal (parse_u64 (bad[i], 0, 100, &v), -1);
      assert_int_equal (errno, EINVAL);
    }
  assert_int_equal (parse_u64 (NULL, 0, 100, &v), -1);
  errno = 0;
  assert_int_equal (parse_u64 ("18446744073709551616", 0, UINT64_MAX, &v), -1);
  assert_int_equal (errno, ERANGE);
  assert_int_equal (parse_u64 ("101", 0, 100, &v), -1);
  assert_int_equal (errno, ERANGE);
  assert_int_equal (parse_u64 ("4", 5, 100, &v), -1);
  assert_int_equal (v, 42); /* untouched on failure */
}

static void
mode_parses_octal (void **state)
{
  unsigned m = 0;
  (void) state;
  assert_int_equal (parse_mode ("0660", &m), 0);
  assert_int_equal (m, 0660);
  assert_int_equal (parse_mode ("2770", &m), 0);
  assert_int_equal (m, 02770);
  assert_int_equal (parse_mode ("7777", &m), 0);
  assert_int_equal (m, 07777);
  assert_int_equal (parse_mode ("10000", &m), -1);
  assert_int_equal (parse_mode ("0668", &m), -1);
  assert_int_equal (parse_mode ("", &m), -1);
  assert_int_equal (parse_mode ("rw", &m), -1);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (u64_accepts_plain_decimal),
    cmocka_unit_test (u64_rejects_junk_and_range),
    cmocka_unit_test (mode_parses_octal),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
