/* probe/statusfile.c: the sidecar's status file as the probe reads it; a
 * missing file says so plainly, a bad one keeps the reader's message. */
#include "statusfile.h"

#include <podsock/util.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testdir.h"
#include "testutil.h"

static const char *
status_path (char *buf, size_t size)
{
  snprintf (buf, size, "%s/status.json", testdir);
  return buf;
}

static void
reads_what_the_sidecar_wrote (void **state)
{
  struct podsock_status in = { .state = PODSOCK_STATE_RESTARTING,
                               .engine_pid = 42,
                               .restarts = 2,
                               .backoff_until_ms = 1700000005000LL,
                               .updated_ms = 1700000000000LL,
                               .disk_used_bytes = 10,
                               .disk_limit_bytes = 20 },
                        out;
  cleanup_error podsock_error_t err = NULL;
  char path[128];
  (void) state;

  strcpy (in.driver, "overlay");
  strcpy (in.reason, "podman exited with status 1");
  status_path (path, sizeof path);
  assert_int_equal (status_write (path, &in, &err), 0);
  memset (&out, 0xff, sizeof out);
  assert_int_equal (probe_status_read (path, &out, &err), 0);
  assert_null (err);
  assert_int_equal (out.state, PODSOCK_STATE_RESTARTING);
  assert_int_equal (out.engine_pid, 42);
  assert_int_equal (out.restarts, 2);
  assert_int_equal (out.backoff_until_ms, 1700000005000LL);
  assert_string_equal (out.driver, "overlay");
  assert_string_equal (out.reason, "podman exited with status 1");
}

/* No file: "no status file at PATH", the status still ENOENT, so callers
 * can tell it from a bad file. */
static void
missing_file_says_so (void **state)
{
  struct podsock_status st;
  cleanup_error podsock_error_t err = NULL;
  char path[128], want[160];
  (void) state;

  status_path (path, sizeof path);
  snprintf (want, sizeof want, "no status file at %s", path);
  assert_int_equal (probe_status_read (path, &st, &err), -1);
  assert_string_equal (err->msg, want);
  assert_int_equal (err->status, ENOENT);
}

/* Files that are there but wrong keep the reader's own message, which
 * names what is wrong. */
struct bad_file
{
  const char *text, *says;
};

static void
bad_files_keep_the_readers_message (void **state)
{
  static const struct bad_file cases[] = {
    { "{\"engine_pid\":1}", "state" },
    { "{\"state\":\"running\",\"restarts\":\"many\"}", "restarts" },
    { "{\"state\":\"dancing\"}", "not one of starting, running" },
    { "not json", "status file " },
  };
  char path[128];
  (void) state;

  status_path (path, sizeof path);
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      struct podsock_status st;
      cleanup_error podsock_error_t err = NULL;

      testdir_put ("status.json", cases[i].text);
      assert_int_equal (probe_status_read (path, &st, &err), -1);
      if (strstr (err->msg, cases[i].says) == NULL || strstr (err->msg, "no status file"))
        fail_msg ("'%s': error '%s' does not say '%s'", cases[i].text, err->msg, cases[i].says);
    }
}

/* A directory where the file should be is an I/O error, not "no file". */
static void
directory_is_not_a_missing_file (void **state)
{
  struct podsock_status st;
  cleanup_error podsock_error_t err = NULL;
  (void) state;

  assert_int_equal (probe_status_read (testdir, &st, &err), -1);
  assert_null (strstr (err->msg, "no status file"));
  assert_int_not_equal (err->status, ENOENT);
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, reads_what_the_sidecar_wrote,
                    missing_file_says_so, bad_files_keep_the_readers_message,
                    directory_is_not_a_missing_file)
