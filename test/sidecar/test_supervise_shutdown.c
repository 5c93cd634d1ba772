/* sidecar/supervise_shutdown.c: SIGTERM's steps (containers through the
 * API in a child, then podman: SIGTERM, SIGKILL at the grace period's end),
 * the leftovers ended, and the stop a lost socket calls for, with real
 * child processes standing in for podman and its leftovers. */
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <cmocka.h>

#include "../common/testdir.h"
#include "../common/testutil.h"
#include "httppeer.h"
#include "inchild.h"
#include "supervfix.h"

/* How the child pid ended: 128 + signal, or its exit code. */
static int
ended (pid_t pid)
{
  int st;
  assert_int_equal (waitpid (pid, &st, 0), pid);
  return WIFSIGNALED (st) ? 128 + WTERMSIG (st) : WEXITSTATUS (st);
}

/* Short grace: no stopper child, podman gets SIGTERM at once, once. */
static void
stop_with_short_grace_terms_podman (void **state)
{
  struct fixture f;
  pid_t engine;
  (void) state;
  fixture_init (&f);
  f.s.grace_seconds = 1;
  f.s.restart_pending = 1;
  engine = f.e.pid = spawn ("exec sleep 30");
  supervisor_begin_stop (&f.s, SIGTERM);
  assert_true (f.s.stopping);
  assert_false (f.s.restart_pending);
  assert_int_equal (f.s.stopper, 0);
  assert_true (f.s.term_sent);
  assert_in_range (timer_left_ms (f.s.timerfd), 600, 750);
  assert_int_equal (fixture_status (&f).state, PODSOCK_STATE_STOPPING);
  /* Again: nothing new, the deadline stays. */
  supervisor_arm_timer_ms (f.s.timerfd, 5000);
  supervisor_begin_stop (&f.s, SIGINT);
  assert_in_range (timer_left_ms (f.s.timerfd), 4800, 5000);
  assert_int_equal (ended (engine), 128 + SIGTERM);
  f.e.pid = 0;
  fixture_release (&f);
}

/* Grace 4 s: a child stops the containers through the API (2 s each, all
 * at once); podman gets SIGTERM when that child is reaped. */
static void
stop_with_grace_asks_the_api_first (void **state)
{
  static const struct peer_route routes[] = {
    { "GET", "/containers/json", 200, "[{\"Id\":\"" PEER_ID_A "\"}]" },
    { "POST", "/containers/", 204, "" },
  };
  struct fixture f;
  struct peer peer;
  pid_t stopper, engine;
  char *asked;
  (void) state;
  fixture_init (&f);
  f.s.grace_seconds = 4;
  peer_start (&peer, testdir, routes, 2);
  f.e.api_socket = peer.sock;
  engine = f.e.pid = spawn ("exec sleep 30");
  supervisor_begin_stop (&f.s, SIGTERM);
  stopper = f.s.stopper;
  assert_true (stopper > 0);
  assert_false (f.s.term_sent);
  assert_in_range (timer_left_ms (f.s.timerfd), 2800, 3000);
  wait_exited (stopper);
  supervisor_reap_children (&f.s);
  assert_int_equal (f.s.stopper, 0);
  assert_true (f.s.term_sent);
  /* The same reaping loop may already have collected podman, SIGTERMed a
   * moment before; if not, wait for its exit and reap again. */
  if (f.e.pid != 0)
    {
      wait_exited (engine);
      supervisor_reap_children (&f.s);
    }
  assert_int_equal (f.e.pid, 0);
  assert_int_equal (f.s.exit_status, 128 + SIGTERM);
  asked = peer_requests (&peer);
  assert_non_null (strstr (asked, "/containers/" PEER_ID_A "/stop?t=2 "));
  free (asked);
  peer_stop (&peer);
  fixture_release (&f);
}

/* The grace period's deadlines: the first SIGTERMs podman (and kills a
 * stopper still at work), the second SIGKILLs a podman that ignored it. */
static void
grace_expiry_terms_then_kills (void **state)
{
  struct fixture f;
  pid_t engine, stopper = spawn ("exec sleep 30");
  (void) state;
  fixture_init (&f);
  f.s.grace_seconds = 8;
  f.s.stopping = 1;
  f.s.stopper = stopper;
  engine = f.e.pid = spawn_ignoring_term ("while :; do sleep 0.05; done");
  supervisor_grace_expired (&f.s);
  assert_true (f.s.term_sent);
  assert_int_equal (ended (stopper), 128 + SIGKILL);
  assert_in_range (timer_left_ms (f.s.timerfd), 1800, 2000);
  usleep (100000);
  assert_int_equal (kill (engine, 0), 0);
  supervisor_grace_expired (&f.s);
  assert_int_equal (ended (engine), 128 + SIGKILL);
  f.e.pid = 0;
  fixture_release (&f);
}

/* podman's API server waits for open requests before it exits: the
 * sidecar's own connections to its socket are ended first. */
static void
term_ends_connections_to_the_engine (void **state)
{
  static const struct peer_route none[] = { { "GET", "/", 200, "" } };
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  struct fixture f;
  struct peer peer;
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), other[2];
  char c;
  (void) state;
  fixture_init (&f);
  peer_start (&peer, testdir, none, 1);
  f.e.api_socket = peer.sock;
  snprintf (a.sun_path, sizeof a.sun_path, "%s", peer.sock);
  assert_int_equal (connect (fd, (struct sockaddr *) &a, sizeof a), 0);
  assert_int_equal (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, other), 0);
  f.e.pid = spawn ("exec sleep 30");
  supervisor_term_engine (&f.s);
  assert_int_equal (read (fd, &c, 1), 0);                      /* ended on our side */
  assert_int_equal (send (other[0], "x", 1, MSG_NOSIGNAL), 1); /* others untouched */
  assert_int_equal (ended (f.e.pid), 128 + SIGTERM);
  f.e.pid = 0;
  close (fd);
  close (other[0]);
  close (other[1]);
  peer_stop (&peer);
  fixture_release (&f);
}

/* In a child of its own (every direct child counts): two leftovers, one
 * that ignores SIGTERM, are ended within the 2 s grace. */
static void
child_ends_leftovers (const void *arg)
{
  struct fixture f;
  long start = monotonic_now_ms (), took;
  (void) arg;
  fixture_init (&f);
  spawn ("exec sleep 30");
  spawn_ignoring_term ("while :; do sleep 0.05; done");
  if (supervise_signal_children (0) != 2)
    CHILD_FAIL ("two children, counted %d", supervise_signal_children (0));
  supervisor_end_leftovers (&f.s);
  took = monotonic_now_ms () - start;
  if (supervise_signal_children (0) != 0 || waitpid (-1, NULL, WNOHANG) != -1 || errno != ECHILD)
    CHILD_FAIL ("children left after end_leftovers");
  if (took < 1900 || took > 4000)
    CHILD_FAIL ("took %ld ms, not the 2 s grace", took);
  fixture_release (&f);
}

static void
leftovers_are_ended (void **state)
{
  (void) state;
  in_child (child_ends_leftovers, NULL);
}

static const struct
{
  const char *fate;
  int lost;
  const char *said; /* in the log, NULL: nothing said */
} socket_fates[] = {
  { "kept", 0, NULL },
  { "removed", 1, "podman.sock was removed (did the job empty the socket directory?)" },
  { "replaced", 1, "podman.sock was replaced (did the job empty the socket directory?)" },
};

/* The log of one check of the clients' socket, whose fate is i. */
static char *
check_socket_log (size_t i, struct fixture *f)
{
  char sock[128], log[128];
  struct stat st;
  int fd;
  snprintf (sock, sizeof sock, "%.100s/podman.sock", testdir);
  snprintf (log, sizeof log, "%.100s/log", testdir);
  testdir_put ("podman.sock", "");
  assert_int_equal (stat (sock, &st), 0);
  f->cfg.socket_path = sock;
  f->p.socket_ino = st.st_ino;
  if (i == 1)
    unlink (sock);
  if (i == 2)
    testdir_put ("podman.sock", "another"); /* a new inode, renamed over it */
  errno = ENOENT;                           /* as a failed call before might leave it */
  fd = open (log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  podsock_log_setup ("podsock", fd, PODSOCK_LOG_TEXT, PODSOCK_LOG_INFO);
  supervisor_check_socket (&f->s);
  podsock_log_setup ("podsock", 2, PODSOCK_LOG_TEXT, PODSOCK_LOG_INFO);
  close (fd);
  return testdir_get ("log");
}

static void
lost_socket_stops (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (socket_fates); i++)
    {
      struct fixture f;
      char *log;
      fixture_init (&f);
      log = check_socket_log (i, &f);
      if (f.s.socket_lost != socket_fates[i].lost || f.s.stopping != socket_fates[i].lost)
        fail_msg ("socket %s: lost %d, stopping %d", socket_fates[i].fate, f.s.socket_lost,
                  f.s.stopping);
      if (socket_fates[i].said ? strstr (log, socket_fates[i].said) == NULL : log[0] != '\0')
        fail_msg ("socket %s: the log said\n%s", socket_fates[i].fate, log);
      free (log);
      fixture_release (&f);
    }
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, stop_with_short_grace_terms_podman,
                    stop_with_grace_asks_the_api_first, grace_expiry_terms_then_kills,
                    term_ends_connections_to_the_engine, leftovers_are_ended, lost_socket_stops)
