/* The supervisor loop: one epoll over the signals, the timers and podman's
 * output; children reaped, the status file written on every change.  The
 * other steps are in supervise_restart.c, supervise_shutdown.c and
 * supervise_disk.c (see supervisor.h). */
#include "supervisor.h"

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

/* How often the clients' socket is checked to still be ours. */
#define SOCKET_CHECK_SECONDS 2

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
void
supervisor_publish (struct supervisor *s, enum podsock_state state, const char *reason)
{
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status st = { 0 };

  if (s->p->cfg->status_file == NULL)
    return;
  st.state = state;
  st.engine_pid = s->engine->pid;
  st.restarts = s->restarts;
  st.backoff_until_ms = state == PODSOCK_STATE_RESTARTING ? s->backoff_until_ms : 0;
  st.updated_ms = realtime_now_ms ();
  snprintf (st.driver, sizeof st.driver, "%s", s->p->driver ? s->p->driver : "");
  st.disk_used_bytes = (int64_t) s->disk.used_after;
  st.disk_limit_bytes = s->p->watchdog ? (int64_t) s->p->watchdog->cfg->storage_limit_bytes : 0;
  st.last_prune_ms = s->last_prune_ms;
  snprintf (st.reason, sizeof st.reason, "%s", reason ? reason : "");
  if (status_write (s->p->cfg->status_file, &st, &err) < 0)
    log_warn ("status file: %s", err->msg);
}

enum podsock_state
supervisor_state (const struct supervisor *s)
{
  if (s->stopping)
    return PODSOCK_STATE_STOPPING;
  if (s->restart_pending)
    return PODSOCK_STATE_RESTARTING;
  return PODSOCK_STATE_RUNNING;
}

void
supervisor_reap_children (struct supervisor *s)
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
          supervisor_term_engine (s);
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
                     s->engine->cfg->podman);
          s->gave_up = 1;
        }
      else if (s->stopping)
        log_info ("podman stopped with status %d", s->exit_status);
      else
        supervisor_schedule_restart (s);
    }
}

void
supervisor_arm_timer_ms (int fd, long ms)
{
  struct itimerspec its = { 0 };
  its.it_value.tv_sec = ms / 1000;
  its.it_value.tv_nsec = (ms % 1000) * 1000000L;
  if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
    its.it_value.tv_nsec = 1;
  timerfd_settime (fd, 0, &its, NULL);
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
          supervisor_reap_children (s);
          break;
        case SIGTERM:
        case SIGINT:
          supervisor_begin_stop (s, sig);
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

int
supervisor_poll_fd (int epfd, int fd)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
  return epoll_ctl (epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int
running (const struct supervisor *s)
{
  return s->engine->pid > 0 || s->engine->out_fd >= 0 || s->restart_pending;
}

/* The timers and the epoll set; -1 after saying what failed. */
static int
open_fds (struct supervisor *s)
{
  s->epfd = epoll_create1 (EPOLL_CLOEXEC);
  s->timerfd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  s->restartfd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  s->watchtimer = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (s->epfd < 0 || s->timerfd < 0 || s->restartfd < 0 || s->watchtimer < 0)
    {
      log_error ("supervisor: epoll/timerfd: %m");
      return -1;
    }
  return 0;
}

static void
close_fds (struct supervisor *s)
{
  int *fds[] = { &s->epfd, &s->timerfd, &s->restartfd, &s->watchtimer };

  for (size_t i = 0; i < ARRAY_SIZE (fds); i++)
    if (*fds[i] >= 0)
      {
        close (*fds[i]);
        *fds[i] = -1;
      }
}

/* The watchdog's rounds (when a size limit is known) and the socket check
 * share this timer. */
static void
arm_watch_timer (struct supervisor *s)
{
  const struct supervise_params *p = s->p;
  unsigned every = p->watchdog && p->watchdog->cfg->storage_limit_bytes > 0
                           && p->cfg->prune_interval_seconds < SOCKET_CHECK_SECONDS
                       ? p->cfg->prune_interval_seconds
                       : SOCKET_CHECK_SECONDS;
  struct itimerspec its = { { every, 0 }, { every, 0 } };

  timerfd_settime (s->watchtimer, 0, &its, NULL);
  supervisor_poll_fd (s->epfd, s->watchtimer);
}

/* Without its signals the sidecar would ignore the kubelet's SIGTERM and
 * never reap: give up at once, naming the fd, rather than run deaf. */
static int
poll_fds (struct supervisor *s)
{
  const struct
  {
    int fd;
    const char *what;
  } fds[] = { { s->sigfd, "signalfd" },
              { s->timerfd, "shutdown timer" },
              { s->restartfd, "restart timer" },
              { s->engine->out_fd, "podman's output pipe" } };
  struct stat st;

  fcntl (s->engine->out_fd, F_SETFL, O_NONBLOCK);
  for (size_t i = 0; i < ARRAY_SIZE (fds); i++)
    if (supervisor_poll_fd (s->epfd, fds[i].fd) < 0)
      {
        log_error ("supervisor: cannot poll the %s (fd %d, %s): %m; stopping podman", fds[i].what,
                   fds[i].fd,
                   fstat (fds[i].fd, &st) < 0 ? "closed"
                   : S_ISREG (st.st_mode)     ? "a regular file"
                   : S_ISFIFO (st.st_mode)    ? "a pipe"
                                              : "another kind of file");
        return -1;
      }
  return 0;
}

static void
drain_timer (int fd)
{
  uint64_t ticks;

  if (read (fd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
    log_debug ("timerfd read: %m");
}

static void
dispatch (struct supervisor *s, int fd)
{
  if (fd == s->sigfd)
    handle_signals (s);
  else if (fd == s->timerfd)
    {
      drain_timer (fd);
      supervisor_grace_expired (s);
    }
  else if (fd == s->restartfd)
    {
      drain_timer (fd);
      if (s->restart_pending)
        supervisor_restart_engine (s);
    }
  else if (fd == s->watchtimer)
    {
      drain_timer (fd);
      supervisor_start_disk_round (s);
      supervisor_check_socket (s);
    }
  else if (fd == s->watch_fd)
    supervisor_finish_disk_round (s);
  else if (fd == s->engine->out_fd)
    handle_output (s);
}

/* One wait and what it brought; -1 to leave the loop. */
static int
wait_once (struct supervisor *s)
{
  struct epoll_event ev[8];
  int busy = s->engine->pid > 0 || s->restart_pending, n;

  if (!busy && s->engine_gone_ms == 0)
    {
      struct itimerspec off = { { 0, 0 }, { 0, 0 } };
      s->engine_gone_ms = monotonic_now_ms ();
      timerfd_settime (s->watchtimer, 0, &off, NULL); /* nothing left to watch */
    }
  n = epoll_wait (s->epfd, ev, 8, busy ? -1 : 1000);
  if (n < 0 && errno != EINTR)
    {
      log_error ("supervisor: epoll_wait: %m");
      return -1;
    }
  if (!busy && monotonic_now_ms () - s->engine_gone_ms > 1000)
    return -1; /* podman is gone and its pipe stays open in a leftover */
  for (int i = 0; i < n; i++)
    dispatch (s, ev[i].data.fd);
  return 0;
}

/* After the loop: leftovers ended, podman's last output logged. */
static int
finish (struct supervisor *s)
{
  if (s->watcher > 0)
    kill (s->watcher, SIGKILL);
  supervisor_end_leftovers (s);
  if (s->engine->out_fd >= 0)
    handle_output (s);
  close_fds (s);
  if ((s->gave_up || s->socket_lost) && s->exit_status == 0)
    return 1;
  return s->exit_status < 0 ? 1 : s->exit_status;
}

int
supervise_run (struct engine *e, const struct supervise_params *p)
{
  struct supervisor s = { .engine = e,
                          .p = p,
                          .sigfd = p->sigfd,
                          .epfd = -1,
                          .timerfd = -1,
                          .restartfd = -1,
                          .watchtimer = -1,
                          .watch_fd = -1,
                          .grace_seconds = p->cfg->grace_seconds,
                          .exit_status = -1,
                          .window_start_ms = monotonic_now_ms () };

  if (open_fds (&s) < 0)
    {
      kill (e->pid, SIGKILL);
      close_fds (&s);
      return 1;
    }
  arm_watch_timer (&s);
  supervisor_publish (&s, PODSOCK_STATE_RUNNING, NULL);
  if (poll_fds (&s) < 0)
    {
      kill (e->pid, SIGKILL);
      close_fds (&s);
      return 1;
    }
  /* A SIGCHLD may have come before the signalfd was polled. */
  supervisor_reap_children (&s);
  while (running (&s) && !s.gave_up)
    if (wait_once (&s) < 0)
      break;
  return finish (&s);
}
