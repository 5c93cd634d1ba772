/* The engine's answers on their way to the client.  Most stream through;
 * the gateway reads a few whole: a create's (the new container's id for
 * its table), inspect and list (the ports a host-network container
 * publishes), and the answers that tell a client a container ended (wait,
 * stop, kill, restart, remove), before which what the container wrote under
 * the builds path is handed back to the pod user (ownership.c). */
#include "gateway/internal.h"
#include "gateway/rewrite.h"
#include <podsock/log.h>
#include <podsock/util.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* Reads the engine's answer head.  Returns the head length, or -1. */
static int
read_answer_head (struct conn *c, bool is_head, struct http_message *r)
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

/* Takes the answer's head off the engine buffer into a copy of its own
 * (*copy, parsed again into *hm) and its body, decoded, into *in. */
static int
read_whole (struct conn *c, const struct http_message *r, char **copy, struct http_message *hm,
            struct sink *in)
{
  cleanup_error podsock_error_t err = NULL;

  *copy = xmalloc (r->head_len);
  memcpy (*copy, c->engine.buf, r->head_len);
  gw_consume (&c->engine, r->head_len);
  if (http_parse_response (*copy, r->head_len, false, hm, &err) <= 0)
    return -1;
  in->fd = -1;
  in->cap = GATEWAY_JSON_MAX;
  in->buf = xmalloc (GATEWAY_JSON_MAX);
  return gw_pump_body (&c->engine, hm, in, -1, c->client.fd);
}

static int
send_whole (struct conn *c, const char *orig_head, const struct http_message *hm, const char *body,
            size_t len)
{
  size_t head_len;
  cleanup_free char *head = NULL;
  const char *first_end = memchr (orig_head, '\n', hm->head_len);
  char status_line[128];

  /* gateway_head_rewrite writes a request line: answers keep theirs. */
  snprintf (status_line, sizeof status_line, "%.*s", (int) (first_end - orig_head + 1), orig_head);
  head = gateway_head_rewrite (orig_head, hm, "", (long long) len, &head_len);
  const char *rest = memchr (head, '\n', head_len) + 1;
  if (gw_write_all (c->client.fd, status_line, strlen (status_line)) < 0
      || gw_write_all (c->client.fd, rest, head_len - (size_t) (rest - head)) < 0)
    return -1;
  return gw_write_all (c->client.fd, body, len);
}

/* The new container's (or exec instance's) id, for the gateway's table. */
static void
remember_created (struct conn *c, const char *body, size_t len)
{
  cJSON *a = cJSON_ParseWithLength (body, len);
  const cJSON *id = cJSON_GetObjectItemCaseSensitive (a, "Id");

  if (cJSON_IsString (id) && c->x.t.route == ROUTE_CREATE)
    {
      gw_containers_add (&c->g->containers, id->valuestring, c->x.name,
                         (const char *const *) c->x.mounts.sources, c->x.auto_remove);
      gw_hosts_add (&c->g->hosts, id->valuestring, c->x.host_names);
    }
  else if (cJSON_IsString (id))
    gw_containers_add_exec (&c->g->containers, id->valuestring, c->x.t.id, c->x.exec_other_user);
  cJSON_Delete (a);
}

/* A create, inspect or list answer, read whole (and rewritten). */
static int
relay_whole (struct conn *c, const struct http_message *r)
{
  cleanup_free char *copy = NULL, *body = NULL;
  struct sink in = { 0 };
  struct http_message hm;
  size_t body_len = 0;
  int changed = 0, ret = -1;

  if (read_whole (c, r, &copy, &hm, &in) < 0)
    goto out;
  if (c->x.t.route == ROUTE_INSPECT)
    changed = gateway_rewrite_inspect (in.buf, in.len, &body, &body_len);
  else if (c->x.t.route == ROUTE_LIST)
    changed = gateway_rewrite_list_hiding (in.buf, in.len, &c->g->containers, &body, &body_len);
  else
    remember_created (c, in.buf, in.len);
  ret = changed == 1 ? send_whole (c, copy, &hm, body, body_len)
                     : send_whole (c, copy, &hm, in.buf, in.len);
out:
  free (in.buf);
  return ret;
}

/* The container is gone: out of the hosts file and the gateway's table. */
static void
forget_container (struct conn *c)
{
  gw_hosts_remove (&c->g->hosts, c->x.t.id);
  gw_containers_remove (&c->g->containers, c->x.t.id);
}

/* The gateway removes a container itself (docker run --rm): after the
 * client has its answer, on the same engine connection. */
static void
remove_now (struct conn *c)
{
  char target[300];

  snprintf (target, sizeof target, "/containers/%s?force=1&v=1", c->x.t.id);
  upstream_request (c, "DELETE", target);
  forget_container (c);
}

void
gateway_wait_ending (struct conn *c)
{
  gateway_handback (c->g, c->x.t.id, "wait");
  if (c->x.remove_after_wait)
    {
      gw_hosts_remove (&c->g->hosts, c->x.t.id);
      gw_containers_set_removing (&c->g->containers, c->x.t.id);
    }
}

/* The client has the exit status; the removal (podman's cleanup process
 * takes most of a docker run --rm: docs/performance.md) goes on here, on
 * c's engine connection or a new one.  Until it is done the container is
 * left out of lists, and a create of its name waits for it. */
void
gateway_wait_ended (struct conn *c)
{
  char *why = NULL;

  if (!c->x.remove_after_wait)
    return;
  if (c->engine.fd >= 0 || upstream_connect (c, &why) == 0)
    remove_now (c);
  else
    gw_containers_remove (&c->g->containers, c->x.t.id);
  free (why);
}

/* wait: the head goes at once (the docker CLI starts the container only
 * once its wait is acknowledged), the body (the exit status) only after
 * the container's files were handed back. */
static int
relay_wait (struct conn *c, const struct http_message *r)
{
  struct sink raw = { .fd = -1, .raw = true, .cap = 64 * 1024 };
  struct http_message hm = *r;
  int ret = -1;

  if (gw_write_all (c->client.fd, c->engine.buf, r->head_len) < 0)
    return -1;
  gw_consume (&c->engine, r->head_len);
  raw.buf = xmalloc (raw.cap);
  if (gw_pump_body (&c->engine, &hm, &raw, -1, c->client.fd) < 0)
    goto out;
  gateway_wait_ending (c);
  ret = gw_write_all (c->client.fd, raw.buf, raw.len);
  if (!hm.keep_alive)
    upstream_close (c);
  gateway_wait_ended (c);
out:
  free (raw.buf);
  return ret;
}

/* An attach answered: podman initialised the container (conmon runs) before
 * the stream, which now goes both ways. */
static void
hijacked (struct conn *c)
{
  if (c->x.t.route == ROUTE_ATTACH)
    gw_containers_set_attached (&c->g->containers, c->x.t.id);
  gw_splice (c);
}

static bool
reads_whole (enum gateway_route route, const struct http_message *r)
{
  if (r->body == HTTP_BODY_UNTIL_CLOSE)
    return false;
  if (route == ROUTE_INSPECT || route == ROUTE_LIST)
    return r->status == 200;
  return (route == ROUTE_CREATE || route == ROUTE_EXEC_CREATE) && r->status == 201;
}

static bool
ends_container (enum gateway_route route, const struct http_message *r)
{
  return (route == ROUTE_STOP || route == ROUTE_KILL || route == ROUTE_RESTART
          || route == ROUTE_DELETE)
         && r->status >= 200 && r->status < 300;
}

static bool
failed_to_run (enum gateway_route route, const struct http_message *r)
{
  return (route == ROUTE_ATTACH || route == ROUTE_START) && r->status >= 400
         && r->body != HTTP_BODY_UNTIL_CLOSE;
}

static int
relay_rest (struct conn *c, const struct http_message *r)
{
  struct sink k = { .fd = c->client.fd };
  enum gateway_route route = c->x.t.route;

  if (reads_whole (route, r))
    return relay_whole (c, r);
  if ((route == ROUTE_START || route == ROUTE_RESTART) && r->status >= 200 && r->status < 300)
    gw_containers_set_started (&c->g->containers, c->x.t.id);
  if (route == ROUTE_WAIT && r->status == 200 && r->body != HTTP_BODY_UNTIL_CLOSE)
    return relay_wait (c, r);
  if (ends_container (route, r))
    {
      gateway_handback (c->g, c->x.t.id, "stop");
      if (route == ROUTE_DELETE)
        forget_container (c);
    }
  if (failed_to_run (route, r))
    {
      /* dockerd removes an AutoRemove container that could not start;
       * podman leaves it: the gateway removes it once the error is read. */
      int rc = gateway_run_failed (c, r);
      if (rc == 0 && r->keep_alive && gw_containers_auto_remove (&c->g->containers, c->x.t.id))
        remove_now (c);
      return rc;
    }
  if (gw_write_all (c->client.fd, c->engine.buf, r->head_len) < 0)
    return -1;
  gw_consume (&c->engine, r->head_len);
  /* Docker's hijack without Upgrade (200 + raw stream, no length) is a
   * two-way stream too: attach/exec stdin follows the request. */
  if (r->body == HTTP_BODY_UNTIL_CLOSE)
    {
      hijacked (c);
      return 1;
    }
  return gw_pump_body (&c->engine, r, &k, -1, c->client.fd);
}

int
gateway_relay_answer (struct conn *c, const struct http_message *req)
{
  bool is_head = req->method_len == 4 && memcmp (req->method, "HEAD", 4) == 0;
  struct http_message r;
  int rc;

  for (;;)
    {
      if (read_answer_head (c, is_head, &r) < 0)
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
      hijacked (c);
      return 0;
    }
  rc = relay_rest (c, &r);
  if (rc != 0)
    return 0; /* an error, or a hijacked stream that ended the connection */
  if (!r.keep_alive)
    upstream_close (c);
  c->engine_idle = r.keep_alive;
  return req->keep_alive;
}
