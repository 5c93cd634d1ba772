/* podsock-probe: exec probe for kubelets, and `wait` and `status` for jobs.
 * Each run asks the engine over its socket with a small HTTP client of its
 * own (probe/ping.c): a probe that runs every few seconds in every pod must
 * cost about what a `stat` does. */
#include "live.h"
#include "options.h"
#include "report.h"

#include "ping.h"
#include <podsock/util.h>

#include <stdio.h>
#include <unistd.h>

/* How often `wait` asks again. */
#define WAIT_INTERVAL_MS 100

static int
run_ready (const struct probe_options *o)
{
  cleanup_error podsock_error_t err = NULL;

  if (ping_engine (o->socket_path, o->timeout_ms, &err) < 0)
    {
      fprintf (stderr, "podsock-probe: not ready: %s\n", err->msg);
      return 1;
    }
  return 0;
}

static int
run_wait (const struct probe_options *o)
{
  long start = monotonic_now_ms (), deadline = start + o->timeout_ms, last_report = start;
  cleanup_error podsock_error_t err = NULL;

  for (;;)
    {
      long now = monotonic_now_ms (), left = deadline - now;
      if (ping_engine (o->socket_path, left < 1000 ? (left > 0 ? left : 1) : 1000, &err) == 0)
        {
          if (!o->quiet)
            fprintf (stderr, "podsock-probe: engine at %s ready after %ld ms\n", o->socket_path,
                     monotonic_now_ms () - start);
          return 0;
        }
      now = monotonic_now_ms ();
      if (now >= deadline)
        {
          fprintf (stderr, "podsock-probe: not ready after %ld ms: %s\n", now - start, err->msg);
          return 1;
        }
      if (!o->quiet && now - last_report >= 2000)
        {
          fprintf (stderr, "podsock-probe: waiting for %s (%ld s): %s\n", o->socket_path,
                   (now - start) / 1000, err->msg);
          last_report = now;
        }
      usleep (WAIT_INTERVAL_MS * 1000);
    }
}

int
main (int argc, char **argv)
{
  cleanup_error podsock_error_t err = NULL;
  struct probe_options o;
  enum probe_parse_result parsed;

  if (probe_options_parse (argc, argv, &o, &parsed, &err) < 0)
    {
      fprintf (stderr, "podsock-probe: %s\n", err->msg);
      return 2;
    }
  if (parsed == PROBE_PARSE_EXIT_OK)
    return 0;
  switch (o.mode)
    {
    case PROBE_WAIT:
      return run_wait (&o);
    case PROBE_LIVE:
      return live_run (&o);
    case PROBE_STATUS:
      return report_run (&o);
    case PROBE_READY:
    default:
      return run_ready (&o);
    }
}
