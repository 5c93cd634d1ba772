/* Stopping: the containers through the API within the grace period, then
 * podman (SIGTERM, SIGKILL), then whatever it left behind; and the stop
 * that a lost clients' socket calls for. */
#include "supervisor.h"
#include "api.h"

#include <podsock/log.h>
#include <podsock/util.h>

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* After podman exits, how long its leftovers (pause process, conmon) get to
 * go on SIGTERM before SIGKILL. */
#define LEFTOVER_GRACE_MS 2000

/* podman's API server, on SIGTERM, waits for its active requests to end,
 * for at most a second ("Failed to cleanly shutdown API service: context
 * deadline exceeded"), and the sidecar's own streams to it never end by
 * themselves: the hand-back watcher's GET /events, a gateway connection
 * relaying `logs -f`.  Podman 5 waits out the whole second for them.  So
 * the sidecar ends its side of every connection to the engine's socket
 * first.  A unix socket's peer name is the path the server bound, which
 * finds them among our descriptors; shutdown() ends the connection for
 * every process that holds it (the stopper shares them by fork). */
static int
end_engine_connections (const char *api_socket)
{
  DIR *d;
  struct dirent *de;
  int n = 0;

  if (api_socket == NULL || (d = opendir ("/proc/self/fd")) == NULL)
    return 0;
  while ((de = readdir (d)) != NULL)
    {
      struct sockaddr_un peer;
      socklen_t len = sizeof peer;
      int fd = atoi (de->d_name);
      if (de->d_name[0] == '.' || fd == dirfd (d))
        continue;
      memset (&peer, 0, sizeof peer);
      if (getpeername (fd, (struct sockaddr *) &peer, &len) < 0 || peer.sun_family != AF_UNIX
          || len <= offsetof (struct sockaddr_un, sun_path))
        continue;
      if (strncmp (peer.sun_path, api_socket, sizeof peer.sun_path) == 0
          && shutdown (fd, SHUT_RDWR) == 0)
        n++;
    }
  closedir (d);
  return n;
}

/* Rootless podman 4.3 runs as two processes: the one we started, and its
 * child that re-executed itself inside the user namespace and serves the
 * API.  SIGTERM ends the parent at once but is not passed on: the child
 * went on serving until the leftover round a second later (and then waited
 * out its own shutdown deadline for the hand-back watcher, which had
 * reconnected meanwhile).  So the child gets SIGTERM too (podman 5 forwards
 * it itself, and a second one changes nothing). */
static void
term_children_of_task (const char *children)
{
  char path[64], comm[16];
  cleanup_file FILE *f = fopen (children, "re");
  long pid;

  while (f && fscanf (f, "%ld", &pid) == 1)
    {
      cleanup_file FILE *c = NULL;
      snprintf (path, sizeof path, "/proc/%ld/comm", pid);
      if ((c = fopen (path, "re")) != NULL && fgets (comm, sizeof comm, c)
          && strcmp (comm, "podman\n") == 0)
        kill ((pid_t) pid, SIGTERM);
    }
}

/* Go forks from whichever thread runs: the child is listed under that
 * thread's task, so every task is read. */
static void
term_engine_children (pid_t engine)
{
  char path[64];
  struct dirent *de;
  DIR *d;

  snprintf (path, sizeof path, "/proc/%d/task", (int) engine);
  if ((d = opendir (path)) == NULL)
    return;
  while ((de = readdir (d)) != NULL)
    if (de->d_name[0] != '.')
      {
        cleanup_free char *children
            = xasprintf ("/proc/%d/task/%s/children", (int) engine, de->d_name);
        term_children_of_task (children);
      }
  closedir (d);
}

void
supervisor_term_engine (struct supervisor *s)
{
  int n;

  if (s->term_sent || s->engine->pid <= 0)
    return;
  s->term_sent = 1;
  n = end_engine_connections (s->engine->api_socket);
  if (n > 0)
    log_debug ("ended %d connection(s) of the sidecar to podman before stopping it", n);
  /* The child first: the parent, once gone, no longer lists it. */
  term_engine_children (s->engine->pid);
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

/* "catatonit, conmon x2": the names of our children, for the one log line. */
static void
name_children (char *out, size_t cap)
{
  pid_t pids[64];
  char names[64][16];
  int n = list_children (pids, (int) ARRAY_SIZE (pids)), k = 0;
  size_t len = 0;

  out[0] = '\0';
  for (int i = 0; i < n; i++)
    {
      char path[64], comm[16] = "?";
      cleanup_file FILE *f = NULL;
      snprintf (path, sizeof path, "/proc/%d/comm", (int) pids[i]);
      if ((f = fopen (path, "re")) != NULL && fgets (comm, sizeof comm, f))
        comm[strcspn (comm, "\n")] = '\0';
      snprintf (names[k++], sizeof names[0], "%s", comm);
    }
  for (int i = 0; i < k; i++)
    {
      int count = 0, first = 1;
      for (int j = 0; j < k; j++)
        if (strcmp (names[i], names[j]) == 0)
          {
            count++;
            first = first && j >= i;
          }
      if (!first || len >= cap)
        continue;
      len += (size_t) snprintf (out + len, cap - len, count > 1 ? "%s%s x%d" : "%s%s",
                                len ? ", " : "", names[i], count);
    }
}

/* The rootless pause process and conmon outlive podman; as subreaper we
 * inherited them.  End them so that no process of the pod user remains. */
void
supervisor_end_leftovers (struct supervisor *s)
{
  long deadline = monotonic_now_ms () + LEFTOVER_GRACE_MS;
  int sig = SIGTERM;
  bool said = false;
  char names[256];

  for (;;)
    {
      int n;
      supervisor_reap_children (s);
      if (!said)
        name_children (names, sizeof names);
      n = supervise_signal_children (sig);
      if (n <= 0)
        break;
      /* One line, not one per round of this loop (every 20 ms). */
      if (!said)
        log_info ("ending %d process(es) left after podman: %s", n, names);
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
  int found, gone;

  if (s->socket_lost || s->stopping || s->p->cfg->socket_path == NULL)
    return;
  found = stat (s->p->cfg->socket_path, &st) == 0;
  gone = !found && errno == ENOENT; /* errno only after a failed stat */
  if (found && st.st_ino == s->p->socket_ino)
    return;
  s->socket_lost = 1;
  log_error ("the socket %s was %s (did the job empty the socket directory?); clients cannot "
             "reach the engine any more: stopping, so that the kubelet restarts the sidecar and "
             "it binds the socket again",
             s->p->cfg->socket_path, gone ? "removed" : "replaced");
  supervisor_begin_stop (s, SIGTERM);
}
