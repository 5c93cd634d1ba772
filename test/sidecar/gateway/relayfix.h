/* A gateway, one connection and its two socket ends, for the tests of
 * the engine's answers on their way to the client (answer.c, cannotrun.c):
 * the client's request admitted, then the engine's canned answer played by
 * a peer thread (gwpeer.h) and relayed.  Include after gwpeer.h. */
#ifndef PODSOCK_TEST_RELAYFIX_H
#define PODSOCK_TEST_RELAYFIX_H

static struct gateway_options opts;
static struct gateway *g;
static struct conn *c;
static int client_end, engine_end;
static struct http_message req;
static char client_bytes[8192];

static int
setup (void **state)
{
  if (gwtest_setup (state, &opts) < 0)
    return -1;
  opts.allow_privileged = 1; /* no policy: these tests are about answers */
  g = tgw_new (&opts);
  c = tconn_new (g, &client_end, &engine_end);
  atomic_store (&g->engine_alive, true);
  return 0;
}

static int
teardown (void **state)
{
  if (client_end >= 0)
    close (client_end);
  close (engine_end);
  tconn_free (c);
  tgw_free (g);
  return gwtest_teardown (state);
}

/* The client asked request (one line: "METHOD TARGET HTTP/1.x"), which
 * the gateway admitted: c->x holds what it decided. */
static void
client_asked (const char *request)
{
  static char head[512];
  cleanup_error podsock_error_t err = NULL;

  snprintf (head, sizeof head, "%s\r\nHost: d\r\n\r\n", request);
  c->client.len = 0;
  side_put (&c->client, head);
  assert_true (http_parse_request (c->client.buf, c->client.len, &req, &err) > 0);
  assert_int_equal (gateway_admit (c, &req), 1);
  gw_consume (&c->client, req.head_len);
}

/* The engine answers the pieces of answer; returns what
 * gateway_relay_answer did and leaves what the client got in client_bytes
 * and what the engine was sent meanwhile (the gateway's own requests) in
 * *engine_got (free it). */
static int
engine_answers (const char *const *answer, char **engine_got)
{
  struct peer engine = { .fd = engine_end, .out = answer, .pause_ms = 5, .read = true };
  int rc;

  /* A server that says Connection: close closes (its writing half), and so
   * does one whose upgraded stream ends after its output. */
  for (size_t i = 0; answer[i]; i++)
    engine.shut |= strstr (answer[i], "Connection: close") || strstr (answer[i], " 101 ");

  peer_start (&engine);
  rc = gateway_relay_answer (c, &req);
  if (c->engine.fd >= 0)
    shutdown (c->engine.fd, SHUT_WR); /* the engine peer stops reading */
  peer_join (&engine);
  read_until_eof (client_end, client_bytes, sizeof client_bytes, 50);
  if (engine_got)
    *engine_got = xstrdup (engine.got);
  peer_free (&engine);
  return rc;
}

static int
relay (const char *request, const char *const *answer, char **engine_got)
{
  client_asked (request);
  return engine_answers (answer, engine_got);
}

#define ANSWER(...) ((const char *const[]){ __VA_ARGS__, NULL })

#endif
