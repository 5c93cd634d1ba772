#include "supervise.h"
#include "api.h"

#include "gateway/gateway.h"
#include <podsock/log.h>
#include <podsock/status.h>
#include <podsock/util.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long
monotonic_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* After podman exits, how long its leftovers (pause process, conmon) get to
 * go on SIGTERM before SIGKILL. */
#define LEFTOVER_GRACE_MS 2000

/* Backoff between restarts: 0.5 s, 1 s, 2 s, ... at most this. */
#define RESTART_BACKOFF_FIRST_MS 500
#define RESTART_BACKOFF_MAX_MS 16000

/* How often the clients' socket is checked to still be ours. */
#define SOCKET_CHECK_SECONDS 2

struct supervisor
{
  struct engine *engine;
  const struct supervise_params *p;
  int epfd;
  int sigfd;
  int timerfd;   /* shutdown grace */
  int restartfd; /* backoff before the next start */
  unsigned grace_seconds;
  int stopping;    /* a stop signal arrived */
  int exit_status; /* last status of podman, -1 before it exited */
  int restart_pending;
  int gave_up;
  unsigned restarts; /* all restarts so far */
  pid_t stopper;     /* child stopping the containers through the API */
  pid_t watcher;     /* child running a disk watchdog round */
  int watch_fd;      /* its result pipe */
  int watchtimer;    /* next watchdog round */
  int64_t backoff_until_ms;
  struct watchdog_result disk;
  int64_t last_prune_ms;
  long engine_gone_ms; /* when podman exited for good, 0 while it runs */
  int socket_lost;     /* the clients' socket was removed or replaced */
  long last_round_ms;  /* when the last watchdog round started */
  int term_sent;       /* podman got SIGTERM */
  long window_start_ms;
  unsigned window_restarts;
  char out[8192]; /* podman's output not yet logged (a partial line) */
  size_t out_len;
};

int
supervise_block_signals (sigset_t *old, podsock_error_t *err)
{
  sigset_t all;
  int fd;

  sigfillset (&all);
  /* Faults must stay deliverable, or a bug hangs PID 1 instead of crashing. */
  sigdelset (&all, SIGSEGV);
  sigdelset (&all, SIGBUS);
  sigdelset (&all, SIGILL);
  sigdelset (&all, SIGFPE);
  sigdelset (&all, SIGABRT);
  sigdelset (&all, SIGTRAP);
  sigdelset (&all, SIGSYS);
  if (sigprocmask (SIG_SETMASK, &all, old) < 0)
    return podsock_error_make (err, errno, "sigprocmask");
  fd = signalfd (-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0)
    return podsock_error_make (err, errno, "signalfd");
  return fd;
}

static int
exit_status_of (int st)
{
  if (WIFEXITED (st))
    return WEXITSTATUS (st);
  if (WIFSIGNALED (st))
    return 128 + WTERMSIG (st);
  return 1;
}

static void arm_timer_ms (int fd, long ms);

static int64_t
realtime_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The status file the probe reads: written on every change of state. */
static void
publish (struct supervisor *s, enum podsock_state state, const char *reason)
{
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status st = { 0 };

  if (s->p->status_file == NULL)
    return;
  st.state = state;
  st.engine_pid = s->engine->pid;
  st.restarts = s->restarts;
  st.backoff_until_ms = state == PODSOCK_STATE_RESTARTING ? s->backoff_until_ms : 0;
  st.updated_ms = realtime_ms ();
  snprintf (st.driver, sizeof st.driver, "%s", s->p->driver ? s->p->driver : "");
  st.disk_used_bytes = (int64_t) s->disk.used_after;
  st.disk_limit_bytes = s->p->watchdog ? (int64_t) s->p->watchdog->limit_bytes : 0;
  st.last_prune_ms = s->last_prune_ms;
  snprintf (st.reason, sizeof st.reason, "%s", reason ? reason : "");
  if (status_write (s->p->status_file, &st, &err) < 0)
    log_warn ("status file: %s", err->msg);
}

static enum podsock_state
current_state (const struct supervisor *s)
{
  if (s->stopping)
    return PODSOCK_STATE_STOPPING;
  if (s->restart_pending)
    return PODSOCK_STATE_RESTARTING;
  return PODSOCK_STATE_RUNNING;
}
static void term_engine (struct supervisor *s);

/* Podman died on its own.  The socket stays bound and listening in this
 * process, so clients wait in its backlog while podman comes back. */
static void
schedule_restart (struct supervisor *s)
{
  long now = monotonic_ms (), delay = RESTART_BACKOFF_FIRST_MS;

  if (now - s->window_start_ms > (long) s->p->restart_window_seconds * 1000L)
    {
      s->window_start_ms = now;
      s->window_restarts = 0;
    }
  if (s->window_restarts >= s->p->restart_max)
    {
      char reason[256];
      snprintf (reason, sizeof reason,
                "podman exited with status %d and has crashed %u times within %u s; giving up "
                "(its output above says why)",
                s->exit_status, s->window_restarts + 1, s->p->restart_window_seconds);
      log_error ("%s", reason);
      s->gave_up = 1;
      publish (s, PODSOCK_STATE_FAILED, reason);
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
             s->exit_status, delay, s->window_restarts, s->p->restart_max,
             s->p->restart_window_seconds);
  arm_timer_ms (s->restartfd, delay);
  /* The probe's liveness allows the backoff and podman's start-up after it. */
  s->backoff_until_ms = realtime_ms () + delay + 30000;
  publish (s, PODSOCK_STATE_RESTARTING, NULL);
}

static void
restart_engine (struct supervisor *s)
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
      schedule_restart (s);
      return;
    }
  s->restarts++;
  fcntl (s->engine->out_fd, F_SETFL, O_NONBLOCK);
  {
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = s->engine->out_fd };
    epoll_ctl (s->epfd, EPOLL_CTL_ADD, s->engine->out_fd, &ev);
  }
  log_info ("restarted podman (pid %d)", (int) s->engine->pid);
  publish (s, PODSOCK_STATE_RUNNING, NULL);
}

static void
reap_children (struct supervisor *s)
{
  for (;;)
    {
      int st;
      pid_t pid = waitpid (-1, &st, WNOHANG);
      if (pid <= 0)
        return; /* 0: none exited yet, -1/ECHILD: no children at all */
      if (pid == s->watcher)
        {
          s->watcher = 0;
          continue;
        }
      if (pid == s->stopper)
        {
          s->stopper = 0;
          term_engine (s);
          continue;
        }
      if (pid != s->engine->pid)
        {
          log_debug ("reaped process %d (status %d)", (int) pid, exit_status_of (st));
          continue;
        }
      s->exit_status = exit_status_of (st);
      s->engine->pid = 0;
      if (s->p->gateway)
        gateway_engine_lost (s->p->gateway);
      if (WIFEXITED (st) && WEXITSTATUS (st) == 127)
        {
          log_error ("podman could not be executed (%s); install podman or set --podman",
                     s->engine->opts->podman);
          s->gave_up = 1;
        }
      else if (s->stopping)
        log_info ("podman stopped with status %d", s->exit_status);
      else
        schedule_restart (s);
    }
}

static void
arm_timer_ms (int fd, long ms)
{
  struct itimerspec its = { 0 };
  its.it_value.tv_sec = ms / 1000;
  its.it_value.tv_nsec = (ms % 1000) * 1000000L;
  if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
    its.it_value.tv_nsec = 1;
  timerfd_settime (fd, 0, &its, NULL);
}

static void
term_engine (struct supervisor *s)
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

static void
begin_stop (struct supervisor *s, int sig)
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
  publish (s, PODSOCK_STATE_STOPPING, NULL);
  if (s->engine->pid > 0 && s->grace_seconds >= 2)
    s->stopper = start_stopper (s);
  if (s->stopper <= 0)
    term_engine (s);
  /* First deadline: SIGTERM podman even if containers are still stopping. */
  arm_timer_ms (s->timerfd, (long) s->grace_seconds * 750);
}

static void
handle_signals (struct supervisor *s)
{
  struct signalfd_siginfo si;

  while (read (s->sigfd, &si, sizeof si) == (ssize_t) sizeof si)
    {
      int sig = (int) si.ssi_signo;
      switch (sig)
        {
        case SIGCHLD:
          reap_children (s);
          break;
        case SIGTERM:
        case SIGINT:
          begin_stop (s, sig);
          break;
        case SIGHUP:
        case SIGQUIT:
        case SIGUSR1:
        case SIGUSR2:
          if (s->engine->pid > 0)
            kill (s->engine->pid, sig);
          break;
        default:
          log_debug ("ignoring signal %s", strsignal (sig));
        }
    }
}

static void
flush_lines (struct supervisor *s, int all)
{
  size_t start = 0;

  for (size_t i = 0; i < s->out_len; i++)
    if (s->out[i] == '\n')
      {
        podsock_log_passthrough ("podman", s->out + start, i - start);
        start = i + 1;
      }
  /* A line longer than the buffer is logged in pieces rather than lost. */
  if ((all || start == 0) && s->out_len - start == sizeof s->out)
    {
      podsock_log_passthrough ("podman", s->out, s->out_len);
      start = s->out_len;
    }
  if (all && start < s->out_len)
    {
      podsock_log_passthrough ("podman", s->out + start, s->out_len - start);
      start = s->out_len;
    }
  memmove (s->out, s->out + start, s->out_len - start);
  s->out_len -= start;
}

static void
handle_output (struct supervisor *s)
{
  for (;;)
    {
      ssize_t n = read (s->engine->out_fd, s->out + s->out_len, sizeof s->out - s->out_len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return;
      if (n <= 0)
        {
          flush_lines (s, 1);
          epoll_ctl (s->epfd, EPOLL_CTL_DEL, s->engine->out_fd, NULL);
          close (s->engine->out_fd);
          s->engine->out_fd = -1;
          return;
        }
      s->out_len += (size_t) n;
      flush_lines (s, 0);
    }
}

static int
add_fd (int epfd, int fd)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
  return epoll_ctl (epfd, EPOLL_CTL_ADD, fd, &ev);
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
static void
end_leftovers (struct supervisor *s)
{
  struct timespec deadline, now;
  int sig = SIGTERM;

  clock_gettime (CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += LEFTOVER_GRACE_MS / 1000;
  for (;;)
    {
      int n;
      reap_children (s);
      n = supervise_signal_children (sig);
      if (n <= 0)
        break;
      if (sig == SIGTERM)
        log_info ("ending %d process(es) left after podman", n);
      clock_gettime (CLOCK_MONOTONIC, &now);
      if (sig == SIGTERM
          && (now.tv_sec > deadline.tv_sec
              || (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec)))
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

static void
start_watchdog_round (struct supervisor *s)
{
  long now = monotonic_ms ();

  if (s->p->watchdog == NULL || s->p->watchdog->limit_bytes == 0 || s->watcher > 0 || s->stopping
      || s->engine->pid <= 0
      || now - s->last_round_ms < (long) s->p->watchdog_interval_seconds * 1000 - 100)
    return;
  s->last_round_ms = now;
  s->watcher = watchdog_start_round (s->p->watchdog, s->p->child_mask, &s->watch_fd);
  if (s->watcher < 0)
    {
      log_warn ("disk watchdog: cannot start a round: %m");
      s->watcher = 0;
      return;
    }
  {
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = s->watch_fd };
    epoll_ctl (s->epfd, EPOLL_CTL_ADD, s->watch_fd, &ev);
  }
}

static void
finish_watchdog_round (struct supervisor *s)
{
  struct watchdog_result r;
  char before[32], after[32], limit[32], images[16], containers[16];

  if (watchdog_read_result (s->watch_fd, &r) == 0)
    {
      s->disk = r;
      snprintf (before, sizeof before, "%llu", (unsigned long long) r.used_before);
      snprintf (after, sizeof after, "%llu", (unsigned long long) r.used_after);
      snprintf (limit, sizeof limit, "%llu", (unsigned long long) s->p->watchdog->limit_bytes);
      snprintf (images, sizeof images, "%u", r.images_removed);
      snprintf (containers, sizeof containers, "%u", r.containers_pruned);
      if (r.pruned)
        {
          s->last_prune_ms = realtime_ms ();
          podsock_log_fields (PODSOCK_LOG_INFO, "disk watchdog pruned storage", "used_before",
                              before, "used_after", after, "limit", limit, "images_removed", images,
                              "containers_removed", containers, NULL);
        }
      else
        podsock_log_fields (PODSOCK_LOG_DEBUG, "disk use", "used", after, "limit", limit, NULL);
      if (r.used_after > s->p->watchdog->limit_bytes)
        log_warn ("storage uses %s bytes, above its limit of %s even after pruning: the kubelet "
                  "may evict the pod; raise the emptyDir sizeLimit and storage.sizeLimit",
                  after, limit);
      publish (s, current_state (s), NULL);
    }
  epoll_ctl (s->epfd, EPOLL_CTL_DEL, s->watch_fd, NULL);
  close (s->watch_fd);
  s->watch_fd = -1;
}

/* A job that empties /sockets removes the socket file; the listening socket
 * lives on but nobody can reach it.  Binding anew would race with whatever
 * replaced it, so the sidecar says so and stops: the kubelet restarts it
 * (restartPolicy: Always) and the new one binds the socket again. */
static void
check_socket (struct supervisor *s)
{
  struct stat st;

  if (s->socket_lost || s->stopping || s->p->socket_path == NULL)
    return;
  if (stat (s->p->socket_path, &st) == 0 && st.st_ino == s->p->socket_ino)
    return;
  s->socket_lost = 1;
  log_error ("the socket %s was %s (did the job empty the socket directory?); clients cannot "
             "reach the engine any more: stopping, so that the kubelet restarts the sidecar and "
             "it binds the socket again",
             s->p->socket_path, errno == ENOENT ? "removed" : "replaced");
  begin_stop (s, SIGTERM);
}

static int
running (const struct supervisor *s)
{
  return s->engine->pid > 0 || s->engine->out_fd >= 0 || s->restart_pending;
}

int
supervise_run (struct engine *e, const struct supervise_params *p)
{
  struct supervisor s = {
    .engine = e, .p = p, .sigfd = p->sigfd, .grace_seconds = p->grace_seconds, .exit_status = -1
  };
  cleanup_close int epfd = epoll_create1 (EPOLL_CLOEXEC);
  cleanup_close int timerfd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  cleanup_close int restartfd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  cleanup_close int watchtimer = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

  if (epfd < 0 || timerfd < 0 || restartfd < 0 || watchtimer < 0)
    {
      log_error ("supervisor: epoll/timerfd: %m");
      kill (e->pid, SIGKILL);
      return 1;
    }
  s.epfd = epfd;
  s.timerfd = timerfd;
  s.restartfd = restartfd;
  s.watchtimer = watchtimer;
  s.watch_fd = -1;
  s.window_start_ms = monotonic_ms ();
  {
    /* The watchdog's rounds (when a size limit is known) and the socket
     * check share this timer. */
    unsigned every = p->watchdog && p->watchdog->limit_bytes > 0
                             && p->watchdog_interval_seconds < SOCKET_CHECK_SECONDS
                         ? p->watchdog_interval_seconds
                         : SOCKET_CHECK_SECONDS;
    struct itimerspec its = { { every, 0 }, { every, 0 } };
    timerfd_settime (watchtimer, 0, &its, NULL);
    add_fd (epfd, watchtimer);
  }
  publish (&s, PODSOCK_STATE_RUNNING, NULL);
  fcntl (e->out_fd, F_SETFL, O_NONBLOCK);
  /* Without its signals the sidecar would ignore the kubelet's SIGTERM and
   * never reap: give up at once, naming the fd, rather than run deaf. */
  {
    const struct
    {
      int fd;
      const char *what;
    } fds[] = { { p->sigfd, "signalfd" },
                { timerfd, "shutdown timer" },
                { restartfd, "restart timer" },
                { e->out_fd, "podman's output pipe" } };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
      if (add_fd (epfd, fds[i].fd) < 0)
        {
          struct stat st;
          log_error ("supervisor: cannot poll the %s (fd %d, %s): %m; stopping podman", fds[i].what,
                     fds[i].fd,
                     fstat (fds[i].fd, &st) < 0 ? "closed"
                     : S_ISREG (st.st_mode)     ? "a regular file"
                     : S_ISFIFO (st.st_mode)    ? "a pipe"
                                                : "another kind of file");
          kill (e->pid, SIGKILL);
          return 1;
        }
  }
  /* A SIGCHLD may have come before the signalfd was polled. */
  reap_children (&s);

  while (running (&s) && !s.gave_up)
    {
      struct epoll_event ev[8];
      int busy = e->pid > 0 || s.restart_pending;
      if (!busy && s.engine_gone_ms == 0)
        {
          struct itimerspec off = { { 0, 0 }, { 0, 0 } };
          s.engine_gone_ms = monotonic_ms ();
          timerfd_settime (watchtimer, 0, &off, NULL); /* nothing left to watch */
        }
      int n = epoll_wait (epfd, ev, 8, busy ? -1 : 1000);
      if (n < 0 && errno != EINTR)
        {
          log_error ("supervisor: epoll_wait: %m");
          break;
        }
      if (!busy && monotonic_ms () - s.engine_gone_ms > 1000)
        break; /* podman is gone and its pipe stays open in a leftover */
      for (int i = 0; i < n; i++)
        {
          int fd = ev[i].data.fd;
          uint64_t ticks;
          if (fd == p->sigfd)
            handle_signals (&s);
          else if (fd == timerfd)
            {
              if (read (timerfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
                log_debug ("timerfd read: %m");
              if (e->pid > 0 && !s.term_sent)
                {
                  log_warn ("containers did not stop in time; stopping podman");
                  if (s.stopper > 0)
                    kill (s.stopper, SIGKILL);
                  term_engine (&s);
                  arm_timer_ms (timerfd, (long) s.grace_seconds * 250);
                }
              else if (e->pid > 0)
                {
                  log_warn ("podman did not stop within %us; sending SIGKILL", s.grace_seconds);
                  kill (e->pid, SIGKILL);
                }
            }
          else if (fd == restartfd)
            {
              if (read (restartfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
                log_debug ("timerfd read: %m");
              if (s.restart_pending)
                restart_engine (&s);
            }
          else if (fd == watchtimer)
            {
              if (read (watchtimer, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
                log_debug ("timerfd read: %m");
              start_watchdog_round (&s);
              check_socket (&s);
            }
          else if (fd == s.watch_fd)
            finish_watchdog_round (&s);
          else if (fd == e->out_fd)
            handle_output (&s);
        }
    }
  if (s.watcher > 0)
    kill (s.watcher, SIGKILL);
  end_leftovers (&s);
  if (e->out_fd >= 0)
    handle_output (&s);
  if ((s.gave_up || s.socket_lost) && s.exit_status == 0)
    return 1;
  return s.exit_status < 0 ? 1 : s.exit_status;
}
