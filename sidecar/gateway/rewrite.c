/* The gateway's rewrites of Docker API JSON: what a pod without
 * /dev/net/tun needs (host networking, ports reported as mapped to
 * themselves) and default limits.  docs/gateway.md documents each one. */
#include <podsock/cjson.h>
#include "gateway/rewrite.h"
#include "gateway/json.h"
#include "gateway/policy.h"
#include <podsock/http.h>
#include <podsock/log.h>
#include <podsock/util.h>

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static cJSON *
object_child (cJSON *parent, const char *key)
{
  cJSON *c = gwjson_get (parent, key);

  if (cJSON_IsObject (c))
    return c;
  c = xnonnull (cJSON_CreateObject ());
  gwjson_set (parent, key, c);
  return c;
}

static bool
network_is_default (const cJSON *mode)
{
  return mode == NULL || cJSON_IsNull (mode)
         || (cJSON_IsString (mode)
             && (mode->valuestring[0] == '\0' || strcmp (mode->valuestring, "default") == 0
                 || strcmp (mode->valuestring, "bridge") == 0));
}

/* NetworkMode default/bridge/"" -> host (or slirp4netns); the bridge
 * endpoint goes too. */
static void
rewrite_network (cJSON *req, cJSON *hc, const char *name, const char *target)
{
  char msg[96];
  cJSON *mode = gwjson_get (hc, "NetworkMode");
  cJSON *nc = gwjson_get (req, "NetworkingConfig");
  cJSON *eps = nc ? gwjson_get (nc, "EndpointsConfig") : NULL;
  const char *was = cJSON_IsString (mode) ? mode->valuestring : "default";

  if (!network_is_default (mode))
    return;
  snprintf (msg, sizeof msg, "gateway: NetworkMode rewritten to %s", target);
  podsock_log_fields (PODSOCK_LOG_INFO, msg, "container", name, "from", was[0] ? was : "default",
                      "reason",
                      strcmp (target, "host") == 0
                          ? "the pod has no usable /dev/net/tun"
                          : "podman's rootless bridge needs a writable /proc/sys, which pods lack",
                      NULL);
  gwjson_set (hc, "NetworkMode", xnonnull (cJSON_CreateString (target)));
  if (eps)
    {
      cJSON_DeleteItemFromObjectCaseSensitive (eps, "bridge");
      cJSON_DeleteItemFromObjectCaseSensitive (eps, "default");
    }
}

/* "8080/tcp" or "8080" -> 8080 and "tcp". */
static int
port_key_parse (const char *key, unsigned *port, char proto[8])
{
  char *end;
  unsigned long v = strtoul (key, &end, 10);

  if (end == key || v == 0 || v > 65535)
    return -1;
  if (*end == '\0')
    strcpy (proto, "tcp");
  else if (*end == '/'
           && (strcmp (end + 1, "tcp") == 0 || strcmp (end + 1, "udp") == 0
               || strcmp (end + 1, "sctp") == 0))
    strcpy (proto, end + 1);
  else
    return -1;
  *port = (unsigned) v;
  return 0;
}

/* Is the port free in the pod's network namespace?  SO_REUSEADDR, so a
 * connection in TIME_WAIT does not count, only a socket bound to it. */
static bool
port_is_free (unsigned port, const char *proto)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
  int type = strcmp (proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
  cleanup_close int fd = -1;
  int one = 1;

  if (strcmp (proto, "sctp") == 0)
    return true;
  fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return true;
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  return bind (fd, (struct sockaddr *) &a, sizeof a) == 0 || errno != EADDRINUSE;
}

static int
add_port (cJSON *ports, const char *key, const char *host_port, int *status, podsock_error_t *err)
{
  unsigned port;
  char proto[8], norm[24];

  if (port_key_parse (key, &port, proto) < 0)
    {
      *status = 400;
      return podsock_error_make (err, 0,
                                 "podsock gateway: bad port '%s' (want PORT/tcp or PORT/udp)", key);
    }
  if (host_port && host_port[0] && strcmp (host_port, "0") != 0
      && strtoul (host_port, NULL, 10) != port)
    {
      *status = 400;
      return podsock_error_make (
          err, 0,
          "podsock gateway: cannot publish host port %s to container port %u: the pod has no "
          "usable /dev/net/tun, so containers use the pod's network and container port %u is "
          "pod port %u; publish it as -p %u:%u or -p %u, or give the pod /dev/net/tun",
          host_port, port, port, port, port, port, port);
    }
  snprintf (norm, sizeof norm, "%u/%s", port, proto);
  if (cJSON_GetObjectItemCaseSensitive (ports, norm))
    return 0;
  if (!port_is_free (port, proto))
    {
      *status = 409;
      return podsock_error_make (
          err, 0,
          "podsock gateway: port %s is already in use in the pod: with host networking (no "
          "usable /dev/net/tun) every container shares the pod's ports; stop what listens on "
          "%u, or publish another container port",
          norm, port);
    }
  cJSON_AddItemToObject (ports, norm, cJSON_CreateTrue ());
  return 0;
}

/* The ports a host-network container publishes: PortBindings, and with
 * PublishAllPorts every ExposedPorts entry. */
static int
collect_ports (const cJSON *req, const cJSON *hc, cJSON *ports, int *status, podsock_error_t *err)
{
  const cJSON *pb = gwjson_get (hc, "PortBindings"), *e;

  cJSON_ArrayForEach (e, pb)
  {
    const cJSON *b;
    bool any = false;
    cJSON_ArrayForEach (b, e)
    {
      const cJSON *hp = gwjson_get (b, "HostPort");
      any = true;
      if (add_port (ports, e->string, cJSON_IsString (hp) ? hp->valuestring : NULL, status, err)
          < 0)
        return -1;
    }
    if (!any && add_port (ports, e->string, NULL, status, err) < 0)
      return -1;
  }
  if (cJSON_IsTrue (gwjson_get (hc, "PublishAllPorts")))
    cJSON_ArrayForEach (e, gwjson_get (req, "ExposedPorts"))
    {
      if (add_port (ports, e->string, NULL, status, err) < 0)
        return -1;
    }
  return 0;
}

/* Ports -> label "8080/tcp,53/udp"; the engine gets no PortBindings (it
 * would ignore them, or refuse them, in host mode). */
static int
record_ports (cJSON *req, cJSON *hc, const char *name, int *status, podsock_error_t *err)
{
  cleanup_cjson cJSON *ports = cJSON_CreateObject ();
  char label[4096] = "";
  const cJSON *e;

  if (ports == NULL || collect_ports (req, hc, ports, status, err) < 0)
    return -1;
  if (cJSON_GetArraySize (ports) == 0)
    return 0;
  cJSON_ArrayForEach (e, ports)
  {
    if (strlen (label) + strlen (e->string) + 2 >= sizeof label)
      break;
    if (label[0])
      strcat (label, ",");
    strcat (label, e->string);
  }
  gwjson_remove (hc, "PortBindings");
  gwjson_remove (hc, "PublishAllPorts");
  cJSON *labels = object_child (req, "Labels");
  cJSON_DeleteItemFromObjectCaseSensitive (labels, GATEWAY_PORTS_LABEL);
  cJSON_AddStringToObject (labels, GATEWAY_PORTS_LABEL, label);
  podsock_log_fields (PODSOCK_LOG_INFO, "gateway: published ports reported as mapped to themselves",
                      "container", name, "ports", label, "reason", "host network mode", NULL);
  return 0;
}

static bool
limit_unset (const cJSON *v)
{
  return v == NULL || cJSON_IsNull (v) || (cJSON_IsNumber (v) && v->valuedouble == 0);
}

static void
default_limits (const struct gateway_options *o, cJSON *hc, const char *name)
{
  char mem[32] = "", pids[32] = "";

  if (o->default_memory_bytes && limit_unset (gwjson_get (hc, "Memory")))
    {
      gwjson_set (hc, "Memory", gwjson_create_int64 ((int64_t) o->default_memory_bytes));
      snprintf (mem, sizeof mem, "%llu", (unsigned long long) o->default_memory_bytes);
    }
  if (o->default_pids && limit_unset (gwjson_get (hc, "PidsLimit")))
    {
      gwjson_set (hc, "PidsLimit", gwjson_create_int64 ((int64_t) o->default_pids));
      snprintf (pids, sizeof pids, "%llu", (unsigned long long) o->default_pids);
    }
  if (mem[0] || pids[0])
    podsock_log_fields (PODSOCK_LOG_INFO, "gateway: default limits applied", "container", name,
                        "memory", mem, "pids", pids, NULL);
}

/* The one reading of a body the gateway checks (gwjson: Go's key matching,
 * nothing ambiguous); what it forwards is printed from this tree. */
static int
read_tree (const char *what, const char *body, size_t len, cJSON **out, int *status,
           podsock_error_t *err)
{
  int r = gwjson_parse (body, len, GATEWAY_JSON_MAX, GWJSON_OBJECT, out, err);

  if (r == 0)
    return 0;
  *status = r == -EMSGSIZE ? 413 : 400;
  return podsock_error_prefix (err,
                               "podsock gateway: the %s request body was refused (send it as "
                               "the Docker API documents it; it must read one way only)",
                               what);
}

static int
print_tree (const cJSON *tree, char **out, size_t *out_len, int *status, podsock_error_t *err)
{
  *out = gwjson_print (tree, out_len, err);
  if (*out != NULL)
    return 0;
  *status = 400;
  return podsock_error_prefix (err, "podsock gateway: cannot forward the request");
}

/* Docker stops a container with 10 s between SIGTERM and SIGKILL unless
 * told otherwise; podman's compat API gives API-created containers 0. */
static void
default_stop_timeout (const struct gateway_options *o, cJSON *req)
{
  const cJSON *st = gwjson_get (req, "StopTimeout");

  if (st == NULL || cJSON_IsNull (st))
    gwjson_set (req, "StopTimeout",
                gwjson_create_int64 (o->default_stop_timeout ? o->default_stop_timeout : 10));
}

int
gateway_create_request (const struct gateway_options *o, struct gateway_create *cr,
                        const char *name, const char *body, size_t len, char **out, size_t *out_len,
                        int *status, podsock_error_t *err)
{
  cleanup_cjson cJSON *req = NULL;
  cJSON *hc, *mode;

  *out = NULL;
  if (read_tree ("container create", body, len, &req, status, err) < 0
      || gateway_policy_create (o, req, cr->known, cr->mounts, status, err) < 0)
    return -1;
  hc = object_child (req, "HostConfig");
  cr->auto_remove = cJSON_IsTrue (gwjson_get (hc, "AutoRemove"));
  if (o->rewrite_network)
    rewrite_network (req, hc, name, o->network_target ? o->network_target : "host");
  if (cr->hosts)
    cr->host_names = gw_networks_rewrite (cr->hosts, req, hc, name);
  mode = gwjson_get (hc, "NetworkMode");
  if (cJSON_IsString (mode) && strcmp (mode->valuestring, "host") == 0
      && record_ports (req, hc, name, status, err) < 0)
    return -1;
  default_limits (o, hc, name);
  default_stop_timeout (o, req);
  return print_tree (req, out, out_len, status, err);
}

int
gateway_rewrite_create (const struct gateway_options *o, const char *name, const char *body,
                        size_t len, char **out, size_t *out_len, int *status, podsock_error_t *err)
{
  struct gateway_create cr = { 0 };

  return gateway_create_request (o, &cr, name, body, len, out, out_len, status, err);
}

/* An exec runs as another user than the container's root when it names
 * one: its files need handing back when it ends. */
static bool
exec_other_user (const cJSON *req)
{
  const cJSON *u = gwjson_get (req, "User");
  const char *s = cJSON_IsString (u) ? u->valuestring : "";

  return s[0] && strcmp (s, "root") != 0 && strcmp (s, "0") != 0 && strncmp (s, "0:", 2) != 0
         && strncmp (s, "root:", 5) != 0;
}

int
gateway_check_request (const struct gateway_options *o, enum gateway_route route, const char *body,
                       size_t len, char **out, size_t *out_len, bool *other_user, int *status,
                       podsock_error_t *err)
{
  cleanup_cjson cJSON *req = NULL;
  int r = 0;

  *out = NULL;
  if (read_tree (route == ROUTE_EXEC_CREATE     ? "exec create"
                 : route == ROUTE_UPDATE        ? "container update"
                 : route == ROUTE_VOLUME_CREATE ? "volume create"
                 : route == ROUTE_LIBPOD_CREATE ? "libpod container create"
                                                : "network connect",
                 body, len, &req, status, err)
      < 0)
    return -1;
  if (route == ROUTE_EXEC_CREATE)
    {
      r = gateway_policy_exec (o, req, status, err);
      if (other_user)
        *other_user = exec_other_user (req);
    }
  else if (route == ROUTE_UPDATE)
    r = gateway_policy_update (o, req, status, err);
  else if (route == ROUTE_VOLUME_CREATE)
    r = gateway_policy_volume (o, req, status, err);
  else if (route == ROUTE_LIBPOD_CREATE)
    r = gateway_libpod_create (o, req, status, err);
  if (r < 0)
    return -1;
  return print_tree (req, out, out_len, status, err);
}

/* The ports label of a container's labels, or NULL. */
static const char *
ports_label (const cJSON *labels)
{
  const cJSON *l = cJSON_GetObjectItemCaseSensitive (labels, GATEWAY_PORTS_LABEL);
  return cJSON_IsString (l) && l->valuestring[0] ? l->valuestring : NULL;
}

/* Calls fn for each "PORT/proto" of a ports label. */
static void
each_port (const char *label, void (*fn) (void *, unsigned, const char *, const char *), void *data)
{
  char copy[4096], *save = NULL;

  snprintf (copy, sizeof copy, "%s", label);
  for (char *k = strtok_r (copy, ",", &save); k; k = strtok_r (NULL, ",", &save))
    {
      unsigned port;
      char proto[8];
      if (port_key_parse (k, &port, proto) == 0)
        fn (data, port, proto, k);
    }
}

static void
inspect_port (void *data, unsigned port, const char *proto, const char *key)
{
  cJSON *ports = data, *arr = cJSON_CreateArray (), *b = cJSON_CreateObject ();
  char hp[8];

  (void) proto;
  snprintf (hp, sizeof hp, "%u", port);
  cJSON_AddStringToObject (b, "HostIp", "0.0.0.0");
  cJSON_AddStringToObject (b, "HostPort", hp);
  cJSON_AddItemToArray (arr, b);
  cJSON_DeleteItemFromObjectCaseSensitive (ports, key);
  cJSON_AddItemToObject (ports, key, arr);
}

int
gateway_rewrite_inspect (const char *body, size_t len, char **out, size_t *out_len)
{
  cleanup_cjson cJSON *c = cJSON_ParseWithLength (body, len);
  const char *label;
  cJSON *ns, *ports;

  if (!cJSON_IsObject (c))
    return -1;
  label = ports_label (
      cJSON_GetObjectItemCaseSensitive (cJSON_GetObjectItemCaseSensitive (c, "Config"), "Labels"));
  if (label == NULL)
    return 0;
  ns = object_child (c, "NetworkSettings");
  ports = object_child (ns, "Ports");
  each_port (label, inspect_port, ports);
  *out = cJSON_PrintUnformatted (c);
  if (*out == NULL)
    return -1;
  *out_len = strlen (*out);
  return 1;
}

static void
list_port (void *data, unsigned port, const char *proto, const char *key)
{
  cJSON *arr = data, *p = cJSON_CreateObject ();

  (void) key;
  cJSON_AddStringToObject (p, "IP", "0.0.0.0");
  cJSON_AddNumberToObject (p, "PrivatePort", port);
  cJSON_AddNumberToObject (p, "PublicPort", port);
  cJSON_AddStringToObject (p, "Type", proto);
  cJSON_AddItemToArray (arr, p);
}

int
gateway_rewrite_list_hiding (const char *body, size_t len, struct gw_containers *hide, char **out,
                             size_t *out_len)
{
  cleanup_cjson cJSON *list = cJSON_ParseWithLength (body, len);
  bool changed = false;
  cJSON *c, *next;

  if (!cJSON_IsArray (list))
    return -1;
  for (c = list->child; c; c = next)
    {
      const cJSON *id = cJSON_GetObjectItemCaseSensitive (c, "Id");
      const char *label = ports_label (cJSON_GetObjectItemCaseSensitive (c, "Labels"));
      cJSON *arr;
      next = c->next;
      if (hide && cJSON_IsString (id) && gw_containers_is_removing (hide, id->valuestring))
        {
          cJSON_Delete (cJSON_DetachItemViaPointer (list, c));
          changed = true;
          continue;
        }
      if (label == NULL || (arr = cJSON_CreateArray ()) == NULL)
        continue;
      each_port (label, list_port, arr);
      cJSON_DeleteItemFromObjectCaseSensitive (c, "Ports");
      cJSON_AddItemToObject (c, "Ports", arr);
      changed = true;
    }
  if (!changed)
    return 0;
  *out = cJSON_PrintUnformatted (list);
  if (*out == NULL)
    return -1;
  *out_len = strlen (*out);
  return 1;
}

int
gateway_rewrite_list (const char *body, size_t len, char **out, size_t *out_len)
{
  return gateway_rewrite_list_hiding (body, len, NULL, out, out_len);
}

static int
check_raw (const struct gateway_options *o, enum gateway_route route, const char *body, size_t len,
           int *status, podsock_error_t *err)
{
  cleanup_free char *out = NULL;
  size_t out_len;

  return gateway_check_request (o, route, body, len, &out, &out_len, NULL, status, err);
}

int
gateway_check_exec (const struct gateway_options *o, const char *body, size_t len, int *status,
                    podsock_error_t *err)
{
  return check_raw (o, ROUTE_EXEC_CREATE, body, len, status, err);
}

int
gateway_rewrite_libpod_create (const struct gateway_options *o, const char *body, size_t len,
                               int *status, podsock_error_t *err)
{
  return check_raw (o, ROUTE_LIBPOD_CREATE, body, len, status, err);
}
