#include "live.h"
#include "statusfile.h"

#include "ping.h"
#include <podsock/util.h>

#include <stdarg.h>
#include <stdio.h>

static int verdict (int rc, char **note, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static int
verdict (int rc, char **note, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (note, fmt, ap) < 0)
    *note = NULL;
  va_end (ap);
  return rc;
}

static int
judge_starting (const struct live_facts *f, char **note)
{
  const struct podsock_status *s = f->status;
  int64_t from = s->backoff_until_ms > s->updated_ms ? s->backoff_until_ms : s->updated_ms;
  int64_t until = from + LIVE_START_ALLOWANCE_MS;
  const char *what = status_state_name (s->state);

  if (f->now_ms < until)
    return verdict (0, note,
                    "alive: the sidecar is %s the engine (restarts: %lld; %lld s left of the "
                    "backoff and start allowance): %s",
                    s->state == PODSOCK_STATE_STARTING ? "starting" : "restarting",
                    (long long) s->restarts, (long long) ((until - f->now_ms + 999) / 1000),
                    f->ping_error);
  return verdict (1, note,
                  "not alive: the engine has been %s for %lld s, past the backoff and the "
                  "%d s start allowance: %s",
                  what, (long long) ((f->now_ms - s->updated_ms) / 1000),
                  LIVE_START_ALLOWANCE_MS / 1000, f->ping_error);
}

static int
judge_with_status (const struct live_facts *f, char **note)
{
  const struct podsock_status *s = f->status;

  switch (s->state)
    {
    case PODSOCK_STATE_STARTING:
    case PODSOCK_STATE_RESTARTING:
      return judge_starting (f, note);
    case PODSOCK_STATE_RUNNING:
      if (f->ping == PING_TIMEOUT)
        return verdict (1, note,
                        "not alive: engine does not answer (hung?) though the sidecar reports "
                        "it running (pid %lld): %s",
                        (long long) s->engine_pid, f->ping_error);
      return verdict (1, note, "not alive: %s (the sidecar reports the engine running, pid %lld)",
                      f->ping_error, (long long) s->engine_pid);
    case PODSOCK_STATE_STOPPING:
      return verdict (1, note, "not alive: the sidecar is stopping the engine: %s", f->ping_error);
    case PODSOCK_STATE_FAILED:
    default:
      return verdict (1, note, "not alive: the sidecar reports the engine failed (%s): %s",
                      *s->reason ? s->reason : "no reason given", f->ping_error);
    }
}

int
live_judge (const struct live_facts *f, char **note)
{
  *note = NULL;
  if (f->ping == PING_OK)
    return 0;
  /* Anything but "OK" counts as no answer: in front of podman the
   * sidecar's gateway answers 503 itself when podman is gone. */
  if (f->status == NULL)
    return verdict (1, note, "not alive: %s; %s", f->ping_error, f->status_error);
  return judge_with_status (f, note);
}

int
live_run (const struct probe_options *o)
{
  cleanup_error podsock_error_t ping_err = NULL;
  cleanup_error podsock_error_t status_err = NULL;
  cleanup_free char *note = NULL;
  struct live_facts f = { .ping = PING_OK };
  struct podsock_status st;
  int rc;

  f.ping = ping_engine (o->socket_path, o->timeout_ms, &ping_err);
  if (f.ping != PING_OK)
    {
      f.ping_error = ping_err->msg;
      f.now_ms = status_now_ms ();
      if (probe_status_read (o->status_path, &st, &status_err) == 0)
        f.status = &st;
      else
        f.status_error = status_err->msg;
    }
  rc = live_judge (&f, &note);
  if (note)
    fprintf (stderr, "podsock-probe: %s\n", note);
  return rc;
}
