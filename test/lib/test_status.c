/* The sidecar's status file: reading good and bad files, writing them. */
#include <podsock/status.h>
#include <podsock/util.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static const char full[]
    = "{\"state\":\"restarting\",\"engine_pid\":42,\"restarts\":3,"
      "\"backoff_until_ms\":1700000004000,\"updated_ms\":1700000000123,\"driver\":\"overlay\","
      "\"disk_used_bytes\":123456789012,\"disk_limit_bytes\":21474836480,"
      "\"last_prune_ms\":1699999990000,\"reason\":\"\"}\n";

static char dir[64];

static int
make_dir (void **state)
{
  (void) state;
  strcpy (dir, "/tmp/probe-status.XXXXXX");
  assert_non_null (mkdtemp (dir));
  return 0;
}

static int
remove_dir (void **state)
{
  char cmd[128];
  (void) state;
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system (cmd) == 0 ? 0 : -1;
}

static void
write_text (const char *path, const char *text)
{
  FILE *f = fopen (path, "w");
  assert_non_null (f);
  fputs (text, f);
  fclose (f);
}

/* Parses text, expecting an error that names want. */
static void
assert_rejected (const char *text, const char *want)
{
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status st;

  if (status_parse (text, strlen (text), &st, &err) == 0)
    fail_msg ("accepted: %s", text);
  if (strstr (err->msg, want) == NULL)
    fail_msg ("error '%s' for %s does not say '%s'", err->msg, text, want);
}

static void
reads_every_field (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status st;
  (void) state;

  assert_int_equal (status_parse (full, strlen (full), &st, &err), 0);
  assert_int_equal (st.state, PODSOCK_STATE_RESTARTING);
  assert_int_equal (st.engine_pid, 42);
  assert_int_equal (st.restarts, 3);
  assert_true (st.backoff_until_ms == 1700000004000LL);
  assert_true (st.updated_ms == 1700000000123LL);
  assert_string_equal (st.driver, "overlay");
  assert_true (st.disk_used_bytes == 123456789012LL);
  assert_true (st.disk_limit_bytes == 21474836480LL);
  assert_true (st.last_prune_ms == 1699999990000LL);
  assert_string_equal (st.reason, "");
}

static void
every_state_name (void **state)
{
  static const char *const names[] = { "starting", "running", "restarting", "stopping", "failed" };
  (void) state;

  for (size_t i = 0; i < ARRAY_SIZE (names); i++)
    {
      cleanup_error podsock_error_t err = NULL;
      struct podsock_status st;
      char text[64];
      enum podsock_state s;

      snprintf (text, sizeof text, "{\"state\":\"%s\"}", names[i]);
      assert_int_equal (status_parse (text, strlen (text), &st, &err), 0);
      assert_int_equal (st.state, (enum podsock_state) i);
      assert_string_equal (status_state_name (st.state), names[i]);
      assert_int_equal (status_state_parse (names[i], &s), 0);
      assert_int_equal (s, (enum podsock_state) i);
    }
  assert_string_equal (status_state_name ((enum podsock_state) 99), "unknown");
}

static void
missing_keys_are_zero_unknown_keys_ignored (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status st;
  const char *text = "{\"state\":\"running\",\"future_key\":{\"nested\":[1,2]},\"x\":null}";
  (void) state;

  assert_int_equal (status_parse (text, strlen (text), &st, &err), 0);
  assert_int_equal (st.state, PODSOCK_STATE_RUNNING);
  assert_int_equal (st.engine_pid, 0);
  assert_int_equal (st.backoff_until_ms, 0);
  assert_string_equal (st.driver, "");
}

static void
no_nul_needed (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status st;
  const char text[] = "{\"state\":\"failed\"}XXXX";
  (void) state;

  /* Only the first len bytes count: the fuzz target passes unterminated input. */
  assert_int_equal (status_parse (text, strlen (text) - 4, &st, &err), 0);
  assert_int_equal (st.state, PODSOCK_STATE_FAILED);
}

static void
wrong_types_name_the_key (void **state)
{
  (void) state;
  assert_rejected ("{\"state\":\"running\",\"restarts\":\"3\"}", "'restarts'");
  assert_rejected ("{\"state\":\"running\",\"engine_pid\":-1}", "'engine_pid'");
  assert_rejected ("{\"state\":\"running\",\"updated_ms\":1.5}", "'updated_ms'");
  assert_rejected ("{\"state\":\"running\",\"backoff_until_ms\":true}", "'backoff_until_ms'");
  assert_rejected ("{\"state\":\"running\",\"disk_used_bytes\":1e300}", "'disk_used_bytes'");
  assert_rejected ("{\"state\":\"running\",\"disk_limit_bytes\":null}", "'disk_limit_bytes'");
  assert_rejected ("{\"state\":\"running\",\"last_prune_ms\":[1]}", "'last_prune_ms'");
  assert_rejected ("{\"state\":\"running\",\"driver\":5}", "'driver'");
  assert_rejected ("{\"state\":\"running\",\"reason\":{}}", "'reason'");
  assert_rejected ("{\"state\":\"sleeping\"}", "'state' is not one of");
  assert_rejected ("{\"state\":1}", "'state' is not one of");
  assert_rejected ("{\"restarts\":1}", "'state' is missing");
}

static void
not_a_status_file (void **state)
{
  (void) state;
  assert_rejected ("", "not valid JSON");
  assert_rejected ("{\"state\":\"running\"", "not valid JSON");
  assert_rejected ("[{\"state\":\"running\"}]", "not a JSON object");
  assert_rejected ("\"running\"", "not a JSON object");
  assert_rejected ("{\"state\":\"running\"} {}", "text after the object");
}

static void
nul_inside_is_not_blank (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status st;
  const char text[] = "{\"state\":\"running\"}\0";
  (void) state;

  assert_int_equal (status_parse (text, sizeof text, &st, &err), -1);
}

static void
long_strings_are_cut (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status st;
  char text[2048], reason[1200];
  (void) state;

  memset (reason, 'r', sizeof reason - 1);
  reason[sizeof reason - 1] = '\0';
  snprintf (text, sizeof text, "{\"state\":\"failed\",\"reason\":\"%s\",\"driver\":\"%s\"}", reason,
            "a-storage-driver-name-much-longer-than-anybody-would-choose-for-a-driver");
  assert_int_equal (status_parse (text, strlen (text), &st, &err), 0);
  assert_int_equal (strlen (st.reason), sizeof st.reason - 1);
  assert_int_equal (strlen (st.driver), sizeof st.driver - 1);
}

static void
read_missing_file_says_enoent (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status st;
  char path[128];
  (void) state;

  snprintf (path, sizeof path, "%s/none.json", dir);
  assert_int_equal (status_read (path, &st, &err), -1);
  assert_int_equal (err->status, ENOENT);
}

static void
read_bad_file_names_the_file (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status st;
  char path[128];
  (void) state;

  snprintf (path, sizeof path, "%s/bad.json", dir);
  write_text (path, "{\"state\":\"running\",\"restarts\":-4}");
  assert_int_equal (status_read (path, &st, &err), -1);
  assert_non_null (strstr (err->msg, path));
  assert_non_null (strstr (err->msg, "'restarts'"));
}

static void
read_refuses_a_huge_file (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  cleanup_free char *big = malloc (STATUS_FILE_MAX + 100);
  struct podsock_status st;
  char path[128];
  (void) state;

  snprintf (path, sizeof path, "%s/huge.json", dir);
  memset (big, ' ', STATUS_FILE_MAX + 99);
  big[0] = '{';
  strcpy (big + STATUS_FILE_MAX + 50, "\"state\":\"running\"}");
  write_text (path, big);
  assert_int_equal (status_read (path, &st, &err), -1);
  assert_non_null (strstr (err->msg, "larger than"));
}

static void
write_then_read_round_trips (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status in = { .state = PODSOCK_STATE_FAILED,
                               .engine_pid = 4194304,
                               .restarts = 17,
                               .backoff_until_ms = 0,
                               .updated_ms = 1700000000999LL,
                               .disk_used_bytes = 9007199254740992LL,
                               .disk_limit_bytes = 1,
                               .last_prune_ms = 1700000000000LL };
  struct podsock_status out;
  char path[128];
  struct stat sb;
  (void) state;

  strcpy (in.driver, "fuse-overlayfs");
  strcpy (in.reason, "podman exited 125: \"quoted\"\nsecond line \\ é");
  snprintf (path, sizeof path, "%s/status.json", dir);
  assert_int_equal (status_write (path, &in, &err), 0);
  assert_int_equal (status_read (path, &out, &err), 0);
  assert_int_equal (out.state, in.state);
  assert_true (out.engine_pid == in.engine_pid && out.restarts == in.restarts);
  assert_true (out.backoff_until_ms == in.backoff_until_ms && out.updated_ms == in.updated_ms);
  assert_true (out.disk_used_bytes == in.disk_used_bytes);
  assert_true (out.disk_limit_bytes == in.disk_limit_bytes);
  assert_true (out.last_prune_ms == in.last_prune_ms);
  assert_string_equal (out.driver, in.driver);
  assert_string_equal (out.reason, in.reason);
  assert_int_equal (stat (path, &sb), 0);
  assert_int_equal (sb.st_mode & 0777, 0644);
}

static void
write_fills_no_terminator_safely (void **state)
{
  struct podsock_status in = { .state = PODSOCK_STATE_RUNNING };
  cleanup_free char *text = NULL;
  (void) state;

  /* A writer that filled the arrays to the brim: no NUL inside them. */
  memset (in.driver, 'd', sizeof in.driver);
  memset (in.reason, 'r', sizeof in.reason);
  text = status_format (&in);
  assert_non_null (text);
  assert_non_null (strstr (text, "\"state\":\"running\""));
  assert_int_equal (text[strlen (text) - 1], '\n');
}

static void
write_error_names_the_file (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status in = { .state = PODSOCK_STATE_RUNNING };
  (void) state;

  assert_int_equal (status_write ("/nonexistent-dir/status.json", &in, &err), -1);
  assert_non_null (strstr (err->msg, "/nonexistent-dir/status.json"));
}

static void
path_from_flag_env_default (void **state)
{
  (void) state;
  unsetenv (STATUS_FILE_ENV);
  assert_string_equal (status_file_path (NULL), STATUS_FILE_DEFAULT);
  assert_string_equal (status_file_path ("/f.json"), "/f.json");
  setenv (STATUS_FILE_ENV, "/e.json", 1);
  assert_string_equal (status_file_path (NULL), "/e.json");
  assert_string_equal (status_file_path ("/f.json"), "/f.json");
  assert_string_equal (status_file_path (""), "/e.json");
  unsetenv (STATUS_FILE_ENV);
}

static void
now_is_epoch_ms (void **state)
{
  int64_t now = status_now_ms ();
  (void) state;
  assert_true (now > 1600000000000LL);
  assert_true (now < 4102444800000LL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (reads_every_field),
    cmocka_unit_test (every_state_name),
    cmocka_unit_test (missing_keys_are_zero_unknown_keys_ignored),
    cmocka_unit_test (no_nul_needed),
    cmocka_unit_test (wrong_types_name_the_key),
    cmocka_unit_test (not_a_status_file),
    cmocka_unit_test (nul_inside_is_not_blank),
    cmocka_unit_test (long_strings_are_cut),
    cmocka_unit_test (read_missing_file_says_enoent),
    cmocka_unit_test (read_bad_file_names_the_file),
    cmocka_unit_test (read_refuses_a_huge_file),
    cmocka_unit_test (write_then_read_round_trips),
    cmocka_unit_test (write_fills_no_terminator_safely),
    cmocka_unit_test (write_error_names_the_file),
    cmocka_unit_test (path_from_flag_env_default),
    cmocka_unit_test (now_is_epoch_ms),
  };
  return cmocka_run_group_tests (tests, make_dir, remove_dir);
}
