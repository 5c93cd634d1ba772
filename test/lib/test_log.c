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

#include "testutil.h"

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
log_debug_and_warn (void)
{
  log_debug ("hidden");
  log_warn ("shown");
}

static void
log_with_fields (void)
{
  podsock_log_fields (PODSOCK_LOG_INFO, "m", "path", "/x\"y", "n", "3", NULL);
}

static void
log_errno_message (void)
{
  errno = ENOENT;
  log_error ("open: %m");
}

static void
log_passthrough_line (void)
{
  podsock_log_passthrough ("podman", "level=warning msg=\"x\"", 21);
}

static void
log_huge (void)
{
  char big[10000];
  memset (big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  log_info ("%s", big);
}

/* What each kind of line says: JSON escapes, the level and program, fields
 * as JSON strings, errno kept for %m, passthrough lines tagged. */
static const struct
{
  void (*emit) (void);
  const char *want;
} says[] = {
  { log_quotes_and_newlines, "\"msg\":\"a \\\"quoted\\\" word\\nand a\\\\backslash\\u0001\"}" },
  { log_quotes_and_newlines, "\"level\":\"info\"" },
  { log_quotes_and_newlines, "\"prog\":\"t\"" },
  { log_debug_and_warn, "\"level\":\"warn\"" },
  { log_with_fields, "\"msg\":\"m\",\"path\":\"/x\\\"y\",\"n\":\"3\"}" },
  { log_errno_message, "open: No such file or directory" },
  { log_passthrough_line, "\"source\":\"podman\",\"msg\":\"level=warning msg=\\\"x\\\"\"" },
};

static void
lines_say_what_they_should (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (says); i++)
    if (strstr (capture (says[i].emit), says[i].want) == NULL)
      fail_msg ("case %zu: '%s' lacks '%s'", i, captured, says[i].want);
}

/* One line, ended by a newline. */
static void
one_line_each (void **state)
{
  const char *out = capture (log_quotes_and_newlines);
  (void) state;
  assert_int_equal (out[strlen (out) - 1], '\n');
  assert_ptr_equal (strchr (out, '\n'), out + strlen (out) - 1);
}

static void
levels_below_minimum_are_dropped (void **state)
{
  (void) state;
  assert_null (strstr (capture (log_debug_and_warn), "hidden"));
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

TEST_MAIN (lines_say_what_they_should, one_line_each, levels_below_minimum_are_dropped,
           huge_messages_are_cut_not_overflowed, parses_levels_and_formats)
