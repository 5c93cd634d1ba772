/* sidecar/gateway/gateway.c: the proxy as a whole, started on a real unix
 * socket in a temporary directory, in front of an in-test HTTP peer on
 * another (canned HTTP bytes, no engine behind it): requests in and
 * answers out, keep-alive and the pool of engine connections, the probe of
 * a lost engine, the answers the gateway gives itself (unavailable, no
 * engine, a head too long, malformed or too slow, an idle client), and a
 * stop with clients connected. */
#include "gateway/internal.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testdir.h"
#include "testutil.h"
#include "gwpeer.h"

#define VERSION_ANSWER "HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\n{\"Version\":\"4.3.1\"}"
#define PING_ANSWER "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"
#define PING "GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n"

#define PING_CLOSE "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nOK"

static const char *const engine_answers[]
    = { VERSION_ANSWER, PING_ANSWER, PING_ANSWER, PING_ANSWER, VERSION_ANSWER, PING_ANSWER, NULL };
/* An engine that closes each connection after its answer. */
static const char *const closing_answers[]
    = { VERSION_ANSWER, PING_CLOSE, PING_CLOSE, VERSION_ANSWER, PING_CLOSE, NULL };

static struct peer_server engine;
static struct gateway_options opts;
static struct gateway *g;
static int listen_fd = -1;
static char gw_path[128];

static int
setup (void **state)
{
  if (gwtest_setup (state, &opts) < 0)
    return -1;
  opts.allow_privileged = 1;
  opts.wait_seconds = 1;
  return 0;
}

/* Starts the gateway on testdir/gw.sock (the engine's socket as opts say). */
static void
start (void)
{
  cleanup_error podsock_error_t err = NULL;
  char engine_path[128];

  snprintf (gw_path, sizeof gw_path, "%s/gw.sock", testdir);
  listen_fd = socket_bind_listen (gw_path, 0600, (gid_t) -1, 16, &err);
  assert_true (listen_fd >= 0);
  /* The options are copied: what they point to may go. */
  snprintf (engine_path, sizeof engine_path, "%s", opts.engine_socket ? opts.engine_socket : "");
  opts.engine_socket = engine_path;
  assert_int_equal (gateway_start (&g, listen_fd, &opts, &err), 0);
  memset (engine_path, 'x', sizeof engine_path - 1);
  opts.engine_socket = NULL;
}

static void
start_with (const char *const *answers)
{
  peer_server_listen (&engine, "engine.sock", answers);
  peer_server_run (&engine);
  opts.engine_socket = engine.path;
  start ();
}

static void
start_with_engine (void)
{
  start_with (engine_answers);
}

/* Waits (up to 2 s) until the gateway's counter (n_pool: idle engine
 * connections; n_conns: clients served, one connection each on a new
 * gateway, which has no idle worker) reaches n. */
static void
wait_count (const unsigned *counter, unsigned n, const char *what)
{
  for (int i = 0; i < 200; i++)
    {
      pthread_mutex_lock (&g->lock);
      unsigned got = *counter;
      pthread_mutex_unlock (&g->lock);
      if (got == n)
        return;
      peer_sleep_ms (10);
    }
  fail_msg ("the gateway never had %u %s", n, what);
}

#define wait_pool(n) wait_count (&g->n_pool, (n), "pooled engine connections")
#define wait_conns(n) wait_count (&g->n_conns, (n), "client connections")

static int
teardown (void **state)
{
  gateway_stop (g);
  g = NULL;
  close (listen_fd);
  if (engine.path[0] && engine.listen_fd >= 0)
    peer_server_stop (&engine);
  memset (&engine, 0, sizeof engine);
  return gwtest_teardown (state);
}

static int
client (void)
{
  cleanup_error podsock_error_t err = NULL;
  int fd = socket_connect_unix (gw_path, &err);
  assert_true (fd >= 0);
  return fd;
}

/* Reads one whole answer (head and Content-Length body) from fd into buf;
 * returns its status, or 0 when the connection ended first. */
static int
read_answer (int fd, char *buf, size_t cap)
{
  cleanup_error podsock_error_t err = NULL;
  struct http_message m;
  size_t len = 0;
  int n;

  for (;;)
    {
      n = http_parse_response (buf, len, false, &m, &err);
      if (n > 0 && (m.body != HTTP_BODY_LENGTH || len >= (size_t) n + m.content_length))
        break;
      struct pollfd p = { .fd = fd, .events = POLLIN };
      ssize_t r = poll (&p, 1, 5000) == 1 ? recv (fd, buf + len, cap - 1 - len, 0) : -1;
      if (n < 0 || r <= 0)
        return 0;
      len += (size_t) r;
      buf[len] = '\0';
    }
  return m.status;
}

/* One request on a new connection; the answer in buf, its status back. */
static int
ask (const char *request, char *buf, size_t cap)
{
  int fd = client (), status;

  assert_int_equal (gw_write_all (fd, request, strlen (request)), 0);
  status = read_answer (fd, buf, cap);
  close (fd);
  return status;
}

static void
is_closed_by_the_gateway (int fd)
{
  char b;
  struct pollfd p = { .fd = fd, .events = POLLIN };
  assert_int_equal (poll (&p, 1, 5000), 1);
  assert_int_equal (recv (fd, &b, 1, 0), 0);
}

/* Requests go through to the engine and answers back; a keep-alive client
 * asks again on its connection; the next client takes the pooled engine
 * connection; the engine was probed once. */
static void
requests_through_and_the_pool (void **state)
{
  char buf[4096];
  int fd;
  (void) state;

  start_with_engine ();
  fd = client ();
  for (int i = 0; i < 2; i++)
    {
      assert_int_equal (gw_write_all (fd, PING, strlen (PING)), 0);
      assert_int_equal (read_answer (fd, buf, sizeof buf), 200);
      assert_string_equal (buf, PING_ANSWER);
    }
  close (fd);
  wait_pool (1);
  assert_int_equal (ask (PING, buf, sizeof buf), 200);
  peer_server_stop (&engine);
  assert_int_equal (engine.accepted, 1);
  assert_string_equal (engine.log,
                       "GET /_ping HTTP/1.1\r\nHost: podsock-gateway\r\n\r\n" PING PING PING);
}

/* A fresh engine connection is probed only while the engine is not known
 * to run: after gateway_engine_lost, again. */
static void
lost_engine_is_probed_again (void **state)
{
  char buf[4096];
  (void) state;

  start_with (closing_answers);
  for (int i = 0; i < 2; i++)
    assert_int_equal (ask (PING, buf, sizeof buf), 200);
  gateway_engine_lost (g);
  assert_int_equal (ask (PING, buf, sizeof buf), 200);
  assert_string_equal (buf, PING_CLOSE);
  pthread_mutex_lock (&engine.lock);
  assert_int_equal (engine.next, 5);
  assert_non_null (strstr (strstr (engine.log, "Host: podsock-gateway") + 1,
                           "GET /_ping HTTP/1.1\r\nHost: podsock-gateway"));
  pthread_mutex_unlock (&engine.lock);
}

/* A ping is answered 503 by the gateway, with a message that says each of
 * says (NULL-terminated). */
static void
ping_answered_503 (const char *const *says)
{
  char buf[4096];

  assert_int_equal (ask (PING, buf, sizeof buf), 503);
  assert_has (buf, "Connection: close");
  for (size_t i = 0; says[i]; i++)
    assert_has (buf, says[i]);
}

#define SAYS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Unavailable: every request gets a Docker-style error carrying the
 * reason; cleared, requests go through again. */
static void
unavailable_and_back (void **state)
{
  char buf[4096];
  (void) state;

  opts.unavailable_reason = "no engine can run here: set hostUsers: false";
  start_with_engine ();
  ping_answered_503 (SAYS ("{\"message\":\"no engine can run here: set hostUsers: false\"}"));
  gateway_set_unavailable (g, "another reason");
  ping_answered_503 (SAYS ("another reason"));
  gateway_set_unavailable (g, NULL);
  assert_int_equal (ask (PING, buf, sizeof buf), 200);
}

/* No engine on its socket: 503 after wait_seconds, naming the setting. */
static void
no_engine (void **state)
{
  (void) state;
  opts.engine_socket = "/nonexistent/engine.sock";
  start ();
  ping_answered_503 (
      SAYS ("did not answer on /nonexistent/engine.sock within 1 s", "raise gateway.waitSeconds"));
}

/* Heads the gateway answers itself: too long (431), malformed (400), and
 * a version it does not speak; each connection then ends. */
struct bad_heads_case
{
  const char *request;
  int status;
};

static void
bad_heads (void **state)
{
  static const struct bad_heads_case cases[] = {
    { "GET /_ping HTTP/1.1\r\nHost: d\r\nX:\x01\r\n\r\n", 400 },
    { "GET /_ping HTTP/1.1\r\nHost: d\r\n folded\r\n\r\n", 400 },
    { "GET /_ping HTTP/1.1\r\nHost: d\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400 },
    { "GET /_ping HTTP/2.0\r\nHost: d\r\n\r\n", 505 },
  };
  char buf[4096], *huge;
  (void) state;

  start_with_engine ();
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      int status = ask (cases[i].request, buf, sizeof buf);
      if (status != cases[i].status || strstr (buf, "podsock gateway: ") == NULL)
        fail_msg ("case %zu: %d '%s'", i, status, buf);
      assert_has (buf, "Connection: close");
    }
  huge = xmalloc (HTTP_MAX_HEAD + 64);
  strcpy (huge, "GET /_ping HTTP/1.1\r\nHost: d\r\nX-Long: ");
  memset (huge + strlen (huge), 'a', HTTP_MAX_HEAD);
  huge[HTTP_MAX_HEAD + 30] = '\0';
  assert_int_equal (ask (huge, buf, sizeof buf), 431);
  free (huge);
  /* Nothing of those reached the engine. */
  pthread_mutex_lock (&engine.lock);
  assert_int_equal (engine.log_len, 0);
  pthread_mutex_unlock (&engine.lock);
}

/* A head that stops half-way gets 408 after header_timeout_seconds; an
 * idle keep-alive client is closed after idle_timeout_seconds, unanswered;
 * a client that leaves mid-head leaves the gateway serving. */
static void
slow_and_idle_clients (void **state)
{
  char buf[4096];
  int slow, idle, gone;
  long t0;
  (void) state;

  opts.header_timeout_seconds = 1;
  opts.idle_timeout_seconds = 1;
  start_with_engine ();
  gone = client ();
  assert_int_equal (gw_write_all (gone, "GET /_pi", 8), 0);
  close (gone);
  slow = client ();
  idle = client ();
  t0 = monotonic_now_ms ();
  assert_int_equal (gw_write_all (slow, "GET /_ping HTTP/1.1\r\n", 21), 0);
  assert_int_equal (read_answer (slow, buf, sizeof buf), 408);
  assert_has (buf, "the request head did not arrive in time");
  assert_true (monotonic_now_ms () - t0 >= 900);
  is_closed_by_the_gateway (slow);
  is_closed_by_the_gateway (idle);
  close (slow);
  close (idle);
  assert_int_equal (ask (PING, buf, sizeof buf), 200);
}

/* A stop ends the connections of clients that are still there. */
static void
stop_with_clients_connected (void **state)
{
  char buf[4096];
  int fd[3];
  (void) state;

  start_with_engine ();
  for (int i = 0; i < 3; i++)
    fd[i] = client ();
  assert_int_equal (gw_write_all (fd[0], PING, strlen (PING)), 0);
  assert_int_equal (read_answer (fd[0], buf, sizeof buf), 200);
  /* A client still in the listen backlog is not the gateway's yet: the
   * listening socket (the sidecar's) outlives the stop. */
  wait_conns (3);
  gateway_stop (g);
  g = NULL;
  for (int i = 0; i < 3; i++)
    {
      is_closed_by_the_gateway (fd[i]);
      close (fd[i]);
    }
}

TEST_MAIN_FIXTURES (setup, teardown, requests_through_and_the_pool, lost_engine_is_probed_again,
                    unavailable_and_back, no_engine, bad_heads, slow_and_idle_clients,
                    stop_with_clients_connected)
