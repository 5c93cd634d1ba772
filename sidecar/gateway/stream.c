/* The gateway's byte streams: writing and reading with deadlines, message
 * bodies (forwarded or read whole), Docker-style error answers, and the raw
 * two-way pipe of an upgraded or hijacked connection. */
#include "gateway/internal.h"
#include <podsock/util.h>

#include <cjson/cJSON.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
/* ------------------------------------------------------------ plain I/O --- */

int
gw_write_all (int fd, const char *p, size_t n)
{
  while (n > 0)
    {
      ssize_t w = TEMP_FAILURE_RETRY (send (fd, p, n, MSG_NOSIGNAL));
      if (w < 0)
        return -1;
      p += w;
      n -= (size_t) w;
    }
  return 0;
}

/* Reads more into s->buf.  timeout_ms < 0: no limit.  watch_fd >= 0: a
 * peer whose hang-up (POLLHUP) ends the wait.  Returns bytes read (> 0) or
 * one of READ_*. */
ssize_t
gw_read_more (struct side *s, int timeout_ms, int watch_fd)
{
  struct pollfd p[2] = { { .fd = s->fd, .events = POLLIN }, { .fd = watch_fd, .events = 0 } };
  ssize_t r;

  if (s->len == BUF_SIZE)
    return READ_ERROR;
  for (;;)
    {
      int n = TEMP_FAILURE_RETRY (poll (p, watch_fd >= 0 ? 2 : 1, timeout_ms));
      if (n < 0)
        return READ_ERROR;
      if (n == 0)
        return READ_TIMEOUT;
      if (p[0].revents)
        break;
      if (p[1].revents & (POLLHUP | POLLERR | POLLNVAL))
        return READ_VANISHED;
    }
  r = TEMP_FAILURE_RETRY (recv (s->fd, s->buf + s->len, BUF_SIZE - s->len, 0));
  if (r < 0)
    return READ_ERROR;
  s->len += (size_t) r;
  return r;
}

void
gw_consume (struct side *s, size_t n)
{
  memmove (s->buf, s->buf + n, s->len - n);
  s->len -= n;
}

/* ------------------------------------------------------ error answers --- */

void
gw_send_error (int fd, int status, const char *msg, bool keep_alive)
{
  cleanup_free char *body = NULL, *head = NULL;
  cJSON *o = cJSON_CreateObject ();
  const char *reason;

  if (o == NULL)
    return;
  cJSON_AddStringToObject (o, "message", msg);
  body = cJSON_PrintUnformatted (o);
  cJSON_Delete (o);
  if (body == NULL)
    return;
  switch (status)
    {
    case 400:
      reason = "Bad Request";
      break;
    case 403:
      reason = "Forbidden";
      break;
    case 408:
      reason = "Request Timeout";
      break;
    case 409:
      reason = "Conflict";
      break;
    case 413:
      reason = "Payload Too Large";
      break;
    case 404:
      reason = "Not Found";
      break;
    case 431:
      reason = "Request Header Fields Too Large";
      break;
    case 500:
      reason = "Internal Server Error";
      break;
    case 501:
      reason = "Not Implemented";
      break;
    case 502:
      reason = "Bad Gateway";
      break;
    case 505:
      reason = "HTTP Version Not Supported";
      break;
    default:
      reason = "Service Unavailable";
      break;
    }
  if (asprintf (&head,
                "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                "Api-Version: 1.41\r\n%s\r\n",
                status, reason, strlen (body), keep_alive ? "" : "Connection: close\r\n")
      < 0)
    return;
  if (gw_write_all (fd, head, strlen (head)) == 0)
    gw_write_all (fd, body, strlen (body));
}

/* ------------------------------------------------------------- bodies --- */

static int
gw_sink_put (struct sink *k, const char *p, size_t n)
{
  if (k->fd >= 0)
    return gw_write_all (k->fd, p, n);
  if (k->len + n > k->cap)
    {
      errno = EMSGSIZE;
      return -1;
    }
  memcpy (k->buf + k->len, p, n);
  k->len += n;
  return 0;
}

/* Moves the body framed by m from `from` (its buffer first) to k.
 * Returns 0, or -1 with errno: EPROTO (framing), EMSGSIZE (too large for
 * k), ETIMEDOUT, ECONNRESET (a side went away). */
/* One step of a chunked body: the gateway follows the framing to know where
 * it ends, and forwards the raw bytes, keeps them raw, or keeps the data. */
static int
pump_chunked (struct side *from, struct http_chunked *ch, struct sink *k, bool *done)
{
  cleanup_error podsock_error_t err = NULL;
  size_t before = k->len, room = k->cap - k->len, got = 0;
  bool pass = k->fd >= 0 || k->raw;
  char *data = pass ? NULL : k->buf + k->len;
  size_t take = pass || from->len <= room ? from->len : room;
  ssize_t n;

  if (take == 0 || (k->raw && k->len + take > k->cap))
    {
      errno = EMSGSIZE;
      return -1;
    }
  n = http_chunked_feed (ch, from->buf, take, done, data, &got, &err);
  if (n < 0)
    {
      errno = EPROTO;
      return -1;
    }
  if (k->fd >= 0 && gw_write_all (k->fd, from->buf, (size_t) n) < 0)
    return -1;
  if (k->raw)
    {
      memcpy (k->buf + k->len, from->buf, (size_t) n);
      got = (size_t) n;
    }
  k->len = before + got;
  gw_consume (from, (size_t) n);
  return 0;
}

int
gw_pump_body (struct side *from, const struct http_message *m, struct sink *k, int timeout_ms,
              int watch_fd)
{
  struct http_chunked ch = { 0 };
  uint64_t left = m->content_length;
  bool done = m->body == HTTP_BODY_NONE || (m->body == HTTP_BODY_LENGTH && left == 0);

  while (!done)
    {
      if (from->len == 0)
        {
          ssize_t r = gw_read_more (from, timeout_ms, watch_fd);
          if (r == READ_EOF && m->body == HTTP_BODY_UNTIL_CLOSE)
            return 0;
          if (r <= 0)
            {
              errno = r == READ_TIMEOUT ? ETIMEDOUT : ECONNRESET;
              return -1;
            }
        }
      if (m->body == HTTP_BODY_CHUNKED)
        {
          if (pump_chunked (from, &ch, k, &done) < 0)
            return -1;
          continue;
        }
      size_t n = m->body == HTTP_BODY_LENGTH && left < from->len ? (size_t) left : from->len;
      if (gw_sink_put (k, from->buf, n) < 0)
        return -1;
      gw_consume (from, n);
      left -= n;
      done = m->body == HTTP_BODY_LENGTH && left == 0;
    }
  return 0;
}

/* --------------------------------------------------------- hijacking --- */

struct pipe_half
{
  int from, to;
};

static void
copy_until_eof (int from, int to)
{
  char buf[64 * 1024];

  for (;;)
    {
      ssize_t r = TEMP_FAILURE_RETRY (recv (from, buf, sizeof buf, 0));
      if (r <= 0 || gw_write_all (to, buf, (size_t) r) < 0)
        break;
    }
}

static void *
pipe_half_run (void *arg)
{
  struct pipe_half *h = arg;
  copy_until_eof (h->from, h->to);
  shutdown (h->to, SHUT_WR);
  return NULL;
}

/* An upgraded or hijacked connection: bytes both ways until each side
 * has closed its writing half (half-close passes through as SHUT_WR). */
void
gw_splice (struct conn *c)
{
  struct pipe_half up = { .from = c->client.fd, .to = c->engine.fd };
  pthread_t t;

  if (gw_write_all (c->client.fd, c->engine.buf, c->engine.len) < 0
      || gw_write_all (c->engine.fd, c->client.buf, c->client.len) < 0)
    return;
  c->client.len = c->engine.len = 0;
  if (pthread_create (&t, NULL, pipe_half_run, &up) != 0)
    return;
  copy_until_eof (c->engine.fd, c->client.fd);
  /* The container's output ended: what it wrote is handed back before the
   * client sees the end of the stream (ownership.c). */
  gateway_stream_ended (c);
  shutdown (c->client.fd, SHUT_WR);
  /* The engine is done: a client that keeps its half open (stdin) gets a
   * moment, then the connection ends as Docker's own does. */
  struct pollfd p = { .fd = c->client.fd, .events = POLLRDHUP };
  if (TEMP_FAILURE_RETRY (poll (&p, 1, HIJACK_LINGER_MS)) == 0)
    shutdown (c->client.fd, SHUT_RDWR);
  pthread_join (t, NULL);
}
