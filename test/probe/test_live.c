/* The live mode's judgement: the engine's answer and the sidecar's word. */
#include "live.h"

#include "ping.h"
#include <podsock/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#define NOW 1700000000000LL

static void
expect (size_t i, const struct live_facts *f, int want_rc, const char *want_note)
{
  char *note = NULL;
  int rc = live_judge (f, &note);

  if (rc != want_rc)
    fail_msg ("case %zu: live_judge gave %d, expected %d (%s)", i, rc, want_rc,
              note ? note : "no note");
  if (want_note == NULL && note != NULL)
    fail_msg ("case %zu: unexpected note: %s", i, note);
  if (want_note && (note == NULL || strstr (note, want_note) == NULL))
    fail_msg ("case %zu: note '%s' does not say '%s'", i, note ? note : "(none)", want_note);
  free (note);
}

/* The sidecar's word in a case: a status file as it writes it, or none. */
#define STATUS(st, updated, backoff, ...)                                                          \
  true,                                                                                            \
      { .state = st,                                                                               \
        .engine_pid = 7,                                                                           \
        .restarts = 2,                                                                             \
        .updated_ms = updated,                                                                     \
        .backoff_until_ms = backoff,                                                               \
        __VA_ARGS__ },                                                                             \
      NULL
#define NO_STATUS(why) false, { 0 }, why

/* Every judgement: the facts at NOW, the verdict and what its note says. */
static const struct
{
  int ping;
  const char *ping_error;
  bool has_status;
  struct podsock_status status;
  const char *status_error;
  int want_rc;
  const char *want_note;
} cases[] = {
  /* An answering engine is alive without a word, whatever the sidecar says. */
  { PING_OK, NULL, NO_STATUS (NULL), 0, NULL },
  { PING_OK, NULL, STATUS (PODSOCK_STATE_FAILED, NOW, 0), 0, NULL },
  /* An error answer is no answer (the sidecar's gateway answers 503 itself
   * when podman is gone). */
  { PING_BAD_ANSWER, "/_ping answered HTTP 503: podsock gateway: no engine",
    NO_STATUS ("no status file at /x"), 1,
    "not alive: /_ping answered HTTP 503: podsock gateway: no engine; no status" },
  { PING_BAD_ANSWER, "/_ping answered HTTP 503: podsock gateway: no engine",
    STATUS (PODSOCK_STATE_RUNNING, NOW - 5000, 0), 1,
    "(the sidecar reports the engine running, pid 7)" },
  { PING_BAD_ANSWER, "/_ping answered HTTP 503: podsock gateway: no engine",
    STATUS (PODSOCK_STATE_RESTARTING, NOW, NOW + 1000), 0,
    "alive: the sidecar is restarting the engine" },
  { PING_TIMEOUT, "no answer within 1000 ms",
    NO_STATUS ("no status file at /run/podsock/status.json"), 1,
    "not alive: no answer within 1000 ms; no status file at" },
  /* Hung, or refused, while running. */
  { PING_TIMEOUT, "no answer", STATUS (PODSOCK_STATE_RUNNING, NOW - 5000, 0), 1,
    "engine does not answer (hung?)" },
  { PING_TIMEOUT, "no answer", STATUS (PODSOCK_STATE_RUNNING, NOW - 5000, 0), 1, "pid 7" },
  { PING_NO_ANSWER, "nothing listens", STATUS (PODSOCK_STATE_RUNNING, NOW - 5000, 0), 1,
    "not alive: nothing listens (the sidecar reports the engine running" },
  /* Restarting: within the backoff; past it with 10 s of the allowance left
   * (the backoff ended 20 s ago, podman is starting); for too long. */
  { PING_TIMEOUT, "no answer", STATUS (PODSOCK_STATE_RESTARTING, NOW - 1000, NOW + 4000), 0,
    "alive: the sidecar is restarting the engine (restarts: 2; 34 s left" },
  { PING_NO_ANSWER, "refused", STATUS (PODSOCK_STATE_RESTARTING, NOW - 60000, NOW - 20000), 0,
    "10 s left" },
  { PING_TIMEOUT, "no answer",
    STATUS (PODSOCK_STATE_RESTARTING, NOW - 90000, NOW - LIVE_START_ALLOWANCE_MS - 1), 1,
    "not alive: the engine has been restarting for 90 s, past the backoff and the 30 s start "
    "allowance" },
  /* Starting: the allowance is a half-open interval, at exactly 30 s it is over. */
  { PING_TIMEOUT, "no answer", STATUS (PODSOCK_STATE_STARTING, NOW - 29000, 0), 0,
    "alive: the sidecar is starting the engine" },
  { PING_TIMEOUT, "no answer", STATUS (PODSOCK_STATE_STARTING, NOW - LIVE_START_ALLOWANCE_MS, 0), 1,
    "has been starting for 30 s" },
  /* Stopping, and failed with and without a reason. */
  { PING_NO_ANSWER, "closed", STATUS (PODSOCK_STATE_STOPPING, NOW, 0), 1,
    "the sidecar is stopping the engine" },
  { PING_NO_ANSWER, "closed", STATUS (PODSOCK_STATE_FAILED, NOW, 0), 1,
    "failed (no reason given)" },
  { PING_NO_ANSWER, "closed",
    STATUS (PODSOCK_STATE_FAILED, NOW, 0, .reason = "podman exited 125 five times"), 1,
    "failed (podman exited 125 five times)" },
};

static void
every_case_judged (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      struct live_facts f = { .ping = cases[i].ping,
                              .ping_error = cases[i].ping_error,
                              .status = cases[i].has_status ? &cases[i].status : NULL,
                              .status_error = cases[i].status_error,
                              .now_ms = NOW };
      expect (i, &f, cases[i].want_rc, cases[i].want_note);
    }
}

TEST_MAIN (every_case_judged)
