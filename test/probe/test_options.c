/* podsock-probe's command line: modes, flags, durations, the socket and the
 * status file from flags and environment. */
#include "options.h"

#include <podsock/status.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define PARSE(o, ...) parse_args ((o), (char *[]){ "podsock-probe", __VA_ARGS__, NULL })

static podsock_error_t last_err;

static int
parse_args (struct probe_options *o, char **argv)
{
  enum probe_parse_result r;
  int argc = 0;

  while (argv[argc])
    argc++;
  podsock_error_free (&last_err);
  if (probe_options_parse (argc, argv, o, &r, &last_err) < 0)
    return -1;
  return r == PROBE_PARSE_EXIT_OK ? 1 : 0;
}

static void
assert_error_has (const char *want)
{
  assert_non_null (last_err);
  if (strstr (last_err->msg, want) == NULL)
    fail_msg ("error '%s' does not say '%s'", last_err->msg, want);
}

static int
clean_env (void **state)
{
  (void) state;
  unsetenv ("PODSOCK_SOCKET");
  unsetenv ("DOCKER_HOST");
  unsetenv (STATUS_FILE_ENV);
  return 0;
}

static void
defaults (void **state)
{
  struct probe_options o;
  (void) state;

  assert_int_equal (parse_args (&o, (char *[]){ "podsock-probe", NULL }), 0);
  assert_int_equal (o.mode, PROBE_READY);
  assert_int_equal (o.timeout_ms, 1000);
  assert_string_equal (o.socket_path, "/sockets/podman.sock");
  assert_null (o.status_path); /* ready reads no status file, not even its path */
  assert_int_equal (o.json, 0);
}

static void
modes_and_their_defaults (void **state)
{
  struct probe_options o;
  (void) state;

  assert_int_equal (PARSE (&o, "ready"), 0);
  assert_int_equal (o.mode, PROBE_READY);
  assert_int_equal (PARSE (&o, "live"), 0);
  assert_int_equal (o.mode, PROBE_LIVE);
  assert_int_equal (o.timeout_ms, 1000);
  assert_string_equal (o.status_path, STATUS_FILE_DEFAULT);
  assert_int_equal (PARSE (&o, "wait"), 0);
  assert_int_equal (o.mode, PROBE_WAIT);
  assert_int_equal (o.timeout_ms, 60000);
  assert_null (o.status_path);
  assert_int_equal (PARSE (&o, "status"), 0);
  assert_int_equal (o.mode, PROBE_STATUS);
  assert_int_equal (o.timeout_ms, 5000);
  assert_string_equal (o.status_path, STATUS_FILE_DEFAULT);
}

static void
mode_word_anywhere (void **state)
{
  struct probe_options o;
  (void) state;

  assert_int_equal (PARSE (&o, "-t", "250", "live", "-s", "/x.sock"), 0);
  assert_int_equal (o.mode, PROBE_LIVE);
  assert_int_equal (o.timeout_ms, 250);
  assert_string_equal (o.socket_path, "/x.sock");
  assert_int_equal (PARSE (&o, "--json", "status", "--timeout=2s"), 0);
  assert_int_equal (o.mode, PROBE_STATUS);
  assert_int_equal (o.json, 1);
  assert_int_equal (o.timeout_ms, 2000);
}

static void
wait_timeout_in_seconds (void **state)
{
  struct probe_options o;
  (void) state;

  assert_int_equal (PARSE (&o, "wait", "--timeout", "5"), 0);
  assert_int_equal (o.timeout_ms, 5000);
  assert_int_equal (PARSE (&o, "wait", "--timeout", "1500ms"), 0);
  assert_int_equal (o.timeout_ms, 1500);
  assert_int_equal (PARSE (&o, "wait", "-q"), 0);
  assert_int_equal (o.quiet, 1);
}

static void
usage_errors (void **state)
{
  struct probe_options o;
  (void) state;

  assert_int_equal (PARSE (&o, "sleep"), -1);
  assert_error_has ("unknown mode 'sleep'");
  assert_int_equal (PARSE (&o, "ready", "live"), -1);
  assert_error_has ("unexpected argument 'live'");
  assert_int_equal (PARSE (&o, "--bogus"), -1);
  assert_error_has ("unknown option '--bogus'");
  assert_int_equal (PARSE (&o, "--timeout"), -1);
  assert_error_has ("needs a value");
  assert_int_equal (PARSE (&o, "--timeout", "1m"), -1);
  assert_error_has ("is not a duration");
  assert_int_equal (PARSE (&o, "--socket", ""), -1);
  assert_error_has ("--socket is empty");
}

static void
flags_only_where_they_mean_something (void **state)
{
  struct probe_options o;
  (void) state;

  assert_int_equal (PARSE (&o, "ready", "--json"), -1);
  assert_error_has ("--json applies to the status mode only");
  assert_int_equal (PARSE (&o, "wait", "--status-file", "/s.json"), -1);
  assert_error_has ("--status-file applies to the live and status modes only");
  assert_int_equal (PARSE (&o, "live", "--status-file", ""), -1);
  assert_error_has ("--status-file is empty");
  assert_int_equal (PARSE (&o, "live", "--status-file", "/s.json"), 0);
  assert_string_equal (o.status_path, "/s.json");
}

static void
status_file_from_env (void **state)
{
  struct probe_options o;
  (void) state;

  setenv (STATUS_FILE_ENV, "/env/status.json", 1);
  assert_int_equal (PARSE (&o, "live"), 0);
  assert_string_equal (o.status_path, "/env/status.json");
  assert_int_equal (PARSE (&o, "status", "--status-file", "/flag.json"), 0);
  assert_string_equal (o.status_path, "/flag.json");
  setenv (STATUS_FILE_ENV, "", 1);
  assert_int_equal (PARSE (&o, "live"), 0);
  assert_string_equal (o.status_path, STATUS_FILE_DEFAULT);
}

static void
socket_precedence (void **state)
{
  struct probe_options o;
  (void) state;

  setenv ("DOCKER_HOST", "unix:///from/docker_host.sock", 1);
  assert_int_equal (PARSE (&o, "ready"), 0);
  assert_string_equal (o.socket_path, "/from/docker_host.sock");
  setenv ("PODSOCK_SOCKET", "/from/podsock_socket.sock", 1);
  assert_int_equal (PARSE (&o, "ready"), 0);
  assert_string_equal (o.socket_path, "/from/podsock_socket.sock");
  assert_int_equal (PARSE (&o, "-s", "/from/flag.sock"), 0);
  assert_string_equal (o.socket_path, "/from/flag.sock");
}

static void
docker_host_must_be_a_unix_path (void **state)
{
  struct probe_options o;
  (void) state;

  setenv ("DOCKER_HOST", "tcp://127.0.0.1:2375", 1);
  assert_int_equal (PARSE (&o, "ready"), -1);
  assert_error_has ("is not a unix:///path URL");
  setenv ("DOCKER_HOST", "unix://relative.sock", 1);
  assert_int_equal (PARSE (&o, "ready"), -1);
  /* A flag makes DOCKER_HOST irrelevant. */
  assert_int_equal (PARSE (&o, "-s", "/ok.sock"), 0);
}

static void
help_and_version_exit_ok (void **state)
{
  struct probe_options o;
  (void) state;

  assert_int_equal (PARSE (&o, "--version"), 1);
  assert_int_equal (PARSE (&o, "-h"), 1);
}

static void
durations (void **state)
{
  static const struct
  {
    const char *text;
    long default_unit_ms;
    long want_ms;
  } good[] = {
    { "250", 1, 250 }, { "3", 1000, 3000 },         { "3s", 1, 3000 },         { "40ms", 1000, 40 },
    { "1", 1, 1 },     { "86400000", 1, 86400000 }, { "86400s", 1, 86400000 },
  };
  long ms;
  (void) state;

  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    {
      ms = -1;
      if (probe_parse_duration (good[i].text, good[i].default_unit_ms, &ms) < 0)
        fail_msg ("'%s' (bare numbers in %ld ms) rejected", good[i].text, good[i].default_unit_ms);
      if (ms != good[i].want_ms)
        fail_msg ("'%s' (bare numbers in %ld ms) gave %ld ms, want %ld", good[i].text,
                  good[i].default_unit_ms, ms, good[i].want_ms);
    }
}

static void
bad_durations (void **state)
{
  static const char *const bad[] = {
    "",
    "0",
    "0s",
    "ms",
    "s",
    "-1",
    "+1",
    " 1",
    "1 ",
    "1.5s",
    "1m",
    "1sec",
    "1S",
    "1MS",
    "0x10",
    "1e3",
    "86400001",
    "86401s",
    "99999999999999999999999999999999",
    "1s1",
    "ms1",
  };
  long ms = 77;
  (void) state;

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      if (probe_parse_duration (bad[i], 1, &ms) == 0)
        fail_msg ("'%s' was accepted as %ld ms", bad[i], ms);
      assert_int_equal (ms, 77); /* untouched on failure */
    }
  assert_int_equal (probe_parse_duration ("86401", 1000, &ms), -1);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup (defaults, clean_env),
    cmocka_unit_test_setup (modes_and_their_defaults, clean_env),
    cmocka_unit_test_setup (mode_word_anywhere, clean_env),
    cmocka_unit_test_setup (wait_timeout_in_seconds, clean_env),
    cmocka_unit_test_setup (usage_errors, clean_env),
    cmocka_unit_test_setup (flags_only_where_they_mean_something, clean_env),
    cmocka_unit_test_setup (status_file_from_env, clean_env),
    cmocka_unit_test_setup (socket_precedence, clean_env),
    cmocka_unit_test_setup (docker_host_must_be_a_unix_path, clean_env),
    cmocka_unit_test_setup (help_and_version_exit_ok, clean_env),
    cmocka_unit_test (durations),
    cmocka_unit_test (bad_durations),
  };
  int r = cmocka_run_group_tests (tests, NULL, NULL);
  podsock_error_free (&last_err);
  return r;
}
