/* Restarts of podman: exponential backoff between them, and giving up after
 * engine.restartMax within engine.restartWindow. */
#include "supervisor.h"

#include <podsock/log.h>
#include <podsock/util.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/epoll.h>

/* Backoff between restarts: 0.5 s, 1 s, 2 s, ... at most this. */
#define RESTART_BACKOFF_FIRST_MS 500
#define RESTART_BACKOFF_MAX_MS 16000

/* Podman died on its own.  The socket stays bound and listening in this
 * process, so clients wait in its backlog while podman comes back. */
void
supervisor_schedule_restart (struct supervisor *s)
{
  long now = monotonic_now_ms (), delay = RESTART_BACKOFF_FIRST_MS;

  if (now - s->window_start_ms > (long) s->p->cfg->restart_window_seconds * 1000L)
    {
      s->window_start_ms = now;
      s->window_restarts = 0;
    }
  if (s->window_restarts >= s->p->cfg->restart_max)
    {
      char reason[256];
      snprintf (reason, sizeof reason,
                "podman exited with status %d and has crashed %u times within %u s; giving up "
                "(its output above says why)",
                s->exit_status, s->window_restarts + 1, s->p->cfg->restart_window_seconds);
      log_error ("%s", reason);
      s->gave_up = 1;
      supervisor_publish (s, PODSOCK_STATE_FAILED, reason);
      return;
    }
  for (unsigned i = 0; i < s->window_restarts && delay < RESTART_BACKOFF_MAX_MS; i++)
    delay *= 2;
  if (delay > RESTART_BACKOFF_MAX_MS)
    delay = RESTART_BACKOFF_MAX_MS;
  s->window_restarts++;
  s->restart_pending = 1;
  log_error ("podman exited unexpectedly with status %d; restarting in %ld ms (restart %u of "
             "at most %u within %u s)",
             s->exit_status, delay, s->window_restarts, s->p->cfg->restart_max,
             s->p->cfg->restart_window_seconds);
  supervisor_arm_timer_ms (s->restartfd, delay);
  /* The probe's liveness allows the backoff and podman's start-up after it. */
  s->backoff_until_ms = realtime_now_ms () + delay + 30000;
  supervisor_publish (s, PODSOCK_STATE_RESTARTING, NULL);
}

void
supervisor_restart_engine (struct supervisor *s)
{
  cleanup_error podsock_error_t err = NULL;

  s->restart_pending = 0;
  if (s->stopping)
    return;
  if (engine_clean_stale_state (s->engine, &err) < 0)
    log_warn ("before restarting podman: %s", err->msg);
  if (engine_start (s->engine, s->p->listen_fd, s->p->child_mask, &err) < 0)
    {
      log_error ("restart podman: %s", err->msg);
      supervisor_schedule_restart (s);
      return;
    }
  s->restarts++;
  fcntl (s->engine->out_fd, F_SETFL, O_NONBLOCK);
  supervisor_poll_fd (s->epfd, s->engine->out_fd);
  log_info ("restarted podman (pid %d)", (int) s->engine->pid);
  supervisor_publish (s, PODSOCK_STATE_RUNNING, NULL);
}
