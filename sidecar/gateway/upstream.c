/* The gateway's connections to the engine (podman's private socket): a
 * pool of idle keep-alive connections, and the wait for an engine that is
 * starting or restarting. */
#include "detect.h"
#include "gateway/internal.h"
#include <podsock/log.h>
#include <podsock/socket.h>
#include <podsock/util.h>

#include <cjson/cJSON.h>
#include <poll.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* Between connects to an engine that is not (yet) there. */
#define ENGINE_RETRY_MS 5

/* ------------------------------------------------------------ engine --- */

/* The engine fd changes under the lock: gateway_stop() shuts it down from
 * another thread. */
void
upstream_set_fd (struct conn *c, int fd)
{
  int old;

  pthread_mutex_lock (&c->g->lock);
  old = c->engine.fd;
  c->engine.fd = fd;
  if (c->g->stopping && fd >= 0)
    shutdown (fd, SHUT_RDWR);
  pthread_mutex_unlock (&c->g->lock);
  if (old >= 0)
    close (old);
}

void
upstream_close (struct conn *c)
{
  upstream_set_fd (c, -1);
  c->engine.len = 0;
}

/* Engine connections between two messages go back to a pool: a new client
 * (the docker CLI opens one per command) then skips a connect and the
 * engine's accept. */
void
upstream_release (struct conn *c)
{
  struct gateway *g = c->g;

  if (c->engine.fd >= 0 && c->engine_idle && c->engine.len == 0)
    {
      pthread_mutex_lock (&g->lock);
      if (g->n_pool < POOL_MAX && !g->stopping)
        {
          g->pool[g->n_pool++] = c->engine.fd;
          c->engine.fd = -1;
        }
      pthread_mutex_unlock (&g->lock);
    }
  upstream_close (c);
}

static int
upstream_from_pool (struct gateway *g)
{
  int fd = -1;

  pthread_mutex_lock (&g->lock);
  if (g->n_pool > 0)
    fd = g->pool[--g->n_pool];
  pthread_mutex_unlock (&g->lock);
  return fd;
}

char *
gateway_unavailable_reason (struct gateway *g)
{
  char *r = NULL;

  pthread_mutex_lock (&g->lock);
  if (g->unavailable)
    r = strdup (g->unavailable);
  pthread_mutex_unlock (&g->lock);
  return r;
}

/* The engine's version (its Libpod-Api-Version header), at its first
 * answer and after each restart: log it once, and warn where builds can
 * escape. */
void
gateway_engine_answered (struct gateway *g, const char *s)
{
  if (s == NULL || s[0] == '\0' || strlen (s) >= sizeof g->engine_version
      || strspn (s, "0123456789.-+~abcdefghijklmnopqrstuvwxyz") != strlen (s))
    return;
  pthread_mutex_lock (&g->lock);
  if (strcmp (g->engine_version, s) == 0)
    {
      pthread_mutex_unlock (&g->lock);
      return;
    }
  snprintf (g->engine_version, sizeof g->engine_version, "%s", s);
  pthread_mutex_unlock (&g->lock);
  podsock_log_fields (PODSOCK_LOG_INFO, "gateway: engine answers", "podman", s, NULL);
  /* buildah's RUN --mount escapes, fixed in podman 5.2.5 */
  if (!detect_engine_has_build_fixes (s))
    podsock_log_fields (
        PODSOCK_LOG_WARN,
        "this podman lacks the fixes for CVE-2024-1753 and CVE-2024-9675: a build step "
        "(RUN --mount=type=bind,from=...,source=<symlink> or --mount=type=cache,id=../..) "
        "can read and write the sidecar's files; run the podsock image with podman 5.2.5 "
        "or later (docs/image.md, docs/security.md)",
        "podman", s, NULL);
}

/* Does the engine answer on c->engine.fd within timeout_ms?  A fresh
 * connection to a socket-activated engine succeeds even while podman is
 * down (the listen backlog holds it), so only an answer proves it runs. */
static int
upstream_probe (struct conn *c, int timeout_ms)
{
  /* /_ping, not /version: podman's /version asks dpkg for the versions of
   * its components, which took 600-700 ms in a pod whose image has a
   * package database, on the path of the first client's answer.  Every
   * podman answer names podman's version in Libpod-Api-Version. */
  static const char ping[] = "GET /_ping HTTP/1.1\r\nHost: podsock-gateway\r\n\r\n";
  cleanup_error podsock_error_t err = NULL;
  char body[256];
  struct http_message m;
  long deadline = monotonic_now_ms () + timeout_ms;
  int r;

  if (gw_write_all (c->engine.fd, ping, sizeof ping - 1) < 0)
    return -1;
  while ((r = http_parse_response (c->engine.buf, c->engine.len, false, &m, &err)) == 0)
    {
      long left = deadline - monotonic_now_ms ();
      if (left <= 0 || gw_read_more (&c->engine, (int) left, -1) <= 0)
        return -1;
    }
  if (r < 0)
    return -1;
  const struct http_header *v = http_find_header (&m, "libpod-api-version");
  char version[32] = "";
  if (v && v->value_len < sizeof version)
    snprintf (version, sizeof version, "%.*s", (int) v->value_len, v->value);
  gw_consume (&c->engine, m.head_len);
  struct sink answer = { .fd = -1, .buf = body, .cap = sizeof body - 1 };
  if (gw_pump_body (&c->engine, &m, &answer, (int) (deadline - monotonic_now_ms ()), -1) < 0)
    return -1;
  if (m.status == 200)
    gateway_engine_answered (c->g, version);
  if (!m.keep_alive)
    upstream_close (c);
  return 0;
}

/* Is the idle engine connection still open?  (The engine closes idle
 * keep-alive connections; reusing one would lose the request.) */
static bool
upstream_still_open (struct conn *c)
{
  struct pollfd p = { .fd = c->engine.fd, .events = POLLIN | POLLRDHUP };
  return c->engine.len == 0 && TEMP_FAILURE_RETRY (poll (&p, 1, 0)) == 0;
}

static int
upstream_try (struct conn *c, long deadline)
{
  cleanup_error podsock_error_t err = NULL;

  int fd = socket_connect_unix (c->g->o.engine_socket, &err);
  if (fd < 0)
    return -1;
  upstream_set_fd (c, fd);
  if (atomic_load (&c->g->engine_alive))
    return 0;
  long left = deadline - monotonic_now_ms ();
  if (upstream_probe (c, left > 0 ? (int) left : 0) < 0)
    {
      upstream_close (c);
      return -1;
    }
  atomic_store (&c->g->engine_alive, true);
  if (c->engine.fd < 0)
    return upstream_try (c, deadline);
  return 0;
}

/* Connects to the engine, waiting up to wait_seconds for it to (re)start.
 * On failure *why is a message for the client (malloc'd). */
int
upstream_connect (struct conn *c, char **why)
{
  long deadline = monotonic_now_ms () + (long) c->g->o.wait_seconds * 1000;

  if (c->engine.fd >= 0)
    {
      if (upstream_still_open (c))
        return 0;
      atomic_store (&c->g->engine_alive, false);
    }
  upstream_close (c);
  for (int fd; (fd = upstream_from_pool (c->g)) >= 0;)
    {
      upstream_set_fd (c, fd);
      if (upstream_still_open (c))
        return 0;
      /* podman keeps idle connections open: one closed means it went
       * away, so the next fresh connection must prove it is back. */
      atomic_store (&c->g->engine_alive, false);
      upstream_close (c);
    }
  for (;;)
    {
      cleanup_free char *reason = gateway_unavailable_reason (c->g);
      if (reason == NULL && c->g->stopping)
        reason = strdup ("podsock gateway: stopping");
      if (reason)
        {
          *why = steal_pointer (&reason);
          return -1;
        }
      if (upstream_try (c, deadline) == 0)
        return 0;
      if (monotonic_now_ms () >= deadline)
        break;
      /* A refused connect costs microseconds; the engine's socket appears
       * once, and each ms of delay after that is a client's wait at start. */
      struct timespec ts = { 0, ENGINE_RETRY_MS * 1000 * 1000 };
      nanosleep (&ts, NULL);
    }
  if (asprintf (why,
                "podsock gateway: the container engine did not answer on %s within %u s; it may "
                "be starting or restarting (see the sidecar's log), retry, or raise "
                "gateway.waitSeconds",
                c->g->o.engine_socket, c->g->o.wait_seconds)
      < 0)
    *why = NULL;
  return -1;
}

int
upstream_request (struct conn *c, const char *method, const char *target)
{
  cleanup_error podsock_error_t err = NULL;
  cleanup_free char *req
      = xasprintf ("%s %s HTTP/1.1\r\nHost: podsock-gateway\r\n\r\n", method, target);
  char discard_buf[4096];
  struct sink discard = { .fd = -1, .raw = true, .buf = discard_buf, .cap = sizeof discard_buf };
  struct http_message m;
  int r;

  if (c->engine.fd < 0 || gw_write_all (c->engine.fd, req, strlen (req)) < 0)
    return -1;
  while ((r = http_parse_response (c->engine.buf, c->engine.len, false, &m, &err)) == 0)
    if (gw_read_more (&c->engine, 30000, -1) <= 0)
      {
        upstream_close (c);
        return -1;
      }
  if (r < 0)
    {
      upstream_close (c);
      return -1;
    }
  gw_consume (&c->engine, m.head_len);
  if (gw_pump_body (&c->engine, &m, &discard, 30000, -1) < 0 || !m.keep_alive)
    upstream_close (c);
  return m.status;
}
