/* The Docker API gateway's proxy: one thread accepts, one thread serves
 * each client connection (Docker clients open few; a slow or vanished
 * client blocks only its own thread), and a hijacked stream gets a second
 * thread for its other direction.  Bodies pass through fixed buffers;
 * only the small JSON requests and answers that docs/gateway.md lists are
 * read whole, checked and rewritten. */
#include "gateway/internal.h"
#include "gateway/rewrite.h"
#include <podsock/log.h>
#include <podsock/util.h>

#include <cjson/cJSON.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>


/* ----------------------------------------------------------- requests --- */

/* The head without its framing fields, with Content-Length: len instead. */
static char *
head_with_length (const char *buf, const struct http_message *m, size_t len, size_t *out_len)
{
  size_t cap = m->head_len + 64, o;
  char *h = malloc (cap);
  const char *first_end = memchr (buf, '\n', m->head_len);

  if (h == NULL)
    return NULL;
  o = (size_t) (first_end - buf) + 1;
  memcpy (h, buf, o);
  for (size_t i = 0; i < m->n_headers; i++)
    {
      const struct http_header *f = &m->headers[i];
      if ((f->name_len == 14 && strncasecmp (f->name, "content-length", 14) == 0)
          || (f->name_len == 17 && strncasecmp (f->name, "transfer-encoding", 17) == 0))
        continue;
      o += (size_t) sprintf (h + o, "%.*s: %.*s\r\n", (int) f->name_len, f->name,
                             (int) f->value_len, f->value);
    }
  o += (size_t) sprintf (h + o, "Content-Length: %zu\r\n\r\n", len);
  *out_len = o;
  return h;

/* ?name=... of a create request, for the log. */
static void
query_name (const struct http_message *m, char *out, size_t cap)
{
  const char *q = memchr (m->target, '?', m->target_len);
  const char *end = m->target + m->target_len;

  snprintf (out, cap, "(unnamed)");
  for (const char *p = q; p && p < end; p = memchr (p + 1, '&', end - p - 1))
    if (end - p > 6 && strncmp (p + 1, "name=", 5) == 0)
      {
        const char *v = p + 6, *e = memchr (v, '&', end - v);
        snprintf (out, cap, "%.*s", (int) ((e ? e : end) - v), v);
        return;
      }
}

/* Reads a whole (small) body into a malloc'd buffer. */
static int
read_body (struct conn *c, const struct http_message *m, size_t max, struct sink *k)
{
  k->fd = -1;
  k->len = 0;
  k->cap = max;
  k->buf = malloc (max);
  if (k->buf == NULL)
    return -1;
  return gw_pump_body (&c->client, m, k, (int) c->g->o.header_timeout_seconds * 1000, -1);
}

/* The JSON rewrite or policy check a request needs.  0: body to send in
 * *out (or NULL: unchanged); -1: answered with an error already. */
static int
rewrite_request (struct conn *c, enum gateway_route route, const struct http_message *m,
                 const char *body, size_t len, char **out, size_t *out_len)
{
  cleanup_error podsock_error_t err = NULL;
  const struct gateway_options *o = &c->g->o;
  int status = 400, r = 0;
  char name[256];

  *out = NULL;
  switch (route)
    {
    case ROUTE_CREATE:
      query_name (m, name, sizeof name);
      r = gateway_rewrite_create (o, name, body, len, out, out_len, &status, &err);
      break;
    case ROUTE_EXEC_CREATE:
      r = gateway_check_exec (o, body, len, &status, &err);
      break;
    case ROUTE_LIBPOD_CREATE:
      r = gateway_rewrite_libpod_create (o, body, len, &status, &err);
      break;
    default:
      break;
    }
  if (r < 0)
    {
      log_warn ("gateway: request refused (%d): %s", status, err->msg);
      gw_send_error (c->client.fd, status, err->msg, m->keep_alive);
    }
  return r;
}

/* The gateway reads a request's body before the engine's answer: a client
 * waiting for 100 Continue gets it from the gateway at once (the engine's
 * own may follow; clients take any number of 1xx answers). */
static bool
expects_continue (const struct http_message *m)
{
  const struct http_header *h = http_find_header (m, "expect");
  return h && m->body != HTTP_BODY_NONE && http_header_has_token (h, "100-continue");
}

static int
send_continue (struct conn *c)
{
  static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
  return gw_write_all (c->client.fd, cont, sizeof cont - 1);
}

static bool
route_reads_request (const struct gateway *g, enum gateway_route route)
{
  if (route == ROUTE_CREATE)
    return true;
  return (route == ROUTE_EXEC_CREATE || route == ROUTE_LIBPOD_CREATE)
         && gateway_policy_active (&g->o);
}

/* Sends the request head (and body) to the engine.  Returns 0, or -1 when
 * the client connection must end (an error was answered if possible). */
static int
send_request (struct conn *c, enum gateway_route route, const struct http_message *m)
{
  struct sink k = { .fd = c->engine.fd };

  if (!route_reads_request (c->g, route))
    {
      bool go_on = expects_continue (m);
      if (gw_write_all (c->engine.fd, c->client.buf, m->head_len) < 0)
        return -1;
      gw_consume (&c->client, m->head_len);
      if (go_on && send_continue (c) < 0)
        return -1;
      return gw_pump_body (&c->client, m, &k, -1, -1);
    }
  cleanup_free char *head = NULL, *body = NULL;
  cleanup_free char *orig_head = malloc (m->head_len);
  size_t head_len = 0, body_len = 0;
  struct http_message hm = *m;
  struct sink in = { 0 };
  int r = -1;

  if (orig_head == NULL)
    return -1;
  memcpy (orig_head, c->client.buf, m->head_len);
  gw_consume (&c->client, m->head_len);
  /* The head's fields point into the client buffer: re-parse the copy. */
  cleanup_error podsock_error_t perr = NULL;
  if (http_parse_request (orig_head, m->head_len, &hm, &perr) <= 0)
    return -1;
  if (expects_continue (&hm) && send_continue (c) < 0)
    return -1;
  if (read_body (c, &hm, JSON_MAX, &in) < 0)
    {
      gw_send_error (c->client.fd, errno == EMSGSIZE ? 413 : 400,
                       "podsock gateway: could not read the request body (too large, malformed, "
                       "or the client went away)",
                       false);
      goto out;
    }
  if (rewrite_request (c, route, &hm, in.buf, in.len, &body, &body_len) < 0)
    {
      r = hm.keep_alive ? 1 : -1;
      goto out;
    }
  head = head_with_length (orig_head, &hm, body ? body_len : in.len, &head_len);
  if (head && gw_write_all (c->engine.fd, head, head_len) == 0
      && gw_write_all (c->engine.fd, body ? body : in.buf, body ? body_len : in.len) == 0)
    r = 0;
out:
  free (in.buf);
  return r;
}

/* ---------------------------------------------------------- responses --- */

static bool
route_rewrites_response (enum gateway_route route, const struct http_message *r)
{
  return (route == ROUTE_INSPECT || route == ROUTE_LIST) && r->status == 200
         && r->body != HTTP_BODY_UNTIL_CLOSE;
}

/* An inspect or list answer, read whole and sent with the mapped ports. */
static int
relay_rewritten (struct conn *c, enum gateway_route route, const struct http_message *r)
{
  struct sink in = { 0 };
  cleanup_free char *orig_head = malloc (r->head_len), *body = NULL, *head = NULL;
  size_t body_len = 0, head_len = 0;
  struct http_message hm;
  cleanup_error podsock_error_t err = NULL;
  int changed, ret = -1;

  if (orig_head == NULL)
    return -1;
  memcpy (orig_head, c->engine.buf, r->head_len);
  gw_consume (&c->engine, r->head_len);
  if (http_parse_response (orig_head, r->head_len, false, &hm, &err) <= 0)
    return -1;
  in.fd = -1;
  in.cap = JSON_MAX;
  in.buf = malloc (JSON_MAX);
  if (in.buf == NULL || gw_pump_body (&c->engine, &hm, &in, -1, c->client.fd) < 0)
    goto out;
  if (route == ROUTE_INSPECT)
    changed = gateway_rewrite_inspect (in.buf, in.len, &body, &body_len);
  else
    changed = gateway_rewrite_list (in.buf, in.len, &body, &body_len);
  head = head_with_length (orig_head, &hm, changed == 1 ? body_len : in.len, &head_len);
  if (head && gw_write_all (c->client.fd, head, head_len) == 0
      && gw_write_all (c->client.fd, changed == 1 ? body : in.buf, changed == 1 ? body_len : in.len)
             == 0)
    ret = 0;
out:
  free (in.buf);
  return ret;
}

/* Reads the engine's answer head.  Returns the head length, or -1. */
static int
read_response_head (struct conn *c, bool is_head, struct http_message *r)
{
  cleanup_error podsock_error_t err = NULL;
  int n;

  while ((n = http_parse_response (c->engine.buf, c->engine.len, is_head, r, &err)) == 0)
    {
      ssize_t got = gw_read_more (&c->engine, -1, c->client.fd);
      if (got <= 0)
        {
          if (got != READ_VANISHED && c->engine.len == 0)
            atomic_store (&c->g->engine_alive, false);
          return -1;
        }
    }
  if (n < 0)
    log_warn ("gateway: the engine sent a bad answer: %s", err->msg);
  return n;
}

/* Relays the answer.  Returns 1 to keep the client connection, 0 to end it. */
static int
relay_response (struct conn *c, enum gateway_route route, const struct http_message *req)
{
  bool is_head = req->method_len == 4 && memcmp (req->method, "HEAD", 4) == 0;
  struct http_message r;
  struct sink k = { .fd = c->client.fd };

  for (;;)
    {
      if (read_response_head (c, is_head, &r) < 0)
        return 0;
      if (r.status == 101 || r.status >= 200)
        break;
      /* 100 Continue and friends: pass on, the real answer follows. */
      if (gw_write_all (c->client.fd, c->engine.buf, r.head_len) < 0)
        return 0;
      gw_consume (&c->engine, r.head_len);
    }
  if (r.status == 101)
    {
      gw_splice (c);
      return 0;
    }
  if (route_rewrites_response (route, &r))
    {
      if (relay_rewritten (c, route, &r) < 0)
        return 0;
    }
  else
    {
      if (gw_write_all (c->client.fd, c->engine.buf, r.head_len) < 0)
        return 0;
      gw_consume (&c->engine, r.head_len);
      /* Docker's hijack without Upgrade (200 + raw stream, no length) is a
       * two-way stream too: attach/exec stdin follows the request. */
      if (r.body == HTTP_BODY_UNTIL_CLOSE)
        {
          gw_splice (c);
          return 0;
        }
      if (gw_pump_body (&c->engine, &r, &k, -1, c->client.fd) < 0)
        return 0;
    }
  if (!r.keep_alive)
    upstream_close (c);
  c->engine_idle = r.keep_alive;
  return req->keep_alive;
}

/* ------------------------------------------------------- a connection --- */

/* Reads the next request head.  1: got one; 0: the client is done or was
 * answered an error and must go. */
static int
read_request_head (struct conn *c, struct http_message *m)
{
  cleanup_error podsock_error_t err = NULL;
  const struct gateway_options *o = &c->g->o;
  long started = c->client.len ? monotonic_now_ms () : 0;
  int n;

  while ((n = http_parse_request (c->client.buf, c->client.len, m, &err)) == 0)
    {
      int timeout = (int) o->idle_timeout_seconds * 1000;
      if (c->client.len > 0)
        {
          if (started == 0)
            started = monotonic_now_ms ();
          timeout = (int) (started + (long) o->header_timeout_seconds * 1000 - monotonic_now_ms ());
          if (timeout < 0)
            timeout = 0;
        }
      ssize_t r = gw_read_more (&c->client, timeout, -1);
      if (r == READ_TIMEOUT && c->client.len > 0)
        {
          gw_send_error (c->client.fd, 408,
                           "podsock gateway: the request head did not arrive in time", false);
          return 0;
        }
      if (r <= 0)
        return 0;
    }
  if (n < 0)
    {
      cleanup_free char *msg = NULL;
      if (asprintf (&msg, "podsock gateway: %s", err->msg) < 0)
        msg = NULL;
      gw_send_error (c->client.fd, m->reject_status, msg ? msg : err->msg, false);
      return 0;
    }
  return 1;
}

/* One request and its answer.  Returns 1 to serve the next one. */
static int
serve_request (struct conn *c, const struct http_message *m)
{
  enum gateway_route route = gateway_route (m->method, m->method_len, m->target, m->target_len);
  cleanup_free char *why = gateway_unavailable_reason (c->g);
  struct http_message req = *m;
  int r;

  if (why == NULL && route == ROUTE_LIBPOD_KUBE && gateway_policy_active (&c->g->o))
    {
      gw_send_error (c->client.fd, 403,
                       "podsock gateway: kube play refused: its pod specs could bypass "
                       "gateway.allowedBindSources and gateway.allowPrivileged in podsock.yaml; "
                       "use the Docker API, or lift both settings",
                       false);
      return 0;
    }
  if (why || upstream_connect (c, &why) < 0)
    {
      gw_send_error (c->client.fd, 503, why ? why : "podsock gateway: no container engine",
                       false);
      return 0;
    }
  /* The request's fields point into the client buffer, which the body
   * streaming reuses: keep what the answer needs first. */
  char method[16];
  snprintf (method, sizeof method, "%.*s", (int) m->method_len, m->method);
  req.method = method;
  req.method_len = strlen (method);
  c->engine_idle = false;
  r = send_request (c, route, m);
  if (r == 1)
    {
      c->engine_idle = true; /* nothing reached the engine */
      return 1;              /* refused with a keep-alive answer */
    }
  if (r < 0)
    return 0;
  return relay_response (c, route, &req);
}

static void
conn_serve (struct conn *c)
{
  struct http_message *m = malloc (sizeof *m);

  while (m && read_request_head (c, m) == 1 && serve_request (c, m) == 1)
    ;
  free (m);
}

static void
conn_unlink (struct conn *c)
{
  struct gateway *g = c->g;

  pthread_mutex_lock (&g->lock);
  if (c->prev)
    c->prev->next = c->next;
  else
    g->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  if (--g->n_conns == 0)
    pthread_cond_broadcast (&g->drained);
  pthread_mutex_unlock (&g->lock);
}

/* A thread whose client left waits a while for the next one: a new thread
 * per docker CLI command costs more than the request itself. */
static bool
conn_next_client (struct conn *c)
{
  struct gateway *g = c->g;
  struct timespec until;
  bool got;

  clock_gettime (CLOCK_REALTIME, &until);
  until.tv_sec += IDLE_WORKER_SECONDS;
  pthread_mutex_lock (&g->lock);
  if (g->n_idle >= IDLE_WORKERS_MAX)
    {
      pthread_mutex_unlock (&g->lock);
      return false;
    }
  g->n_idle++;
  while (g->n_queue == 0 && !g->stopping)
    if (pthread_cond_timedwait (&g->work, &g->lock, &until) == ETIMEDOUT)
      break;
  g->n_idle--;
  got = g->n_queue > 0 && !g->stopping;
  if (got)
    c->client.fd = g->queue[--g->n_queue];
  pthread_mutex_unlock (&g->lock);
  return got;
}

/* Gives fd to an idle worker, if one waits.  Each idle worker takes at
 * most one queued fd, so the queue never outgrows them. */
static bool
conn_handoff (struct gateway *g, int fd)
{
  bool handed = false;

  pthread_mutex_lock (&g->lock);
  if (g->n_queue < g->n_idle)
    {
      g->queue[g->n_queue++] = fd;
      pthread_cond_signal (&g->work);
      handed = true;
    }
  pthread_mutex_unlock (&g->lock);
  return handed;
}

static void *
conn_run (void *arg)
{
  struct conn *c = arg;

  do
    {
      int fd;
      conn_serve (c);
      upstream_release (c);
      /* gateway_stop() may shut the client fd down while it is set. */
      pthread_mutex_lock (&c->g->lock);
      fd = steal_fd (&c->client.fd);
      pthread_mutex_unlock (&c->g->lock);
      close (fd);
      c->client.len = c->engine.len = 0;
      c->engine_idle = false;
    }
  while (conn_next_client (c));
  free (c->client.buf);
  free (c->engine.buf);
  /* Last use of c->g: gateway_stop() frees it once every connection is
   * unlinked. */
  conn_unlink (c);
  free (c);
  return NULL;
}

/* ----------------------------------------------------------- accepting --- */

static int
conn_start (struct gateway *g, int fd)
{
  struct conn *c = calloc (1, sizeof *c);
  pthread_attr_t attr;
  pthread_t t;
  int r;

  if (c == NULL || (c->client.buf = malloc (BUF_SIZE)) == NULL
      || (c->engine.buf = malloc (BUF_SIZE)) == NULL)
    goto fail;
  c->g = g;
  c->client.fd = fd;
  c->engine.fd = -1;
  pthread_mutex_lock (&g->lock);
  c->next = g->conns;
  if (g->conns)
    g->conns->prev = c;
  g->conns = c;
  g->n_conns++;
  pthread_mutex_unlock (&g->lock);
  pthread_attr_init (&attr);
  pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize (&attr, 256 * 1024);
  r = pthread_create (&t, &attr, conn_run, c);
  pthread_attr_destroy (&attr);
  if (r == 0)
    return 0;
  conn_unlink (c);
fail:
  if (c)
    {
      free (c->client.buf);
      free (c->engine.buf);
    }
  free (c);
  close (fd);
  return -1;
}

static void *
accept_run (void *arg)
{
  struct gateway *g = arg;
  struct pollfd p[2]
      = { { .fd = g->listen_fd, .events = POLLIN }, { .fd = g->stop_fd, .events = POLLIN } };

  for (;;)
    {
      if (TEMP_FAILURE_RETRY (poll (p, 2, -1)) < 0 || p[1].revents)
        return NULL;
      int fd = accept4 (g->listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd < 0)
        {
          if (errno == EMFILE || errno == ENFILE)
            {
              log_warn ("gateway: cannot accept a client: %m; raise the open-files limit");
              poll (NULL, 0, 100);
            }
          continue;
        }
      if (!conn_handoff (g, fd) && conn_start (g, fd) < 0)
        log_warn ("gateway: cannot serve a client: out of memory or threads");
    }
}

static int
copy_options (struct gateway *g, const struct gateway_options *o)
{
  size_t n = 0;

  g->o = *o;
  if (g->o.wait_seconds == 0)
    g->o.wait_seconds = 60;
  if (g->o.header_timeout_seconds == 0)
    g->o.header_timeout_seconds = 30;
  if (g->o.idle_timeout_seconds == 0)
    g->o.idle_timeout_seconds = 600;
  g->o.engine_socket = strdup (o->engine_socket);
  g->o.unavailable_reason = NULL;
  if (g->o.engine_socket == NULL)
    return -1;
  if (o->allowed_bind_sources == NULL)
    return 0;
  while (o->allowed_bind_sources[n])
    n++;
  g->allowed = calloc (n + 1, sizeof *g->allowed);
  if (g->allowed == NULL)
    return -1;
  for (size_t i = 0; i < n; i++)
    if ((g->allowed[i] = strdup (o->allowed_bind_sources[i])) == NULL)
      return -1;
  g->o.allowed_bind_sources = (const char *const *) g->allowed;
  return 0;
}

static void
gateway_free (struct gateway *g)
{
  while (g->n_pool > 0)
    close (g->pool[--g->n_pool]);
  while (g->n_queue > 0)
    close (g->queue[--g->n_queue]);
  for (size_t i = 0; g->allowed && g->allowed[i]; i++)
    free (g->allowed[i]);
  free (g->allowed);
  free ((char *) g->o.engine_socket);
  free (g->unavailable);
  if (g->stop_fd >= 0)
    close (g->stop_fd);
  pthread_mutex_destroy (&g->lock);
  pthread_cond_destroy (&g->drained);
  pthread_cond_destroy (&g->work);
  free (g);
}

int
gateway_start (struct gateway **out, int listen_fd, const struct gateway_options *o,
               podsock_error_t *err)
{
  struct gateway *g = calloc (1, sizeof *g);

  if (g == NULL)
    return podsock_error_make (err, ENOMEM, "gateway");
  pthread_mutex_init (&g->lock, NULL);
  pthread_cond_init (&g->drained, NULL);
  pthread_cond_init (&g->work, NULL);
  g->listen_fd = listen_fd;
  g->stop_fd = eventfd (0, EFD_CLOEXEC);
  if (g->stop_fd < 0 || copy_options (g, o) < 0)
    {
      int e = errno;
      gateway_free (g);
      return podsock_error_make (err, e, "gateway: set-up");
    }
  if (o->unavailable_reason)
    gateway_set_unavailable (g, o->unavailable_reason);
  int r = pthread_create (&g->acceptor, NULL, accept_run, g);
  if (r != 0)
    {
      gateway_free (g);
      return podsock_error_make (err, r, "gateway: cannot start its thread");
    }
  *out = g;
  return 0;
}

void
gateway_set_unavailable (struct gateway *g, const char *reason)
{
  char *copy = reason ? strdup (reason) : NULL;

  pthread_mutex_lock (&g->lock);
  free (g->unavailable);
  g->unavailable = copy;
  pthread_mutex_unlock (&g->lock);
  if (reason == NULL)
    atomic_store (&g->engine_alive, false); /* probe again before trusting it */
}

void
gateway_engine_lost (struct gateway *g)
{
  atomic_store (&g->engine_alive, false);
}

void
gateway_stop (struct gateway *g)
{
  uint64_t one = 1;

  if (g == NULL)
    return;
  if (write (g->stop_fd, &one, sizeof one) < 0)
    log_warn ("gateway: cannot wake the acceptor: %m");
  pthread_join (g->acceptor, NULL);
  pthread_mutex_lock (&g->lock);
  g->stopping = true;
  pthread_cond_broadcast (&g->work);
  for (struct conn *c = g->conns; c; c = c->next)
    {
      if (c->client.fd >= 0)
        shutdown (c->client.fd, SHUT_RDWR);
      if (c->engine.fd >= 0)
        shutdown (c->engine.fd, SHUT_RDWR);
    }
  while (g->n_conns > 0)
    pthread_cond_wait (&g->drained, &g->lock);
  pthread_mutex_unlock (&g->lock);
  gateway_free (g);
}
