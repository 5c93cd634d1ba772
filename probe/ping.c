/* One HTTP/1.1 GET over a unix socket, with one deadline for all of it.
 * See ping.h for why this is not libcurl. */
#include <podsock/http.h>
#include "ping.h"
#include <podsock/socket.h>
#include <podsock/util.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Room for chunk-size lines on top of the body: raw bytes past
 * header + body + this are refused rather than buffered. */
#define CHUNK_OVERHEAD_MAX 65536

/* The first max bytes of an answer, printable, for messages. */
static void
excerpt (const char *s, size_t n, size_t max, char *out, size_t size)
{
  size_t o = 0;

  for (size_t i = 0; i < n && i < max && o + 5 < size; i++)
    {
      unsigned char c = (unsigned char) s[i];
      if (c >= 0x20 && c < 0x7f && c != '\\')
        out[o++] = (char) c;
      else
        o += (size_t) snprintf (out + o, size - o, "\\x%02x", c);
    }
  out[o] = '\0';
}

/* Says so at once rather than after the timeout: a ping that meets a
 * stranger on the socket should say who it met. */
static int
not_http (const char *buf, size_t len, podsock_error_t *err)
{
  char ex[200];

  excerpt (buf, len, 40, ex, sizeof ex);
  return podsock_error_make (err, 0,
                             "the answer is not HTTP (it begins \"%s\"): is something other "
                             "than the engine listening on the socket?",
                             ex);
}

static int
set_body (struct ping_answer *out, const char *b, size_t n, podsock_error_t *err)
{
  out->body = malloc (n + 1);
  if (out->body == NULL)
    return podsock_error_make (err, errno, "cannot hold a %zu-byte answer", n);
  if (n)
    memcpy (out->body, b, n);
  out->body[n] = '\0';
  out->body_len = n;
  return 1;
}

static int
body_fixed (const char *b, size_t avail, int eof, uint64_t length, size_t max_body,
            struct ping_answer *out, podsock_error_t *err)
{
  if (length > max_body)
    {
      out->truncated = 1;
      return 1;
    }
  if (avail >= length)
    return set_body (out, b, (size_t) length, err);
  if (eof)
    return podsock_error_make (err, 0,
                               "the engine closed the connection after %zu of %llu body bytes",
                               avail, (unsigned long long) length);
  return 0;
}

static int
body_until_eof (const char *b, size_t avail, int eof, size_t max_body, struct ping_answer *out,
                podsock_error_t *err)
{
  if (avail > max_body)
    {
      out->truncated = 1;
      return 1;
    }
  return eof ? set_body (out, b, avail, err) : 0;
}

/* Decodes the chunks received so far from the start: answers are small,
 * and starting over keeps no state between reads. */
static int
body_chunked (const char *b, size_t avail, int eof, size_t max_body, struct ping_answer *out,
              podsock_error_t *err)
{
  struct http_chunked c = { .state = 0 };
  cleanup_free char *data = malloc (avail + 1);
  size_t data_len = 0;
  bool done = false;

  if (data == NULL)
    return podsock_error_make (err, errno, "cannot hold a %zu-byte answer", avail);
  if (http_chunked_feed (&c, b, avail, &done, data, &data_len, err) < 0)
    return -1;
  if (data_len > max_body)
    {
      out->truncated = 1;
      return 1;
    }
  if (!done)
    return eof ? podsock_error_make (err, 0,
                                     "the engine closed the connection in the middle of a "
                                     "chunked answer")
               : 0;
  data[data_len] = '\0';
  out->body = steal_pointer (&data);
  out->body_len = data_len;
  return 1;
}

static int
parse_body (const struct http_message *m, const char *b, size_t avail, int eof, size_t max_body,
            struct ping_answer *out, podsock_error_t *err)
{
  if (m->status < 200)
    return podsock_error_make (err, 0, "the answer is an interim HTTP %d, not an answer",
                               m->status);
  switch (m->body)
    {
    case HTTP_BODY_NONE:
      return set_body (out, b, 0, err);
    case HTTP_BODY_LENGTH:
      return body_fixed (b, avail, eof, m->content_length, max_body, out, err);
    case HTTP_BODY_CHUNKED:
      return body_chunked (b, avail, eof, max_body, out, err);
    case HTTP_BODY_UNTIL_CLOSE:
    default:
      return body_until_eof (b, avail, eof, max_body, out, err);
    }
}

int
ping_parse_answer (const char *buf, size_t len, int eof, size_t max_body, struct ping_answer *out,
                   podsock_error_t *err)
{
  struct http_message m;
  int head, r;

  memset (out, 0, sizeof *out);
  if (len > 0 && memcmp (buf, "HTTP/", len < 5 ? len : 5) != 0)
    return not_http (buf, len, err);
  head = http_parse_response (buf, len, false, &m, err);
  if (head < 0)
    return PING_NO_ANSWER;
  if (head == 0 && !eof)
    return 0;
  if (head == 0)
    return podsock_error_make (err, 0,
                               len == 0 ? "the engine closed the connection without an answer; "
                                          "see the sidecar's log"
                                        : "the engine closed the connection in the middle of "
                                          "the answer's head");
  out->status = m.status;
  r = parse_body (&m, buf + head, len - (size_t) head, eof, max_body, out, err);
  if (r < 0)
    {
      ping_answer_release (out);
      return PING_NO_ANSWER;
    }
  return r;
}

void
ping_answer_release (struct ping_answer *a)
{
  if (a == NULL)
    return;
  free (a->body);
  a->body = NULL;
  a->body_len = 0;
}

/* Names the usual reasons with what to check. */
static int
explain_connect_failure (const char *path, int e, podsock_error_t *err)
{
  struct stat st;

  if (e == ENOENT)
    return podsock_error_make (err, 0,
                               "socket %s does not exist: the sidecar has not bound it yet, or "
                               "this container does not mount the socket volume",
                               path);
  if (stat (path, &st) < 0)
    return podsock_error_make (err, e, "connect to %s", path);
  if (!S_ISSOCK (st.st_mode))
    return podsock_error_make (err, 0, "%s is not a socket; check --socket", path);
  if (e == EACCES || e == EPERM)
    return podsock_error_make (err, e,
                               "socket %s (mode %04o, owner %u:%u) refuses uid %u: run the job "
                               "in the pod's fsGroup, or give the socket that group "
                               "(podsock-sidecar --socket-group)",
                               path, (unsigned) (st.st_mode & 07777), (unsigned) st.st_uid,
                               (unsigned) st.st_gid, (unsigned) getuid ());
  if (e == ECONNREFUSED)
    return podsock_error_make (err, 0,
                               "nothing listens on socket %s (a stale socket file): the "
                               "sidecar is not running; see its log",
                               path);
  return podsock_error_make (err, e, "connect to %s", path);
}

/* Longest single wait for room in a full backlog; see connect_by. */
#define CONNECT_SLICE_MS 200

/* One connect attempt that waits at most ms for room in the backlog. */
static int
connect_once (int fd, const struct sockaddr_un *addr, long ms)
{
  struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

  if (setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
    return -1;
  return (int) TEMP_FAILURE_RETRY (connect (fd, (const struct sockaddr *) addr, sizeof *addr));
}

/* A unix connect to a full backlog waits for room up to SO_SNDTIMEO, then
 * fails with EAGAIN (net/unix/af_unix.c, unix_stream_connect).  That wait
 * runs on the kernel's timer wheel, whose steps grow with the timeout (32 ms
 * past 256 ms at HZ=250: a 300 ms wait measured 312-327 ms): waiting in
 * slices of at most 200 ms keeps the deadline within a few ms. */
static int
connect_by (const char *path, long deadline, long timeout_ms, podsock_error_t *err)
{
  cleanup_close int fd = -1;
  struct sockaddr_un addr;

  if (socket_addr_unix (path, &addr, err) < 0)
    return PING_NO_ANSWER;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return podsock_error_make (err, errno, "socket");
  for (;;)
    {
      long left = deadline - monotonic_now_ms ();
      if (left <= 0)
        break;
      if (connect_once (fd, &addr, left < CONNECT_SLICE_MS ? left : CONNECT_SLICE_MS) == 0)
        return steal_fd (&fd);
      if (errno != EAGAIN && errno != EINPROGRESS)
        return explain_connect_failure (path, errno, err);
    }
  podsock_error_make (err, 0,
                      "%s accepts no connection within %ld ms: the engine is hung or "
                      "overloaded; see the sidecar's log",
                      path, timeout_ms);
  return PING_TIMEOUT;
}

static int
send_request (int fd, const char *socket_path, const char *path, podsock_error_t *err)
{
  char req[1024];
  int n = snprintf (req, sizeof req,
                    "GET %s HTTP/1.1\r\nHost: podsock\r\nUser-Agent: podsock-probe\r\n"
                    "Connection: close\r\n\r\n",
                    path);
  size_t off = 0;

  if (n < 0 || (size_t) n >= sizeof req)
    return podsock_error_make (err, 0, "request path %s is too long", path);
  while (off < (size_t) n)
    {
      ssize_t w = TEMP_FAILURE_RETRY (send (fd, req + off, (size_t) n - off, MSG_NOSIGNAL));
      if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
        return podsock_error_make (err, 0,
                                   "%s closed the connection before reading the request: the "
                                   "engine is stopping or crashed; see the sidecar's log",
                                   socket_path);
      if (w < 0)
        return podsock_error_make (err, errno, "send to %s", socket_path);
      off += (size_t) w;
    }
  return 0;
}

static int
answer_timeout (const char *socket_path, size_t got, long timeout_ms, podsock_error_t *err)
{
  if (got == 0)
    podsock_error_make (err, 0,
                        "no answer from %s within %ld ms: the engine is hung or overloaded; "
                        "see the sidecar's log",
                        socket_path, timeout_ms);
  else
    podsock_error_make (err, 0, "%s sent %zu bytes of an answer but not the rest within %ld ms",
                        socket_path, got, timeout_ms);
  return PING_TIMEOUT;
}

/* Waits for readable data until the deadline: 1 readable, 0 timed out. */
static int
wait_readable (int fd, long deadline, podsock_error_t *err)
{
  for (;;)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      long left = deadline - monotonic_now_ms ();
      int r;

      if (left <= 0)
        return 0;
      r = poll (&p, 1, (int) left);
      if (r > 0)
        return 1;
      if (r < 0 && errno != EINTR)
        return podsock_error_make (err, errno, "poll");
    }
}

static int
read_answer (int fd, const char *socket_path, long deadline, long timeout_ms, size_t max_body,
             struct ping_answer *out, podsock_error_t *err)
{
  size_t limit = HTTP_MAX_HEAD + max_body + CHUNK_OVERHEAD_MAX, len = 0, cap = 0;
  cleanup_free char *buf = NULL;

  for (;;)
    {
      int eof = 0, r;
      ssize_t n;

      if (len == cap)
        {
          char *bigger;
          if (cap >= limit)
            return podsock_error_make (err, 0, "the answer from %s is larger than %zu bytes",
                                       socket_path, limit);
          cap = cap ? (cap * 2 < limit ? cap * 2 : limit) : 4096;
          bigger = realloc (buf, cap);
          if (bigger == NULL)
            return podsock_error_make (err, errno, "cannot hold a %zu-byte answer", cap);
          buf = bigger;
        }
      r = wait_readable (fd, deadline, err);
      if (r < 0)
        return PING_NO_ANSWER;
      if (r == 0)
        return answer_timeout (socket_path, len, timeout_ms, err);
      n = TEMP_FAILURE_RETRY (read (fd, buf + len, cap - len));
      if (n < 0 && errno != ECONNRESET)
        return podsock_error_make (err, errno, "read from %s", socket_path);
      if (n <= 0)
        eof = 1;
      else
        len += (size_t) n;
      r = ping_parse_answer (buf, len, eof, max_body, out, err);
      if (r == 1)
        return 0;
      if (r < 0)
        return podsock_error_prefix (err, "%s", socket_path);
      if (eof) /* the parser says more is needed, yet nothing more will come */
        return podsock_error_make (err, 0, "%s: the answer ends early", socket_path);
    }
}

int
ping_request (const char *socket_path, const char *path, long timeout_ms, size_t max_body,
              struct ping_answer *out, podsock_error_t *err)
{
  cleanup_close int fd = -1;
  long deadline;

  memset (out, 0, sizeof *out);
  if (timeout_ms < 1)
    timeout_ms = 1; /* SO_SNDTIMEO and poll read 0 as "forever" */
  deadline = monotonic_now_ms () + timeout_ms;
  fd = connect_by (socket_path, deadline, timeout_ms, err);
  if (fd < 0)
    return fd;
  if (send_request (fd, socket_path, path, err) < 0)
    return PING_NO_ANSWER;
  return read_answer (fd, socket_path, deadline, timeout_ms, max_body, out, err);
}

int
ping_judge (long http_status, const char *body, size_t body_len, int truncated,
            podsock_error_t *err)
{
  if (truncated)
    return podsock_error_make (err, 0, "answer to /_ping is larger than %d bytes", PING_MAX_BODY);
  if (http_status != 200)
    return podsock_error_make (err, 0, "/_ping answered HTTP %ld", http_status);
  if (body_len != 2 || memcmp (body, "OK", 2) != 0)
    return podsock_error_make (err, 0, "/_ping answered 200 with an unexpected body (%zu bytes)",
                               body_len);
  return 0;
}

int
ping_engine (const char *socket_path, long timeout_ms, podsock_error_t *err)
{
  struct ping_answer a;
  char ex[600];
  int r = ping_request (socket_path, "/_ping", timeout_ms, PING_MAX_BODY, &a, err);

  if (r < 0)
    return r;
  if (ping_judge (a.status, a.body, a.body_len, a.truncated, err) < 0)
    {
      /* An engine's error answer says what is wrong: pass its start on. */
      if (!a.truncated && a.status != 200 && a.body_len > 0)
        {
          excerpt (a.body, a.body_len, 120, ex, sizeof ex);
          podsock_error_make (err, 0, "/_ping answered HTTP %ld: %s", a.status, ex);
        }
      r = PING_BAD_ANSWER;
    }
  ping_answer_release (&a);
  return r;
}
