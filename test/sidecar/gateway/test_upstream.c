/* sidecar/gateway/upstream.c: the gateway's connections to the engine's
 * socket: the pool of idle keep-alive connections, the probe that proves a
 * (re)started engine answers, the wait for one that does not (and the
 * answer that names the setting to raise), and the gateway's own requests.
 * The engine's socket is a unix socket in a temporary directory served by
 * an in-test peer that answers with canned HTTP bytes. */
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

#define VERSION_ANSWER(conn)                                                                       \
  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nLibpod-Api-Version: 4.3.1\r\n" conn             \
  "Content-Length: 2\r\n\r\nOK"

static struct gateway_options opts;
static struct peer_server server;

static int
setup (void **state)
{
  if (gwtest_setup (state, &opts) < 0)
    return -1;
  opts.wait_seconds = 1;
  return 0;
}

/* Does the other end of fd see the end of the stream (fd closed or shut)? */
static bool
peer_sees_eof (int other_end)
{
  char b;
  struct pollfd p = { .fd = other_end, .events = POLLIN };
  return poll (&p, 1, 1000) == 1 && recv (other_end, &b, 1, MSG_DONTWAIT) == 0;
}

/* A new fd replaces the old, which is closed; while the gateway stops, a
 * new one is shut down at once. */
static void
set_fd_closes_the_old_one (void **state)
{
  struct gateway *g = tgw_new (&opts);
  int engine_end, sv[2];
  struct conn *c = tconn_new (g, NULL, &engine_end);
  (void) state;

  pair (sv);
  upstream_set_fd (c, sv[0]);
  assert_true (peer_sees_eof (engine_end));
  assert_int_equal (c->engine.fd, sv[0]);
  g->stopping = true;
  close (engine_end);
  pair (sv);
  upstream_set_fd (c, sv[0]);
  assert_true (peer_sees_eof (sv[1]));
  side_put (&c->engine, "stale");
  upstream_close (c);
  assert_int_equal (c->engine.fd, -1);
  assert_int_equal (c->engine.len, 0);
  close (sv[1]);
  tconn_free (c);
  tgw_free (g);
}

/* Only an idle engine connection with nothing buffered goes to the pool,
 * while there is room and the gateway is not stopping. */
struct release_to_the_pool_case
{
  bool idle;
  const char *buffered;
  bool stopping, full;
  bool pooled;
};

static void
release_to_the_pool (void **state)
{
  static const struct release_to_the_pool_case cases[] = {
    { true, "", false, false, true },      { false, "", false, false, false },
    { true, "HTTP", false, false, false }, { true, "", true, false, false },
    { true, "", false, true, false },
  };
  (void) state;

  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      struct gateway *g = tgw_new (&opts);
      int engine_end;
      struct conn *c = tconn_new (g, NULL, &engine_end);
      int fd = c->engine.fd;

      c->engine_idle = cases[i].idle;
      side_put (&c->engine, cases[i].buffered);
      g->stopping = cases[i].stopping;
      if (cases[i].full)
        while (g->n_pool < POOL_MAX)
          g->pool[g->n_pool++] = dup (engine_end);
      upstream_release (c);
      assert_int_equal (c->engine.fd, -1);
      if (cases[i].pooled != (g->n_pool == 1 && g->pool[0] == fd))
        fail_msg ("case %zu: pooled is not %d", i, cases[i].pooled);
      if (!cases[i].pooled && !cases[i].full)
        assert_true (peer_sees_eof (engine_end));
      close (engine_end);
      tconn_free (c);
      tgw_free (g);
    }
}

/* The engine's version is logged once per version, with the warning for a
 * podman without the build fixes; an answer without one is ignored. */
static void
engine_answered_logs_each_version_once (void **state)
{
  struct gateway *g = tgw_new (&opts);
  cleanup_free char *first = NULL, *again = NULL, *newer = NULL, *bad = NULL;
  (void) state;

  gateway_engine_answered (g, "4.3.1");
  first = log_take ();
  assert_has (first, "gateway: engine answers");
  assert_has (first, "CVE-2024-1753");
  assert_has (first, "podman 5.2.5 or later");
  assert_string_equal (g->engine_version, "4.3.1");
  gateway_engine_answered (g, "4.3.1");
  again = log_take ();
  assert_string_equal (again, "");
  gateway_engine_answered (g, "5.2.5");
  newer = log_take ();
  assert_has (newer, "\"podman\":\"5.2.5\"");
  assert_null (strstr (newer, "CVE"));
  gateway_engine_answered (g, "");
  gateway_engine_answered (g, NULL);
  gateway_engine_answered (g, "5.2.5\r\nX: injected");
  bad = log_take ();
  assert_string_equal (bad, "");
  assert_string_equal (g->engine_version, "5.2.5");
  tgw_free (g);
}

/* Serves answers on testdir/engine.sock; returns a connection of a
 * gateway that uses it, not yet connected. */
static struct conn *
engine_conn (const char *const *answers)
{
  peer_server_listen (&server, "engine.sock", answers);
  peer_server_run (&server);
  opts.engine_socket = server.path;
  return tconn_new (tgw_new (&opts), NULL, NULL);
}

/* A connection to the engine serving answers, made. */
static struct conn *
engine_connected (const char *const *answers)
{
  struct conn *c = engine_conn (answers);
  char *why = NULL;

  assert_int_equal (upstream_connect (c, &why), 0);
  assert_null (why);
  assert_true (c->engine.fd >= 0);
  return c;
}

/* Ends c and its gateway and the server, which accepted that many
 * connections and sent that many answers. */
static void
engine_done (struct conn *c, int accepted, size_t answered)
{
  struct gateway *g = c->g;

  peer_server_wait_accepted (&server, accepted);
  upstream_close (c);
  peer_server_stop (&server);
  assert_int_equal (server.accepted, accepted);
  assert_int_equal (server.next, answered);
  tconn_free (c);
  tgw_free (g);
  free (log_take ());
}

/* A fresh connection proves the engine runs by asking /_ping (a
 * socket-activated engine accepts while podman is down); once alive, the
 * next connection is not probed. */
static void
connect_probes_a_fresh_engine (void **state)
{
  static const char *const answers[] = { VERSION_ANSWER (""), NULL };
  struct conn *c = engine_connected (answers);
  char *why = NULL;
  (void) state;

  assert_true (atomic_load (&c->g->engine_alive));
  assert_string_equal (c->g->engine_version, "4.3.1");
  assert_has (server.log, "GET /_ping HTTP/1.1\r\nHost: podsock-gateway\r\n\r\n");
  /* Still open: kept. */
  int fd = c->engine.fd;
  assert_int_equal (upstream_connect (c, &why), 0);
  assert_int_equal (c->engine.fd, fd);
  upstream_close (c);
  assert_int_equal (upstream_connect (c, &why), 0);
  engine_done (c, 2, 1);
}

/* A probe answered with Connection: close: the probe's connection is
 * dropped and a new one made. */
static void
connect_after_a_closing_probe (void **state)
{
  static const char *const answers[] = { VERSION_ANSWER ("Connection: close\r\n"), NULL };
  (void) state;

  engine_done (engine_connected (answers), 2, 1);
}

/* The pool first: an open pooled connection is used as it is; one the
 * engine closed means it went away, so a fresh one is probed again. */
static void
connect_takes_from_the_pool (void **state)
{
  static const char *const answers[] = { VERSION_ANSWER (""), NULL };
  struct conn *c = engine_conn (answers);
  struct gateway *g = c->g;
  int open_pair[2], closed_pair[2];
  char *why = NULL;
  (void) state;

  pair (open_pair);
  pair (closed_pair);
  close (closed_pair[1]);
  g->pool[g->n_pool++] = open_pair[0];
  atomic_store (&g->engine_alive, true);
  assert_int_equal (upstream_connect (c, &why), 0);
  assert_int_equal (c->engine.fd, open_pair[0]);
  assert_int_equal (g->n_pool, 0);
  upstream_close (c);

  g->pool[g->n_pool++] = closed_pair[0];
  assert_int_equal (upstream_connect (c, &why), 0);
  assert_true (atomic_load (&g->engine_alive));
  close (open_pair[1]);
  engine_done (c, 1, 1); /* probed again */
}

/* No engine: after wait_seconds, a message for the client that names the
 * socket, what may be going on, and the setting to raise; an unavailable
 * gateway or one that stops answers at once. */
static void
connect_failures_say_why (void **state)
{
  struct gateway *g;
  struct conn *c;
  char *why = NULL, path[128];
  long t0;
  (void) state;

  snprintf (path, sizeof path, "%s/no-engine.sock", testdir);
  opts.engine_socket = path;
  g = tgw_new (&opts);
  c = tconn_new (g, NULL, NULL);
  t0 = monotonic_now_ms ();
  assert_int_equal (upstream_connect (c, &why), -1);
  assert_true (monotonic_now_ms () - t0 >= 1000);
  assert_has (why, "the container engine did not answer on ");
  assert_has (why, "no-engine.sock within 1 s");
  assert_has (why, "raise gateway.waitSeconds");
  free (why);

  /* These answer at once, not after wait_seconds. */
  g->o.wait_seconds = 10;
  g->unavailable = xstrdup ("no user namespaces: set hostUsers");
  t0 = monotonic_now_ms ();
  assert_int_equal (upstream_connect (c, &why), -1);
  assert_string_equal (why, "no user namespaces: set hostUsers");
  free (why);
  free (g->unavailable);
  g->unavailable = NULL;
  assert_null (gateway_unavailable_reason (g));
  g->stopping = true;
  assert_int_equal (upstream_connect (c, &why), -1);
  assert_string_equal (why, "podsock gateway: stopping");
  assert_true (monotonic_now_ms () - t0 < 5000);
  free (why);
  tconn_free (c);
  tgw_free (g);
}

/* The gateway's own bodyless request: its bytes, the status, the body
 * read and dropped; the connection kept or closed as the answer says. */
struct own_requests_case
{
  const char *answer; /* the engine's bytes */
  int status;         /* upstream_request's result */
  bool kept;          /* the engine connection stays */
};

static void
own_requests (void **state)
{
  static const struct own_requests_case cases[] = {
    { "HTTP/1.1 204 No Content\r\n\r\n", 204, true },
    { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[]\r\n0\r\n\r\n", 200, true },
    { "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", 404, false },
    { "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}", 200, false }, /* cut short */
    { "garbage\r\n\r\n", -1, false },
    { "", -1, false },
  };
  (void) state;

  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      const char *out[] = { cases[i].answer, NULL };
      struct gateway *g = tgw_new (&opts);
      int engine_end;
      struct conn *c = tconn_new (g, NULL, &engine_end);
      struct peer engine = { .fd = engine_end, .out = out, .shut = true };
      char sent[256];

      peer_start (&engine);
      if (upstream_request (c, "DELETE", "/containers/abc?force=1&v=1") != cases[i].status
          || (c->engine.fd >= 0) != cases[i].kept)
        fail_msg ("case %zu: status or connection not as expected", i);
      peer_join (&engine);
      read_until_eof (engine_end, sent, sizeof sent, 0);
      assert_string_equal (sent,
                           "DELETE /containers/abc?force=1&v=1 HTTP/1.1\r\nHost: podsock-gateway"
                           "\r\n\r\n");
      close (engine_end);
      peer_free (&engine);
      tconn_free (c);
      tgw_free (g);
    }
}

/* No engine connection: -1 at once. */
static void
own_request_without_a_connection (void **state)
{
  struct gateway *g = tgw_new (&opts);
  struct conn *c = tconn_new (g, NULL, NULL);
  (void) state;

  assert_int_equal (upstream_request (c, "GET", "/_ping"), -1);
  tconn_free (c);
  tgw_free (g);
}

TEST_MAIN_FIXTURES (setup, gwtest_teardown, set_fd_closes_the_old_one, release_to_the_pool,
                    engine_answered_logs_each_version_once, connect_probes_a_fresh_engine,
                    connect_after_a_closing_probe, connect_takes_from_the_pool,
                    connect_failures_say_why, own_requests, own_request_without_a_connection)
