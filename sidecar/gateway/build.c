/* The policy on image builds and imports.  POST /build takes its options as
 * query parameters, and podman's handler (shared by the Docker and libpod
 * APIs) reads many that Docker never sends: volumes, devices, namespace
 * options, output directories, log files.  Only the parameters below pass;
 * names match as gorilla/schema matches them (case-insensitively). */
#include "gateway/json.h"
#include "gateway/policy.h"
#include <podsock/util.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Harmless for the pod: image names, caches, limits, build arguments. */
static const char *const plain_params[] = { "t",
                                            "q",
                                            "nocache",
                                            "rm",
                                            "forcerm",
                                            "pull",
                                            "pullpolicy",
                                            "buildargs",
                                            "labels",
                                            "cachefrom",
                                            "cacheto",
                                            "cachettl",
                                            "memory",
                                            "memswap",
                                            "cpushares",
                                            "cpusetcpus",
                                            "cpusetmems",
                                            "cpuperiod",
                                            "cpuquota",
                                            "shmsize",
                                            "platform",
                                            "target",
                                            "extrahosts",
                                            "squash",
                                            "ulimits",
                                            "version",
                                            "layers",
                                            "timestamp",
                                            "jobs",
                                            "outputformat",
                                            "identitylabel",
                                            "httpproxy",
                                            "nohosts",
                                            "setenv",
                                            "unsetenv",
                                            "unsetlabel",
                                            "compression",
                                            "from",
                                            "retry",
                                            "retry-delay",
                                            "omithistory",
                                            "osfeature",
                                            "osversion",
                                            "skipunusedstages",
                                            "tlsVerify",
                                            "excludes",
                                            "annotations",
                                            "dnsservers",
                                            "dnsoptions",
                                            "dnssearch",
                                            "groupadd",
                                            "dropcaps",
                                            "session",
                                            "buildid",
                                            NULL };

static bool
listed (const char *const *list, const char *s)
{
  for (size_t i = 0; list[i]; i++)
    if (strcasecmp (list[i], s) == 0)
      return true;
  return false;
}

static int
refuse_param (const char *name, const char *value, int *status, podsock_error_t *err)
{
  cleanup_free char *what = xasprintf ("build parameter '%s=%s'", name, value);
  return gateway_policy_refuse (status, err, what, "the gateway's build policy",
                                "build without it (docs/security.md lists what builds may use)");
}

/* A path inside the build context: relative, no ".." component. */
static bool
inside_context (const char *p)
{
  if (p[0] == '/' || strcmp (p, "..") == 0 || strncmp (p, "../", 3) == 0 || strstr (p, "/../")
      || (strlen (p) >= 3 && strcmp (p + strlen (p) - 3, "/..") == 0))
    return false;
  return true;
}

static bool
is_url (const char *s)
{
  return strncmp (s, "http://", 7) == 0 || strncmp (s, "https://", 8) == 0
         || strncmp (s, "git://", 6) == 0 || strncmp (s, "git@", 4) == 0;
}

/* secrets: a JSON list of "id=x,src=PATH" with PATH inside the context
 * (podman moves the file: a ".." would move one of the sidecar's). */
static bool
secrets_ok (const char *value)
{
  cJSON *list = NULL;
  cleanup_error podsock_error_t err = NULL;
  const cJSON *e;
  bool ok = true;

  if (gwjson_parse (value, strlen (value), 1 << 16, 0, &list, &err) < 0 || !cJSON_IsArray (list))
    ok = false;
  cJSON_ArrayForEach (e, list)
  {
    const char *src = cJSON_IsString (e) ? strstr (e->valuestring, "src=") : NULL;
    if (!cJSON_IsString (e) || (src && !inside_context (src + 4)))
      ok = false;
  }
  cJSON_Delete (list);
  return ok;
}

/* addcaps: a JSON list, checked like CapAdd. */
static int
check_addcaps (const struct gateway_options *o, const char *value, int *status,
               podsock_error_t *err)
{
  cJSON *caps = NULL;
  int r;

  if (gwjson_parse (value, strlen (value), 1 << 16, 0, &caps, err) < 0 || !cJSON_IsArray (caps))
    {
      cJSON_Delete (caps);
      return refuse_param ("addcaps", value, status, err);
    }
  cJSON *req = cJSON_CreateObject (), *hc = cJSON_AddObjectToObject (req, "HostConfig");
  cJSON_AddItemToObject (hc, "CapAdd", caps);
  r = gateway_policy_create (o, req, NULL, NULL, status, err);
  cJSON_Delete (req);
  return r;
}

/* An empty value asks for the default (the docker CLI sends
 * "cgroupparent=" with every build). */
static bool
empty_value (const char *v)
{
  return v[0] == '\0' || strcmp (v, "null") == 0 || strcmp (v, "[]") == 0 || strcmp (v, "{}") == 0;
}

static int
check_param (const struct gateway_options *o, const char *k, const char *v, int *status,
             podsock_error_t *err)
{
  if (listed (plain_params, k) || empty_value (v))
    return 0;
  if (strcasecmp (k, "dockerfile") == 0)
    return is_url (v) || inside_context (v) ? 0 : refuse_param (k, v, status, err);
  if (strcasecmp (k, "remote") == 0)
    return is_url (v) ? 0 : refuse_param (k, v, status, err);
  if (strcasecmp (k, "networkmode") == 0)
    return (v[0] == '\0' || strcmp (v, "default") == 0 || strcmp (v, "host") == 0
            || strcmp (v, "none") == 0 || strcmp (v, "bridge") == 0)
               ? 0
               : refuse_param (k, v, status, err);
  if (strcasecmp (k, "isolation") == 0)
    return v[0] == '\0' || strcmp (v, "default") == 0 ? 0 : refuse_param (k, v, status, err);
  if (strcasecmp (k, "secrets") == 0)
    return secrets_ok (v) ? 0 : refuse_param (k, v, status, err);
  if (strcasecmp (k, "addcaps") == 0)
    return check_addcaps (o, v, status, err);
  if (strcasecmp (k, "volume") == 0)
    {
      const char *colon = strchr (v, ':');
      cleanup_free char *src = colon ? xstrndup (v, (size_t) (colon - v)) : xstrdup (v);
      if (src[0] != '/')
        return refuse_param (k, v, status, err);
      return gateway_policy_source (o, src, status, err);
    }
  return refuse_param (k, v, status, err);
}

int
gateway_policy_build (const struct gateway_options *o, const struct gateway_target *t, int *status,
                      podsock_error_t *err)
{
  if (!gateway_policy_active (o))
    return 0;
  for (size_t i = 0; i < t->n_params; i++)
    if (check_param (o, t->params[i].key, t->params[i].value, status, err) < 0)
      return -1;
  return 0;
}

/* fromSrc: "-" (the body) or a URL; podman would read any other value as a
 * file of the sidecar's. */
int
gateway_policy_image_create (const struct gateway_options *o, const struct gateway_target *t,
                             int *status, podsock_error_t *err)
{
  if (!gateway_policy_active (o))
    return 0;
  for (size_t i = 0; i < t->n_params; i++)
    {
      const char *src = t->params[i].value;
      if (strcasecmp (t->params[i].key, "fromSrc") != 0 || strcmp (src, "-") == 0
          || strncmp (src, "http://", 7) == 0 || strncmp (src, "https://", 8) == 0)
        continue;
      return refuse_param ("fromSrc", src, status, err);
    }
  return 0;
}
