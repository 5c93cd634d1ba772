/* Reading the engine's answers: ping_parse_answer and ping_judge. */
#include "ping.h"
#include <podsock/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

static const char ping_ok[] = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n"
                              "Content-Type: text/plain; charset=utf-8\r\n\r\nOK";

static const char chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\n{\"a\":\r\n4;ext=1\r\n1234\r\n1\r\n}\r\n0\r\nX-T: y\r\n\r\n";

/* Parses text[0..len) whole; returns the parser's result. */
static int
parse (const char *text, size_t len, int eof, size_t max, struct ping_answer *a,
       podsock_error_t *err)
{
  return ping_parse_answer (text, len, eof, max, a, err);
}

static void
assert_error (const char *text, size_t len, int eof, const char *want)
{
  cleanup_error podsock_error_t err = NULL;
  struct ping_answer a;
  int r = parse (text, len, eof, PING_MAX_BODY, &a, &err);

  if (r != PING_NO_ANSWER)
    fail_msg ("parse gave %d, not PING_NO_ANSWER, for: %.*s", r, (int) len, text);
  if (strstr (err->msg, want) == NULL)
    fail_msg ("error '%s' does not say '%s'", err->msg, want);
  assert_null (a.body);
}

/* Whole answers, read at once: what they hold, and the judgement of those
 * judged ("": a good ping; else what the refusal says). */
static const struct
{
  const char *text;
  long status;
  size_t body_len;
  const char *body, *judged;
} answers[] = {
  { ping_ok, 200, 2, "OK", "" },
  { chunked, 200, 10, "{\"a\":1234}", NULL },
  { "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 17\r\n\r\n{\"cause\":\"boom\"}\n", 500,
    17, "{\"cause\":\"boom\"}\n", "HTTP 500" },
  { "HTTP/1.1 204 No Content\r\n\r\n", 204, 0, "", NULL },
};

static void
whole_answers (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (answers); i++)
    {
      cleanup_error podsock_error_t err = NULL;
      struct ping_answer a;
      const char *text = answers[i].text;

      assert_int_equal (parse (text, strlen (text), 0, PING_MAX_BODY, &a, &err), 1);
      assert_int_equal (a.status, answers[i].status);
      assert_int_equal (a.body_len, answers[i].body_len);
      assert_string_equal (a.body, answers[i].body);
      assert_int_equal (a.truncated, 0);
      if (answers[i].judged && *answers[i].judged == '\0')
        assert_int_equal (ping_judge (a.status, a.body, a.body_len, a.truncated, &err), 0);
      else if (answers[i].judged)
        {
          assert_int_equal (ping_judge (a.status, a.body, a.body_len, a.truncated, &err), -1);
          assert_non_null (strstr (err->msg, answers[i].judged));
        }
      ping_answer_release (&a);
    }
}

/* Every prefix of a good answer asks for more; the whole answers. */
static void
assert_needs_more_until_complete (const char *text, const char *body)
{
  size_t len = strlen (text);

  for (size_t n = 0; n < len; n++)
    {
      cleanup_error podsock_error_t err = NULL;
      struct ping_answer a;
      int r = parse (text, n, 0, PING_MAX_BODY, &a, &err);
      if (r != 0)
        fail_msg ("prefix of %zu bytes gave %d (%s)", n, r, err ? err->msg : "");
    }
  {
    cleanup_error podsock_error_t err = NULL;
    struct ping_answer a;
    assert_int_equal (parse (text, len, 0, PING_MAX_BODY, &a, &err), 1);
    assert_string_equal (a.body, body);
    ping_answer_release (&a);
  }
}

static void
every_prefix_asks_for_more (void **state)
{
  (void) state;
  assert_needs_more_until_complete (ping_ok, "OK");
  assert_needs_more_until_complete (chunked, "{\"a\":1234}");
}

static void
body_until_close (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  const char *text = "HTTP/1.0 200 OK\r\n\r\nOK";
  struct ping_answer a;
  (void) state;

  assert_int_equal (parse (text, strlen (text), 0, PING_MAX_BODY, &a, &err), 0);
  assert_int_equal (parse (text, strlen (text), 1, PING_MAX_BODY, &a, &err), 1);
  assert_string_equal (a.body, "OK");
  ping_answer_release (&a);
}

static void
too_large_bodies_are_not_read (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  const char *fixed = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nxx";
  const char *until_close = "HTTP/1.1 200 OK\r\n\r\n0123456789";
  const char *chunks = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "a\r\n0123456789\r\n";
  struct ping_answer a;
  (void) state;

  /* Known at once from Content-Length: no need to wait for the bytes. */
  assert_int_equal (parse (fixed, strlen (fixed), 0, 256, &a, &err), 1);
  assert_int_equal (a.truncated, 1);
  assert_int_equal (ping_judge (a.status, a.body, a.body_len, a.truncated, &err), -1);
  assert_non_null (strstr (err->msg, "larger than 256 bytes"));
  assert_int_equal (parse (until_close, strlen (until_close), 0, 5, &a, &err), 1);
  assert_int_equal (a.truncated, 1);
  assert_int_equal (parse (chunks, strlen (chunks), 0, 5, &a, &err), 1);
  assert_int_equal (a.truncated, 1);
  assert_null (a.body);
}

static void
not_http_is_said_at_once (void **state)
{
  static const char tls[] = "\x16\x03\x01\x02\x00";
  (void) state;

  assert_error (tls, sizeof tls - 1, 0, "not HTTP");
  assert_error ("SSH-2.0-OpenSSH_9.2\r\n", 21, 0, "not HTTP");
  assert_error ("hello", 5, 0, "it begins \"hello\"");
  assert_error ("\x00\x01", 2, 0, "\\x00\\x01");
}

static void
a_prefix_of_http_waits (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  struct ping_answer a;
  (void) state;
  assert_int_equal (parse ("HTT", 3, 0, PING_MAX_BODY, &a, &err), 0);
}

static void
closed_connections (void **state)
{
  const char *half_head = "HTTP/1.1 200 OK\r\nContent-Le";
  const char *half_body = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nOK123";
  const char *half_chunks = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nOK\r\n";
  (void) state;

  assert_error ("", 0, 1, "without an answer");
  assert_error (half_head, strlen (half_head), 1, "in the middle of the answer's head");
  assert_error (half_body, strlen (half_body), 1, "after 5 of 10 body bytes");
  assert_error (half_chunks, strlen (half_chunks), 1, "in the middle of a chunked answer");
}

static void
malformed_heads (void **state)
{
  static const char *const bad[] = {
    "HTTP/1.1 200 OK\r\n Folded: yes\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nOK",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nOK",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\nOK",
    "HTTP/1.1 200 OK\nContent-Length: 2\n\nOK",
    "HTTP/2.0 200 OK\r\n\r\n",
    "HTTP/1.1 20 OK\r\n\r\n",
    "HTTP/1.1 099 Odd\r\n\r\n",
    "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nOKX\r\n",
  };
  (void) state;

  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    assert_error (bad[i], strlen (bad[i]), 0, "");
}

static void
interim_answers_are_refused (void **state)
{
  const char *text = "HTTP/1.1 100 Continue\r\n\r\n";
  (void) state;
  assert_error (text, strlen (text), 0, "interim");
}

static void
judge (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  (void) state;

  assert_int_equal (ping_judge (200, "OK", 2, 0, &err), 0);
  assert_int_equal (ping_judge (200, "OK\n", 3, 0, &err), -1);
  assert_non_null (strstr (err->msg, "unexpected body (3 bytes)"));
  assert_int_equal (ping_judge (200, "ok", 2, 0, &err), -1);
  assert_int_equal (ping_judge (404, "OK", 2, 0, &err), -1);
  assert_non_null (strstr (err->msg, "HTTP 404"));
  assert_int_equal (ping_judge (200, NULL, 0, 1, &err), -1);
  assert_non_null (strstr (err->msg, "larger than"));
}

TEST_MAIN (whole_answers, every_prefix_asks_for_more, body_until_close,
           too_large_bodies_are_not_read, not_http_is_said_at_once, a_prefix_of_http_waits,
           closed_connections, malformed_heads, interim_answers_are_refused, judge)
