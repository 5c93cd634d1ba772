/* The gateway's rewrites of Docker API JSON: what a pod without
 * /dev/net/tun needs (host networking, ports reported as mapped to
 * themselves) and default limits.  docs/gateway.md documents each one. */
#include <podsock/cjson.h>
#include "gateway/rewrite.h"
#include <podsock/http.h>
#include <podsock/log.h>
#include <podsock/util.h>

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The path as the engine's router sees it: query cut off, %XX decoded,
 * empty and "." segments dropped, ".." resolved. */
static void
normalize_path (const char *t, size_t n, char *out, size_t cap)
{
  char dec[1024];
  size_t d = 0, o = 0;

  for (size_t i = 0; i < n && t[i] != '?' && d + 1 < sizeof dec; i++)
    {
      if (t[i] == '%' && i + 2 < n && http_hexval (t[i + 1]) >= 0 && http_hexval (t[i + 2]) >= 0)
        {
          dec[d++] = (char) (http_hexval (t[i + 1]) * 16 + http_hexval (t[i + 2]));
          i += 2;
        }
      else
        dec[d++] = t[i];
    }
  dec[d] = '\0';
  for (char *seg = dec, *next; seg && o + 1 < cap; seg = next)
    {
      size_t len;
      next = strchr (seg, '/');
      len = next ? (size_t) (next - seg) : strlen (seg);
      if (next)
        next++;
      if (len == 0 || (len == 1 && seg[0] == '.'))
        continue;
      if (len == 2 && seg[0] == '.' && seg[1] == '.')
        {
          while (o > 0 && out[o - 1] != '/')
            o--;
          if (o > 0)
            o--;
          continue;
        }
      if (o + len + 2 > cap)
        break;
      out[o++] = '/';
      memcpy (out + o, seg, len);
      o += len;
    }
  if (o == 0)
    out[o++] = '/';
  out[o] = '\0';
}

/* Skips "/v1.41" (any API version prefix). */
static const char *
skip_version (const char *p)
{
  const char *s = p;

  if (s[0] != '/' || s[1] != 'v')
    return p;
  s += 2;
  if (*s < '0' || *s > '9')
    return p;
  while ((*s >= '0' && *s <= '9') || *s == '.')
    s++;
  return *s == '/' ? s : p;
}

static bool
is_method (const char *m, size_t n, const char *want)
{
  return n == strlen (want) && memcmp (m, want, n) == 0;
}

/* "/containers/{id}/<tail>" with a non-empty id and no other slash. */
static bool
container_sub (const char *p, const char *tail)
{
  const char *id, *slash;

  if (strncmp (p, "/containers/", 12) != 0)
    return false;
  id = p + 12;
  slash = strchr (id, '/');
  return slash != NULL && slash > id && strcmp (slash + 1, tail) == 0;
}

enum gateway_route
gateway_route (const char *method, size_t method_len, const char *target, size_t target_len)
{
  char buf[1024];
  const char *p;

  normalize_path (target, target_len, buf, sizeof buf);
  p = skip_version (buf);
  if (is_method (method, method_len, "POST"))
    {
      if (strcmp (p, "/containers/create") == 0)
        return ROUTE_CREATE;
      if (container_sub (p, "exec"))
        return ROUTE_EXEC_CREATE;
      if (strcmp (p, "/libpod/containers/create") == 0)
        return ROUTE_LIBPOD_CREATE;
      if (strncmp (p, "/libpod/play/kube", 17) == 0 || strncmp (p, "/libpod/kube/play", 17) == 0)
        return ROUTE_LIBPOD_KUBE;
      return ROUTE_PASS;
    }
  if (is_method (method, method_len, "GET"))
    {
      if (strcmp (p, "/containers/json") == 0)
        return ROUTE_LIST;
      if (container_sub (p, "json"))
        return ROUTE_INSPECT;
    }
  return ROUTE_PASS;
}

static cJSON *
object_child (cJSON *parent, const char *key)
{
  cJSON *c = cJSON_GetObjectItemCaseSensitive (parent, key);

  if (cJSON_IsObject (c))
    return c;
  c = cJSON_CreateObject ();
  if (c && !cJSON_ReplaceItemInObjectCaseSensitive (parent, key, c))
    cJSON_AddItemToObject (parent, key, c);
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
  cJSON *mode = cJSON_GetObjectItemCaseSensitive (hc, "NetworkMode");
  cJSON *nc = cJSON_GetObjectItemCaseSensitive (req, "NetworkingConfig");
  cJSON *eps = nc ? cJSON_GetObjectItemCaseSensitive (nc, "EndpointsConfig") : NULL;
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
  cJSON_DeleteItemFromObjectCaseSensitive (hc, "NetworkMode");
  cJSON_AddStringToObject (hc, "NetworkMode", target);
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
  const cJSON *pb = cJSON_GetObjectItemCaseSensitive (hc, "PortBindings"), *e;

  cJSON_ArrayForEach (e, pb)
  {
    const cJSON *b;
    bool any = false;
    cJSON_ArrayForEach (b, e)
    {
      const cJSON *hp = cJSON_GetObjectItemCaseSensitive (b, "HostPort");
      any = true;
      if (add_port (ports, e->string, cJSON_IsString (hp) ? hp->valuestring : NULL, status, err)
          < 0)
        return -1;
    }
    if (!any && add_port (ports, e->string, NULL, status, err) < 0)
      return -1;
  }
  if (cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (hc, "PublishAllPorts")))
    cJSON_ArrayForEach (e, cJSON_GetObjectItemCaseSensitive (req, "ExposedPorts"))
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
  cJSON_DeleteItemFromObjectCaseSensitive (hc, "PortBindings");
  cJSON_DeleteItemFromObjectCaseSensitive (hc, "PublishAllPorts");
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

  if (o->default_memory_bytes && limit_unset (cJSON_GetObjectItemCaseSensitive (hc, "Memory")))
    {
      cJSON_DeleteItemFromObjectCaseSensitive (hc, "Memory");
      cJSON_AddNumberToObject (hc, "Memory", (double) o->default_memory_bytes);
      snprintf (mem, sizeof mem, "%llu", (unsigned long long) o->default_memory_bytes);
    }
  if (o->default_pids && limit_unset (cJSON_GetObjectItemCaseSensitive (hc, "PidsLimit")))
    {
      cJSON_DeleteItemFromObjectCaseSensitive (hc, "PidsLimit");
      cJSON_AddNumberToObject (hc, "PidsLimit", (double) o->default_pids);
      snprintf (pids, sizeof pids, "%llu", (unsigned long long) o->default_pids);
    }
  if (mem[0] || pids[0])
    podsock_log_fields (PODSOCK_LOG_INFO, "gateway: default limits applied", "container", name,
                        "memory", mem, "pids", pids, NULL);
}

static int
bad_json (int *status, podsock_error_t *err)
{
  *status = 400;
  return podsock_error_make (err, 0,
                             "podsock gateway: the container create request is not a "
                             "JSON object; send the Docker API's ContainerConfig");
}

int
gateway_rewrite_create (const struct gateway_options *o, const char *name, const char *body,
                        size_t len, char **out, size_t *out_len, int *status, podsock_error_t *err)
{
  cleanup_cjson cJSON *req = cJSON_ParseWithLength (body, len);
  cJSON *hc, *mode;

  *out = NULL;
  if (!cJSON_IsObject (req))
    return bad_json (status, err);
  hc = object_child (req, "HostConfig");
  if (hc == NULL)
    return podsock_error_make (err, ENOMEM, "create request");
  if (gateway_policy_privileged (
          o, cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (hc, "Privileged")), status, err)
          < 0
      || gateway_policy_binds (o, hc, status, err) < 0)
    return -1;
  if (o->rewrite_network)
    rewrite_network (req, hc, name, o->network_target ? o->network_target : "host");
  mode = cJSON_GetObjectItemCaseSensitive (hc, "NetworkMode");
  if (cJSON_IsString (mode) && strcmp (mode->valuestring, "host") == 0
      && record_ports (req, hc, name, status, err) < 0)
    return -1;
  default_limits (o, hc, name);
  *out = cJSON_PrintUnformatted (req);
  if (*out == NULL)
    return podsock_error_make (err, ENOMEM, "create request");
  *out_len = strlen (*out);
  return 0;
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
gateway_rewrite_list (const char *body, size_t len, char **out, size_t *out_len)
{
  cleanup_cjson cJSON *list = cJSON_ParseWithLength (body, len);
  bool changed = false;
  cJSON *c;

  if (!cJSON_IsArray (list))
    return -1;
  cJSON_ArrayForEach (c, list)
  {
    const char *label = ports_label (cJSON_GetObjectItemCaseSensitive (c, "Labels"));
    cJSON *arr;
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
