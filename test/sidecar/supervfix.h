/* The supervisor's state (sidecar/supervisor.h) for the tests of
 * supervise*.c: a configuration, an engine whose "podman" is a real child
 * (/bin/sh -c SCRIPT), the epoll set and timerfds of the loop, and the
 * status file in testdir.  Include after <cmocka.h> and testdir.h. */
#ifndef PODSOCK_TEST_SUPERVFIX_H
#define PODSOCK_TEST_SUPERVFIX_H

#include "supervisor.h"

#include <podsock/status.h>
#include <podsock/util.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

struct fixture
{
  struct podsock_config cfg;
  struct supervise_params p;
  struct engine e;
  struct supervisor s;
  sigset_t mask;
  char status[128];
};

/* Grace 10 s, 5 restarts in 60 s, a watchdog round every 5 s. */
static inline void
fixture_init (struct fixture *f)
{
  memset (f, 0, sizeof *f);
  snprintf (f->status, sizeof f->status, "%.100s/status.json", testdir);
  f->cfg.status_file = f->status;
  f->cfg.grace_seconds = 10;
  f->cfg.restart_max = 5;
  f->cfg.restart_window_seconds = 60;
  f->cfg.prune_interval_seconds = 5;
  sigprocmask (SIG_SETMASK, NULL, &f->mask);
  f->p = (struct supervise_params){
    .cfg = &f->cfg, .sigfd = -1, .listen_fd = -1, .child_mask = &f->mask, .driver = "vfs"
  };
  f->e.cfg = &f->cfg;
  f->e.out_fd = -1;
  f->s = (struct supervisor){ .engine = &f->e,
                              .p = &f->p,
                              .sigfd = -1,
                              .epfd = epoll_create1 (EPOLL_CLOEXEC),
                              .timerfd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC),
                              .restartfd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC),
                              .watchtimer = -1,
                              .watch_fd = -1,
                              .grace_seconds = f->cfg.grace_seconds,
                              .exit_status = -1,
                              .window_start_ms = monotonic_now_ms () };
  assert_true (f->s.epfd >= 0 && f->s.timerfd >= 0 && f->s.restartfd >= 0);
}

/* Kills and collects the engine child if any, closes the fds. */
static inline void
fixture_release (struct fixture *f)
{
  if (f->e.pid > 0 && kill (f->e.pid, SIGKILL) == 0)
    waitpid (f->e.pid, NULL, 0);
  if (f->e.out_fd >= 0)
    close (f->e.out_fd);
  close (f->s.epfd);
  close (f->s.timerfd);
  close (f->s.restartfd);
}

/* A real child running /bin/sh -c script; its pid. */
static inline pid_t
spawn (const char *script)
{
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      execl ("/bin/sh", "sh", "-c", script, (char *) NULL);
      _exit (127);
    }
  return pid;
}

/* A real child running /bin/sh -c script with SIGTERM ignored from its
 * start (sh keeps an ignored signal ignored), so a SIGTERM sent the moment
 * this returns is ignored too: no wait for a `trap` to be set. */
static inline pid_t
spawn_ignoring_term (const char *script)
{
  int p[2];
  char c;
  pid_t pid;

  assert_int_equal (pipe2 (p, O_CLOEXEC), 0);
  pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      signal (SIGTERM, SIG_IGN);
      execl ("/bin/sh", "sh", "-c", script, (char *) NULL);
      _exit (127);
    }
  close (p[1]);
  /* EOF once the child exec'd: its write end was close-on-exec. */
  assert_int_equal (read (p[0], &c, 1), 0);
  close (p[0]);
  return pid;
}

/* Milliseconds until the timerfd fires, 0 when disarmed. */
static inline long
timer_left_ms (int fd)
{
  struct itimerspec its;
  assert_int_equal (timerfd_gettime (fd, &its), 0);
  return its.it_value.tv_sec * 1000L + its.it_value.tv_nsec / 1000000L;
}

/* The status file as the probe reads it. */
static inline struct podsock_status
fixture_status (const struct fixture *f)
{
  struct podsock_status st;
  podsock_error_t err = NULL;
  if (status_read (f->status, &st, &err) < 0)
    fail_msg ("%s", err->msg);
  return st;
}

/* Blocks until pid has exited, and leaves it to be collected. */
static inline void
wait_exited (pid_t pid)
{
  siginfo_t si;
  memset (&si, 0, sizeof si);
  assert_int_equal (waitid (P_PID, (id_t) pid, &si, WEXITED | WNOWAIT), 0);
}

#endif
