/* sidecar/gateway/stream.c: the gateway's byte streams over real sockets:
 * writes that survive a vanished peer, reads with deadlines, message bodies
 * (Content-Length, chunked, until close; forwarded, kept raw, decoded),
 * Docker-style error answers, and the two-way pipe of a hijacked stream
 * with half-close. */
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

/* A side reading fd, with a buffer of its own. */
static struct side
side_on (int fd)
{
  return (struct side){ .fd = fd, .buf = xmalloc (BUF_SIZE) };
}

/* Counts what arrives on fd until EOF (arg: the fd; returns the count). */
static void *
count_until_eof (void *arg)
{
  int fd = (int) (intptr_t) arg;
  char buf[16384];
  size_t total = 0;
  ssize_t r;

  while ((r = recv (fd, buf, sizeof buf, 0)) > 0)
    total += (size_t) r;
  return (void *) (uintptr_t) total;
}

static void
write_all_and_vanished_peer (void **state)
{
  size_t big = 1 << 20;
  char *data = xcalloc (1, big);
  pthread_t th;
  void *got;
  int sv[2];
  (void) state;

  /* 1 MiB is more than a socket buffer: the writes go on as it drains. */
  pair (sv);
  assert_int_equal (pthread_create (&th, NULL, count_until_eof, (void *) (intptr_t) sv[1]), 0);
  assert_int_equal (gw_write_all (sv[0], data, big), 0);
  close (sv[0]);
  pthread_join (th, &got);
  assert_int_equal ((uintptr_t) got, big);
  close (sv[1]);
  free (data);

  /* A peer that went away: -1 (EPIPE), no SIGPIPE. */
  pair (sv);
  close (sv[1]);
  assert_int_equal (gw_write_all (sv[0], "x", 1), -1);
  assert_int_equal (errno, EPIPE);
  close (sv[0]);
}

/* A side on sv[0] (a new pair) and a watched peer pair. */
static struct side
watched_side (int sv[2], int watch[2])
{
  pair (sv);
  pair (watch);
  return side_on (sv[0]);
}

/* Data, a timeout, a watched peer that hangs up, the end of the stream,
 * and a full buffer. */
static void
read_more_outcomes (void **state)
{
  int sv[2], watch[2];
  struct side s = watched_side (sv, watch);
  (void) state;

  assert_int_equal (gw_read_more (&s, 20, -1), READ_TIMEOUT);
  assert_int_equal (send (sv[1], "abc", 3, 0), 3);
  assert_int_equal (gw_read_more (&s, 1000, watch[0]), 3);
  assert_int_equal (s.len, 3);
  close (watch[1]);
  assert_int_equal (gw_read_more (&s, 1000, watch[0]), READ_VANISHED);
  gw_consume (&s, 1);
  assert_int_equal (s.len, 2);
  assert_memory_equal (s.buf, "bc", 2);
  s.len = BUF_SIZE;
  assert_int_equal (gw_read_more (&s, 0, -1), READ_ERROR);
  s.len = 0;
  close (sv[1]);
  assert_int_equal (gw_read_more (&s, 1000, -1), READ_EOF);
  close (sv[0]);
  close (watch[0]);
  free (s.buf);
}

/* Each status with its reason phrase; the body is JSON naming the message
 * (quotes escaped) with a Content-Length that fits; keep-alive or close. */
struct status_line
{
  int status;
  const char *line;
};

static void
error_answers (void **state)
{
  static const struct status_line cases[] = {
    { 400, "HTTP/1.1 400 Bad Request\r\n" },
    { 403, "HTTP/1.1 403 Forbidden\r\n" },
    { 408, "HTTP/1.1 408 Request Timeout\r\n" },
    { 409, "HTTP/1.1 409 Conflict\r\n" },
    { 413, "HTTP/1.1 413 Payload Too Large\r\n" },
    { 431, "HTTP/1.1 431 Request Header Fields Too Large\r\n" },
    { 501, "HTTP/1.1 501 Not Implemented\r\n" },
    { 502, "HTTP/1.1 502 Bad Gateway\r\n" },
    { 505, "HTTP/1.1 505 HTTP Version Not Supported\r\n" },
    { 503, "HTTP/1.1 503 Service Unavailable\r\n" },
  };
  (void) state;

  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      cleanup_error podsock_error_t err = NULL;
      struct http_message m;
      char buf[1024];
      int sv[2];
      bool keep = i % 2;

      pair (sv);
      gw_send_error (sv[0], cases[i].status, "no \"engine\": set x", keep);
      close (sv[0]);
      read_until_eof (sv[1], buf, sizeof buf, 1000);
      close (sv[1]);
      assert_int_equal (strncmp (buf, cases[i].line, strlen (cases[i].line)), 0);
      assert_true (http_parse_response (buf, strlen (buf), false, &m, &err) > 0);
      assert_int_equal (m.status, cases[i].status);
      assert_int_equal (m.keep_alive, keep);
      assert_int_equal (m.body, HTTP_BODY_LENGTH);
      assert_string_equal (buf + m.head_len, "{\"message\":\"no \\\"engine\\\": set x\"}");
      assert_int_equal (m.content_length, strlen (buf + m.head_len));
      assert_has (buf, "Content-Type: application/json\r\n");
      assert_has (buf, "Api-Version: 1.41\r\n");
    }
}

/* A framing of kind body with content_length n (for parse-free tests). */
static struct http_message
framing (enum http_body body, uint64_t n)
{
  struct http_message m;
  memset (&m, 0, sizeof m);
  m.body = body;
  m.content_length = n;
  return m;
}

struct pump_case
{
  const char *what;
  enum http_body body;
  uint64_t length;
  const char *buffered;   /* in the side's buffer already */
  const char *const *out; /* what the peer sends then */
  bool peer_closes;
  bool raw;             /* sink keeps the framing */
  bool to_fd;           /* sink is a socket */
  size_t cap;           /* sink buffer size */
  int rc, err;          /* what gw_pump_body returns, errno when -1 */
  const char *sunk;     /* what the sink got */
  const char *leftover; /* what stays in the side's buffer */
};

static const char *const slow_chunks[] = { "4\r\nWiki\r\n", "5\r\npedia\r\n", "0\r\n\r\n", NULL };
static const char *const rest_of_length[] = { "lo, ", "world", "NEXT", NULL };
static const char *const bad_chunk[] = { "zz\r\n", NULL };
static const char *const cut_short[] = { "abc", NULL };
static const char *const until_close[] = { "all ", "of it", NULL };
static const char *const nothing[] = { NULL };

static const struct pump_case pump_cases[] = {
  { "length, part buffered, slow peer", HTTP_BODY_LENGTH, 12, "Hel", rest_of_length, false, false,
    true, 0, 0, 0, "Hello, world", "NEXT" },
  { "length 0", HTTP_BODY_LENGTH, 0, "GET /next", nothing, false, false, false, 16, 0, 0, "",
    "GET /next" },
  { "no body", HTTP_BODY_NONE, 0, "", nothing, false, false, false, 16, 0, 0, "", "" },
  { "chunked forwarded as it came", HTTP_BODY_CHUNKED, 0, "", slow_chunks, false, false, true, 0, 0,
    0, "4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n", "" },
  { "chunked decoded", HTTP_BODY_CHUNKED, 0, "3\r\nabc\r\n0\r\n\r\nNEXT", nothing, false, false,
    false, 64, 0, 0, "abc", "NEXT" },
  { "chunked kept raw", HTTP_BODY_CHUNKED, 0, "3\r\nabc\r\n0\r\n\r\n", nothing, false, true, false,
    64, 0, 0, "3\r\nabc\r\n0\r\n\r\n", "" },
  { "chunked too large", HTTP_BODY_CHUNKED, 0, "8\r\n12345678\r\n0\r\n\r\n", nothing, false, false,
    false, 4, -1, EMSGSIZE, NULL, NULL },
  { "chunked raw too large", HTTP_BODY_CHUNKED, 0, "8\r\n12345678\r\n0\r\n\r\n", nothing, false,
    true, false, 4, -1, EMSGSIZE, NULL, NULL },
  { "bad chunk size", HTTP_BODY_CHUNKED, 0, "", bad_chunk, false, false, false, 64, -1, EPROTO,
    NULL, NULL },
  { "length too large", HTTP_BODY_LENGTH, 10, "0123456789", nothing, false, false, false, 4, -1,
    EMSGSIZE, NULL, NULL },
  { "peer closes early", HTTP_BODY_LENGTH, 10, "", cut_short, true, false, false, 64, -1,
    ECONNRESET, NULL, NULL },
  { "chunked cut short", HTTP_BODY_CHUNKED, 0, "5\r\nab", nothing, true, false, false, 64, -1,
    ECONNRESET, NULL, NULL },
  { "until close", HTTP_BODY_UNTIL_CLOSE, 0, "", until_close, true, false, false, 64, 0, 0,
    "all of it", "" },
  { "peer too slow", HTTP_BODY_LENGTH, 10, "", nothing, false, false, false, 64, -1, ETIMEDOUT,
    NULL, NULL },
};

static void
run_pump_case (const struct pump_case *pc)
{
  struct peer p = { .out = pc->out, .pause_ms = 5, .shut = pc->peer_closes };
  struct http_message m = framing (pc->body, pc->length);
  char *buf = xcalloc (1, 256), sunk[256];
  struct sink k = { .fd = -1, .raw = pc->raw, .buf = buf, .cap = pc->cap };
  int sv[2], out[2] = { -1, -1 }, rc, e;
  struct side s;

  print_message ("pump: %s\n", pc->what);
  pair (sv);
  s = side_on (sv[0]);
  side_put (&s, pc->buffered);
  if (pc->to_fd)
    {
      pair (out);
      k.fd = out[0];
    }
  p.fd = sv[1];
  peer_start (&p);
  rc = gw_pump_body (&s, &m, &k, 300, -1);
  e = errno;
  peer_join (&p);
  assert_int_equal (rc, pc->rc);
  if (rc < 0)
    assert_int_equal (e, pc->err);
  else if (pc->to_fd)
    {
      close (out[0]);
      read_until_eof (out[1], sunk, sizeof sunk, 1000);
      assert_string_equal (sunk, pc->sunk);
    }
  else
    {
      assert_int_equal (k.len, strlen (pc->sunk));
      assert_memory_equal (k.buf, pc->sunk, k.len);
    }
  if (rc == 0)
    {
      /* What follows the body (the next message) stays; the peer's
       * remaining bytes may still be on the way. */
      if (s.len < strlen (pc->leftover))
        s.len += (size_t) read_until_eof (sv[0], s.buf + s.len, 64, 200);
      assert_int_equal (s.len, strlen (pc->leftover));
      assert_memory_equal (s.buf, pc->leftover, s.len);
    }
  if (out[1] >= 0)
    close (out[1]);
  close (sv[0]);
  close (sv[1]);
  peer_free (&p);
  free (s.buf);
  free (buf);
}

static void
pump_bodies (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (pump_cases); i++)
    run_pump_case (&pump_cases[i]);
}

/* A watched peer (the client) that hangs up ends the wait for a body. */
static void
pump_ends_when_the_watched_peer_goes (void **state)
{
  struct http_message m = framing (HTTP_BODY_LENGTH, 10);
  char buf[16];
  struct sink k = { .fd = -1, .buf = buf, .cap = sizeof buf };
  int sv[2], watch[2];
  struct side s = watched_side (sv, watch);
  (void) state;

  close (watch[1]);
  assert_int_equal (gw_pump_body (&s, &m, &k, 5000, watch[0]), -1);
  assert_int_equal (errno, ECONNRESET);
  close (sv[0]);
  close (sv[1]);
  close (watch[0]);
  free (s.buf);
}

/* A hijacked stream (attach): what each side had buffered goes first, then
 * bytes both ways; the client's half-close reaches the engine as EOF while
 * the engine's output still flows; the engine's end ends the splice. */
static void
splice_both_ways_with_half_close (void **state)
{
  static const char *const stdin_bytes[] = { "typed ", "input", NULL };
  static const char *const stdout_bytes[] = { "out-1 ", "out-2", NULL };
  struct gateway *g = tgw_new (NULL);
  int client_end, engine_end;
  struct conn *c = tconn_new (g, &client_end, &engine_end);
  struct peer client = { .out = stdin_bytes, .pause_ms = 10, .shut = true, .read = true };
  struct peer engine = { .out = stdout_bytes, .pause_ms = 30, .read = true, .close = true };
  long t0 = monotonic_now_ms ();
  (void) state;

  c->x.t.route = ROUTE_ATTACH;
  strcpy (c->x.t.id, "unknown-container");
  side_put (&c->engine, "HTTP/1.1 101 UPGRADED\r\n\r\nearly ");
  side_put (&c->client, "buffered-stdin ");
  client.fd = client_end;
  engine.fd = engine_end;
  /* The engine peer reads stdin to its end before it closes. */
  peer_start (&client);
  peer_start (&engine);
  gw_splice (c);
  peer_join (&client);
  peer_join (&engine);
  assert_string_equal (client.got, "HTTP/1.1 101 UPGRADED\r\n\r\nearly out-1 out-2");
  assert_string_equal (engine.got, "buffered-stdin typed input");
  assert_int_equal (c->client.len, 0);
  assert_int_equal (c->engine.len, 0);
  /* The client had closed its half: no linger. */
  assert_true (monotonic_now_ms () - t0 < HIJACK_LINGER_MS);
  close (client_end);
  peer_free (&client);
  peer_free (&engine);
  tconn_free (c);
  tgw_free (g);
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, write_all_and_vanished_peer,
                    read_more_outcomes, error_answers, pump_bodies,
                    pump_ends_when_the_watched_peer_goes, splice_both_ways_with_half_close)
