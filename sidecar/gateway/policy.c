/* The gateway's policy on the containers a job creates: bind-mount sources,
 * --privileged, capabilities, security options, devices, sysctls, host
 * namespaces, log files.  Bodies arrive as trees from gwjson_parse() and
 * are read with gwjson_get(), so a field counts however Go would match it.
 * Refusals are 403 answers whose message names the podsock.yaml setting
 * that would allow the request (docs/security.md). */
#include "gateway/policy.h"
#include "gateway/json.h"
#include <podsock/util.h>

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const docker_default_caps[] = {
  "CHOWN",  "DAC_OVERRIDE", "FSETID",  "FOWNER",           "MKNOD",      "NET_RAW", "SETGID",
  "SETUID", "SETFCAP",      "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",    "AUDIT_WRITE",
  NULL
};
static const char *const default_security_opts[] = { "no-new-privileges", "mask", NULL };

bool
gateway_policy_active (const struct gateway_options *o)
{
  return o->allowed_bind_sources != NULL || !o->allow_privileged;
}

int
gateway_policy_refuse (int *status, podsock_error_t *err, const char *what, const char *setting,
                       const char *fix)
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
   * follows it.  (Checked again at start: gateway_policy_start.) */
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
  what = xasprintf ("bind mount of '%s'", source);
  return gateway_policy_refuse (
      status, err, what, "gateway.allowedBindSources",
      "bind a path under one of the allowed sources (the builds directory), use a "
      "named volume, or add the path to gateway.allowedBindSources");
}

int
gateway_policy_privileged (const struct gateway_options *o, bool privileged, int *status,
                           podsock_error_t *err)
{
  if (!privileged || o->allow_privileged)
    return 0;
  return gateway_policy_refuse (
      status, err, "--privileged", "gateway.allowPrivileged: false",
      "run the container without --privileged, or set gateway.allowPrivileged: true");
}

/* A named volume, as podman tells one from a path: not starting with '/'
 * or '.', and of the characters volume names may have. */
static bool
is_volume_name (const char *s)
{
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
    return false;
  return strspn (s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
         == strlen (s);
}

/* Records an allowed bind source for the start-time check and hand-back. */
static void
mounts_add (struct gateway_mounts *m, const char *source)
{
  if (m == NULL)
    return;
  m->sources = xnonnull (realloc (m->sources, (m->n + 2) * sizeof *m->sources));
  m->sources[m->n++] = xstrdup (source);
  m->sources[m->n] = NULL;
}

void
gateway_mounts_free (struct gateway_mounts *m)
{
  for (size_t i = 0; i < m->n; i++)
    free (m->sources[i]);
  free (m->sources);
  m->sources = NULL;
  m->n = 0;
}

/* One bind source: a path (checked) or, where volumes may be named, a volume. */
static int
check_source (const struct gateway_options *o, const char *src, bool volume_ok,
              struct gateway_mounts *m, int *status, podsock_error_t *err)
{
  if (volume_ok && is_volume_name (src))
    return 0;
  if (src[0] != '/')
    {
      cleanup_free char *what = xasprintf ("bind mount of '%s' (not an absolute path)", src);
      return gateway_policy_refuse (status, err, what, "gateway.allowedBindSources",
                                    "give the source as an absolute path under the builds "
                                    "directory, or name a volume");
    }
  if (gateway_policy_source (o, src, status, err) < 0)
    return -1;
  mounts_add (m, src);
  return 0;
}

/* A check of one element of a list (Binds, Mounts). */
typedef int (*element_check) (const struct gateway_options *o, const cJSON *e,
                              struct gateway_mounts *m, int *status, podsock_error_t *err);

static int
check_each (const struct gateway_options *o, const cJSON *list, element_check check,
            struct gateway_mounts *m, int *status, podsock_error_t *err)
{
  const cJSON *e;

  cJSON_ArrayForEach (e, list)
  if (check (o, e, m, status, err) < 0)
    return -1;
  return 0;
}

/* HostConfig.Binds: "source:target[:options]". */
static int
check_bind (const struct gateway_options *o, const cJSON *b, struct gateway_mounts *m,
            int *status, podsock_error_t *err)
{
  if (!cJSON_IsString (b))
    return 0; /* the engine refuses it */
  const char *colon = strchr (b->valuestring, ':');
  cleanup_free char *src = colon ? xstrndup (b->valuestring, (size_t) (colon - b->valuestring))
                                 : xstrdup (b->valuestring);
  return check_source (o, src, true, m, status, err);
}

static const char *
str_of (const cJSON *obj, const char *key)
{
  const cJSON *v = gwjson_get (obj, key);
  return cJSON_IsString (v) ? v->valuestring : NULL;
}

static bool
non_empty (const cJSON *v)
{
  return v != NULL && !cJSON_IsNull (v) && !(cJSON_IsArray (v) && cJSON_GetArraySize (v) == 0)
         && !(cJSON_IsObject (v) && v->child == NULL)
         && !(cJSON_IsString (v) && v->valuestring[0] == '\0');
}

/* A volume mount may carry driver options that bind any directory
 * (type=none,o=bind,device=DIR): only plain volumes pass. */
static int
check_volume_options (const cJSON *mount, int *status, podsock_error_t *err)
{
  const cJSON *vo = gwjson_get (mount, "VolumeOptions");
  const cJSON *dc = vo ? gwjson_get (vo, "DriverConfig") : NULL;
  const char *driver = dc ? str_of (dc, "Name") : NULL;

  if ((driver && driver[0] && strcmp (driver, "local") != 0)
      || non_empty (dc ? gwjson_get (dc, "Options") : NULL))
    return gateway_policy_refuse (status, err, "a volume mount with driver options",
                                  "gateway.allowedBindSources",
                                  "mount a plain named volume, or bind a path under the builds "
                                  "directory");
  return 0;
}

/* HostConfig.Mounts: bind (source checked), volume (a name, no driver
 * options), tmpfs; any other type is refused. */
static int
check_mount (const struct gateway_options *o, const cJSON *e, struct gateway_mounts *m,
             int *status, podsock_error_t *err)
{
  const char *type = str_of (e, "Type"), *src = str_of (e, "Source");

  if (type && strcmp (type, "tmpfs") == 0)
    return 0;
  if (type && strcmp (type, "volume") == 0)
    {
      if (src && src[0] && !is_volume_name (src)
          && check_source (o, src, false, m, status, err) < 0)
        return -1;
      return check_volume_options (e, status, err);
    }
  if (type == NULL || strcmp (type, "bind") != 0)
    {
      cleanup_free char *what = xasprintf ("a mount of type '%s'", type ? type : "(none)");
      return gateway_policy_refuse (status, err, what, "gateway.allowedBindSources",
                                    "use a bind mount under the builds directory, a volume "
                                    "or a tmpfs");
    }
  return check_source (o, src ? src : "", false, m, status, err);
}

static int
check_volumes_from (const cJSON *from, struct gw_containers *known, int *status,
                    podsock_error_t *err)
{
  const cJSON *e;

  cJSON_ArrayForEach (e, from)
  {
    char ref[256];
    if (!cJSON_IsString (e))
      continue;
    snprintf (ref, sizeof ref, "%s", e->valuestring);
    ref[strcspn (ref, ":")] = '\0';
    if (known == NULL || !gw_containers_known (known, ref))
      {
        cleanup_free char *what = xasprintf ("VolumesFrom '%s' (a container whose mounts the "
                                             "gateway did not check)",
                                             ref);
        return gateway_policy_refuse (status, err, what, "gateway.allowedBindSources",
                                      "take volumes from a container created through this "
                                      "socket, or mount the paths yourself");
      }
  }
  return 0;
}

int
gateway_policy_binds (const struct gateway_options *o, const cJSON *host_config, int *status,
                      podsock_error_t *err)
{
  if (o->allowed_bind_sources == NULL || host_config == NULL)
    return 0;
  if (check_each (o, gwjson_get (host_config, "Binds"), check_bind, NULL, status, err) < 0)
    return -1;
  return check_each (o, gwjson_get (host_config, "Mounts"), check_mount, NULL, status, err);
}

static bool
in_list (const char *const *list, const char *s, bool nocase)
{
  for (size_t i = 0; list && list[i]; i++)
    if ((nocase ? strcasecmp (list[i], s) : strcmp (list[i], s)) == 0)
      return true;
  return false;
}

/* An allow list check: each string of a request's list, reduced to its
 * key, must be on the list the setting names. */
struct allow_rule
{
  const char *field;   /* HostConfig's list */
  const char *flag;    /* the docker CLI's option, for the message */
  const char *setting; /* the podsock.yaml setting */
  const char *fix;
  bool nocase;
  void (*key_of) (const char *entry, char *key, size_t cap);
  size_t allowed;                /* offset of the setting's list in gateway_options */
  const char *const *by_default; /* the list when the setting is not set */
};

static int
check_allowed (const char *const *allowed, const cJSON *list, const struct allow_rule *rule,
               int *status, podsock_error_t *err)
{
  const cJSON *e;

  cJSON_ArrayForEach (e, list)
  {
    const char *s = cJSON_IsString (e) ? e->valuestring : "";
    char key[64];
    rule->key_of (s, key, sizeof key);
    if (in_list (allowed, key, rule->nocase))
      continue;
    cleanup_free char *what = xasprintf ("%s %s", rule->flag, s);
    return gateway_policy_refuse (status, err, what, rule->setting, rule->fix);
  }
  return 0;
}

/* "NET_ADMIN", "CAP_NET_ADMIN", "net_admin" are one capability. */
static void
capability_key (const char *entry, char *key, size_t cap)
{
  snprintf (key, cap, "%s", strncasecmp (entry, "CAP_", 4) == 0 ? entry + 4 : entry);
}

/* "key=value", "key:value" or "key". */
static void
option_key (const char *entry, char *key, size_t cap)
{
  snprintf (key, cap, "%.*s", (int) strcspn (entry, "=:"), entry);
}

/* Capabilities beyond Docker's default set; seccomp, apparmor, label,
 * systempaths and unmask security options.  Both are refused by default. */
static const struct allow_rule allow_rules[] = {
  { "CapAdd", "--cap-add", "gateway.allowedCapabilities",
    "drop the capability, or add it to gateway.allowedCapabilities (default: Docker's own set)",
    true, capability_key, offsetof (struct gateway_options, allowed_capabilities),
    docker_default_caps },
  { "SecurityOpt", "--security-opt", "gateway.allowedSecurityOpts",
    "remove the option: nested containers keep the engine's seccomp profile and masked paths",
    false, option_key, offsetof (struct gateway_options, allowed_security_opts),
    default_security_opts },
};

static int
check_allow_rules (const struct gateway_options *o, const cJSON *hc, int *status,
                   podsock_error_t *err)
{
  for (size_t i = 0; i < sizeof allow_rules / sizeof *allow_rules; i++)
    {
      const struct allow_rule *rule = &allow_rules[i];
      const char *const *set = *(const char *const *const *) (const void *) ((const char *) o
                                                                             + rule->allowed);
      if (check_allowed (set ? set : rule->by_default, gwjson_get (hc, rule->field), rule, status,
                         err)
          < 0)
        return -1;
    }
  return 0;
}

static int
check_devices (const struct gateway_options *o, const cJSON *hc, int *status, podsock_error_t *err)
{
  const cJSON *e;

  if (non_empty (gwjson_get (hc, "DeviceCgroupRules"))
      || non_empty (gwjson_get (hc, "DeviceRequests")))
    return gateway_policy_refuse (status, err, "device cgroup rules and device requests",
                                  "gateway.allowedDevices", "run the container without them");
  cJSON_ArrayForEach (e, gwjson_get (hc, "Devices"))
  {
    const char *path = str_of (e, "PathOnHost");
    if (path && in_list (o->allowed_devices, path, false))
      continue;
    cleanup_free char *what = xasprintf ("--device %s", path ? path : "(no path)");
    return gateway_policy_refuse (status, err, what, "gateway.allowedDevices",
                                  "run the container without the device, or add its host "
                                  "path to gateway.allowedDevices");
  }
  return 0;
}

static int
check_sysctls (const struct gateway_options *o, const cJSON *sysctls, int *status,
               podsock_error_t *err)
{
  const cJSON *e;

  cJSON_ArrayForEach (e, sysctls)
  {
    if (in_list (o->allowed_sysctls, e->string, false))
      continue;
    cleanup_free char *what = xasprintf ("--sysctl %s", e->string);
    return gateway_policy_refuse (status, err, what, "gateway.allowedSysctls",
                                  "drop the sysctl, or add it to gateway.allowedSysctls");
  }
  return 0;
}

/* "host" (the sidecar's own namespace) and "ns:PATH" (any namespace the
 * sidecar can open) for PID, IPC, user, cgroup and UTS; "ns:" for the
 * network too (host networking is the pod's own network and stays). */
static int
check_namespaces (const struct gateway_options *o, const cJSON *hc, int *status,
                  podsock_error_t *err)
{
  static const char *const modes[]
      = { "PidMode", "IpcMode", "UsernsMode", "CgroupnsMode", "UTSMode", "NetworkMode" };

  if (o->allow_host_namespaces)
    return 0;
  for (size_t i = 0; i < ARRAY_SIZE (modes); i++)
    {
      const char *v = str_of (hc, modes[i]);
      bool host = v && strcasecmp (v, "host") == 0 && i < 4;
      if (v == NULL || !(host || strncasecmp (v, "ns:", 3) == 0))
        continue;
      cleanup_free char *what = xasprintf ("%s %s", modes[i], v);
      return gateway_policy_refuse (status, err, what, "gateway.allowHostNamespaces",
                                    "let the container have its own namespace (the default)");
    }
  return 0;
}

/* Fields whose values reach the runtime or write files where the sidecar
 * can write: only their harmless values pass. */
static int
check_engine_fields (const cJSON *hc, int *status, podsock_error_t *err)
{
  static const char *const log_types[] = { "json-file", "k8s-file", "none", "journald", NULL };
  const cJSON *log = gwjson_get (hc, "LogConfig");
  const char *type = log ? str_of (log, "Type") : NULL;
  const char *driver = str_of (hc, "VolumeDriver");
  const char *what = NULL;

  if (type && type[0] && !in_list (log_types, type, false))
    what = "this log driver";
  else if (log && gwjson_get (gwjson_get (log, "Config"), "path"))
    what = "a log path (--log-opt path)";
  else if (driver && driver[0] && strcmp (driver, "local") != 0)
    what = "a volume driver";
  else if (non_empty (gwjson_get (hc, "Runtime")))
    what = "another OCI runtime";
  else if (non_empty (gwjson_get (hc, "CgroupParent")))
    what = "a cgroup parent";
  else if (non_empty (gwjson_get (hc, "Annotations")))
    what = "runtime annotations";
  if (what == NULL
      && ((gwjson_get (hc, "MaskedPaths") && !cJSON_IsNull (gwjson_get (hc, "MaskedPaths")))
          || (gwjson_get (hc, "ReadonlyPaths")
              && !cJSON_IsNull (gwjson_get (hc, "ReadonlyPaths")))))
    return gateway_policy_refuse (status, err,
                                  "MaskedPaths/ReadonlyPaths (what --security-opt "
                                  "systempaths=unconfined sends)",
                                  "gateway.allowedSecurityOpts",
                                  "keep the default masked paths: nested containers must not "
                                  "see the sidecar's /proc and /sys");
  if (what == NULL)
    return 0;
  return gateway_policy_refuse (status, err, what, "the gateway's policy (gateway.* settings)",
                                "run the container without it");
}

int
gateway_policy_create (const struct gateway_options *o, const cJSON *req,
                       struct gw_containers *known, struct gateway_mounts *m, int *status,
                       podsock_error_t *err)
{
  const cJSON *hc = gwjson_get (req, "HostConfig");

  if (!gateway_policy_active (o) || hc == NULL || cJSON_IsNull (hc))
    return 0;
  if (!cJSON_IsObject (hc))
    {
      *status = 400;
      return podsock_error_make (err, 0, "podsock gateway: HostConfig is not an object");
    }
  const cJSON *priv = gwjson_get (hc, "Privileged");
  if (priv && !cJSON_IsBool (priv) && !cJSON_IsNull (priv))
    {
      /* The engine's reading of 1 or "true" is its own: refused here. */
      *status = 400;
      return podsock_error_make (err, 0,
                                 "podsock gateway: HostConfig.Privileged must be true or false");
    }
  if (gateway_policy_privileged (o, cJSON_IsTrue (priv), status, err) < 0)
    return -1;
  if (o->allowed_bind_sources
      && (check_each (o, gwjson_get (hc, "Binds"), check_bind, m, status, err) < 0
          || check_each (o, gwjson_get (hc, "Mounts"), check_mount, m, status, err) < 0
          || check_volumes_from (gwjson_get (hc, "VolumesFrom"), known, status, err) < 0))
    return -1;
  if (check_allow_rules (o, hc, status, err) < 0
      || check_devices (o, hc, status, err) < 0
      || check_sysctls (o, gwjson_get (hc, "Sysctls"), status, err) < 0
      || check_namespaces (o, hc, status, err) < 0 || check_engine_fields (hc, status, err) < 0)
    return -1;
  return 0;
}

int
gateway_policy_exec (const struct gateway_options *o, const cJSON *body, int *status,
                     podsock_error_t *err)
{
  if (!gateway_policy_active (o))
    return 0;
  return gateway_policy_privileged (o, cJSON_IsTrue (gwjson_get (body, "Privileged")), status, err);
}

int
gateway_policy_update (const struct gateway_options *o, const cJSON *body, int *status,
                       podsock_error_t *err)
{
  if (!gateway_policy_active (o))
    return 0;
  return check_devices (o, body, status, err);
}

/* Sources recorded at create, resolved again now: a directory replaced by
 * a symlink since then is refused.  Between this check and the runtime's
 * mount a window remains (docs/security.md). */
int
gateway_policy_start (const struct gateway_options *o, const char *const *sources, int *status,
                      podsock_error_t *err)
{
  if (o->allowed_bind_sources == NULL)
    return 0;
  for (size_t i = 0; sources && sources[i]; i++)
    if (gateway_policy_source (o, sources[i], status, err) < 0)
      return podsock_error_prefix (err, "start");
  return 0;
}

/* POST /volumes/create: the local driver's options can bind any directory
 * (type=none,o=bind,device=DIR) or mount a file system. */
int
gateway_policy_volume (const struct gateway_options *o, const cJSON *body, int *status,
                       podsock_error_t *err)
{
  const cJSON *opts = gwjson_get (body, "DriverOpts");
  const char *driver = str_of (body, "Driver");
  const char *type = opts ? str_of (opts, "type") : NULL;
  const char *device = opts ? str_of (opts, "device") : NULL;
  const char *mo = opts ? str_of (opts, "o") : NULL;

  if (o->allowed_bind_sources == NULL)
    return 0;
  if (driver && driver[0] && strcmp (driver, "local") != 0)
    return gateway_policy_refuse (status, err, "a volume driver", "gateway.allowedBindSources",
                                  "create a plain local volume");
  if (device || (mo && strstr (mo, "bind")))
    return check_source (o, device ? device : "", false, NULL, status, err);
  if (type && strcmp (type, "tmpfs") != 0)
    return gateway_policy_refuse (status, err, "a volume of another file system type",
                                  "gateway.allowedBindSources",
                                  "create a plain local volume or a tmpfs one");
  return 0;
}

/* podman's own create (allowed only with gateway.allowLibpod): its
 * privileged flag and bind mounts get the same checks; the rest of its
 * spec is what allowLibpod lifts (docs/security.md). */
int
gateway_libpod_create (const struct gateway_options *o, const cJSON *spec, int *status,
                       podsock_error_t *err)
{
  if (gateway_policy_privileged (o, cJSON_IsTrue (gwjson_get (spec, "privileged")), status, err)
      < 0)
    return -1;
  if (o->allowed_bind_sources == NULL)
    return 0;
  return check_each (o, gwjson_get (spec, "mounts"), check_mount, NULL, status, err);
}
