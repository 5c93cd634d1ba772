/* The live mode's judgement: the engine's answer and the sidecar's word. */
#include "live.h"

#include "ping.h"
#include <podsock/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define NOW 1700000000000LL

static void
expect (const struct live_facts *f, int want_rc, const char *want_note)
{
  char *note = NULL;
  int rc = live_judge (f, &note);

  if (rc != want_rc)
    fail_msg ("live_judge gave %d, expected %d (%s)", rc, want_rc, note ? note : "no note");
  if (want_note == NULL && note != NULL)
    fail_msg ("unexpected note: %s", note);
  if (want_note && (note == NULL || strstr (note, want_note) == NULL))
    fail_msg ("note '%s' does not say '%s'", note ? note : "(none)", want_note);
  free (note);
}

static struct podsock_status
status_of (enum podsock_state state, int64_t updated_ms, int64_t backoff_until_ms)
{
  struct podsock_status s = { .state = state,
                              .engine_pid = 7,
                              .restarts = 2,
                              .updated_ms = updated_ms,
                              .backoff_until_ms = backoff_until_ms };
  return s;
}

static void
answering_engine_is_alive_without_a_word (void **state)
{
  struct live_facts f = { .ping = PING_OK, .now_ms = NOW };
  (void) state;
  expect (&f, 0, NULL);
}

static void
an_error_answer_is_no_answer (void **state)
{
  /* The sidecar's gateway answers 503 itself when podman is gone. */
  struct podsock_status s = status_of (PODSOCK_STATE_RUNNING, NOW - 5000, 0);
  struct live_facts f = { .ping = PING_BAD_ANSWER,
                          .ping_error = "/_ping answered HTTP 503: podsock gateway: no engine",
                          .status_error = "no status file at /x",
                          .now_ms = NOW };
  (void) state;

  expect (&f, 1, "not alive: /_ping answered HTTP 503: podsock gateway: no engine; no status");
  f.status = &s;
  expect (&f, 1, "(the sidecar reports the engine running, pid 7)");
  s = status_of (PODSOCK_STATE_RESTARTING, NOW, NOW + 1000);
  expect (&f, 0, "alive: the sidecar is restarting the engine");
}

static void
no_answer_and_no_status_file (void **state)
{
  struct live_facts f = { .ping = PING_TIMEOUT,
                          .ping_error = "no answer within 1000 ms",
                          .status_error = "no status file at /run/podsock/status.json",
                          .now_ms = NOW };
  (void) state;
  expect (&f, 1, "not alive: no answer within 1000 ms; no status file at");
}

static void
hung_while_running (void **state)
{
  struct podsock_status s = status_of (PODSOCK_STATE_RUNNING, NOW - 5000, 0);
  struct live_facts f
      = { .ping = PING_TIMEOUT, .ping_error = "no answer", .status = &s, .now_ms = NOW };
  (void) state;
  expect (&f, 1, "engine does not answer (hung?)");
  expect (&f, 1, "pid 7");
}

static void
refused_while_running (void **state)
{
  struct podsock_status s = status_of (PODSOCK_STATE_RUNNING, NOW - 5000, 0);
  struct live_facts f
      = { .ping = PING_NO_ANSWER, .ping_error = "nothing listens", .status = &s, .now_ms = NOW };
  (void) state;
  expect (&f, 1, "not alive: nothing listens (the sidecar reports the engine running");
}

static void
restarting_within_backoff (void **state)
{
  struct podsock_status s = status_of (PODSOCK_STATE_RESTARTING, NOW - 1000, NOW + 4000);
  struct live_facts f
      = { .ping = PING_TIMEOUT, .ping_error = "no answer", .status = &s, .now_ms = NOW };
  (void) state;
  expect (&f, 0, "alive: the sidecar is restarting the engine (restarts: 2; 34 s left");
}

static void
restarting_past_backoff_within_allowance (void **state)
{
  /* The backoff ended 20 s ago: podman is starting, 10 s of allowance left. */
  struct podsock_status s = status_of (PODSOCK_STATE_RESTARTING, NOW - 60000, NOW - 20000);
  struct live_facts f
      = { .ping = PING_NO_ANSWER, .ping_error = "refused", .status = &s, .now_ms = NOW };
  (void) state;
  expect (&f, 0, "10 s left");
}

static void
restarting_too_long (void **state)
{
  struct podsock_status s
      = status_of (PODSOCK_STATE_RESTARTING, NOW - 90000, NOW - LIVE_START_ALLOWANCE_MS - 1);
  struct live_facts f
      = { .ping = PING_TIMEOUT, .ping_error = "no answer", .status = &s, .now_ms = NOW };
  (void) state;
  expect (&f, 1,
          "not alive: the engine has been restarting for 90 s, past the backoff and "
          "the 30 s start allowance");
}

static void
starting_within_allowance (void **state)
{
  struct podsock_status s = status_of (PODSOCK_STATE_STARTING, NOW - 29000, 0);
  struct live_facts f
      = { .ping = PING_TIMEOUT, .ping_error = "no answer", .status = &s, .now_ms = NOW };
  (void) state;
  expect (&f, 0, "alive: the sidecar is starting the engine");
}

static void
starting_past_allowance (void **state)
{
  struct podsock_status s = status_of (PODSOCK_STATE_STARTING, NOW - LIVE_START_ALLOWANCE_MS, 0);
  struct live_facts f
      = { .ping = PING_TIMEOUT, .ping_error = "no answer", .status = &s, .now_ms = NOW };
  (void) state;
  /* The allowance is a half-open interval: at exactly 30 s it is over. */
  expect (&f, 1, "has been starting for 30 s");
}

static void
stopping_and_failed (void **state)
{
  struct podsock_status s = status_of (PODSOCK_STATE_STOPPING, NOW, 0);
  struct live_facts f
      = { .ping = PING_NO_ANSWER, .ping_error = "closed", .status = &s, .now_ms = NOW };
  (void) state;

  expect (&f, 1, "the sidecar is stopping the engine");
  s = status_of (PODSOCK_STATE_FAILED, NOW, 0);
  expect (&f, 1, "failed (no reason given)");
  strcpy (s.reason, "podman exited 125 five times");
  expect (&f, 1, "failed (podman exited 125 five times)");
}

static void
answer_wins_over_status (void **state)
{
  struct podsock_status s = status_of (PODSOCK_STATE_FAILED, NOW, 0);
  struct live_facts f = { .ping = PING_OK, .status = &s, .now_ms = NOW };
  (void) state;
  expect (&f, 0, NULL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (answering_engine_is_alive_without_a_word),
    cmocka_unit_test (an_error_answer_is_no_answer),
    cmocka_unit_test (no_answer_and_no_status_file),
    cmocka_unit_test (hung_while_running),
    cmocka_unit_test (refused_while_running),
    cmocka_unit_test (restarting_within_backoff),
    cmocka_unit_test (restarting_past_backoff_within_allowance),
    cmocka_unit_test (restarting_too_long),
    cmocka_unit_test (starting_within_allowance),
    cmocka_unit_test (starting_past_allowance),
    cmocka_unit_test (stopping_and_failed),
    cmocka_unit_test (answer_wins_over_status),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
