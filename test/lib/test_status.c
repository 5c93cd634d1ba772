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

#include "testdir.h"
#include "testutil.h"

static const char full[]
    = "{\"state\":\"restarting\",\"engine_pid\":42,\"restarts\":3,"
      "\"backoff_until_ms\":1700000004000,\"updated_ms\":1700000000123,\"driver\":\"overlay\","
      "\"disk_used_bytes\":123456789012,\"disk_limit_bytes\":21474836480,"
      "\"last_prune_ms\":1699999990000,\"reason\":\"\"}\n";

/* status_read of the scratch file name, written with text first unless
 * text is NULL: fails; returns the error. */
static podsock_error_t
read_error (const char *name, const char *text)
{
  podsock_error_t err = NULL;
  struct podsock_status st;

  if (text)
    testdir_put (name, text);
  assert_int_equal (status_read (path_in (testdir, name), &st, &err), -1);
  return err;
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

/* Exactly the first len bytes count: the fuzz target passes unterminated
 * input, and a NUL inside them is not blank. */
static void
len_bytes_count (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status st;
  const char unterminated[] = "{\"state\":\"failed\"}XXXX";
  const char nul_inside[] = "{\"state\":\"running\"}\0";
  (void) state;

  assert_int_equal (status_parse (unterminated, strlen (unterminated) - 4, &st, &err), 0);
  assert_int_equal (st.state, PODSOCK_STATE_FAILED);
  assert_int_equal (status_parse (nul_inside, sizeof nul_inside, &st, &err), -1);
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
  cleanup_error podsock_error_t err = read_error ("none.json", NULL);
  (void) state;
  assert_int_equal (err->status, ENOENT);
}

static void
read_bad_file_names_the_file (void **state)
{
  cleanup_error podsock_error_t err
      = read_error ("bad.json", "{\"state\":\"running\",\"restarts\":-4}");
  (void) state;
  assert_non_null (strstr (err->msg, path_in (testdir, "bad.json")));
  assert_non_null (strstr (err->msg, "'restarts'"));
}

static void
read_refuses_a_huge_file (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  cleanup_free char *big = malloc (STATUS_FILE_MAX + 100);
  (void) state;

  memset (big, ' ', STATUS_FILE_MAX + 99);
  big[0] = '{';
  strcpy (big + STATUS_FILE_MAX + 50, "\"state\":\"running\"}");
  err = read_error ("huge.json", big);
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
  const char *path = path_in (testdir, "status.json");
  struct stat sb;
  (void) state;

  strcpy (in.driver, "fuse-overlayfs");
  strcpy (in.reason, "podman exited 125: \"quoted\"\nsecond line \\ é");
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

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, reads_every_field, every_state_name,
                    missing_keys_are_zero_unknown_keys_ignored, len_bytes_count,
                    wrong_types_name_the_key, not_a_status_file, long_strings_are_cut,
                    read_missing_file_says_enoent, read_bad_file_names_the_file,
                    read_refuses_a_huge_file, write_then_read_round_trips,
                    write_fills_no_terminator_safely, write_error_names_the_file,
                    path_from_flag_env_default, now_is_epoch_ms)
