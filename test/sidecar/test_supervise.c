/* sidecar/supervise.c: the signal mask, the state and the status file,
 * reaping (podman, the stopper, the watcher, strays), and the whole loop
 * around a real child standing in for podman, in a child of its own (it
 * blocks signals and reaps every child). */
#include "supervisor.h"

#include <podsock/log.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <cmocka.h>

#include "../common/testdir.h"
#include "../common/testutil.h"
#include "inchild.h"
#include "supervfix.h"

static void
child_block_signals (const void *arg)
{
  static const int faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };
  sigset_t old, now, before;
  struct signalfd_siginfo si;
  podsock_error_t err = NULL;
  int fd;
  (void) arg;
  sigemptyset (&before);
  sigaddset (&before, SIGUSR2);
  sigprocmask (SIG_SETMASK, &before, NULL);
  fd = supervise_block_signals (&old, &err);
  if (fd < 0)
    CHILD_FAIL ("%s", err->msg);
  sigprocmask (SIG_SETMASK, NULL, &now);
  if (!sigismember (&old, SIGUSR2) || sigismember (&old, SIGTERM))
    CHILD_FAIL ("the old mask was not handed back");
  if (!sigismember (&now, SIGTERM) || !sigismember (&now, SIGCHLD) || !sigismember (&now, SIGINT))
    CHILD_FAIL ("SIGTERM, SIGCHLD or SIGINT not blocked");
  for (size_t i = 0; i < ARRAY_SIZE (faults); i++)
    if (sigismember (&now, faults[i]))
      CHILD_FAIL ("fault signal %d blocked: a bug would hang PID 1", faults[i]);
  if (read (fd, &si, sizeof si) != -1 || errno != EAGAIN)
    CHILD_FAIL ("the signalfd blocks or has a signal already");
  kill (getpid (), SIGTERM);
  if (read (fd, &si, sizeof si) != (ssize_t) sizeof si || si.ssi_signo != SIGTERM)
    CHILD_FAIL ("SIGTERM did not come through the signalfd");
  if ((fcntl (fd, F_GETFD) & FD_CLOEXEC) == 0)
    CHILD_FAIL ("the signalfd is inherited by podman");
}

static void
signals_come_through_the_signalfd (void **state)
{
  (void) state;
  in_child (child_block_signals, NULL);
}

static void
state_and_status_file (void **state)
{
  static const struct
  {
    int stopping, restart_pending;
    enum podsock_state state;
  } states[] = {
    { 0, 0, PODSOCK_STATE_RUNNING },
    { 0, 1, PODSOCK_STATE_RESTARTING },
    { 1, 0, PODSOCK_STATE_STOPPING },
    { 1, 1, PODSOCK_STATE_STOPPING },
  };
  struct fixture f;
  struct podsock_status st;
  (void) state;
  fixture_init (&f);
  for (size_t i = 0; i < ARRAY_SIZE (states); i++)
    {
      f.s.stopping = states[i].stopping;
      f.s.restart_pending = states[i].restart_pending;
      assert_int_equal (supervisor_state (&f.s), states[i].state);
    }
  f.e.pid = 4242;
  f.s.restarts = 3;
  f.s.backoff_until_ms = 123456;
  f.s.last_prune_ms = 99;
  f.s.disk.used_after = 777;
  supervisor_publish (&f.s, PODSOCK_STATE_RUNNING, "why");
  st = fixture_status (&f);
  assert_int_equal (st.state, PODSOCK_STATE_RUNNING);
  assert_int_equal (st.engine_pid, 4242);
  assert_int_equal (st.restarts, 3);
  assert_int_equal (st.backoff_until_ms, 0); /* only while restarting */
  assert_int_equal (st.last_prune_ms, 99);
  assert_int_equal (st.disk_used_bytes, 777);
  assert_int_equal (st.disk_limit_bytes, 0); /* no watchdog */
  assert_string_equal (st.driver, "vfs");
  assert_string_equal (st.reason, "why");
  assert_true (st.updated_ms >= realtime_now_ms () - 5000);
  supervisor_publish (&f.s, PODSOCK_STATE_RESTARTING, NULL);
  assert_int_equal (fixture_status (&f).backoff_until_ms, 123456);
  /* No status file configured: none written. */
  unlink (f.status);
  f.cfg.status_file = NULL;
  supervisor_publish (&f.s, PODSOCK_STATE_RUNNING, NULL);
  assert_int_equal (access (f.status, F_OK), -1);
  f.e.pid = 0;
  fixture_release (&f);
}

static void
timer_fires_after_ms (void **state)
{
  struct fixture f;
  uint64_t ticks;
  (void) state;
  fixture_init (&f);
  supervisor_arm_timer_ms (f.s.timerfd, 2500);
  assert_in_range (timer_left_ms (f.s.timerfd), 2300, 2500);
  supervisor_arm_timer_ms (f.s.timerfd, 0); /* at once, not disarmed */
  assert_int_equal (read (f.s.timerfd, &ticks, sizeof ticks), (ssize_t) sizeof ticks);
  fixture_release (&f);
}

/* In a child: every child is reaped, each by its role. */
static void
child_reaps_by_role (const void *arg)
{
  struct fixture f;
  pid_t stray, engine;
  (void) arg;
  fixture_init (&f);
  f.s.stopping = 1; /* a stopper runs only while the sidecar stops */
  f.s.watcher = spawn ("exit 0");
  f.s.stopper = spawn ("exit 0");
  stray = spawn ("exit 5");
  engine = f.e.pid = spawn ("exec sleep 30");
  wait_exited (f.s.watcher);
  wait_exited (f.s.stopper);
  wait_exited (stray);
  supervisor_reap_children (&f.s);
  if (f.s.watcher != 0 || f.s.stopper != 0 || !f.s.term_sent)
    CHILD_FAIL ("watcher %d, stopper %d, term_sent %d", (int) f.s.watcher, (int) f.s.stopper,
                f.s.term_sent);
  /* The SIGTERM the stopper's end sent may have ended podman already, and
   * the same reaping loop collected it: wait for its end either way. */
  if (f.e.pid != 0)
    wait_exited (engine);
  supervisor_reap_children (&f.s);
  if (f.e.pid != 0 || f.s.exit_status != 128 + SIGTERM || f.s.restart_pending)
    CHILD_FAIL ("podman's end: pid %d, status %d", (int) f.e.pid, f.s.exit_status);
  if (waitpid (-1, NULL, WNOHANG) != -1 || errno != ECHILD)
    CHILD_FAIL ("a child was not reaped");
  fixture_release (&f);
}

static void
children_are_reaped (void **state)
{
  (void) state;
  in_child (child_reaps_by_role, NULL);
}

/* How podman's end is taken: a crash is restarted, 127 gives up. */
static void
child_podman_ends (const void *arg)
{
  struct fixture f;
  (void) arg;
  fixture_init (&f);
  f.e.pid = spawn ("exit 3");
  wait_exited (f.e.pid);
  supervisor_reap_children (&f.s);
  if (f.s.exit_status != 3 || !f.s.restart_pending || f.s.gave_up)
    CHILD_FAIL ("a crash: status %d, restart %d", f.s.exit_status, f.s.restart_pending);
  f.s.restart_pending = 0;
  f.e.pid = spawn ("exit 127");
  wait_exited (f.e.pid);
  supervisor_reap_children (&f.s);
  if (f.s.exit_status != 127 || f.s.restart_pending || !f.s.gave_up)
    CHILD_FAIL ("podman not executable: status %d, gave up %d", f.s.exit_status, f.s.gave_up);
  fixture_release (&f);
}

static void
podman_ends_decide (void **state)
{
  (void) state;
  in_child (child_podman_ends, NULL);
}

/* The loop as the sidecar runs it: podman's output logged line by line,
 * SIGTERM (sent once it has written) ends it, and the sidecar's status is
 * podman's (128 + 15). */
static void
child_whole_loop (const void *arg)
{
  struct fixture f;
  sigset_t old;
  podsock_error_t err = NULL;
  int out[2], log = open (path_in (testdir, "log"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644), rc;
  char *text;
  (void) arg;
  fixture_init (&f);
  fixture_release (&f); /* supervise_run makes its own epoll set and timers */
  podsock_log_setup ("podsock", log, PODSOCK_LOG_TEXT, PODSOCK_LOG_INFO);
  f.p.sigfd = supervise_block_signals (&old, &err);
  if (f.p.sigfd < 0 || pipe (out) < 0)
    CHILD_FAIL ("set-up");
  f.e.pid = fork ();
  if (f.e.pid == 0)
    {
      dup2 (out[1], 1);
      sigprocmask (SIG_SETMASK, &old, NULL);
      execl ("/bin/sh", "sh", "-c",
             "echo first line; printf 'no newline'; kill -TERM $PPID; exec sleep 30",
             (char *) NULL);
      _exit (127);
    }
  close (out[1]);
  f.e.out_fd = out[0];
  f.cfg.grace_seconds = 1; /* podman's SIGTERM at once */
  rc = supervise_run (&f.e, &f.p);
  text = testdir_get ("log");
  if (rc != 128 + SIGTERM)
    CHILD_FAIL ("exit status %d\n%s", rc, text);
  if (!strstr (text, "[podman] first line\n") || !strstr (text, "[podman] no newline\n")
      || !strstr (text, "received Terminated"))
    CHILD_FAIL ("the log:\n%s", text);
  if (fixture_status (&f).state != PODSOCK_STATE_STOPPING)
    CHILD_FAIL ("status file not STOPPING");
  free (text);
}

static void
whole_loop_ends_with_podmans_status (void **state)
{
  (void) state;
  in_child (child_whole_loop, NULL);
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, signals_come_through_the_signalfd,
                    state_and_status_file, timer_fires_after_ms, children_are_reaped,
                    podman_ends_decide, whole_loop_ends_with_podmans_status)
