/* The gateway's policy: which bind-mount sources nested containers may use,
 * and whether they may be privileged.  Refusals are 403 answers whose
 * message names the podsock.yaml setting. */
#include "gateway/rewrite.h"
#include <podsock/util.h>

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

bool
gateway_policy_active (const struct gateway_options *o)
{
  return o->allowed_bind_sources != NULL || !o->allow_privileged;
}

static int
refuse (int *status, podsock_error_t *err, const char *what, const char *setting, const char *fix)
{
  *status = 403;
  return podsock_error_make (err, 0, "podsock gateway: %s refused by %s in podsock.yaml; %s", what,
                             setting, fix);
}

/* Does path lie under prefix (whole components: /builds covers /builds/x,
 * not /buildsx)? */
static bool
path_under (const char *path, const char *prefix)
{
  size_t n = strlen (prefix);

  while (n > 1 && prefix[n - 1] == '/')
    n--;
  if (n == 1 && prefix[0] == '/')
    return true;
  return strncmp (path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* A relative path, or one with "." or ".." components or "//", could name
 * something else than it seems: refused outright. */
static bool
path_is_plain (const char *p)
{
  if (p[0] != '/')
    return false;
  for (const char *s = p; *s; s++)
    if (s[0] == '/'
        && (s[1] == '/' || (s[1] == '.' && (s[2] == '/' || s[2] == '\0'))
            || (s[1] == '.' && s[2] == '.' && (s[3] == '/' || s[3] == '\0'))))
      return false;
  return true;
}

static bool
source_allowed (const struct gateway_options *o, const char *source)
{
  char resolved[PATH_MAX];
  const char *p = source;

  if (!path_is_plain (source))
    return false;
  /* A symlink under an allowed prefix must not lead out of it: the engine
   * follows it. */
  if (realpath (source, resolved) != NULL)
    p = resolved;
  for (size_t i = 0; o->allowed_bind_sources[i]; i++)
    if (path_under (p, o->allowed_bind_sources[i]))
      return true;
  return false;
}

int
gateway_policy_source (const struct gateway_options *o, const char *source, int *status,
                       podsock_error_t *err)
{
  cleanup_free char *what = NULL;

  if (o->allowed_bind_sources == NULL || source_allowed (o, source))
    return 0;
  if (asprintf (&what, "bind mount of '%s'", source) < 0)
    what = NULL;
  return refuse (status, err, what ? what : "a bind mount", "gateway.allowedBindSources",
                 "bind a path under one of the allowed sources (the builds directory), use a "
                 "named volume, or add the path to gateway.allowedBindSources");
}

int
gateway_policy_privileged (const struct gateway_options *o, bool privileged, int *status,
                           podsock_error_t *err)
{
  if (!privileged || o->allow_privileged)
    return 0;
  return refuse (status, err, "--privileged", "gateway.allowPrivileged: false",
                 "run the container without --privileged, or set gateway.allowPrivileged: true");
}

/* HostConfig.Binds: "source:target[:options]"; a source without a leading
 * slash is a named volume. */
static int
check_binds (const struct gateway_options *o, const cJSON *binds, int *status, podsock_error_t *err)
{
  const cJSON *b;

  cJSON_ArrayForEach (b, binds)
  {
    cleanup_free char *src = NULL;
    const char *colon;

    if (!cJSON_IsString (b))
      continue;
    colon = strchr (b->valuestring, ':');
    src = colon ? strndup (b->valuestring, colon - b->valuestring) : strdup (b->valuestring);
    if (src == NULL)
      return podsock_error_make (err, ENOMEM, "bind source");
    if (src[0] != '/' && strchr (src, '/') == NULL && strcmp (src, ".") != 0
        && strcmp (src, "..") != 0)
      continue; /* named volume */
    if (gateway_policy_source (o, src, status, err) < 0)
      return -1;
  }
  return 0;
}

/* HostConfig.Mounts: [{"Type": "bind", "Source": ...}]. */
static int
check_mounts (const struct gateway_options *o, const cJSON *mounts, const char *type_key,
              const char *source_key, int *status, podsock_error_t *err)
{
  const cJSON *m;

  cJSON_ArrayForEach (m, mounts)
  {
    const cJSON *type = cJSON_GetObjectItemCaseSensitive (m, type_key);
    const cJSON *src = cJSON_GetObjectItemCaseSensitive (m, source_key);
    if (cJSON_IsString (type) && strcmp (type->valuestring, "bind") != 0)
      continue;
    if (!cJSON_IsString (src))
      continue;
    if (gateway_policy_source (o, src->valuestring, status, err) < 0)
      return -1;
  }
  return 0;
}

int
gateway_policy_binds (const struct gateway_options *o, const cJSON *host_config, int *status,
                      podsock_error_t *err)
{
  if (o->allowed_bind_sources == NULL || host_config == NULL)
    return 0;
  if (check_binds (o, cJSON_GetObjectItemCaseSensitive (host_config, "Binds"), status, err) < 0)
    return -1;
  return check_mounts (o, cJSON_GetObjectItemCaseSensitive (host_config, "Mounts"), "Type",
                       "Source", status, err);
}

int
gateway_rewrite_libpod_create (const struct gateway_options *o, const char *body, size_t len,
                               int *status, podsock_error_t *err)
{
  cJSON *spec = cJSON_ParseWithLength (body, len);
  int r = 0;

  if (spec == NULL)
    return 0; /* the engine answers a parse error itself */
  if (gateway_policy_privileged (
          o, cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (spec, "privileged")), status, err)
      < 0)
    r = -1;
  else if (o->allowed_bind_sources)
    r = check_mounts (o, cJSON_GetObjectItemCaseSensitive (spec, "mounts"), "type", "source",
                      status, err);
  cJSON_Delete (spec);
  return r;
}

int
gateway_check_exec (const struct gateway_options *o, const char *body, size_t len, int *status,
                    podsock_error_t *err)
{
  cJSON *cfg = cJSON_ParseWithLength (body, len);
  int r;

  if (cfg == NULL)
    return 0;
  r = gateway_policy_privileged (
      o, cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (cfg, "Privileged")), status, err);
  cJSON_Delete (cfg);
  return r;
}
