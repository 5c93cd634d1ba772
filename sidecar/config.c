/* The sidecar's configuration: defaults, values from text (the PODSOCK_*
 * environment, `--set`, and the YAML loader in config_yaml.c), and the checks
 * between settings.  Every value goes through the table in config_table.c,
 * so that it means the same thing and fails with the same words wherever it
 * comes from. */
#include "config.h"
#include "config_table.h"
#include "gateway/json.h"
#include "strv.h"
#include <podsock/parse.h>
#include <podsock/util.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Defaults */

void
config_mirrors_free (struct podsock_config *c)
{
  for (size_t i = 0; i < c->n_mirrors; i++)
    {
      free (c->mirrors[i].registry);
      free (c->mirrors[i].location);
    }
  free (c->mirrors);
  c->mirrors = NULL;
  c->n_mirrors = 0;
}

static void
set_default_bind_sources (struct podsock_config *c)
{
  strv_free (c->allowed_bind_sources);
  c->allowed_bind_sources = xcalloc (3, sizeof (char *));
  c->allowed_bind_sources[0] = xstrdup (c->builds_dir);
  c->allowed_bind_sources[1] = xstrdup (c->socket_path);
  c->bind_sources_derived = 1;
}

/* The status file lives in the runtime directory unless set. */
static void
set_default_status_file (struct podsock_config *c)
{
  free (c->status_file);
  c->status_file = xasprintf ("%s/status.json", c->runtime_dir);
  c->status_file_derived = 1;
}

/* Docker's default capability set: what `docker run` gives a container. */
static const char *const default_caps[] = {
  "CHOWN",  "DAC_OVERRIDE", "FSETID",  "FOWNER",           "MKNOD",      "NET_RAW", "SETGID",
  "SETUID", "SETFCAP",      "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",    "AUDIT_WRITE",
  NULL
};
static const char *const default_security_opts[] = { "no-new-privileges", "mask", NULL };
static const char *const none[] = { NULL };

void
config_defaults (struct podsock_config *c)
{
  memset (c, 0, sizeof *c);
  c->socket_path = xstrdup ("/sockets/podman.sock");
  c->socket_mode = 0660;
  c->socket_gid = (gid_t) -1;
  c->storage_dir = xstrdup ("/var/lib/podsock/storage");
  c->runtime_dir = xstrdup ("/run/podsock");
  c->builds_dir = xstrdup ("/builds");
  c->drivers[0] = CONFIG_DRIVER_OVERLAY;
  c->drivers[1] = CONFIG_DRIVER_FUSE_OVERLAY;
  c->drivers[2] = CONFIG_DRIVER_VFS;
  c->n_drivers = 3;
  c->high_watermark_pct = 85;
  c->low_watermark_pct = 70;
  c->prune = CONFIG_PRUNE_LRU;
  c->prune_interval_seconds = 60;
  c->storage_shared = STORAGEDIR_AUTO;
  c->podman = xstrdup ("podman");
  c->restart_max = 5;
  c->restart_window_seconds = 60;
  c->gateway = 1;
  c->gateway_wait_seconds = 60;
  c->seccomp = 1;
  c->handback = 1;
  c->drop_caps = 1;
  c->log_format = PODSOCK_LOG_JSON;
  c->log_level = PODSOCK_LOG_INFO;
  c->grace_seconds = 10;
  c->default_stop_timeout = 10;
  c->allowed_capabilities = strv_dup (default_caps);
  c->allowed_security_opts = strv_dup (default_security_opts);
  c->allowed_devices = strv_dup (none);
  c->allowed_sysctls = strv_dup (none);
  set_default_bind_sources (c);
  set_default_status_file (c);
}

void
config_free (struct podsock_config *c)
{
  free (c->socket_path);
  free (c->storage_dir);
  free (c->runtime_dir);
  free (c->builds_dir);
  free (c->status_file);
  free (c->podman);
  strv_free (c->allowed_bind_sources);
  strv_free (c->allowed_capabilities);
  strv_free (c->allowed_security_opts);
  strv_free (c->allowed_devices);
  strv_free (c->allowed_sysctls);
  config_mirrors_free (c);
  memset (c, 0, sizeof *c);
}

void
config_finalize (struct podsock_config *c)
{
  if (c->bind_sources_derived)
    set_default_bind_sources (c);
  if (c->status_file_derived)
    set_default_status_file (c);
}

/* Values */

static int
set_string (char **field, const struct setting *s, const char *v, podsock_error_t *err)
{
  if (*v == '\0')
    return podsock_error_make (err, 0, "the value is empty; write e.g. %s", s->example);
  if (s->type == T_PATH && *v != '/')
    return podsock_error_make (err, 0,
                               "path '%s' must be absolute; write a path that starts with /, "
                               "e.g. %s",
                               v, s->example);
  free (*field);
  *field = xstrdup (v);
  return 0;
}

static int
set_group (gid_t *gid, const char *v, podsock_error_t *err)
{
  uint64_t n;
  struct group *g;

  if (*v == '\0' || strcmp (v, "~") == 0 || strcmp (v, "null") == 0)
    {
      *gid = (gid_t) -1;
      return 0;
    }
  if (parse_u64 (v, 0, UINT32_MAX - 1, &n) == 0)
    {
      *gid = (gid_t) n;
      return 0;
    }
  g = getgrnam (v);
  if (g == NULL)
    return podsock_error_make (err, 0,
                               "no group '%s'; give a group name from /etc/group or a numeric "
                               "GID such as 1700",
                               v);
  *gid = g->gr_gid;
  return 0;
}

static int
set_number (void *field, const struct setting *s, const char *v, podsock_error_t *err)
{
  uint64_t n, ms;
  const char *what = "a whole number";
  int r;

  switch (s->type)
    {
    case T_SIZE:
      what = "a size such as 500Mi, 20Gi, 1G or a number of bytes";
      r = parse_size (v, &n);
      break;
    case T_SECONDS:
      what = "a duration in whole seconds such as 30s, 2m or 1m30s";
      r = parse_duration_ms (v, &ms);
      n = ms / 1000;
      if (r == 0 && ms % 1000 != 0)
        return podsock_error_make (err, 0, "'%s' is not a whole number of seconds; write e.g. %s",
                                   v, s->example);
      break;
    default:
      r = parse_u64 (v, 0, UINT64_MAX, &n);
    }
  if (r < 0)
    return podsock_error_make (err, 0, "'%s' is not %s; write e.g. %s", v, what, s->example);
  if (n < s->min || n > s->max)
    return podsock_error_make (err, 0, "'%s' is out of range; write %s from %llu to %llu", v, what,
                               (unsigned long long) s->min, (unsigned long long) s->max);
  if (s->type == T_SIZE || s->type == T_COUNT)
    *(uint64_t *) field = n;
  else
    *(unsigned *) field = (unsigned) n;
  return 0;
}

static int
set_bool (int *field, const char *v, podsock_error_t *err)
{
  if (strcmp (v, "true") == 0)
    *field = 1;
  else if (strcmp (v, "false") == 0)
    *field = 0;
  else
    return podsock_error_make (err, 0, "'%s' is not a boolean; write true or false", v);
  return 0;
}

static int
set_enum (int *field, const char *v, const char *const *names, size_t n, const char *list,
          podsock_error_t *err)
{
  int i = parse_name (v, names, n);
  if (i < 0)
    return podsock_error_make (err, 0, "'%s' is not one of %s", v, list);
  *field = i;
  return 0;
}

int
config_drivers_add (enum config_driver *drivers, size_t *n, const char *name,
                    podsock_error_t *err)
{
  int d = parse_name (name, config_driver_names, ARRAY_SIZE (config_driver_names));
  if (d < 0)
    return podsock_error_make (
        err, 0, "unknown storage driver '%s'; write overlay, fuse-overlayfs or vfs", name);
  for (size_t i = 0; i < *n; i++)
    if (drivers[i] == (enum config_driver) d)
      return podsock_error_make (err, 0, "driver '%s' is listed twice; name each driver once",
                                 name);
  drivers[(*n)++] = (enum config_driver) d;
  return 0;
}

/* "overlay,vfs" from the environment or --set. */
static int
set_drivers_text (struct podsock_config *c, const char *v, podsock_error_t *err)
{
  cleanup_free char *copy = xstrdup (v);
  enum config_driver list[ARRAY_SIZE (c->drivers)];
  char *save = NULL;
  size_t n = 0;

  /* Built aside: a refused list leaves the drivers as they were. */
  for (char *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
    if (config_drivers_add (list, &n, t, err) < 0)
      return -1;
  if (n == 0)
    return podsock_error_make (err, 0, "no storage driver given; write e.g. overlay,vfs");
  memcpy (c->drivers, list, n * sizeof *list);
  c->n_drivers = n;
  return 0;
}

/* A word list from "a,b" (the environment, --set); "" is the empty list. */
int
config_set_words (char ***field, const char *v, podsock_error_t *err)
{
  size_t n = 1, i = 0;
  char **list;

  for (const char *p = v; *p; p++)
    n += *p == ',';
  if (n > CONFIG_MAX_LIST)
    return podsock_error_make (err, 0, "more than %d entries; keep at most %d", CONFIG_MAX_LIST, CONFIG_MAX_LIST);
  list = xcalloc (n + 1, sizeof *list);
  for (const char *p = v; *p;)
    {
      size_t len = strcspn (p, ",");
      if (len > 0)
        list[i++] = xstrndup (p, len);
      p += len + (p[len] == ',');
    }
  strv_free (*field);
  *field = list;
  return 0;
}

/* One scalar setting from its text. */
int
config_setting_set (struct podsock_config *c, const struct setting *s, const char *v,
                    podsock_error_t *err)
{
  unsigned mode;

  /* YAML refuses other bytes; the environment and --set must too, or
   * --print-config would print a file that does not load. */
  if (utf8_invalid_at ((const unsigned char *) v, strlen (v)) < strlen (v))
    return podsock_error_make (err, 0, "the value is not valid UTF-8; write it in UTF-8");
  switch (s->type)
    {
    case T_PATH:
    case T_STRING:
      if (set_string (SETTING_FIELD (c, s, char *), s, v, err) < 0)
        return -1;
      if (SETTING_FIELD (c, s, char *) == &c->status_file)
        c->status_file_derived = 0;
      return 0;
    case T_MODE:
      if (parse_mode (v, &mode) < 0 || (mode & ~0777u) != 0)
        return podsock_error_make (err, 0,
                                   "'%s' is not an octal mode like 0660 (at most 0777, no "
                                   "setuid, setgid or sticky bits)",
                                   v);
      *SETTING_FIELD (c, s, unsigned) = mode;
      return 0;
    case T_GROUP:
      return set_group (SETTING_FIELD (c, s, gid_t), v, err);
    case T_SIZE:
    case T_SECONDS:
    case T_UNSIGNED:
    case T_COUNT:
      return set_number (SETTING_FIELD (c, s, void), s, v, err);
    case T_BOOL:
      return set_bool (SETTING_FIELD (c, s, int), v, err);
    case T_LOGLEVEL:
      return set_enum (SETTING_FIELD (c, s, int), v, config_level_names, 4,
                       "debug, info, warn or error", err);
    case T_LOGFORMAT:
      return set_enum (SETTING_FIELD (c, s, int), v, config_format_names, 2, "json or text", err);
    case T_PRUNE:
      return set_enum (SETTING_FIELD (c, s, int), v, config_prune_names, 3, "off, dangling or lru",
                       err);
    case T_SHARED:
      return storagedir_mode_parse (v, SETTING_FIELD (c, s, enum storagedir_mode), err);
    case T_DRIVERS:
      return set_drivers_text (c, v, err);
    case T_WORDLIST:
      return config_set_words (SETTING_FIELD (c, s, char **), v, err);
    default:
      return podsock_error_make (err, 0, "this setting takes a list; set it in the file");
    }
}

/* The settings that must agree with each other; returns the index of the
 * setting to blame, or -1 when all is well. */
/* config_set() leaves this to config_check(), so that flags can move both
 * watermarks in any order. */
int
config_cross_check (const struct podsock_config *c, podsock_error_t *err)
{
  if (c->low_watermark_pct >= c->high_watermark_pct)
    {
      podsock_error_make (err, 0,
                          "the low watermark (%u%%) must be below the high watermark (%u%%); "
                          "write e.g. highWatermark: 85 and lowWatermark: 70",
                          c->low_watermark_pct, c->high_watermark_pct);
      return config_setting_index ("storage", "lowWatermark");
    }
  /* podman's exit command (`podman container cleanup`) refuses a runroot
   * over 50 characters: containers would never be cleaned up and every
   * `docker run --rm` would hang (issue 17).  The runroot is
   * RUNTIME_DIR/engine/containers (engine.c). */
  if (strlen (c->runtime_dir) + strlen (ENGINE_RUNROOT_TAIL) > PODMAN_RUNROOT_MAX)
    {
      podsock_error_make (err, 0,
                          "'%s' is too long: podman's runroot %s%s would be %zu characters, "
                          "over the %d its cleanup command accepts (containers would never be "
                          "removed and docker run --rm would hang); use a directory of at most "
                          "%zu characters, e.g. /run/podsock",
                          c->runtime_dir, c->runtime_dir, ENGINE_RUNROOT_TAIL,
                          strlen (c->runtime_dir) + strlen (ENGINE_RUNROOT_TAIL),
                          PODMAN_RUNROOT_MAX, PODMAN_RUNROOT_MAX - strlen (ENGINE_RUNROOT_TAIL));
      return config_setting_index ("paths", "runtimeDir");
    }
  return -1;
}

int
config_check (const struct podsock_config *c, podsock_error_t *err)
{
  return config_cross_check (c, err) < 0 ? 0 : -1;
}

static void
mark_changed (struct podsock_config *c, const struct setting *s)
{
  if (s->type == T_PATHLIST)
    c->bind_sources_derived = 0;
}

int
config_set (struct podsock_config *c, const char *path, const char *value, podsock_error_t *err)
{
  const struct setting *s = config_setting_by_path (path);

  if (s == NULL)
    return podsock_error_make (err, 0,
                               "unknown setting '%s'; write SECTION.KEY as in docs/config.md, "
                               "e.g. storage.sizeLimit",
                               path);
  if (config_setting_set (c, s, value, err) < 0)
    return podsock_error_prefix (err, "%s", path);
  mark_changed (c, s);
  return 0;
}

int
config_apply_env (struct podsock_config *c, podsock_error_t *err)
{
  for (size_t i = 0; i < CONFIG_N_SETTINGS; i++)
    {
      const char *v = config_settings[i].env ? getenv (config_settings[i].env) : NULL;
      if (v == NULL)
        continue;
      if (config_setting_set (c, &config_settings[i], v, err) < 0)
        return podsock_error_prefix (err, "%s", config_settings[i].env);
    }
  int idx = config_cross_check (c, err);
  if (idx < 0)
    return 0;
  if (idx == config_setting_index ("storage", "lowWatermark"))
    return podsock_error_prefix (err, "environment (PODSOCK_HIGH_WATERMARK, "
                                      "PODSOCK_LOW_WATERMARK)");
  return podsock_error_prefix (err, "environment (%s)", config_settings[idx].env);
}
