/* A request on its way to the engine: its target read once (route.c),
 * refused when the policy refuses its endpoint or parameters, its body read
 * whole and checked where the policy needs it, and sent with the target and
 * body the gateway checked, never the client's bytes. */
#include "gateway/internal.h"
#include "strv.h"
#include "gateway/json.h"
#include "gateway/rewrite.h"
#include <podsock/cjson.h>
#include <podsock/log.h>
#include <podsock/util.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

static void
refuse (struct conn *c, int status, const char *msg)
{
  log_warn ("gateway: request refused (%d): %s", status, msg);
  gw_send_error (c->client.fd, status, msg, false);
}

/* Endpoints the policy closes: unknown ones, and podman's own API unless
 * gateway.allowLibpod (kube play always: its specs carry their own
 * volumes and privileges). */
static const char *
route_refusal (const struct gateway_options *o, const struct http_message *m,
               enum gateway_route route, char *buf, size_t cap)
{
  const char *path = m->target;
  const char *q = memchr (path, '?', m->target_len);
  int plen = (int) (q ? (size_t) (q - path) : m->target_len);

  if (route == ROUTE_LIBPOD_KUBE)
    return "podsock gateway: kube play refused: its pod specs could bypass "
           "gateway.allowedBindSources and gateway.allowPrivileged in podsock.yaml; use the "
           "Docker API, or lift both settings";
  if (route == ROUTE_UNKNOWN)
    snprintf (buf, cap,
              "podsock gateway: %.*s %.*s refused: not an endpoint of the Docker API that the "
              "gateway serves under its policy (docs/security.md lists them)",
              (int) m->method_len, m->method, plen, path);
  else if ((route == ROUTE_LIBPOD_OTHER || route == ROUTE_LIBPOD_CREATE) && !o->allow_libpod)
    snprintf (buf, cap,
              "podsock gateway: podman's own API (%.*s %.*s) refused by gateway.allowLibpod: "
              "false in podsock.yaml; use the Docker API, or set gateway.allowLibpod: true "
              "(it lifts the policy for those calls)",
              (int) m->method_len, m->method, plen, path);
  else
    return NULL;
  return buf;
}

/* Checks that need no body: build and import parameters, and the bind
 * sources of a container about to start, resolved again. */
static int
check_target (struct conn *c, int *status, podsock_error_t *err)
{
  struct gateway *g = c->g;
  struct gateway_target *t = &c->x.t;

  if (t->route == ROUTE_BUILD)
    return gateway_policy_build (&g->o, t, status, err);
  if (t->route == ROUTE_IMAGE_CREATE)
    return gateway_policy_image_create (&g->o, t, status, err);
  if (t->route == ROUTE_START || t->route == ROUTE_RESTART)
    {
      char **sources = gw_containers_sources (&g->containers, t->id, NULL);
      int r = gateway_policy_start (&g->o, (const char *const *) sources, status, err);
      strv_free (sources);
      return r;
    }
  return 0;
}

/* docker run --rm waits with condition=removed, which podman 4 answers
 * with StatusCode 0 whatever the container's status (issue 17), and which
 * can hang for good in podman 4.3.1 (docs/performance.md): for a container
 * created with AutoRemove, ask for next-exit, which tells the real status,
 * and remove the container afterwards (answer.c).  Any other container's
 * wait goes to the engine as it is: the gateway removes nothing the user
 * did not ask to remove.  The wait for the first run of a container the
 * gateway saw attached (docker run, with or without --rm) is answered from
 * the engine's exit wait instead (exitwait.c). */
static bool
only_condition (const struct gateway_target *t, const char *value)
{
  bool seen = false;

  for (size_t i = 0; i < t->n_params; i++)
    if (strcasecmp (t->params[i].key, "condition") == 0)
      {
        if (strcmp (t->params[i].value, value) != 0)
          return false;
        seen = true;
      }
  return seen;
}

static void
wait_condition (struct conn *c, const struct http_message *m)
{
  const struct gateway_target *t = &c->x.t;
  bool removed = false, auto_remove;

  if (t->route != ROUTE_WAIT)
    return;
  /* false for a container the gateway did not create, as first_run */
  auto_remove = gw_containers_auto_remove (&c->g->containers, t->id);
  for (size_t i = 0; i < t->n_params; i++)
    removed |= strcasecmp (t->params[i].key, "condition") == 0
               && strcmp (t->params[i].value, "removed") == 0;
  if (removed && auto_remove)
    {
      gateway_target_set_param (&c->x.t, "condition", "next-exit");
      c->x.remove_after_wait = true;
    }
  /* An AutoRemove container runs once: any wait is for that run's exit,
   * which the engine may have removed it after (podman 4.3.1 then answers
   * 0), or which never comes when its start fails (podman 4.3.1's wait
   * then hangs: docker run -d --rm of a command that cannot run). */
  c->x.exit_wait = m->minor == 1
                   && (auto_remove
                       || (only_condition (t, "next-exit")
                           && gw_containers_first_run (&c->g->containers, t->id)));
}

int
gateway_admit (struct conn *c, const struct http_message *m)
{
  cleanup_error podsock_error_t err = NULL;
  const struct gateway_options *o = &c->g->o;
  int status = 400;
  char buf[1024];
  const char *why;

  gateway_exchange_free (&c->x);
  if (gateway_target_parse (m->method, m->method_len, m->target, m->target_len, &c->x.t, &status,
                            &err)
      < 0)
    {
      refuse (c, status, err->msg);
      return 0;
    }
  if (gateway_policy_active (o) && (why = route_refusal (o, m, c->x.t.route, buf, sizeof buf)))
    {
      refuse (c, 403, why);
      return 0;
    }
  if (check_target (c, &status, &err) < 0)
    {
      refuse (c, status, err->msg);
      return 0;
    }
  wait_condition (c, m);
  /* The exit to come is the next start's: an earlier one is forgotten. */
  if (c->x.t.route == ROUTE_START || c->x.t.route == ROUTE_RESTART)
    gw_containers_set_exit (&c->g->containers, c->x.t.id, -1);
  /* docker cp -a keeps the archive's owners (dockerd); podman's
   * copyUIDGID=true gives them to the container's user instead.  Without
   * the parameter podman keeps them, as dockerd does with -a; without -a
   * the docker CLI sends none and both give the files to container root. */
  if (c->x.t.route == ROUTE_ARCHIVE_PUT)
    gateway_target_remove_param (&c->x.t, "copyUIDGID");
  /* A name of a docker run --rm container whose removal is under way
   * (answer.c): the create waits for it, as it would with dockerd. */
  const char *name = gateway_query_get (&c->x.t, "name");
  if (c->x.t.route == ROUTE_CREATE && name && name[0])
    gw_containers_wait_name (&c->g->containers, name, 30000);
  return 1;
}

void
gateway_exchange_free (struct exchange *x)
{
  gateway_target_free (&x->t);
  gateway_mounts_free (&x->mounts);
  free (x->host_names);
  memset (x, 0, sizeof *x);
}

char *
gateway_head_rewrite (const char *buf, const struct http_message *m, const char *target,
                      long long body_len, size_t *out_len)
{
  const char *first_end = memchr (buf, '\n', m->head_len);
  const char *version = first_end;
  size_t o;
  char *h;

  while (version > buf && version[-1] != ' ')
    version--;
  h = xmalloc (m->head_len + strlen (target) + 64);
  o = (size_t) sprintf (h, "%.*s %s %.*s\n", (int) m->method_len, m->method, target,
                        (int) (first_end - version), version);
  for (size_t i = 0; i < m->n_headers; i++)
    {
      const struct http_header *f = &m->headers[i];
      if (body_len >= 0
          && ((f->name_len == 14 && strncasecmp (f->name, "content-length", 14) == 0)
              || (f->name_len == 17 && strncasecmp (f->name, "transfer-encoding", 17) == 0)))
        continue;
      o += (size_t) sprintf (h + o, "%.*s: %.*s\r\n", (int) f->name_len, f->name,
                             (int) f->value_len, f->value);
    }
  if (body_len >= 0)
    o += (size_t) sprintf (h + o, "Content-Length: %lld\r\n", body_len);
  o += (size_t) sprintf (h + o, "\r\n");
  *out_len = o;
  return h;
}

/* ?name=... of a create request: for the log and the gateway's table. */
static void
query_name (struct conn *c)
{
  const char *name = gateway_query_get (&c->x.t, "name");

  snprintf (c->x.name, sizeof c->x.name, "%s", name ? name : "");
}

/* docker network connect/disconnect of a container that runs in the pod's
 * network (networks.c): its aliases join the hosts file, and the gateway
 * answers itself; the engine could not connect a host-network container.
 * 1 when answered, 0 when the engine must handle it. */
static int
network_call (struct conn *c, const struct http_message *m, const char *body, size_t len)
{
  static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nApi-Version: 1.41\r\n\r\n";
  cleanup_error podsock_error_t err = NULL;
  cleanup_cjson cJSON *req = NULL;
  const cJSON *ctr, *ep;

  if (gwjson_parse (body, len, GATEWAY_JSON_MAX, GWJSON_OBJECT, &req, &err) < 0)
    return 0; /* the engine answers what it cannot read */
  ctr = gwjson_get (req, "Container");
  ep = gwjson_get (req, "EndpointConfig");
  if (!cJSON_IsString (ctr))
    return 0;
  if (c->x.t.route == ROUTE_NETWORK_CONNECT
          ? !gw_hosts_extend (&c->g->hosts, ctr->valuestring,
                              ep ? gwjson_get (ep, "Aliases") : NULL)
          : !gw_hosts_extend (&c->g->hosts, ctr->valuestring, NULL))
    return 0;
  (void) m;
  gw_write_all (c->client.fd, ok, sizeof ok - 1);
  return 1;
}

/* The JSON check or rewrite a request needs.  0: body to send in *out;
 * -1: refused (answered already). */
static int
check_body (struct conn *c, const struct http_message *m, const char *body, size_t len, char **out,
            size_t *out_len)
{
  cleanup_error podsock_error_t err = NULL;
  struct gateway *g = c->g;
  int status = 400, r;

  if (c->x.t.route == ROUTE_CREATE)
    {
      struct gateway_create cr
          = { .known = &g->containers, .hosts = &g->hosts, .mounts = &c->x.mounts };
      query_name (c);
      r = gateway_create_request (&g->o, &cr, c->x.name[0] ? c->x.name : "(unnamed)", body, len,
                                  out, out_len, &status, &err);
      c->x.host_names = cr.host_names;
      c->x.auto_remove = cr.auto_remove;
    }
  else
    r = gateway_check_request (&g->o, c->x.t.route, body, len, out, out_len, &c->x.exec_other_user,
                               &status, &err);
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
reads_body (const struct gateway *g, enum gateway_route route)
{
  switch (route)
    {
    case ROUTE_CREATE:
    case ROUTE_EXEC_CREATE:
    case ROUTE_NETWORK_CONNECT:
    case ROUTE_NETWORK_DISCONNECT:
      return true;
    case ROUTE_UPDATE:
    case ROUTE_VOLUME_CREATE:
    case ROUTE_LIBPOD_CREATE:
      return gateway_policy_active (&g->o);
    default:
      return false;
    }
}

/* Streams the body through with the checked target in the head. */
static int
send_streamed (struct conn *c, const struct http_message *m)
{
  struct sink k = { .fd = c->engine.fd };
  bool go_on = expects_continue (m);
  size_t head_len;
  cleanup_free char *head = gateway_head_rewrite (c->client.buf, m, c->x.t.forward, -1, &head_len);

  if (gw_write_all (c->engine.fd, head, head_len) < 0)
    return -1;
  gw_consume (&c->client, m->head_len);
  if (go_on && send_continue (c) < 0)
    return -1;
  return gw_pump_body (&c->client, m, &k, -1, -1);
}

/* Reads the body whole, checks it and sends the checked one. */
static int
send_checked (struct conn *c, const struct http_message *m)
{
  cleanup_free char *orig_head = xmalloc (m->head_len), *head = NULL, *body = NULL;
  cleanup_error podsock_error_t perr = NULL;
  struct sink in = { .fd = -1, .cap = GATEWAY_JSON_MAX };
  size_t head_len = 0, body_len = 0;
  struct http_message hm;
  int r = -1;

  memcpy (orig_head, c->client.buf, m->head_len);
  gw_consume (&c->client, m->head_len);
  /* The head's fields point into the client buffer: re-parse the copy. */
  if (http_parse_request (orig_head, m->head_len, &hm, &perr) <= 0)
    return -1;
  if (expects_continue (&hm) && send_continue (c) < 0)
    return -1;
  in.buf = xmalloc (GATEWAY_JSON_MAX);
  if (gw_pump_body (&c->client, &hm, &in, (int) c->g->o.header_timeout_seconds * 1000, -1) < 0)
    {
      gw_send_error (c->client.fd, errno == EMSGSIZE ? 413 : 400,
                     "podsock gateway: could not read the request body (too large, malformed, "
                     "or the client went away)",
                     false);
      goto out;
    }
  /* A connect the gateway answers itself (a container in the pod's
   * network); any other body, the engine's connects included, goes as the
   * gateway read and printed it, never as the client's bytes. */
  if ((c->x.t.route == ROUTE_NETWORK_CONNECT || c->x.t.route == ROUTE_NETWORK_DISCONNECT)
      && network_call (c, &hm, in.buf, in.len) == 1)
    {
      r = hm.keep_alive ? 1 : -1;
      goto out;
    }
  if (check_body (c, &hm, in.buf, in.len, &body, &body_len) < 0)
    {
      r = hm.keep_alive ? 1 : -1;
      goto out;
    }
  head = gateway_head_rewrite (orig_head, &hm, c->x.t.forward, (long long) body_len, &head_len);
  if (gw_write_all (c->engine.fd, head, head_len) == 0
      && gw_write_all (c->engine.fd, body, body_len) == 0)
    r = 0;
out:
  free (in.buf);
  return r;
}

int
gateway_send_request (struct conn *c, const struct http_message *m)
{
  if (reads_body (c->g, c->x.t.route))
    return send_checked (c, m);
  return send_streamed (c, m);
}
