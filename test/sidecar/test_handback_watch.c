/* sidecar/handback_watch.c: the follower of the engine's events, over the
 * tiny HTTP peer of httppeer.h.  As a thread it hands what the gateway
 * created to the gateway (died, never start) until stopped; as a child it
 * inspects each container and hands its bind sources under the builds path
 * back to their owner (root of a hostUsers: false pod, real chown). */
#include "handback_watch.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../common/testdir.h"
#include "../common/testutil.h"
#include "httppeer.h"
#include "inchild.h"

#define EVENT(status, id) "{\"status\":\"" status "\",\"id\":\"" id "\"}\n"
/* {"type":["container"],"event":["start","died"]} */
#define EVENTS_TARGET                                                                              \
  "/events?filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22start%22%2C%22"     \
  "died%22%5D%7D"

static const char events[]
    = EVENT ("start", PEER_ID_A) EVENT ("died", PEER_ID_A) EVENT ("die", PEER_ID_B)
        EVENT ("died", "short") "{\"status\":\"died\"}\nnot json\n" EVENT ("exec_die", PEER_ID_A);

/* Polls cond(arg) every 20 ms for at most ms; its last answer. */
static int
wait_for (int (*cond) (const void *), const void *arg, long ms)
{
  struct timespec tick = { 0, 20 * 1000000L };
  for (long waited = 0; waited < ms; waited += 20)
    {
      if (cond (arg))
        return 1;
      nanosleep (&tick, NULL);
    }
  return cond (arg);
}

struct gateway_calls
{
  int known_a, known_b, died_a, died_other;
};

static bool
known (void *data, const char *id)
{
  struct gateway_calls *g = data;
  int a = strcmp (id, PEER_ID_A) == 0;
  __atomic_add_fetch (a ? &g->known_a : &g->known_b, 1, __ATOMIC_SEQ_CST);
  return a;
}

static void
died (void *data, const char *id)
{
  struct gateway_calls *g = data;
  __atomic_add_fetch (strcmp (id, PEER_ID_A) == 0 ? &g->died_a : &g->died_other, 1,
                      __ATOMIC_SEQ_CST);
}

/* A whole delivery of the stream read: PEER_ID_A's died and exec_die told. */
static int
died_a_twice (const void *arg)
{
  const struct gateway_calls *g = arg;
  return __atomic_load_n (&g->died_a, __ATOMIC_SEQ_CST) >= 2;
}

/* Its parameters come from the heap, as the sidecar's do, and are freed
 * right after the stop: the sanitizers see a thread that outlives it. */
static void
thread_hands_to_the_gateway (void **state)
{
  static const struct peer_route routes[] = { { "GET", "/events", 200, events } };
  static struct gateway_calls g;
  struct peer peer;
  struct handback_watch_params p = { 0 };
  char *asked, *asked_later;
  int known_a, died_a;
  (void) state;
  peer_start (&peer, testdir, routes, 1);
  p.api_socket = strdup (peer.sock);
  p.builds_dir = "/builds";
  p.known = known;
  p.died = died;
  p.data = &g;
  assert_int_equal (handback_watch_start (&p, NULL), 0);
  assert_true (wait_for (died_a_twice, &g, 3000));
  /* PEER_ID_B is not the gateway's: asked about it, never told of its death. */
  assert_true (__atomic_load_n (&g.known_b, __ATOMIC_SEQ_CST) >= 1);
  assert_int_equal (__atomic_load_n (&g.died_other, __ATOMIC_SEQ_CST), 0);
  handback_watch_stop ();
  free ((char *) p.api_socket);
  known_a = __atomic_load_n (&g.known_a, __ATOMIC_SEQ_CST);
  died_a = __atomic_load_n (&g.died_a, __ATOMIC_SEQ_CST);
  /* Per delivery of the stream, start, died and exec_die of PEER_ID_A asked
   * in that order, only died and exec_die told: whole deliveries, as the
   * stop ends the thread between two (in its pause before reconnecting). */
  assert_true (known_a >= 3);
  assert_int_equal (known_a % 3, 0);
  assert_int_equal (died_a, 2 * (known_a / 3));
  /* Stopped: no reconnection after the pause of a second it would take. */
  asked = peer_requests (&peer);
  sleep (2);
  assert_int_equal (__atomic_load_n (&g.known_a, __ATOMIC_SEQ_CST), known_a);
  asked_later = peer_requests (&peer);
  assert_string_equal (asked_later, asked);
  free (asked);
  free (asked_later);
  peer_stop (&peer);
}

/* An engine that took the request and says nothing yet (its stream of
 * events between two): the stop ends the read instead of waiting for it,
 * and the follower can be started again. */
static void
thread_stops_while_reading (void **state)
{
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  struct handback_watch_params p = { 0 };
  static struct gateway_calls g;
  int fd, c;
  char buf[512];
  (void) state;
  snprintf (a.sun_path, sizeof a.sun_path, "%s/silent.sock", testdir);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_int_equal (bind (fd, (struct sockaddr *) &a, sizeof a), 0);
  assert_int_equal (listen (fd, 4), 0);
  p.api_socket = strdup (a.sun_path);
  p.builds_dir = "/builds";
  p.known = known;
  p.died = died;
  p.data = &g;
  for (int round = 0; round < 2; round++)
    {
      assert_int_equal (handback_watch_start (&p, NULL), 0);
      assert_int_equal (handback_watch_start (&p, NULL), -1); /* one at a time */
      assert_int_equal (errno, EBUSY);
      c = accept4 (fd, NULL, NULL, SOCK_CLOEXEC);
      assert_true (c >= 0);
      assert_true (read (c, buf, sizeof buf) > 0); /* the request */
      handback_watch_stop ();
      assert_int_equal (read (c, buf, sizeof buf), 0); /* the follower hung up */
      close (c);
    }
  free ((char *) p.api_socket);
  close (fd);
}

/* testdir/rel made with owner uid:uid; a file in it owned by 12345. */
static void
project (const char *rel, uid_t uid)
{
  char path[256], file[300];
  snprintf (path, sizeof path, "%.63s/%.100s", testdir, rel);
  snprintf (file, sizeof file, "%s/out", path);
  assert_int_equal (mkdir (path, 0755), 0);
  assert_int_equal (chown (path, uid, uid), 0);
  testdir_put (strstr (file, rel), "written by a nested user");
  assert_int_equal (chown (file, 12345, 12345), 0);
}

static int
owner_of (const char *rel)
{
  char path[256];
  struct stat st;
  snprintf (path, sizeof path, "%.63s/%.100s/out", testdir, rel);
  return stat (path, &st) == 0 ? (int) st.st_uid : -1;
}

static int
handed_back (const void *arg)
{
  (void) arg;
  return owner_of ("builds/a") == 1000 && owner_of ("builds/b") == 2000;
}

static void
child_hands_back_bind_sources (void **state)
{
  static char inspect_a[1024], inspect_b[512];
  static const struct peer_route routes[] = {
    { "GET", "/events", 200, events },
    { "GET", "/containers/" PEER_ID_A "/json", 200, inspect_a },
    { "GET", "/containers/" PEER_ID_B "/json", 200, inspect_b },
  };
  struct peer peer;
  struct handback_watch_params p = { 0 };
  char builds[128];
  sigset_t mask;
  pid_t pid;
  (void) state;
  need_root ("hands files back with chown");
  snprintf (builds, sizeof builds, "%s/builds", testdir);
  assert_int_equal (mkdir (builds, 0755), 0);
  project ("builds/a", 1000);
  project ("builds/b", 2000);
  project ("builds-other", 3000); /* a sibling, not under the builds path */
  project ("builds/volume", 4000);
  snprintf (inspect_a, sizeof inspect_a,
            "{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"%s/a\"},{\"Type\":\"bind\","
            "\"Source\":\"%s-other\"},{\"Type\":\"volume\",\"Source\":\"%s/volume\"}]}",
            builds, builds, builds);
  snprintf (inspect_b, sizeof inspect_b, "{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"%s/b\"}]}",
            builds);
  peer_start (&peer, testdir, routes, 3);
  p.api_socket = peer.sock;
  p.run_dir = testdir;
  p.builds_dir = builds;
  p.root_in_userns = 1;
  sigprocmask (SIG_SETMASK, NULL, &mask);
  pid = handback_watch_start (&p, &mask);
  assert_true (pid > 0);
  assert_true (wait_for (handed_back, NULL, 3000));
  kill (pid, SIGKILL);
  assert_int_equal (waitpid (pid, NULL, 0), pid);
  peer_stop (&peer);
  assert_int_equal (owner_of ("builds-other"), 12345);
  assert_int_equal (owner_of ("builds/volume"), 12345);
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, child_hands_back_bind_sources,
                    thread_hands_to_the_gateway, thread_stops_while_reading)
