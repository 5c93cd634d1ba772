/* sidecar/gateway/request.c: a request on its way to the engine, over real
 * sockets: refusals answered to the client (status and a message naming
 * the cause and the setting), the target the gateway checked in the head it
 * sends, bodies streamed through or read whole, checked and sent as the
 * gateway printed them, 100 Continue, and the wait and create decisions. */
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

static const char *const builds_only[] = { "/builds", NULL };
static struct gateway_options opts;
static struct gateway *g;
static struct conn *c;
static int client_end, engine_end;
static struct http_message msg;

static int
setup (void **state)
{
  (void) state;
  memset (&opts, 0, sizeof opts);
  opts.allow_privileged = 0; /* a policy is on */
  opts.header_timeout_seconds = 2;
  g = tgw_new (&opts);
  c = tconn_new (g, &client_end, &engine_end);
  log_capture ();
  return 0;
}

static int
teardown (void **state)
{
  (void) state;
  close (client_end);
  close (engine_end);
  tconn_free (c);
  tgw_free (g);
  log_release ();
  return 0;
}

/* The request's head (and whatever follows) as the gateway read it; a
 * request without a Host field gets one (HTTP/1.1 requires it). */
static void
client_sent (const char *raw)
{
  cleanup_error podsock_error_t err = NULL;
  const char *eol = strstr (raw, "\r\n");

  c->client.len = 0;
  if (strstr (raw, "Host:") || eol == NULL)
    side_put (&c->client, raw);
  else
    {
      memcpy (c->client.buf, raw, (size_t) (eol - raw) + 2);
      c->client.len = (size_t) (eol - raw) + 2;
      side_put (&c->client, "Host: d\r\n");
      side_put (&c->client, eol + 2);
    }
  if (http_parse_request (c->client.buf, c->client.len, &msg, &err) <= 0)
    fail_msg ("test request does not parse: %s", err ? err->msg : "incomplete");
}

/* What the client was answered so far. */
static char *
client_got (void)
{
  static char buf[4096];
  read_until_eof (client_end, buf, sizeof buf, 100);
  return buf;
}

static char *
engine_got (void)
{
  static char buf[16384];
  read_until_eof (engine_end, buf, sizeof buf, 100);
  return buf;
}

/* The head of a request with another target and, for a body read whole,
 * its new length in place of the client's framing. */
static void
head_rewrite (void **state)
{
  static const char raw[] = "POST /v1.41/containers/create?name=x HTTP/1.1\r\nHost: docker\r\n"
                            "Content-Length: 5\r\nX-Registry-Auth: e30=\r\n\r\n";
  static const char chunked[] = "POST /build HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                                "Host: d\r\n\r\n";
  cleanup_free char *same = NULL, *sized = NULL, *unchunked = NULL;
  size_t len;
  (void) state;

  client_sent (raw);
  same = gateway_head_rewrite (c->client.buf, &msg, "/v1.41/containers/create?name=y", -1, &len);
  assert_string_equal (same, "POST /v1.41/containers/create?name=y HTTP/1.1\r\nHost: docker\r\n"
                             "Content-Length: 5\r\nX-Registry-Auth: e30=\r\n\r\n");
  assert_int_equal (len, strlen (same));
  sized = gateway_head_rewrite (c->client.buf, &msg, "/t", 1234, &len);
  assert_string_equal (sized, "POST /t HTTP/1.1\r\nHost: docker\r\nX-Registry-Auth: e30=\r\n"
                              "Content-Length: 1234\r\n\r\n");
  client_sent (chunked);
  unchunked = gateway_head_rewrite (c->client.buf, &msg, "/build", 0, &len);
  assert_string_equal (unchunked, "POST /build HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n");
}

/* Refused before anything reaches the engine: the answer's status and what
 * it says; the connection ends (Connection: close). */
/* A request the gateway answers itself: the status line and what the
 * message says; flag is the test's own (allowLibpod, or a return value). */
struct refusal
{
  const char *request;
  int flag;
  const char *status_line, *says;
};

/* The client was answered status_line with a message that says says (and
 * told the connection ends, when closes). */
static void
assert_answered (const struct refusal *r, bool closes)
{
  char *got = client_got ();
  if (strncmp (got, r->status_line, strlen (r->status_line)) != 0 || strstr (got, r->says) == NULL
      || (closes && strstr (got, "Connection: close") == NULL))
    fail_msg ("%s: answered '%s'", r->request, got);
}

static void
refusals (void **state)
{
  static const struct refusal cases[] = {
    { "GET /containers/a%zzb/json HTTP/1.1\r\n\r\n", false, "HTTP/1.1 400 ", "" },
    { "GET /nonsense HTTP/1.1\r\n\r\n", false, "HTTP/1.1 403 ",
      "GET /nonsense refused: not an endpoint of the Docker API that the gateway serves" },
    { "DELETE /libpod/pods/p?force=1 HTTP/1.1\r\n\r\n", false, "HTTP/1.1 403 ",
      "gateway.allowLibpod: false in podsock.yaml; use the Docker API, or set "
      "gateway.allowLibpod: true" },
    { "POST /libpod/play/kube HTTP/1.1\r\n\r\n", true, "HTTP/1.1 403 ",
      "kube play refused: its pod specs could bypass gateway.allowedBindSources" },
    { "POST /build?networkmode=container:x HTTP/1.1\r\n\r\n", false, "HTTP/1.1 403 ",
      "refused by the gateway's build policy" },
  };
  (void) state;

  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      g->o.allow_libpod = cases[i].flag;
      client_sent (cases[i].request);
      if (gateway_admit (c, &msg) != 0)
        fail_msg ("%s: admitted", cases[i].request);
      assert_answered (&cases[i], true);
    }
  assert_string_equal (engine_got (), "");
  free (log_take ());
}

/* Without a policy every endpoint passes; with one, a known endpoint does. */
static void
admitted (void **state)
{
  (void) state;
  g->o.allow_privileged = 1;
  client_sent ("GET /nonsense HTTP/1.1\r\n\r\n");
  assert_int_equal (gateway_admit (c, &msg), 1);
  assert_int_equal (c->x.t.route, ROUTE_UNKNOWN);
  g->o.allow_privileged = 0;
  client_sent ("GET /v1.41/containers/json?all=1 HTTP/1.1\r\n\r\n");
  assert_int_equal (gateway_admit (c, &msg), 1);
  assert_int_equal (c->x.t.route, ROUTE_LIST);
  assert_string_equal (client_got (), "");
}

/* A start re-checks the bind sources recorded at the container's create. */
static void
start_rechecks_recorded_sources (void **state)
{
  const char *etc[] = { "/etc", NULL }, *builds[] = { "/builds/p", NULL };
  (void) state;

  g->o.allowed_bind_sources = builds_only;
  gw_containers_add (&g->containers, "c0ffee01", "bad", etc, false);
  gw_containers_add (&g->containers, "c0ffee02", "good", builds, false);
  client_sent ("POST /containers/good/start HTTP/1.1\r\n\r\n");
  assert_int_equal (gateway_admit (c, &msg), 1);
  client_sent ("POST /containers/bad/start HTTP/1.1\r\n\r\n");
  assert_int_equal (gateway_admit (c, &msg), 0);
  assert_has (client_got (), "HTTP/1.1 403 ");
  free (log_take ());
}

/* docker run --rm's wait (condition=removed) of an AutoRemove container
 * asks next-exit, marks the removal for afterwards and is answered from the
 * exit wait, as is the first run's wait of an attached container; other
 * waits, and those of HTTP/1.0 clients (no chunked answer), go as they
 * came. */
struct wait_decisions_case
{
  const char *request;
  const char *forward;
  bool remove_after, exit_wait;
};

static void
wait_decisions (void **state)
{
  static const struct wait_decisions_case cases[] = {
    { "POST /containers/rm/wait?condition=removed HTTP/1.1\r\n\r\n",
      "/containers/rm/wait?condition=next-exit", true, true },
    { "POST /containers/rm/wait?condition=removed HTTP/1.0\r\n\r\n",
      "/containers/rm/wait?condition=next-exit", true, false },
    { "POST /containers/keep/wait?condition=removed HTTP/1.1\r\n\r\n",
      "/containers/keep/wait?condition=removed", false, false },
    { "POST /containers/other/wait?condition=removed HTTP/1.1\r\n\r\n",
      "/containers/other/wait?condition=removed", false, false },
    { "POST /containers/first/wait?condition=next-exit HTTP/1.1\r\n\r\n",
      "/containers/first/wait?condition=next-exit", false, true },
    { "POST /containers/first/wait?condition=next-exit HTTP/1.0\r\n\r\n",
      "/containers/first/wait?condition=next-exit", false, false },
    { "POST /containers/first/wait?condition=not-running HTTP/1.1\r\n\r\n",
      "/containers/first/wait?condition=not-running", false, false },
  };
  (void) state;

  gw_containers_add (&g->containers, "0001", "rm", NULL, true);
  gw_containers_add (&g->containers, "0002", "keep", NULL, false);
  gw_containers_add (&g->containers, "0003", "first", NULL, false);
  gw_containers_set_attached (&g->containers, "first");
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      client_sent (cases[i].request);
      assert_int_equal (gateway_admit (c, &msg), 1);
      if (strcmp (c->x.t.forward, cases[i].forward) != 0
          || c->x.remove_after_wait != cases[i].remove_after
          || c->x.exit_wait != cases[i].exit_wait)
        fail_msg ("%s: forward %s, remove %d, exit wait %d", cases[i].request, c->x.t.forward,
                  c->x.remove_after_wait, c->x.exit_wait);
    }
}

/* docker cp: podman's copyUIDGID is not passed on (dockerd's -a semantics). */
static void
archive_put_drops_copyuidgid (void **state)
{
  (void) state;
  client_sent ("PUT /containers/x/archive?path=%2Ftmp&copyUIDGID=true HTTP/1.1\r\n\r\n");
  assert_int_equal (gateway_admit (c, &msg), 1);
  assert_null (strstr (c->x.t.forward, "copyUIDGID"));
  assert_has (c->x.t.forward, "path=");
}

static void *
remove_web_later (void *arg)
{
  (void) arg;
  peer_sleep_ms (100);
  gw_containers_remove (&g->containers, "web");
  return NULL;
}

/* A create of a name whose removal is under way waits for it. */
static void
create_waits_for_a_name_being_removed (void **state)
{
  pthread_t th;
  long t0 = monotonic_now_ms ();
  (void) state;

  gw_containers_add (&g->containers, "0001", "web", NULL, true);
  gw_containers_set_removing (&g->containers, "web");
  assert_int_equal (pthread_create (&th, NULL, remove_web_later, NULL), 0);
  client_sent ("POST /containers/create?name=web HTTP/1.1\r\n\r\n");
  assert_int_equal (gateway_admit (c, &msg), 1);
  assert_true (monotonic_now_ms () - t0 >= 90);
  pthread_join (th, NULL);
}

/* Streamed: the checked target in the head, the body as the client sends
 * it (chunked, in pieces), 100 Continue from the gateway at once. */
static void
streamed_request (void **state)
{
  static const char *const rest[] = { "3\r\nabc", "\r\n0\r\n\r\n", NULL };
  struct peer client = { .fd = client_end, .out = rest, .pause_ms = 20 };
  char *got;
  (void) state;

  client_sent ("PUT /containers/x/archive?path=%2Ftmp&copyUIDGID=1 HTTP/1.1\r\nHost: d\r\n"
               "Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n");
  assert_int_equal (gateway_admit (c, &msg), 1);
  peer_start (&client);
  assert_int_equal (gateway_send_request (c, &msg), 0);
  peer_join (&client);
  got = engine_got ();
  assert_string_equal (got, "PUT /containers/x/archive?path=%2Ftmp HTTP/1.1\r\nHost: d\r\n"
                            "Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "3\r\nabc\r\n0\r\n\r\n");
  assert_string_equal (client_got (), "HTTP/1.1 100 Continue\r\n\r\n");
  peer_free (&client);
}

/* Read whole: the engine gets the body the gateway printed (not the
 * client's bytes) with its own Content-Length. */
static void
checked_request (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  struct http_message sent;
  char *got;
  (void) state;

  client_sent ("POST /containers/create?name=web HTTP/1.1\r\nHost: d\r\nExpect: 100-continue\r\n"
               "Content-Length: 24\r\n\r\n{ \"Image\" :   \"alpine\" }");
  assert_int_equal (gateway_admit (c, &msg), 1);
  assert_int_equal (gateway_send_request (c, &msg), 0);
  got = engine_got ();
  assert_true (http_parse_request (got, strlen (got), &sent, &err) > 0);
  assert_int_equal (sent.body, HTTP_BODY_LENGTH);
  assert_int_equal (sent.content_length, strlen (got + sent.head_len));
  assert_has (got, "POST /containers/create?name=web HTTP/1.1\r\n");
  assert_has (got + sent.head_len, "\"Image\":\"alpine\"");
  assert_string_equal (c->x.name, "web");
  assert_string_equal (client_got (), "HTTP/1.1 100 Continue\r\n\r\n");
}

/* Bodies the policy refuses or that cannot be read: the client's answer,
 * nothing to the engine; keep-alive kept when the body was read. */
static void
checked_request_refusals (void **state)
{
  static const struct refusal cases[] = {
    { "POST /containers/create HTTP/1.1\r\nContent-Length: 9\r\n\r\n{\"Image\":", 1,
      "HTTP/1.1 400 ", "the container create request body was refused (send it as the Docker API" },
    { "POST /containers/create HTTP/1.1\r\nContent-Length: 46\r\n\r\n"
      "{\"Image\":\"a\",\"HostConfig\":{\"Privileged\":true}}",
      1, "HTTP/1.1 403 ", "gateway.allowPrivileged" },
    { "POST /containers/create HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", -1,
      "HTTP/1.1 400 ", "could not read the request body" },
    { "POST /containers/create HTTP/1.1\r\nContent-Length: 10\r\n\r\n{}", -1, "HTTP/1.1 400 ",
      "or the client went away" },
  };
  (void) state;

  shutdown (client_end, SHUT_WR); /* a body cut short ends */
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      client_sent (cases[i].request);
      assert_int_equal (gateway_admit (c, &msg), 1);
      if (gateway_send_request (c, &msg) != cases[i].flag)
        fail_msg ("%s: not %d", cases[i].request, cases[i].flag);
      assert_answered (&cases[i], cases[i].flag < 0);
    }
  assert_string_equal (engine_got (), "");
  free (log_take ());
}

TEST_MAIN_FIXTURES (setup, teardown, head_rewrite, refusals, admitted,
                    start_rechecks_recorded_sources, wait_decisions, archive_put_drops_copyuidgid,
                    create_waits_for_a_name_being_removed, streamed_request, checked_request,
                    checked_request_refusals)
