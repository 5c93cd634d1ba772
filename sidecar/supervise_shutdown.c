/* Stopping: the containers through the API within the grace period, then
 * podman (SIGTERM, SIGKILL), then whatever it left behind; and the stop
 * that a lost clients' socket calls for. */
#include "supervisor.h"
#include "api.h"

#include <podsock/log.h>
#include <podsock/util.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* After podman exits, how long its leftovers (pause process, conmon) get to
 * go on SIGTERM before SIGKILL. */
#define LEFTOVER_GRACE_MS 2000

void
supervisor_term_engine (struct supervisor *s)
{
  if (s->term_sent || s->engine->pid <= 0)
    return;
  s->term_sent = 1;
  kill (s->engine->pid, SIGTERM);
}

/* The containers get half the grace period to stop (SIGTERM, then podman's
 * SIGKILL), through the API and all at once; podman itself the rest.  The
 * API calls run in a child so that this loop keeps reading podman's output. */
static pid_t
start_stopper (struct supervisor *s)
{
  unsigned stop_seconds = s->grace_seconds / 2;
  pid_t pid = fork ();

  if (pid != 0)
    return pid;
  {
    cleanup_error podsock_error_t err = NULL;
    int n;
    sigprocmask (SIG_SETMASK, s->p->child_mask, NULL);
    n = api_stop_all (s->engine->api_socket, stop_seconds, (long) s->grace_seconds * 750, &err);
    if (n < 0)
      log_warn ("stopping containers through the API: %s", err->msg);
    else if (n > 0)
      log_info ("stopped %d running container(s) through the API", n);
    _exit (n < 0 ? 1 : 0);
  }
}

void
supervisor_begin_stop (struct supervisor *s, int sig)
{
  if (s->stopping)
    {
      log_info ("received %s again; still stopping", strsignal (sig));
      return;
    }
  s->stopping = 1;
  s->restart_pending = 0;
  log_info ("received %s; stopping containers and podman (grace %us)", strsignal (sig),
            s->grace_seconds);
  supervisor_publish (s, PODSOCK_STATE_STOPPING, NULL);
  if (s->engine->pid > 0 && s->grace_seconds >= 2)
    s->stopper = start_stopper (s);
  if (s->stopper <= 0)
    supervisor_term_engine (s);
  /* First deadline: SIGTERM podman even if containers are still stopping. */
  supervisor_arm_timer_ms (s->timerfd, (long) s->grace_seconds * 750);
}

void
supervisor_grace_expired (struct supervisor *s)
{
  if (s->engine->pid > 0 && !s->term_sent)
    {
      log_warn ("containers did not stop in time; stopping podman");
      if (s->stopper > 0)
        kill (s->stopper, SIGKILL);
      supervisor_term_engine (s);
      supervisor_arm_timer_ms (s->timerfd, (long) s->grace_seconds * 250);
    }
  else if (s->engine->pid > 0)
    {
      log_warn ("podman did not stop within %us; sending SIGKILL", s->grace_seconds);
      kill (s->engine->pid, SIGKILL);
    }
}

static int
list_children (pid_t *out, int max)
{
  char path[64];
  cleanup_file FILE *f = NULL;
  int n = 0;
  long pid;

  snprintf (path, sizeof path, "/proc/self/task/%d/children", (int) getpid ());
  f = fopen (path, "re");
  if (f == NULL)
    return -1;
  while (n < max && fscanf (f, "%ld", &pid) == 1)
    out[n++] = (pid_t) pid;
  return n;
}

int
supervise_signal_children (int sig)
{
  pid_t pids[512];
  int n = list_children (pids, (int) ARRAY_SIZE (pids));

  for (int i = 0; i < n; i++)
    kill (pids[i], sig);
  return n;
}

/* The rootless pause process and conmon outlive podman; as subreaper we
 * inherited them.  End them so that no process of the pod user remains. */
void
supervisor_end_leftovers (struct supervisor *s)
{
  long deadline = monotonic_now_ms () + LEFTOVER_GRACE_MS;
  int sig = SIGTERM;
  bool said = false;

  for (;;)
    {
      int n;
      supervisor_reap_children (s);
      n = supervise_signal_children (sig);
      if (n <= 0)
        break;
      /* One line, not one per round of this loop (every 20 ms). */
      if (!said)
        log_info ("ending %d process(es) left after podman", n);
      said = true;
      if (sig == SIGTERM && monotonic_now_ms () >= deadline)
        {
          log_warn ("%d process(es) ignored SIGTERM; sending SIGKILL", n);
          sig = SIGKILL;
        }
      usleep (20000);
    }
  /* Collect the last ones, and anything that raced in. */
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
}

/* A job that empties /sockets removes the socket file; the listening socket
 * lives on but nobody can reach it.  Binding anew would race with whatever
 * replaced it, so the sidecar says so and stops: the kubelet restarts it
 * (restartPolicy: Always) and the new one binds the socket again. */
void
supervisor_check_socket (struct supervisor *s)
{
  struct stat st;

  if (s->socket_lost || s->stopping || s->p->cfg->socket_path == NULL)
    return;
  if (stat (s->p->cfg->socket_path, &st) == 0 && st.st_ino == s->p->socket_ino)
    return;
  s->socket_lost = 1;
  log_error ("the socket %s was %s (did the job empty the socket directory?); clients cannot "
             "reach the engine any more: stopping, so that the kubelet restarts the sidecar and "
             "it binds the socket again",
             s->p->cfg->socket_path, errno == ENOENT ? "removed" : "replaced");
  supervisor_begin_stop (s, SIGTERM);
}
