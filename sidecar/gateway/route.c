/* Request targets: decoded and checked once, looked up in the table of the
 * Docker Engine API (v1.41, what podman's compat API serves), and
 * re-encoded for the engine.  See route.h. */
#include "gateway/route.h"
#include "gateway/json.h"
#include <podsock/http.h>
#include <podsock/util.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VERSION_MAX 16 /* "/v1.41" ... "/v4.0.0"; podman accepts more, we do not */

static int
malformed (int *status, podsock_error_t *err, const char *what)
{
  *status = 400;
  return podsock_error_make (err, 0,
                             "podsock gateway: malformed request target: %s; send the plain "
                             "path the Docker API documents",
                             what);
}

/* %XX-decodes the path (up to '?') into out.  Refuses what could be read
 * two ways: a bad escape, an encoded separator ('/', '?', '#', '%', '.'),
 * NUL and control characters. */
static int
decode_path (const char *t, size_t n, char *out, int *status, podsock_error_t *err)
{
  size_t o = 0;

  for (size_t i = 0; i < n; i++)
    {
      unsigned char ch = (unsigned char) t[i];
      if (ch == '#')
        return malformed (status, err, "a fragment ('#')");
      if (ch == '%')
        {
          int hi = i + 2 < n ? http_hexval (t[i + 1]) : -1;
          int lo = hi >= 0 ? http_hexval (t[i + 2]) : -1;
          if (lo < 0)
            return malformed (status, err, "a bad percent escape");
          ch = (unsigned char) (hi * 16 + lo);
          if (strchr ("/?#%.", ch) && ch != 0)
            return malformed (status, err, "an encoded '/', '?', '#', '%' or '.'");
          i += 2;
        }
      if (ch < 0x20 || ch == 0x7f)
        return malformed (status, err, "a control character");
      out[o++] = (char) ch;
    }
  out[o] = '\0';
  return 0;
}

/* No empty, "." or ".." segment: podman's router would clean or redirect
 * them, and two readers of one path must agree. */
static int
check_segments (const char *p, int *status, podsock_error_t *err)
{
  if (p[0] != '/')
    return malformed (status, err, "not an absolute path");
  if (p[1] == '\0')
    return 0;
  for (const char *s = p; s; s = strchr (s + 1, '/'))
    {
      const char *e = strchr (s + 1, '/');
      size_t len = e ? (size_t) (e - s - 1) : strlen (s + 1);
      if (len == 0 || (len == 1 && s[1] == '.') || (len == 2 && s[1] == '.' && s[2] == '.'))
        return malformed (status, err, "an empty, '.' or '..' path segment");
    }
  return 0;
}

/* "/v1.41/..." -> "/...": the prefix must be digits and dots. */
static int
skip_version (const char **p, int *status, podsock_error_t *err)
{
  const char *s = *p;
  const char *end;
  bool dot_ok = false;

  if (s[1] != 'v' || s[2] < '0' || s[2] > '9')
    return 0;
  end = strchr (s + 1, '/');
  if (end == NULL)
    return malformed (status, err, "an API version prefix with no endpoint");
  if (end - s > VERSION_MAX)
    return malformed (status, err, "an over-long API version prefix");
  for (const char *c = s + 2; c < end; c++)
    {
      if (*c == '.' && dot_ok)
        dot_ok = false;
      else if (*c >= '0' && *c <= '9')
        dot_ok = true;
      else
        return malformed (status, err, "a malformed API version prefix (want /v1.41)");
    }
  if (!dot_ok)
    return malformed (status, err, "a malformed API version prefix (want /v1.41)");
  *p = end;
  return 0;
}

static bool
is (const char *m, size_t n, const char *want)
{
  return n == strlen (want) && memcmp (m, want, n) == 0;
}

/* "/PREFIX/{id}/TAIL": copies id; tail "" means "/PREFIX/{id}". */
static bool
with_id (const char *p, const char *prefix, const char *tail, char *id, size_t cap)
{
  size_t n = strlen (prefix);
  const char *s, *slash;

  if (strncmp (p, prefix, n) != 0)
    return false;
  s = p + n;
  slash = strchr (s, '/');
  if (tail[0] == '\0' ? slash != NULL : (slash == NULL || strcmp (slash + 1, tail) != 0))
    return false;
  n = slash ? (size_t) (slash - s) : strlen (s);
  if (n == 0 || n >= cap)
    return false;
  memcpy (id, s, n);
  id[n] = '\0';
  return true;
}

/* "/images/{name}/TAIL" where the name may hold slashes (a repository). */
static bool
image_sub (const char *p, const char *tail)
{
  size_t n = strlen (p), t = strlen (tail);

  if (strncmp (p, "/images/", 8) != 0)
    return false;
  if (tail[0] == '\0')
    return n > 8;
  return n > 8 + t + 1 && p[n - t - 1] == '/' && strcmp (p + n - t, tail) == 0;
}

struct sub
{
  const char *tail;
  enum gateway_route route;
};

static const struct sub container_post[] = {
  { "start", ROUTE_START },      { "restart", ROUTE_RESTART }, { "stop", ROUTE_STOP },
  { "kill", ROUTE_KILL },        { "wait", ROUTE_WAIT },       { "attach", ROUTE_ATTACH },
  { "exec", ROUTE_EXEC_CREATE }, { "update", ROUTE_UPDATE },   { "resize", ROUTE_PASS },
  { "rename", ROUTE_PASS },      { "pause", ROUTE_PASS },      { "unpause", ROUTE_PASS },
};
static const char *const container_get[]
    = { "top", "logs", "changes", "export", "stats", "archive", "attach/ws" };

static enum gateway_route
route_containers (const char *m, size_t ml, const char *p, char *id, size_t cap)
{
  if (is (m, ml, "GET") && strcmp (p, "/containers/json") == 0)
    return ROUTE_LIST;
  if (is (m, ml, "POST") && strcmp (p, "/containers/create") == 0)
    return ROUTE_CREATE;
  if (is (m, ml, "POST") && strcmp (p, "/containers/prune") == 0)
    return ROUTE_PASS;
  if (is (m, ml, "DELETE") && with_id (p, "/containers/", "", id, cap))
    return ROUTE_DELETE;
  if (is (m, ml, "GET") && with_id (p, "/containers/", "json", id, cap))
    return ROUTE_INSPECT;
  if (is (m, ml, "POST"))
    for (size_t i = 0; i < sizeof container_post / sizeof *container_post; i++)
      if (with_id (p, "/containers/", container_post[i].tail, id, cap))
        return container_post[i].route;
  if (is (m, ml, "GET"))
    for (size_t i = 0; i < sizeof container_get / sizeof *container_get; i++)
      if (with_id (p, "/containers/", container_get[i], id, cap))
        return ROUTE_PASS;
  if (is (m, ml, "PUT") && with_id (p, "/containers/", "archive", id, cap))
    return ROUTE_ARCHIVE_PUT;
  if (is (m, ml, "HEAD") && with_id (p, "/containers/", "archive", id, cap))
    return ROUTE_PASS;
  return ROUTE_UNKNOWN;
}

static enum gateway_route
route_images (const char *m, size_t ml, const char *p)
{
  if (is (m, ml, "GET")
      && (strcmp (p, "/images/json") == 0 || strcmp (p, "/images/search") == 0
          || strcmp (p, "/images/get") == 0 || image_sub (p, "json") || image_sub (p, "history")
          || image_sub (p, "get")))
    return ROUTE_PASS;
  if (is (m, ml, "POST") && strcmp (p, "/images/create") == 0)
    return ROUTE_IMAGE_CREATE;
  if (is (m, ml, "POST")
      && (strcmp (p, "/images/load") == 0 || strcmp (p, "/images/prune") == 0
          || image_sub (p, "push") || image_sub (p, "tag")))
    return ROUTE_PASS;
  if (is (m, ml, "DELETE") && image_sub (p, ""))
    return ROUTE_PASS;
  return ROUTE_UNKNOWN;
}

static enum gateway_route
route_objects (const char *m, size_t ml, const char *p, char *id, size_t cap)
{
  bool get = is (m, ml, "GET"), post = is (m, ml, "POST"), del = is (m, ml, "DELETE");

  if (post && strcmp (p, "/volumes/create") == 0)
    return ROUTE_VOLUME_CREATE;
  if ((get && strcmp (p, "/volumes") == 0) || (post && strcmp (p, "/volumes/prune") == 0)
      || ((get || del) && with_id (p, "/volumes/", "", id, cap)))
    return ROUTE_PASS;
  if (post && with_id (p, "/networks/", "connect", id, cap))
    return ROUTE_NETWORK_CONNECT;
  if (post && with_id (p, "/networks/", "disconnect", id, cap))
    return ROUTE_NETWORK_DISCONNECT;
  if ((get && strcmp (p, "/networks") == 0) || (post && strcmp (p, "/networks/create") == 0)
      || (post && strcmp (p, "/networks/prune") == 0)
      || ((get || del) && with_id (p, "/networks/", "", id, cap)))
    return ROUTE_PASS;
  if (post && with_id (p, "/exec/", "start", id, cap))
    return ROUTE_EXEC_START;
  if ((post && with_id (p, "/exec/", "resize", id, cap))
      || (get && with_id (p, "/exec/", "json", id, cap)))
    return ROUTE_PASS;
  return ROUTE_UNKNOWN;
}

static enum gateway_route
route_system (const char *m, size_t ml, const char *p)
{
  bool get = is (m, ml, "GET"), post = is (m, ml, "POST");

  if ((get || is (m, ml, "HEAD")) && strcmp (p, "/_ping") == 0)
    return ROUTE_PASS;
  if (get
      && (strcmp (p, "/version") == 0 || strcmp (p, "/info") == 0 || strcmp (p, "/events") == 0
          || strcmp (p, "/system/df") == 0
          || (strncmp (p, "/distribution/", 14) == 0 && strlen (p) > 19
              && strcmp (p + strlen (p) - 5, "/json") == 0)))
    return ROUTE_PASS;
  if (post && strcmp (p, "/build") == 0)
    return ROUTE_BUILD;
  if (post
      && (strcmp (p, "/auth") == 0 || strcmp (p, "/build/prune") == 0
          || strcmp (p, "/commit") == 0))
    return ROUTE_PASS;
  return ROUTE_UNKNOWN;
}

static enum gateway_route
route_libpod (const char *m, size_t ml, const char *p)
{
  if (is (m, ml, "GET") || is (m, ml, "HEAD"))
    return ROUTE_LIBPOD_READ;
  if (is (m, ml, "POST") && strcmp (p, "/libpod/containers/create") == 0)
    return ROUTE_LIBPOD_CREATE;
  if (is (m, ml, "POST")
      && (strncmp (p, "/libpod/play/kube", 17) == 0 || strncmp (p, "/libpod/kube/play", 17) == 0))
    return ROUTE_LIBPOD_KUBE;
  return ROUTE_LIBPOD_OTHER;
}

static enum gateway_route
route_lookup (const char *m, size_t ml, const char *p, char *id, size_t cap)
{
  id[0] = '\0';
  if (strncmp (p, "/libpod/", 8) == 0)
    return route_libpod (m, ml, p);
  if (strncmp (p, "/containers/", 12) == 0)
    return route_containers (m, ml, p, id, cap);
  if (strncmp (p, "/images/", 8) == 0)
    return route_images (m, ml, p);
  enum gateway_route r = route_objects (m, ml, p, id, cap);
  return r != ROUTE_UNKNOWN ? r : route_system (m, ml, p);
}

/* ------------------------------------------------------------- query --- */

/* %XX and '+' decoding as Go's url.ParseQuery does it; NULL on a bad escape. */
static char *
query_decode (const char *s, size_t n)
{
  char *out = xmalloc (n + 1);
  size_t o = 0;

  for (size_t i = 0; i < n; i++)
    {
      if (s[i] == '+')
        out[o++] = ' ';
      else if (s[i] != '%')
        out[o++] = s[i];
      else
        {
          int hi = i + 2 < n ? http_hexval (s[i + 1]) : -1;
          int lo = hi >= 0 ? http_hexval (s[i + 2]) : -1;
          if (lo < 0 || (hi == 0 && lo == 0))
            {
              free (out);
              return NULL;
            }
          out[o++] = (char) (hi * 16 + lo);
          i += 2;
        }
    }
  out[o] = '\0';
  return out;
}

static bool
key_is_ascii (const char *k)
{
  for (; *k; k++)
    if ((unsigned char) *k >= 0x80)
      return false;
  return true;
}

static int
query_add (struct gateway_target *t, const char *pair, size_t n, int *status, podsock_error_t *err)
{
  const char *eq = memchr (pair, '=', n);
  size_t kn = eq ? (size_t) (eq - pair) : n;
  char *key = query_decode (pair, kn);
  char *value = query_decode (eq ? eq + 1 : "", eq ? n - kn - 1 : 0);

  if (key == NULL || value == NULL)
    {
      free (key);
      free (value);
      return malformed (status, err, "a bad percent escape in the query");
    }
  /* Every parameter of the Docker API is ASCII; anything else could fold
   * into one (gorilla/schema matches names with strings.EqualFold).  A
   * parameter may repeat (clients send lists so): every checker reads every
   * instance, since podman's handlers read the first and gorilla/schema the
   * last. */
  if (!key_is_ascii (key))
    {
      free (key);
      free (value);
      return malformed (status, err, "a non-ASCII query parameter name");
    }
  t->params = xnonnull (realloc (t->params, (t->n_params + 1) * sizeof *t->params));
  t->params[t->n_params].key = key;
  t->params[t->n_params++].value = value;
  return 0;
}

static int
query_parse (struct gateway_target *t, const char *q, size_t n, int *status, podsock_error_t *err)
{
  if (memchr (q, ';', n))
    return malformed (status, err, "a ';' in the query");
  for (size_t i = 0; i < n;)
    {
      const char *amp = memchr (q + i, '&', n - i);
      size_t len = amp ? (size_t) (amp - q - i) : n - i;
      if (len > 0 && query_add (t, q + i, len, status, err) < 0)
        return -1;
      i += len + 1;
    }
  return 0;
}

const char *
gateway_query_get (const struct gateway_target *t, const char *key)
{
  for (size_t i = 0; i < t->n_params; i++)
    if (strcasecmp (t->params[i].key, key) == 0)
      return t->params[i].value;
  return NULL;
}

/* ------------------------------------------------------------ target --- */

static size_t
encode (char *out, const char *s, const char *keep)
{
  size_t o = 0;

  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
          || strchr (keep, *p))
        out[o++] = (char) *p;
      else
        o += (size_t) sprintf (out + o, "%%%02X", *p);
    }
  return o;
}

/* The target to forward: the checked path and the decoded parameters,
 * percent-encoded again: the engine reads exactly what was checked. */
static void
encode_target (struct gateway_target *t, const char *path)
{
  size_t cap = strlen (path) * 3 + 2, o;

  for (size_t i = 0; i < t->n_params; i++)
    cap += (strlen (t->params[i].key) + strlen (t->params[i].value)) * 3 + 2;
  free (t->forward);
  t->forward = xmalloc (cap);
  o = encode (t->forward, path, "-._~!$&'()*+,;=:@/");
  for (size_t i = 0; i < t->n_params; i++)
    {
      t->forward[o++] = i == 0 ? '?' : '&';
      o += encode (t->forward + o, t->params[i].key, "-._~");
      t->forward[o++] = '=';
      o += encode (t->forward + o, t->params[i].value, "-._~");
    }
  t->forward[o] = '\0';
  t->forward_len = o;
}

static void
param_free (struct gateway_query_param *p)
{
  free (p->key);
  free (p->value);
}

int
gateway_target_remove_param (struct gateway_target *t, const char *key)
{
  size_t kept = 0;
  int found = -1;

  for (size_t i = 0; i < t->n_params; i++)
    {
      if (strcasecmp (t->params[i].key, key) == 0)
        {
          param_free (&t->params[i]);
          found = 0;
          continue;
        }
      t->params[kept++] = t->params[i];
    }
  t->n_params = kept;
  if (found == 0)
    encode_target (t, t->path);
  return found;
}

int
gateway_target_set_param (struct gateway_target *t, const char *key, const char *value)
{
  int found = -1;

  for (size_t i = 0; i < t->n_params; i++)
    if (strcasecmp (t->params[i].key, key) == 0)
      {
        free (t->params[i].value);
        t->params[i].value = xstrdup (value);
        found = 0;
      }
  if (found == 0)
    encode_target (t, t->path);
  return found;
}

int
gateway_target_parse (const char *method, size_t method_len, const char *target, size_t target_len,
                      struct gateway_target *t, int *status, podsock_error_t *err)
{
  char path[GATEWAY_TARGET_MAX + 1];
  const char *q = memchr (target, '?', target_len), *p = path;
  size_t plen = q ? (size_t) (q - target) : target_len;

  memset (t, 0, sizeof *t);
  t->route = ROUTE_MALFORMED;
  if (target_len > GATEWAY_TARGET_MAX)
    {
      t->route = ROUTE_TOO_LONG;
      *status = 414;
      return podsock_error_make (err, 0,
                                 "podsock gateway: request target over %d bytes; no endpoint of "
                                 "the Docker API needs one",
                                 GATEWAY_TARGET_MAX);
    }
  if (decode_path (target, plen, path, status, err) < 0 || check_segments (path, status, err) < 0
      || skip_version (&p, status, err) < 0
      || (q && query_parse (t, q + 1, target_len - plen - 1, status, err) < 0))
    {
      gateway_target_free (t);
      t->route = ROUTE_MALFORMED;
      return -1;
    }
  t->route = route_lookup (method, method_len, p, t->id, sizeof t->id);
  t->path = xstrdup (path);
  encode_target (t, path);
  return 0;
}

void
gateway_target_free (struct gateway_target *t)
{
  for (size_t i = 0; i < t->n_params; i++)
    param_free (&t->params[i]);
  free (t->params);
  free (t->forward);
  free (t->path);
  memset (t, 0, sizeof *t);
}

enum gateway_route
gateway_route (const char *method, size_t method_len, const char *target, size_t target_len)
{
  cleanup_error podsock_error_t err = NULL;
  struct gateway_target t;
  int status;
  enum gateway_route r;

  gateway_target_parse (method, method_len, target, target_len, &t, &status, &err);
  r = t.route;
  gateway_target_free (&t);
  return r;
}
