#include <podsock/parse.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

struct parse_case
{
  const char *text;
  uint64_t want;
};

/* parse takes each of good to its value and refuses each of bad; unit
 * follows the values in messages. */
static void
check_parser (int (*parse) (const char *, uint64_t *), const char *unit,
              const struct parse_case *good, size_t n_good, const char *const *bad, size_t n_bad)
{
  uint64_t v;

  for (size_t i = 0; i < n_good; i++)
    {
      if (parse (good[i].text, &v) < 0)
        fail_msg ("'%s' rejected", good[i].text);
      if (v != good[i].want)
        fail_msg ("'%s' gave %llu%s", good[i].text, (unsigned long long) v, unit);
    }
  for (size_t i = 0; i < n_bad; i++)
    if (parse (bad[i], &v) == 0)
      fail_msg ("'%s' accepted as %llu%s", bad[i], (unsigned long long) v, unit);
}

static void
sizes (void **state)
{
  static const struct parse_case good[] = {
    { "0", 0 },
    { "1000", 1000 },
    { "1k", 1000 },
    { "500M", 500000000ULL },
    { "1G", 1000000000ULL },
    { "20Gi", 20ULL << 30 },
    { "1.5Gi", 3ULL << 29 },
    { "0.5Ki", 512 },
    { "1Ei", 1ULL << 60 },
    { "15Ei", 15ULL << 60 },
    { "18446744073709551615", UINT64_MAX },
  };
  static const char *const bad[]
      = { "",    "G",  "1.Gi", ".5Gi", "1GB", "1gi", "1 Gi", "-1", "16Ei", "18446744073709551616",
          "1e3", "1m", "1K" };
  (void) state;
  check_parser (parse_size, "", good, sizeof good / sizeof good[0], bad,
                sizeof bad / sizeof bad[0]);
}

static void
durations (void **state)
{
  static const struct parse_case good[] = {
    { "0", 0 },       { "30", 30000 },   { "30s", 30000 },   { "2m", 120000 },
    { "500ms", 500 }, { "1h", 3600000 }, { "1m30s", 90000 }, { "1s500ms", 1500 },
  };
  static const char *const bad[]
      = { "", "s", "1.5s", "10x", "-1s", "1 s", "1d", "m5", "99999999999999999999s" };
  (void) state;
  check_parser (parse_duration_ms, " ms", good, sizeof good / sizeof good[0], bad,
                sizeof bad / sizeof bad[0]);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (u64_accepts_plain_decimal),
    cmocka_unit_test (u64_rejects_junk_and_range),
    cmocka_unit_test (mode_parses_octal),
    cmocka_unit_test (sizes),
    cmocka_unit_test (durations),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
