/* The strict HTTP/1.1 head parser: what it accepts, and each thing it
 * rejects (with the status the gateway answers). */
#include <podsock/http.h>
#include <podsock/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

static int
parse_req (const char *s, struct http_message *m)
{
  cleanup_error podsock_error_t err = NULL;
  int r = http_parse_request (s, strlen (s), m, &err);
  if (r < 0)
    assert_non_null (err);
  return r;
}

static void
accepts_docker_requests (void **state)
{
  struct http_message m;
  const char *s = "POST /v1.41/containers/create?name=x HTTP/1.1\r\nHost: docker\r\n"
                  "User-Agent: Docker-Client/20.10\r\nContent-Length: 12\r\n"
                  "Content-Type: application/json\r\n\r\n{\"Image\":1}";
  (void) state;
  assert_int_equal (parse_req (s, &m), (int) (strstr (s, "\r\n\r\n") + 4 - s));
  assert_int_equal (m.method_len, 4);
  assert_memory_equal (m.method, "POST", 4);
  assert_int_equal (m.target_len, strlen ("/v1.41/containers/create?name=x"));
  assert_int_equal (m.body, HTTP_BODY_LENGTH);
  assert_int_equal (m.content_length, 12);
  assert_true (m.keep_alive);
  assert_false (m.upgrade);
  assert_int_equal (m.n_headers, 4);
  const struct http_header *h = http_find_header (&m, "user-agent");
  assert_non_null (h);
  assert_int_equal (h->value_len, strlen ("Docker-Client/20.10"));
}

static void
upgrade_chunked_and_close (void **state)
{
  struct http_message m;
  (void) state;
  assert_true (parse_req ("POST /containers/x/attach?stream=1 HTTP/1.1\r\nHost: d\r\n"
                          "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
                          &m)
               > 0);
  assert_true (m.upgrade);
  assert_true (parse_req ("POST /build HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n"
                          "Connection: close\r\n\r\n",
                          &m)
               > 0);
  assert_int_equal (m.body, HTTP_BODY_CHUNKED);
  assert_false (m.keep_alive);
  assert_true (parse_req ("GET /_ping HTTP/1.0\r\n\r\n", &m) > 0);
  assert_false (m.keep_alive);
  assert_int_equal (m.body, HTTP_BODY_NONE);
  assert_true (parse_req ("GET /_ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &m) > 0);
  assert_true (m.keep_alive);
}

static void
incomplete_needs_more (void **state)
{
  struct http_message m;
  const char *full = "GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n";
  (void) state;
  for (size_t n = 0; n < strlen (full); n++)
    {
      cleanup_error podsock_error_t err = NULL;
      assert_int_equal (http_parse_request (full, n, &m, &err), 0);
    }
}

static void
rejects_malformed (void **state)
{
  static const struct
  {
    const char *req;
    int status;
  } bad[] = {
    { "GET /_ping HTTP/1.1\r\nHost: d\r\n continued\r\n\r\n", 400 }, /* obs-fold */
    { "GET /_ping HTTP/1.1\r\nHost : d\r\n\r\n", 400 },              /* space before colon */
    { "GET /_ping HTTP/1.1\nHost: d\r\n\r\n", 400 },                 /* bare LF */
    { "GET /_ping HTTP/1.1\r\nHost: d\rX: y\r\n\r\n", 400 },         /* bare CR */
    { "GET /_ping HTTP/1.1\r\nHost: d\r\nX: a\001b\r\n\r\n", 400 },  /* control char */
    { "GET /_ping HTTP/1.1\r\nHost: d\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400 },
    { "GET /_ping HTTP/1.1\r\nHost: d\r\nContent-Length: 1, 2\r\n\r\n", 400 },
    { "GET /_ping HTTP/1.1\r\nHost: d\r\nContent-Length: -1\r\n\r\n", 400 },
    { "GET /_ping HTTP/1.1\r\nHost: d\r\nContent-Length: 99999999999999999999\r\n\r\n", 400 },
    { "GET /_ping HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
      400 },
    { "GET /_ping HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501 },
    { "GET /_ping HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
    { "GET /_ping HTTP/1.1\r\n\r\n", 400 }, /* no Host */
    { "GET /_ping HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
    { "GET /_ping HTTP/2.0\r\nHost: d\r\n\r\n", 505 },
    { "GET  /_ping HTTP/1.1\r\nHost: d\r\n\r\n", 400 },
    { "GET http://x/_ping HTTP/1.1\r\nHost: d\r\n\r\n", 400 }, /* absolute form */
    { "G(T /_ping HTTP/1.1\r\nHost: d\r\n\r\n", 400 },
    { "\r\nGET /_ping HTTP/1.1\r\nHost: d\r\n\r\n", 400 },
    { "GET /_p\x7fng HTTP/1.1\r\nHost: d\r\n\r\n", 400 },
    { "GET /_ping HTTP/1.1\r\nHost: d\r\n: empty-name\r\n\r\n", 400 },
  };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      struct http_message m;
      if (parse_req (bad[i].req, &m) != -1 || m.reject_status != bad[i].status)
        fail_msg ("case %zu (%s): got status %d", i, bad[i].req, m.reject_status);
    }
}

static void
rejects_huge_heads (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  size_t n = HTTP_MAX_HEAD + 100;
  cleanup_free char *buf = malloc (n);
  struct http_message m;
  size_t off;
  (void) state;
  /* One huge field, not yet ended: 431 as soon as 64 KiB are in. */
  off = (size_t) sprintf (buf, "GET / HTTP/1.1\r\nHost: d\r\nX: ");
  memset (buf + off, 'a', n - off);
  assert_int_equal (http_parse_request (buf, n, &m, &err), -1);
  assert_int_equal (m.reject_status, 431);
  /* Too many fields. */
  cleanup_free char *many = malloc (HTTP_MAX_HEAD);
  off = (size_t) sprintf (many, "GET / HTTP/1.1\r\nHost: d\r\n");
  for (int i = 0; i < 120; i++)
    off += (size_t) sprintf (many + off, "X%d: y\r\n", i);
  off += (size_t) sprintf (many + off, "\r\n");
  podsock_error_free (&err);
  assert_int_equal (http_parse_request (many, off, &m, &err), -1);
  assert_int_equal (m.reject_status, 431);
}

static void
responses (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  struct http_message m;
  const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK";
  const char *stream = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n";
  const char *up = "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
  const char *nc = "HTTP/1.1 204 No Content\r\n\r\n";
  (void) state;
  assert_true (http_parse_response (ok, strlen (ok), false, &m, &err) > 0);
  assert_int_equal (m.status, 200);
  assert_int_equal (m.body, HTTP_BODY_LENGTH);
  assert_true (http_parse_response (ok, strlen (ok), true, &m, &err) > 0);
  assert_int_equal (m.body, HTTP_BODY_NONE); /* answer to HEAD */
  assert_true (http_parse_response (stream, strlen (stream), false, &m, &err) > 0);
  assert_int_equal (m.body, HTTP_BODY_UNTIL_CLOSE);
  assert_false (m.keep_alive);
  assert_true (http_parse_response (up, strlen (up), false, &m, &err) > 0);
  assert_int_equal (m.status, 101);
  assert_true (m.upgrade);
  assert_true (http_parse_response (nc, strlen (nc), false, &m, &err) > 0);
  assert_int_equal (m.body, HTTP_BODY_NONE);
  assert_int_equal (http_parse_response ("HTTP/1.1 2x0 OK\r\n\r\n", 19, false, &m, &err), -1);
  assert_int_equal (m.reject_status, 502);
}

static void
chunked_in_pieces (void **state)
{
  const char *body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  size_t len = strlen (body) - 4;
  (void) state;
  /* Fed one byte at a time or all at once, it ends at the same place. */
  for (size_t step = 1; step <= len + 4; step += len + 3)
    {
      struct http_chunked c = { 0 };
      char data[64];
      size_t data_len = 0, off = 0;
      bool done = false;
      while (!done)
        {
          cleanup_error podsock_error_t err = NULL;
          size_t n = strlen (body) - off < step ? strlen (body) - off : step;
          ssize_t r = http_chunked_feed (&c, body + off, n, &done, data, &data_len, &err);
          assert_true (r >= 0);
          off += (size_t) r;
        }
      assert_int_equal (off, len);
      assert_int_equal (data_len, 12);
      assert_memory_equal (data, "hello, world", 12);
    }
}

static void
chunked_rejects (void **state)
{
  const char *bad[] = { "x\r\n",  "5\nhello\r\n",          "5\r\nhelloX\r\n", "\r\n",
                        "5 \r\n", "fffffffffffffffff\r\n", "0\r\n\rX" };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      cleanup_error podsock_error_t err = NULL;
      struct http_chunked c = { 0 };
      bool done = false;
      if (http_chunked_feed (&c, bad[i], strlen (bad[i]), &done, NULL, NULL, &err) != -1)
        fail_msg ("chunked case %zu accepted", i);
    }
}

TEST_MAIN (accepts_docker_requests, upgrade_chunked_and_close, incomplete_needs_more,
           rejects_malformed, rejects_huge_heads, responses, chunked_in_pieces, chunked_rejects)
