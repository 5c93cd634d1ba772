/* The Docker API gateway's proxy: one thread accepts, one thread serves
 * each client connection (Docker clients open few; a slow or vanished
 * client blocks only its own thread), and a hijacked stream gets a second
 * thread for its other direction.  Bodies pass through fixed buffers;
 * only the small JSON requests and answers that docs/gateway.md lists are
 * read whole, checked and rewritten. */
#include "gateway/internal.h"
#include "strv.h"
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
  cleanup_free char *why = gateway_unavailable_reason (c->g);
  struct http_message req = *m;
  int r;

  if (why == NULL && gateway_admit (c, m) == 0)
    return 0;
  if (why || upstream_connect (c, &why) < 0)
    {
      gw_send_error (c->client.fd, 503, why ? why : "podsock gateway: no container engine", false);
      return 0;
    }
  /* The request's fields point into the client buffer, which the body
   * streaming reuses: keep what the answer needs first. */
  char method[16];
  snprintf (method, sizeof method, "%.*s", (int) m->method_len, m->method);
  req.method = method;
  req.method_len = strlen (method);
  c->engine_idle = false;
  if (c->x.exit_wait)
    return gateway_exit_wait (c, m);
  r = gateway_send_request (c, m);
  if (r == 1)
    {
      c->engine_idle = true; /* nothing reached the engine */
      return 1;              /* refused with a keep-alive answer */
    }
  if (r < 0)
    return 0;
  return gateway_relay_answer (c, &req);
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

  cond_deadline_in (IDLE_WORKER_SECONDS * 1000L, &until);
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
  gateway_exchange_free (&c->x);
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

static const char *
own_str (struct gateway *g, const char *s)
{
  if (s == NULL)
    return NULL;
  g->owned[g->n_owned] = xstrdup (s);
  return g->owned[g->n_owned++];
}

static const char *const *
own_strv (struct gateway *g, const char *const *v)
{
  char **copy = strv_dup (v);

  if (copy)
    g->owned_v[g->n_owned_v++] = copy;
  return (const char *const *) copy;
}

/* The options, with copies of every string and list they point to. */
static void
copy_options (struct gateway *g, const struct gateway_options *o)
{
  g->o = *o;
  if (g->o.wait_seconds == 0)
    g->o.wait_seconds = 60;
  if (g->o.header_timeout_seconds == 0)
    g->o.header_timeout_seconds = 30;
  if (g->o.idle_timeout_seconds == 0)
    g->o.idle_timeout_seconds = 600;
  g->o.unavailable_reason = NULL;
  g->o.engine_socket = own_str (g, o->engine_socket);
  g->o.network_target = own_str (g, o->network_target);
  g->o.builds_dir = own_str (g, o->builds_dir);
  g->o.engine_run_dir = own_str (g, o->engine_run_dir);
  g->o.hosts_file = own_str (g, o->hosts_file);
  g->o.allowed_bind_sources = own_strv (g, o->allowed_bind_sources);
  g->o.allowed_capabilities = own_strv (g, o->allowed_capabilities);
  g->o.allowed_security_opts = own_strv (g, o->allowed_security_opts);
  g->o.allowed_devices = own_strv (g, o->allowed_devices);
  g->o.allowed_sysctls = own_strv (g, o->allowed_sysctls);
}

static void
gateway_free (struct gateway *g)
{
  while (g->n_pool > 0)
    close (g->pool[--g->n_pool]);
  while (g->n_queue > 0)
    close (g->queue[--g->n_queue]);
  for (size_t i = 0; i < g->n_owned; i++)
    free (g->owned[i]);
  for (size_t i = 0; i < g->n_owned_v; i++)
    strv_free (g->owned_v[i]);
  gw_containers_free (&g->containers);
  gw_hosts_free (&g->hosts);
  free (g->unavailable);
  if (g->stop_fd >= 0)
    close (g->stop_fd);
  pthread_mutex_destroy (&g->lock);
  pthread_cond_destroy (&g->drained);
  pthread_cond_destroy (&g->work);
  free (g);
}

/* Wakes the acceptor and the exits watcher (stop_fd, an eventfd) to end. */
static void
signal_stop (struct gateway *g)
{
  uint64_t one = 1;

  if (write (g->stop_fd, &one, sizeof one) < 0)
    log_warn ("gateway: cannot wake its threads to stop: %m");
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
  gw_containers_init (&g->containers);
  copy_options (g, o);
  gw_hosts_init (&g->hosts, g->o.hosts_file);
  if (g->stop_fd < 0)
    {
      int e = errno;
      gateway_free (g);
      return podsock_error_make (err, e, "gateway: set-up");
    }
  if (o->unavailable_reason)
    gateway_set_unavailable (g, o->unavailable_reason);
  int r = gateway_exits_watch (g);
  if (r != 0)
    {
      gateway_free (g);
      return podsock_error_make (err, r, "gateway: cannot start its exits watcher");
    }
  r = pthread_create (&g->acceptor, NULL, accept_run, g);
  if (r != 0)
    {
      signal_stop (g);
      pthread_join (g->exits_watcher, NULL);
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
  if (g == NULL)
    return;
  signal_stop (g);
  pthread_join (g->acceptor, NULL);
  pthread_join (g->exits_watcher, NULL);
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
