/* What the gateway's proxy tests share (test_stream.c, test_upstream.c,
 * test_request.c, test_answer.c, test_gateway.c): tiny in-test peers on
 * real sockets, and a gateway and connection built by hand around them.
 *
 * A peer speaks raw HTTP framing only: it writes the bytes a test gives it
 * (in pieces, with pauses: a slow peer) and reads what comes back.  There
 * is no engine behind it: nothing here pretends to be podman.
 * Include after <cmocka.h> and testdir.h. */
#ifndef PODSOCK_TEST_GWPEER_H
#define PODSOCK_TEST_GWPEER_H

#include "gateway/internal.h"
#include <podsock/http.h>
#include <podsock/log.h>
#include <podsock/socket.h>
#include <podsock/util.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define PEER_GOT_MAX (256 * 1024)

/* ------------------------------------------------------ scripted peer --- */

/* One side of a socket: writes out[] (NULL-terminated), pause_ms before each
 * piece, then (shut) SHUT_WR, (read) reads until EOF into got, and (close)
 * closes its fd. */
struct peer
{
  int fd;
  const char *const *out;
  int pause_ms;
  bool shut, read, close;
  char *got;
  size_t got_len;
  pthread_t th;
};

static inline void
peer_sleep_ms (int ms)
{
  poll (NULL, 0, ms);
}

/* Reads fd until EOF (or timeout_ms without a byte) into buf[0..cap);
 * returns the length, buf NUL-terminated. */
static inline size_t
read_until_eof (int fd, char *buf, size_t cap, int timeout_ms)
{
  size_t len = 0;
  struct pollfd p = { .fd = fd, .events = POLLIN };

  while (len + 1 < cap && poll (&p, 1, timeout_ms) == 1)
    {
      ssize_t r = recv (fd, buf + len, cap - 1 - len, 0);
      if (r <= 0)
        break;
      len += (size_t) r;
    }
  buf[len] = '\0';
  return len;
}

static inline void *
peer_run (void *arg)
{
  struct peer *p = arg;

  for (size_t i = 0; p->out && p->out[i]; i++)
    {
      if (p->pause_ms)
        peer_sleep_ms (p->pause_ms);
      if (send (p->fd, p->out[i], strlen (p->out[i]), MSG_NOSIGNAL) < 0)
        break;
    }
  if (p->shut)
    shutdown (p->fd, SHUT_WR);
  if (p->read)
    p->got_len = read_until_eof (p->fd, p->got, PEER_GOT_MAX, 5000);
  if (p->close)
    close (p->fd);
  return NULL;
}

static inline void
peer_start (struct peer *p)
{
  p->got = xcalloc (1, PEER_GOT_MAX);
  assert_int_equal (pthread_create (&p->th, NULL, peer_run, p), 0);
}

static inline void
peer_join (struct peer *p)
{
  pthread_join (p->th, NULL);
}

static inline void
peer_free (struct peer *p)
{
  free (p->got);
  p->got = NULL;
}

/* A connected pair of unix stream sockets. */
static inline void
pair (int sv[2])
{
  assert_int_equal (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static inline void
assert_has (const char *text, const char *want)
{
  if (strstr (text, want) == NULL)
    fail_msg ("'%s' has no '%s'", text, want);
}

/* ------------------------------------------------ an HTTP server peer --- */

/* Listens on path, serving each connection in a thread of its own: for
 * each request it reads (head, then a Content-Length body) it appends the
 * request's bytes to log and writes the next of answers[] (NULL-terminated,
 * shared by all connections); once they are all sent, or after an answer
 * that says "Connection: close", it closes that connection.  Stops when
 * told (peer_server_stop), ending the connections still open. */
#define PEER_SERVER_CONNS 32

struct peer_server
{
  char path[128];
  int listen_fd;
  const char *const *answers;
  size_t next;
  int accepted;
  int conn_fd[PEER_SERVER_CONNS];
  pthread_t conn_th[PEER_SERVER_CONNS];
  char log[PEER_GOT_MAX];
  size_t log_len;
  pthread_mutex_t lock;
  pthread_t th;
};

struct peer_server_conn
{
  struct peer_server *s;
  int fd;
};

/* One request off fd into s->log: 1, or 0 when the client left. */
static inline int
server_read_request (struct peer_server *s, int fd, char *buf, size_t *len)
{
  cleanup_error podsock_error_t err = NULL;
  struct http_message m;
  int n;

  while ((n = http_parse_request (buf, *len, &m, &err)) == 0)
    {
      ssize_t r = recv (fd, buf + *len, PEER_GOT_MAX - *len, 0);
      if (r <= 0)
        return 0;
      *len += (size_t) r;
    }
  if (n < 0)
    return 0;
  size_t total = (size_t) n + (m.body == HTTP_BODY_LENGTH ? m.content_length : 0);
  while (*len < total)
    {
      ssize_t r = recv (fd, buf + *len, PEER_GOT_MAX - *len, 0);
      if (r <= 0)
        return 0;
      *len += (size_t) r;
    }
  pthread_mutex_lock (&s->lock);
  if (s->log_len + total < sizeof s->log)
    {
      memcpy (s->log + s->log_len, buf, total);
      s->log_len += total;
    }
  pthread_mutex_unlock (&s->lock);
  memmove (buf, buf + total, *len - total);
  *len -= total;
  return 1;
}

static inline void *
server_serve (void *arg)
{
  struct peer_server_conn *pc = arg;
  struct peer_server *s = pc->s;
  char *buf = xmalloc (PEER_GOT_MAX);
  size_t len = 0;

  while (server_read_request (s, pc->fd, buf, &len) == 1)
    {
      const char *a;
      pthread_mutex_lock (&s->lock);
      a = s->answers[s->next] ? s->answers[s->next++] : NULL;
      pthread_mutex_unlock (&s->lock);
      if (a == NULL || send (pc->fd, a, strlen (a), MSG_NOSIGNAL) < 0
          || strstr (a, "Connection: close"))
        break;
    }
  shutdown (pc->fd, SHUT_RDWR); /* closed by peer_server_stop */
  free (buf);
  free (pc);
  return NULL;
}

static inline void *
server_run (void *arg)
{
  struct peer_server *s = arg;

  for (;;)
    {
      int fd = accept4 (s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd < 0)
        break;
      struct peer_server_conn *pc = xmalloc (sizeof *pc);
      pc->s = s;
      pc->fd = fd;
      pthread_mutex_lock (&s->lock);
      if (s->accepted == PEER_SERVER_CONNS
          || pthread_create (&s->conn_th[s->accepted], NULL, server_serve, pc) != 0)
        {
          pthread_mutex_unlock (&s->lock);
          close (fd);
          free (pc);
          continue;
        }
      s->conn_fd[s->accepted++] = fd;
      pthread_mutex_unlock (&s->lock);
    }
  return NULL;
}

/* Listens on testdir/name (not yet serving: peer_server_run). */
static inline void
peer_server_listen (struct peer_server *s, const char *name, const char *const *answers)
{
  cleanup_error podsock_error_t err = NULL;

  memset (s, 0, sizeof *s);
  snprintf (s->path, sizeof s->path, "%s/%s", testdir, name);
  s->answers = answers;
  s->listen_fd = socket_bind_listen (s->path, 0600, (gid_t) -1, 16, &err);
  if (s->listen_fd < 0)
    fail_msg ("%s", err->msg);
  pthread_mutex_init (&s->lock, NULL);
}

static inline void
peer_server_run (struct peer_server *s)
{
  assert_int_equal (pthread_create (&s->th, NULL, server_run, s), 0);
}

/* Waits (up to 2 s) until s has accepted n connections: a connection in
 * the listen backlog is lost when the server stops. */
static inline void
peer_server_wait_accepted (struct peer_server *s, int n)
{
  for (int i = 0; i < 200; i++)
    {
      pthread_mutex_lock (&s->lock);
      int got = s->accepted;
      pthread_mutex_unlock (&s->lock);
      if (got >= n)
        return;
      peer_sleep_ms (10);
    }
  fail_msg ("the server accepted fewer than %d connections", n);
}

static inline void
peer_server_stop (struct peer_server *s)
{
  shutdown (s->listen_fd, SHUT_RDWR);
  pthread_join (s->th, NULL);
  for (int i = 0; i < s->accepted; i++)
    {
      shutdown (s->conn_fd[i], SHUT_RDWR);
      pthread_join (s->conn_th[i], NULL);
      close (s->conn_fd[i]);
    }
  close (s->listen_fd);
  s->listen_fd = -1;
  pthread_mutex_destroy (&s->lock);
}

/* ------------------------------------------------------ the log --- */

/* The gateway logs what the client does not see (a failed hand-back, the
 * engine's version): tests read it from a temporary file. */
static FILE *log_file;

static inline void
log_capture (void)
{
  log_file = tmpfile ();
  assert_non_null (log_file);
  /* Appends: after log_take truncates, the next line lands at offset 0. */
  assert_int_equal (fcntl (fileno (log_file), F_SETFL, O_APPEND), 0);
  podsock_log_setup ("test", fileno (log_file), PODSOCK_LOG_JSON, PODSOCK_LOG_DEBUG);
}

/* The log so far (and a fresh one from here on); free it.  The logger
 * writes the fd with write(2), so its size is the file's, not what stdio's
 * cached offset says (ftell after a rewind can say 0). */
static inline char *
log_take (void)
{
  int fd = fileno (log_file);
  struct stat st;
  char *text;

  assert_int_equal (fstat (fd, &st), 0);
  text = xcalloc (1, (size_t) st.st_size + 1);
  assert_int_equal (pread (fd, text, (size_t) st.st_size, 0), st.st_size);
  assert_int_equal (ftruncate (fd, 0), 0);
  return text;
}

static inline void
log_release (void)
{
  podsock_log_setup ("test", 2, PODSOCK_LOG_TEXT, PODSOCK_LOG_WARN);
  fclose (log_file);
  log_file = NULL;
}

/* A test's fixture: the scratch directory, options all zero, the log
 * captured. */
static inline int
gwtest_setup (void **state, struct gateway_options *o)
{
  if (testdir_setup (state) < 0)
    return -1;
  memset (o, 0, sizeof *o);
  log_capture ();
  return 0;
}

static inline int
gwtest_teardown (void **state)
{
  log_release ();
  return testdir_teardown (state);
}

/* ------------------------------------- a gateway and a conn by hand --- */

/* A gateway with no threads of its own, as gateway_start() leaves it
 * before its acceptor runs (options not copied: keep them alive). */
static inline struct gateway *
tgw_new (const struct gateway_options *o)
{
  struct gateway *g = xcalloc (1, sizeof *g);

  if (o)
    g->o = *o;
  if (g->o.header_timeout_seconds == 0)
    g->o.header_timeout_seconds = 5;
  pthread_mutex_init (&g->lock, NULL);
  pthread_cond_init (&g->drained, NULL);
  pthread_cond_init (&g->work, NULL);
  gw_containers_init (&g->containers);
  gw_hosts_init (&g->hosts, g->o.hosts_file);
  g->listen_fd = g->stop_fd = -1;
  return g;
}

static inline void
tgw_free (struct gateway *g)
{
  while (g->n_pool > 0)
    close (g->pool[--g->n_pool]);
  gw_containers_free (&g->containers);
  gw_hosts_free (&g->hosts);
  free (g->unavailable);
  pthread_mutex_destroy (&g->lock);
  pthread_cond_destroy (&g->drained);
  pthread_cond_destroy (&g->work);
  free (g);
}

/* A connection of g whose client and engine are socket pairs: the test
 * holds the other ends in *client_end and *engine_end (either pointer may
 * be NULL: no socket on that side). */
static inline struct conn *
tconn_new (struct gateway *g, int *client_end, int *engine_end)
{
  struct conn *c = xcalloc (1, sizeof *c);
  int sv[2];

  c->g = g;
  c->client.buf = xmalloc (BUF_SIZE);
  c->engine.buf = xmalloc (BUF_SIZE);
  c->client.fd = c->engine.fd = -1;
  if (client_end)
    {
      pair (sv);
      c->client.fd = sv[0];
      *client_end = sv[1];
    }
  if (engine_end)
    {
      pair (sv);
      c->engine.fd = sv[0];
      *engine_end = sv[1];
    }
  return c;
}

static inline void
tconn_free (struct conn *c)
{
  gateway_exchange_free (&c->x);
  if (c->client.fd >= 0)
    close (c->client.fd);
  if (c->engine.fd >= 0)
    close (c->engine.fd);
  free (c->client.buf);
  free (c->engine.buf);
  free (c);
}

/* Puts text in side s's buffer, as if it had been read. */
static inline void
side_put (struct side *s, const char *text)
{
  size_t n = strlen (text);
  assert_true (s->len + n <= BUF_SIZE);
  memcpy (s->buf + s->len, text, n);
  s->len += n;
}

#endif
