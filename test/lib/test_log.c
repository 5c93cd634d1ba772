#include <podsock/log.h>
#include <podsock/util.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

/* Logs into a pipe and returns what was written. */
static char captured[8192];

static const char *
capture (void (*fn) (void))
{
  int p[2];
  ssize_t n;

  assert_int_equal (pipe2 (p, O_CLOEXEC), 0);
  podsock_log_setup ("t", p[1], PODSOCK_LOG_JSON, PODSOCK_LOG_INFO);
  fn ();
  close (p[1]);
  n = read (p[0], captured, sizeof captured - 1);
  close (p[0]);
  captured[n > 0 ? n : 0] = '\0';
  return captured;
}

static void
log_quotes_and_newlines (void)
{
  log_info ("a \"quoted\" word\nand a\\backslash\x01");
}

static void
json_escapes_specials (void **state)
{
  const char *out = capture (log_quotes_and_newlines);
  (void) state;
  assert_non_null (strstr (out, "\"msg\":\"a \\\"quoted\\\" word\\nand a\\\\backslash\\u0001\"}"));
  assert_non_null (strstr (out, "\"level\":\"info\""));
  assert_non_null (strstr (out, "\"prog\":\"t\""));
  assert_int_equal (out[strlen (out) - 1], '\n');
  /* Exactly one line. */
  assert_ptr_equal (strchr (out, '\n'), out + strlen (out) - 1);
}

static void
log_debug_and_warn (void)
{
  log_debug ("hidden");
  log_warn ("shown");
}

static void
levels_below_minimum_are_dropped (void **state)
{
  const char *out = capture (log_debug_and_warn);
  (void) state;
  assert_null (strstr (out, "hidden"));
  assert_non_null (strstr (out, "\"level\":\"warn\""));
}

static void
log_with_fields (void)
{
  podsock_log_fields (PODSOCK_LOG_INFO, "m", "path", "/x\"y", "n", "3", NULL);
}

static void
fields_are_json_strings (void **state)
{
  const char *out = capture (log_with_fields);
  (void) state;
  assert_non_null (strstr (out, "\"msg\":\"m\",\"path\":\"/x\\\"y\",\"n\":\"3\"}"));
}

static void
log_errno_message (void)
{
  errno = ENOENT;
  log_error ("open: %m");
}

static void
errno_survives_and_percent_m_works (void **state)
{
  const char *out = capture (log_errno_message);
  (void) state;
  assert_non_null (strstr (out, "open: No such file or directory"));
}

static void
log_passthrough_line (void)
{
  podsock_log_passthrough ("podman", "level=warning msg=\"x\"", 21);
}

static void
passthrough_is_tagged (void **state)
{
  const char *out = capture (log_passthrough_line);
  (void) state;
  assert_non_null (strstr (out, "\"source\":\"podman\",\"msg\":\"level=warning msg=\\\"x\\\"\""));
}

static void
log_huge (void)
{
  char big[10000];
  memset (big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  log_info ("%s", big);
}

static void
huge_messages_are_cut_not_overflowed (void **state)
{
  const char *out = capture (log_huge);
  (void) state;
  assert_true (strlen (out) <= 4096);
  assert_int_equal (out[strlen (out) - 1], '\n');
}

static void
parses_levels_and_formats (void **state)
{
  enum podsock_log_level l;
  enum podsock_log_format f;
  (void) state;
  assert_int_equal (podsock_log_level_parse ("warn", &l), 0);
  assert_int_equal (l, PODSOCK_LOG_WARN);
  assert_int_equal (podsock_log_level_parse ("WARN", &l), -1);
  assert_int_equal (podsock_log_level_parse ("verbose", &l), -1);
  assert_int_equal (podsock_log_format_parse ("text", &f), 0);
  assert_int_equal (f, PODSOCK_LOG_TEXT);
  assert_int_equal (podsock_log_format_parse ("xml", &f), -1);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (json_escapes_specials),
    cmocka_unit_test (levels_below_minimum_are_dropped),
    cmocka_unit_test (fields_are_json_strings),
    cmocka_unit_test (errno_survives_and_percent_m_works),
    cmocka_unit_test (passthrough_is_tagged),
    cmocka_unit_test (huge_messages_are_cut_not_overflowed),
    cmocka_unit_test (parses_levels_and_formats),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
