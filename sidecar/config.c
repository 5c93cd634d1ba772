/* The sidecar's configuration: one table of settings that the YAML loader,
 * the PODSOCK_* environment and `--set` all go through, so that a value means
 * the same thing and fails with the same words wherever it comes from. */
#include "config.h"
#include <podsock/parse.h>
#include <podsock/util.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#define CONFIG_MAX_FILE (1024 * 1024)
#define CONFIG_MAX_LIST 64

enum setting_type
{
  T_PATH,     /* char *, absolute */
  T_STRING,   /* char *, not empty */
  T_MODE,     /* unsigned, octal, at most 0777 */
  T_GROUP,    /* gid_t, name or number, null: ours */
  T_SIZE,     /* uint64_t, Kubernetes quantity */
  T_SECONDS,  /* unsigned, duration in whole seconds */
  T_UNSIGNED, /* unsigned */
  T_COUNT,    /* uint64_t */
  T_BOOL,     /* int */
  T_LOGLEVEL,
  T_LOGFORMAT,
  T_PRUNE,
  T_SHARED,   /* enum storagedir_mode */
  T_DRIVERS,  /* a list, or "a,b" in the environment */
  T_PATHLIST, /* allowed_bind_sources */
  T_MIRRORS,
};

struct setting
{
  const char *section, *key, *env;
  enum setting_type type;
  size_t offset;
  uint64_t min, max;
  const char *example;
};

#define OFF(f) offsetof (struct podsock_config, f)


static const struct setting settings[] = {
  { "socket", "path", "PODSOCK_SOCKET", T_PATH, OFF (socket_path), 0, 0, "/sockets/podman.sock" },
  { "socket", "mode", "PODSOCK_SOCKET_MODE", T_MODE, OFF (socket_mode), 0, 0777, "\"0660\"" },
  { "socket", "group", "PODSOCK_SOCKET_GROUP", T_GROUP, OFF (socket_gid), 0, 0, "1700" },
  { "paths", "runtimeDir", "PODSOCK_RUNTIME_DIR", T_PATH, OFF (runtime_dir), 0, 0, "/run/podsock" },
  { "paths", "buildsDir", "PODSOCK_BUILDS_DIR", T_PATH, OFF (builds_dir), 0, 0, "/builds" },
  { "paths", "handBack", "PODSOCK_HANDBACK", T_BOOL, OFF (handback), 0, 0, "true" },
  { "paths", "statusFile", "PODSOCK_STATUS_FILE", T_PATH, OFF (status_file), 0, 0,
    "/run/podsock/status.json" },
  { "storage", "dir", "PODSOCK_STORAGE", T_PATH, OFF (storage_dir), 0, 0,
    "/var/lib/podsock/storage" },
  { "storage", "drivers", "PODSOCK_STORAGE_DRIVERS", T_DRIVERS, OFF (drivers), 0, 0,
    "[overlay, fuse-overlayfs, vfs]" },
  { "storage", "sizeLimit", "PODSOCK_STORAGE_SIZE_LIMIT", T_SIZE, OFF (storage_limit_bytes), 0,
    UINT64_MAX, "20Gi" },
  { "storage", "prune", "PODSOCK_PRUNE", T_PRUNE, OFF (prune), 0, 0, "lru" },
  { "storage", "highWatermark", "PODSOCK_HIGH_WATERMARK", T_UNSIGNED, OFF (high_watermark_pct), 1,
    100, "85" },
  { "storage", "lowWatermark", "PODSOCK_LOW_WATERMARK", T_UNSIGNED, OFF (low_watermark_pct), 0, 99,
    "70" },
  { "storage", "pruneInterval", "PODSOCK_PRUNE_INTERVAL", T_SECONDS, OFF (prune_interval_seconds),
    1, 86400, "60s" },
  { "storage", "shared", "PODSOCK_STORAGE_SHARED", T_SHARED, OFF (storage_shared), 0, 0, "auto" },
  { "engine", "podman", "PODSOCK_PODMAN", T_STRING, OFF (podman), 0, 0, "podman" },
  { "engine", "memoryMax", "PODSOCK_ENGINE_MEMORY_MAX", T_SIZE, OFF (engine_memory_max_bytes), 0,
    UINT64_MAX, "2Gi" },
  { "engine", "pidsMax", "PODSOCK_ENGINE_PIDS_MAX", T_COUNT, OFF (engine_pids_max), 0, UINT32_MAX,
    "4096" },
  { "engine", "nofile", "PODSOCK_ENGINE_NOFILE", T_COUNT, OFF (engine_nofile), 0, 1 << 30,
    "1048576" },
  { "engine", "nproc", "PODSOCK_ENGINE_NPROC", T_COUNT, OFF (engine_nproc), 0, UINT32_MAX, "4096" },
  { "engine", "restartMax", "PODSOCK_RESTART_MAX", T_UNSIGNED, OFF (restart_max), 0, 1000, "5" },
  { "engine", "restartWindow", "PODSOCK_RESTART_WINDOW", T_SECONDS, OFF (restart_window_seconds), 1,
    86400, "60s" },
  { "containers", "memory", "PODSOCK_CONTAINER_MEMORY", T_SIZE, OFF (container_memory_bytes), 0,
    UINT64_MAX, "1Gi" },
  { "containers", "pids", "PODSOCK_CONTAINER_PIDS", T_COUNT, OFF (container_pids), 0, UINT32_MAX,
    "1024" },
  { "registries", "mirrors", NULL, T_MIRRORS, OFF (mirrors), 0, 0,
    "[{registry: docker.io, location: mirror.example.com/dockerhub}]" },
  { "gateway", "enabled", "PODSOCK_GATEWAY", T_BOOL, OFF (gateway), 0, 0, "true" },
  { "gateway", "waitTimeout", "PODSOCK_GATEWAY_WAIT", T_SECONDS, OFF (gateway_wait_seconds), 0,
    3600, "60s" },
  { "gateway", "allowedBindSources", NULL, T_PATHLIST, OFF (allowed_bind_sources), 0, 0,
    "[/builds, /sockets/podman.sock]" },
  { "gateway", "allowPrivileged", "PODSOCK_ALLOW_PRIVILEGED", T_BOOL, OFF (allow_privileged), 0, 0,
    "false" },
  { "hardening", "seccomp", "PODSOCK_SECCOMP", T_BOOL, OFF (seccomp), 0, 0, "true" },
  { "hardening", "dropCapabilities", "PODSOCK_DROP_CAPS", T_BOOL, OFF (drop_caps), 0, 0, "true" },
  { "log", "level", "PODSOCK_LOG_LEVEL", T_LOGLEVEL, OFF (log_level), 0, 0, "info" },
  { "log", "format", "PODSOCK_LOG_FORMAT", T_LOGFORMAT, OFF (log_format), 0, 0, "json" },
  { "shutdown", "grace", "PODSOCK_GRACE", T_SECONDS, OFF (grace_seconds), 0, 3600, "10s" },
};

#define N_SETTINGS ARRAY_SIZE (settings)

/* The index of a setting in settings[], for the cross-checks. */
static int
setting_index (const char *section, const char *key)
{
  for (size_t i = 0; i < N_SETTINGS; i++)
    if (strcmp (settings[i].section, section) == 0 && strcmp (settings[i].key, key) == 0)
      return (int) i;
  abort ();
}

static const char *const driver_names[] = { "overlay", "fuse-overlayfs", "vfs" };
static const char *const prune_names[] = { "off", "dangling", "lru" };
static const char *const level_names[] = { "debug", "info", "warn", "error" };
static const char *const format_names[] = { "json", "text" };

#define FIELD(c, s, type) ((type *) (void *) ((char *) (c) + (s)->offset))

/* Defaults */

static char *
xstrdup (const char *s)
{
  char *r = strdup (s);
  if (r == NULL)
    abort ();
  return r;
}

static void
free_strv (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

static void
free_mirrors (struct podsock_config *c)
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
  free_strv (c->allowed_bind_sources);
  c->allowed_bind_sources = calloc (3, sizeof (char *));
  if (c->allowed_bind_sources == NULL)
    abort ();
  c->allowed_bind_sources[0] = xstrdup (c->builds_dir);
  c->allowed_bind_sources[1] = xstrdup (c->socket_path);
  c->bind_sources_derived = 1;
}

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
  c->status_file = xstrdup ("/run/podsock/status.json");
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
  set_default_bind_sources (c);
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
  free_strv (c->allowed_bind_sources);
  free_mirrors (c);
  memset (c, 0, sizeof *c);
}

void
config_finalize (struct podsock_config *c)
{
  if (c->bind_sources_derived)
    set_default_bind_sources (c);
}

/* Values */

static int
lookup_name (const char *v, const char *const *names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (v, names[i]) == 0)
      return (int) i;
  return -1;
}

static int
size_suffix (const char *s, uint64_t *mult)
{
  static const struct
  {
    const char *suffix;
    uint64_t mult;
  } suffixes[] = {
    { "", 1ULL },
    { "k", 1000ULL },
    { "M", 1000000ULL },
    { "G", 1000000000ULL },
    { "T", 1000000000000ULL },
    { "P", 1000000000000000ULL },
    { "E", 1000000000000000000ULL },
    { "Ki", 1ULL << 10 },
    { "Mi", 1ULL << 20 },
    { "Gi", 1ULL << 30 },
    { "Ti", 1ULL << 40 },
    { "Pi", 1ULL << 50 },
    { "Ei", 1ULL << 60 },
  };
  for (size_t i = 0; i < ARRAY_SIZE (suffixes); i++)
    if (strcmp (s, suffixes[i].suffix) == 0)
      {
        *mult = suffixes[i].mult;
        return 0;
      }
  return -1;
}

/* Digits into *v; returns the count, or -1 on overflow. */
static int
scan_digits (const char **p, uint64_t *v)
{
  int n = 0;
  *v = 0;
  for (; **p >= '0' && **p <= '9'; (*p)++, n++)
    {
      unsigned d = (unsigned) (**p - '0');
      if (*v > (UINT64_MAX - d) / 10)
        return -1;
      *v = *v * 10 + d;
    }
  return n;
}

int
config_parse_size (const char *s, uint64_t *out)
{
  const char *p = s;
  uint64_t whole, frac = 0, mult, scale = 1, extra;
  int nd, nf = 0;

  nd = scan_digits (&p, &whole);
  if (nd <= 0)
    return -1;
  if (*p == '.')
    {
      p++;
      nf = scan_digits (&p, &frac);
      if (nf <= 0 || nf > 9)
        return -1;
      for (int i = 0; i < nf; i++)
        scale *= 10;
    }
  if (size_suffix (p, &mult) < 0)
    return -1;
  if (whole != 0 && mult > UINT64_MAX / whole)
    return -1;
  /* frac/scale of mult, rounded up as Kubernetes rounds quantities up. */
  extra = frac == 0 ? 0 : (mult / scale) * frac + ((mult % scale) * frac + scale - 1) / scale;
  if (whole * mult > UINT64_MAX - extra)
    return -1;
  *out = whole * mult + extra;
  return 0;
}

int
config_parse_duration_ms (const char *s, uint64_t *out)
{
  const char *p = s;
  uint64_t total = 0, v;

  /* A bare number is seconds. */
  if (scan_digits (&p, &v) > 0 && *p == '\0')
    {
      if (v > UINT64_MAX / 1000)
        return -1;
      *out = v * 1000;
      return 0;
    }
  p = s;
  if (*p == '\0')
    return -1;
  while (*p)
    {
      uint64_t unit;
      if (scan_digits (&p, &v) <= 0)
        return -1;
      if (strncmp (p, "ms", 2) == 0)
        unit = 1, p += 2;
      else if (*p == 's')
        unit = 1000, p++;
      else if (*p == 'm')
        unit = 60000, p++;
      else if (*p == 'h')
        unit = 3600000, p++;
      else
        return -1;
      if (v > UINT64_MAX / unit || total > UINT64_MAX - v * unit)
        return -1;
      total += v * unit;
    }
  *out = total;
  return 0;
}

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
      r = config_parse_size (v, &n);
      break;
    case T_SECONDS:
      what = "a duration in whole seconds such as 30s, 2m or 1m30s";
      r = config_parse_duration_ms (v, &ms);
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
  int i = lookup_name (v, names, n);
  if (i < 0)
    return podsock_error_make (err, 0, "'%s' is not one of %s", v, list);
  *field = i;
  return 0;
}

static int
drivers_add (struct podsock_config *c, size_t *n, const char *name, podsock_error_t *err)
{
  int d = lookup_name (name, driver_names, ARRAY_SIZE (driver_names));
  if (d < 0)
    return podsock_error_make (
        err, 0, "unknown storage driver '%s'; write overlay, fuse-overlayfs or vfs", name);
  for (size_t i = 0; i < *n; i++)
    if (c->drivers[i] == (enum config_driver) d)
      return podsock_error_make (err, 0, "driver '%s' is listed twice; name each driver once",
                                 name);
  c->drivers[(*n)++] = (enum config_driver) d;
  return 0;
}

/* "overlay,vfs" from the environment or --set. */
static int
set_drivers_text (struct podsock_config *c, const char *v, podsock_error_t *err)
{
  cleanup_free char *copy = xstrdup (v);
  char *save = NULL;
  size_t n = 0;

  for (char *t = strtok_r (copy, ",", &save); t; t = strtok_r (NULL, ",", &save))
    if (drivers_add (c, &n, t, err) < 0)
      return -1;
  if (n == 0)
    return podsock_error_make (err, 0, "no storage driver given; write e.g. overlay,vfs");
  c->n_drivers = n;
  return 0;
}

/* One scalar setting from its text. */
static int
setting_set (struct podsock_config *c, const struct setting *s, const char *v, podsock_error_t *err)
{
  switch (s->type)
    {
    case T_PATH:
    case T_STRING:
      return set_string (FIELD (c, s, char *), s, v, err);
    case T_MODE:
      if (parse_mode (v, FIELD (c, s, unsigned)) < 0 || (*FIELD (c, s, unsigned) & ~0777u) != 0)
        return podsock_error_make (err, 0,
                                   "'%s' is not an octal mode like 0660 (at most 0777, no "
                                   "setuid, setgid or sticky bits)",
                                   v);
      return 0;
    case T_GROUP:
      return set_group (FIELD (c, s, gid_t), v, err);
    case T_SIZE:
    case T_SECONDS:
    case T_UNSIGNED:
    case T_COUNT:
      return set_number (FIELD (c, s, void), s, v, err);
    case T_BOOL:
      return set_bool (FIELD (c, s, int), v, err);
    case T_LOGLEVEL:
      return set_enum (FIELD (c, s, int), v, level_names, 4, "debug, info, warn or error", err);
    case T_LOGFORMAT:
      return set_enum (FIELD (c, s, int), v, format_names, 2, "json or text", err);
    case T_PRUNE:
      return set_enum (FIELD (c, s, int), v, prune_names, 3, "off, dangling or lru", err);
    case T_SHARED:
      return storagedir_mode_parse (v, FIELD (c, s, enum storagedir_mode), err);
    case T_DRIVERS:
      return set_drivers_text (c, v, err);
    default:
      return podsock_error_make (err, 0, "this setting takes a list; set it in the file");
    }
}

/* The settings that must agree with each other; returns the index of the
 * setting to blame, or -1 when all is well. */
/* config_set() leaves this to config_check(), so that flags can move both
 * watermarks in any order. */
static int
config_cross_check (const struct podsock_config *c, podsock_error_t *err)
{
  if (c->low_watermark_pct >= c->high_watermark_pct)
    {
      podsock_error_make (err, 0,
                          "the low watermark (%u%%) must be below the high watermark (%u%%); "
                          "write e.g. highWatermark: 85 and lowWatermark: 70",
                          c->low_watermark_pct, c->high_watermark_pct);
      return setting_index ("storage", "lowWatermark");
    }
  return -1;
}

int
config_check (const struct podsock_config *c, podsock_error_t *err)
{
  return config_cross_check (c, err) < 0 ? 0 : -1;
}

static const struct setting *
setting_by_path (const char *path)
{
  for (size_t i = 0; i < N_SETTINGS; i++)
    {
      size_t n = strlen (settings[i].section);
      if (strncmp (path, settings[i].section, n) == 0 && path[n] == '.'
          && strcmp (path + n + 1, settings[i].key) == 0)
        return &settings[i];
    }
  return NULL;
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
  const struct setting *s = setting_by_path (path);

  if (s == NULL)
    return podsock_error_make (err, 0,
                               "unknown setting '%s'; write SECTION.KEY as in docs/config.md, "
                               "e.g. storage.sizeLimit",
                               path);
  if (setting_set (c, s, value, err) < 0)
    return podsock_error_prefix (err, "%s", path);
  mark_changed (c, s);
  return 0;
}

int
config_apply_env (struct podsock_config *c, podsock_error_t *err)
{
  for (size_t i = 0; i < N_SETTINGS; i++)
    {
      const char *v = settings[i].env ? getenv (settings[i].env) : NULL;
      if (v == NULL)
        continue;
      if (setting_set (c, &settings[i], v, err) < 0)
        return podsock_error_prefix (err, "%s", settings[i].env);
    }
  if (config_cross_check (c, err) >= 0)
    return podsock_error_prefix (err, "environment (PODSOCK_HIGH_WATERMARK, "
                                      "PODSOCK_LOW_WATERMARK)");
  return 0;
}

/* YAML */

struct loader
{
  yaml_document_t *doc;
  const char *name;
  struct podsock_config *c;
  yaml_mark_t marks[N_SETTINGS];
  int seen[N_SETTINGS];
};

static const char *
node_kind (const yaml_node_t *n)
{
  switch (n->type)
    {
    case YAML_SCALAR_NODE:
      return "a single value";
    case YAML_SEQUENCE_NODE:
      return "a list";
    case YAML_MAPPING_NODE:
      return "a mapping";
    default:
      return "nothing";
    }
}

/* Prefixes "FILE:LINE:COLUMN: PATH: " to the message in *err. */
static int
located (struct loader *l, const yaml_node_t *n, const char *path, podsock_error_t *err)
{
  return podsock_error_prefix (err, "%s:%zu:%zu: %s", l->name, n->start_mark.line + 1,
                               n->start_mark.column + 1, path);
}

static int fail_at (struct loader *l, const yaml_node_t *n, const char *path, podsock_error_t *err,
                    const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));

static int
fail_at (struct loader *l, const yaml_node_t *n, const char *path, podsock_error_t *err,
         const char *fmt, ...)
{
  char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);
  podsock_error_make (err, 0, "%s", msg);
  free (msg);
  return located (l, n, path, err);
}

static int
scalar_text (struct loader *l, const yaml_node_t *n, const char *path, const char *example,
             const char **out, podsock_error_t *err)
{
  if (n->type != YAML_SCALAR_NODE)
    return fail_at (l, n, path, err, "expected a single value, found %s; write e.g. %s",
                    node_kind (n), example);
  if (strlen ((const char *) n->data.scalar.value) != n->data.scalar.length)
    return fail_at (l, n, path, err, "the value contains a NUL character; remove it");
  *out = (const char *) n->data.scalar.value;
  return 0;
}

static int
load_drivers (struct loader *l, const yaml_node_t *n, const char *path, podsock_error_t *err)
{
  size_t count = 0;
  yaml_node_item_t *it;

  if (n->type != YAML_SEQUENCE_NODE)
    return fail_at (l, n, path, err, "expected a list, found %s; write e.g. %s: %s", node_kind (n),
                    "drivers", "[overlay, vfs]");
  for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
    {
      yaml_node_t *item = yaml_document_get_node (l->doc, *it);
      const char *v;
      if (scalar_text (l, item, path, "overlay", &v, err) < 0)
        return -1;
      if (drivers_add (l->c, &count, v, err) < 0)
        return located (l, item, path, err);
    }
  if (count == 0)
    return fail_at (l, n, path, err, "the list is empty; write e.g. [overlay, vfs]");
  l->c->n_drivers = count;
  return 0;
}

static int
load_pathlist (struct loader *l, const yaml_node_t *n, const char *path, podsock_error_t *err)
{
  size_t count = 0, cap;
  char **list;
  yaml_node_item_t *it;

  if (n->type != YAML_SEQUENCE_NODE)
    return fail_at (l, n, path, err, "expected a list of absolute paths, found %s; write e.g. %s",
                    node_kind (n), "[/builds, /sockets/podman.sock]");
  cap = (size_t) (n->data.sequence.items.top - n->data.sequence.items.start);
  if (cap > CONFIG_MAX_LIST)
    return fail_at (l, n, path, err, "more than %d entries; name directories, not files",
                    CONFIG_MAX_LIST);
  list = calloc (cap + 1, sizeof (char *));
  if (list == NULL)
    abort ();
  for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
    {
      yaml_node_t *item = yaml_document_get_node (l->doc, *it);
      const char *v;
      if (scalar_text (l, item, path, "/builds", &v, err) < 0)
        return free_strv (list), -1;
      if (*v != '/')
        {
          free_strv (list);
          return fail_at (l, item, path, err,
                          "path '%s' must be absolute; write a path that starts with /", v);
        }
      list[count++] = xstrdup (v);
    }
  free_strv (l->c->allowed_bind_sources);
  l->c->allowed_bind_sources = list;
  l->c->bind_sources_derived = 0;
  return 0;
}

static int
load_mirror (struct loader *l, const yaml_node_t *n, const char *path, struct config_mirror *m,
             podsock_error_t *err)
{
  const char *example = "{registry: docker.io, location: mirror.example.com/dockerhub}";
  yaml_node_pair_t *p;

  if (n->type != YAML_MAPPING_NODE)
    return fail_at (l, n, path, err, "expected a mapping, found %s; write e.g. %s", node_kind (n),
                    example);
  for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
    {
      yaml_node_t *k = yaml_document_get_node (l->doc, p->key);
      yaml_node_t *v = yaml_document_get_node (l->doc, p->value);
      const char *key, *val;
      char **field;
      if (scalar_text (l, k, path, "registry", &key, err) < 0)
        return -1;
      if (strcmp (key, "registry") == 0)
        field = &m->registry;
      else if (strcmp (key, "location") == 0)
        field = &m->location;
      else
        return fail_at (l, k, path, err, "unknown key '%s'; a mirror has registry and location",
                        key);
      if (*field != NULL)
        return fail_at (l, k, path, err, "'%s' is given twice; keep one", key);
      if (scalar_text (l, v, path, "docker.io", &val, err) < 0)
        return -1;
      if (*val == '\0' || strpbrk (val, " \t\n\"'\\") != NULL)
        return fail_at (l, v, path, err,
                        "'%s' is not a registry host[/path]; write e.g. mirror.example.com", val);
      *field = xstrdup (val);
    }
  if (m->registry == NULL || m->location == NULL)
    return fail_at (l, n, path, err, "a mirror needs both registry and location; write e.g. %s",
                    example);
  return 0;
}

static int
load_mirrors (struct loader *l, const yaml_node_t *n, const char *path, podsock_error_t *err)
{
  struct podsock_config *c = l->c;
  size_t cap;
  yaml_node_item_t *it;

  if (n->type != YAML_SEQUENCE_NODE)
    return fail_at (l, n, path, err, "expected a list of mirrors, found %s; write e.g. %s",
                    node_kind (n), "[{registry: docker.io, location: mirror.example.com}]");
  cap = (size_t) (n->data.sequence.items.top - n->data.sequence.items.start);
  if (cap > CONFIG_MAX_LIST)
    return fail_at (l, n, path, err, "more than %d mirrors; keep one per registry",
                    CONFIG_MAX_LIST);
  free_mirrors (c);
  c->mirrors = calloc (cap ? cap : 1, sizeof *c->mirrors);
  if (c->mirrors == NULL)
    abort ();
  for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
    {
      yaml_node_t *item = yaml_document_get_node (l->doc, *it);
      c->n_mirrors++;
      if (load_mirror (l, item, path, &c->mirrors[c->n_mirrors - 1], err) < 0)
        return -1;
    }
  return 0;
}

static int
load_setting (struct loader *l, size_t idx, const yaml_node_t *v, const char *path,
              podsock_error_t *err)
{
  const struct setting *s = &settings[idx];
  const char *text;

  l->marks[idx] = v->start_mark;
  l->seen[idx] = 1;
  switch (s->type)
    {
    case T_DRIVERS:
      return load_drivers (l, v, path, err);
    case T_PATHLIST:
      return load_pathlist (l, v, path, err);
    case T_MIRRORS:
      return load_mirrors (l, v, path, err);
    default:
      break;
    }
  if (scalar_text (l, v, path, s->example, &text, err) < 0)
    return -1;
  if (setting_set (l->c, s, text, err) < 0)
    return located (l, v, path, err);
  return 0;
}

static void
known_keys (const char *section, char *buf, size_t size)
{
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < N_SETTINGS && used < size; i++)
    {
      const char *name = section ? settings[i].key : settings[i].section;
      if (section && strcmp (settings[i].section, section) != 0)
        continue;
      if (!section && i > 0 && strcmp (settings[i - 1].section, name) == 0)
        continue;
      used += (size_t) snprintf (buf + used, size - used, "%s%s", used ? ", " : "", name);
    }
}

/* A mapping's keys: scalars, each once. */
static int
check_key (struct loader *l, const yaml_node_pair_t *start, const yaml_node_pair_t *p,
           const char *section, const char **key, podsock_error_t *err)
{
  yaml_node_t *k = yaml_document_get_node (l->doc, p->key);
  char path[128];

  if (scalar_text (l, k, section ? section : "(top level)", "a key name", key, err) < 0)
    return -1;
  if (section)
    snprintf (path, sizeof path, "%s.%s", section, *key);
  else
    snprintf (path, sizeof path, "%s", *key);
  for (const yaml_node_pair_t *q = start; q < p; q++)
    {
      yaml_node_t *prev = yaml_document_get_node (l->doc, q->key);
      if (prev->type == YAML_SCALAR_NODE && strcmp ((char *) prev->data.scalar.value, *key) == 0)
        return fail_at (l, k, path, err, "key '%s' is given twice (first at line %zu); keep one",
                        *key, prev->start_mark.line + 1);
    }
  return 0;
}

static int
load_section (struct loader *l, const char *section, const yaml_node_t *n, podsock_error_t *err)
{
  char path[128], keys[512];
  yaml_node_pair_t *p;

  if (n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0
      && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
    return 0; /* "log:" with nothing under it */
  if (n->type != YAML_MAPPING_NODE)
    return fail_at (l, n, section, err,
                    "expected a mapping of settings, found %s; write the "
                    "keys indented under '%s:'",
                    node_kind (n), section);
  for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
    {
      const char *key;
      size_t i;
      if (check_key (l, n->data.mapping.pairs.start, p, section, &key, err) < 0)
        return -1;
      snprintf (path, sizeof path, "%s.%s", section, key);
      for (i = 0; i < N_SETTINGS; i++)
        if (strcmp (settings[i].section, section) == 0 && strcmp (settings[i].key, key) == 0)
          break;
      if (i == N_SETTINGS)
        {
          known_keys (section, keys, sizeof keys);
          return fail_at (l, yaml_document_get_node (l->doc, p->key), path, err,
                          "unknown key; the keys of %s are %s", section, keys);
        }
      if (load_setting (l, i, yaml_document_get_node (l->doc, p->value), path, err) < 0)
        return -1;
    }
  return 0;
}

static int
section_known (const char *name)
{
  for (size_t i = 0; i < N_SETTINGS; i++)
    if (strcmp (settings[i].section, name) == 0)
      return 1;
  return 0;
}

static int
load_root (struct loader *l, const yaml_node_t *root, podsock_error_t *err)
{
  char keys[256];
  yaml_node_pair_t *p;

  if (root->type != YAML_MAPPING_NODE)
    return fail_at (l, root, "(top level)", err,
                    "expected a mapping of sections, found %s; write e.g. log: {level: info}",
                    node_kind (root));
  for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++)
    {
      const char *key;
      if (check_key (l, root->data.mapping.pairs.start, p, NULL, &key, err) < 0)
        return -1;
      if (!section_known (key))
        {
          known_keys (NULL, keys, sizeof keys);
          return fail_at (l, yaml_document_get_node (l->doc, p->key), key, err,
                          "unknown key; the sections are %s", keys);
        }
      if (load_section (l, key, yaml_document_get_node (l->doc, p->value), err) < 0)
        return -1;
    }
  return 0;
}

static int
parser_error (const char *name, yaml_parser_t *parser, podsock_error_t *err)
{
  return podsock_error_make (err, 0, "%s:%zu:%zu: malformed YAML: %s%s%s; fix the syntax there",
                             name, parser->problem_mark.line + 1, parser->problem_mark.column + 1,
                             parser->problem ? parser->problem : "unknown problem",
                             parser->context ? " " : "", parser->context ? parser->context : "");
}

/* A second document after the first is an error: which one would win? */
static int
check_single_document (const char *name, yaml_parser_t *parser, podsock_error_t *err)
{
  yaml_document_t doc;
  yaml_node_t *root;
  int r = 0;

  if (!yaml_parser_load (parser, &doc))
    return parser_error (name, parser, err);
  root = yaml_document_get_root_node (&doc);
  if (root != NULL)
    r = podsock_error_make (err, 0,
                            "%s:%zu:%zu: a second YAML document; the configuration is one "
                            "document: remove the '---' line and merge the settings",
                            name, doc.start_mark.line + 1, doc.start_mark.column + 1);
  yaml_document_delete (&doc);
  return r;
}

static int
load_document (struct loader *l, yaml_parser_t *parser, podsock_error_t *err)
{
  yaml_node_t *root = yaml_document_get_root_node (l->doc);
  int idx;

  if (root == NULL)
    return podsock_error_make (err, 0,
                               "%s:1:1: the configuration is empty; write at least one "
                               "setting, e.g. log: {level: info}",
                               l->name);
  if (load_root (l, root, err) < 0 || check_single_document (l->name, parser, err) < 0)
    return -1;
  idx = config_cross_check (l->c, err);
  if (idx < 0)
    return 0;
  if (!l->seen[idx])
    idx = setting_index ("storage", "highWatermark");
  return podsock_error_prefix (err, "%s:%zu:%zu: %s.%s", l->name, l->marks[idx].line + 1,
                               l->marks[idx].column + 1, settings[idx].section, settings[idx].key);
}

int
config_load_string (struct podsock_config *c, const char *name, const char *text, size_t len,
                    podsock_error_t *err)
{
  yaml_parser_t parser;
  yaml_document_t doc;
  struct loader l = { .doc = &doc, .name = name, .c = c };
  int r;

  if (!yaml_parser_initialize (&parser))
    abort ();
  yaml_parser_set_input_string (&parser, (const unsigned char *) text, len);
  if (!yaml_parser_load (&parser, &doc))
    {
      r = parser_error (name, &parser, err);
      yaml_parser_delete (&parser);
      return r;
    }
  r = load_document (&l, &parser, err);
  yaml_document_delete (&doc);
  yaml_parser_delete (&parser);
  return r;
}

int
config_load_file (struct podsock_config *c, const char *path, podsock_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  cleanup_free char *buf = NULL;
  size_t len = 0;
  struct stat st;

  if (fd < 0)
    return podsock_error_make (err, errno,
                               "cannot open configuration %s (check the ConfigMap mount, or "
                               "point --config or PODSOCK_CONFIG at the file)",
                               path);
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    return podsock_error_make (err, 0, "configuration %s is not a regular file; give a YAML file",
                               path);
  buf = malloc (CONFIG_MAX_FILE + 1);
  if (buf == NULL)
    abort ();
  for (;;)
    {
      ssize_t n = TEMP_FAILURE_RETRY (read (fd, buf + len, CONFIG_MAX_FILE + 1 - len));
      if (n < 0)
        return podsock_error_make (err, errno, "read configuration %s", path);
      if (n == 0)
        break;
      len += (size_t) n;
      if (len > CONFIG_MAX_FILE)
        return podsock_error_make (err, 0,
                                   "configuration %s is larger than 1 MiB; it holds settings, "
                                   "not data",
                                   path);
    }
  return config_load_string (c, path, buf, len, err);
}

/* Output */

static void
emit_quoted (FILE *f, const char *s)
{
  fputc ('"', f);
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        fprintf (f, "\\%c", *p);
      else if (*p < 0x20 || *p == 0x7f)
        fprintf (f, "\\x%02x", *p);
      else
        fputc (*p, f);
    }
  fputc ('"', f);
}

static void
emit_size (FILE *f, uint64_t v)
{
  static const char *const units[] = { "Ei", "Pi", "Ti", "Gi", "Mi", "Ki" };
  for (int i = 0; i < 6 && v != 0; i++)
    {
      uint64_t m = 1ULL << (10 * (6 - i));
      if (v % m == 0)
        {
          fprintf (f, "%llu%s", (unsigned long long) (v / m), units[i]);
          return;
        }
    }
  fprintf (f, "%llu", (unsigned long long) v);
}

static void
emit_list (FILE *f, const struct podsock_config *c, const struct setting *s)
{
  if (s->type == T_DRIVERS)
    {
      fputc ('[', f);
      for (size_t i = 0; i < c->n_drivers; i++)
        fprintf (f, "%s%s", i ? ", " : "", driver_names[c->drivers[i]]);
      fputc (']', f);
      return;
    }
  if (s->type == T_PATHLIST)
    {
      fputc ('[', f);
      for (size_t i = 0; c->allowed_bind_sources && c->allowed_bind_sources[i]; i++)
        {
          fputs (i ? ", " : "", f);
          emit_quoted (f, c->allowed_bind_sources[i]);
        }
      fputc (']', f);
      return;
    }
  fputc ('[', f);
  for (size_t i = 0; i < c->n_mirrors; i++)
    {
      fputs (i ? ", {registry: " : "{registry: ", f);
      emit_quoted (f, c->mirrors[i].registry);
      fputs (", location: ", f);
      emit_quoted (f, c->mirrors[i].location);
      fputc ('}', f);
    }
  fputc (']', f);
}

static void
emit_value (FILE *f, const struct podsock_config *c, const struct setting *s)
{
  switch (s->type)
    {
    case T_PATH:
    case T_STRING:
      emit_quoted (f, *FIELD (c, s, char *const));
      break;
    case T_MODE:
      fprintf (f, "\"%04o\"", *FIELD (c, s, const unsigned));
      break;
    case T_GROUP:
      if (*FIELD (c, s, const gid_t) == (gid_t) -1)
        fputs ("null", f);
      else
        fprintf (f, "%u", (unsigned) *FIELD (c, s, const gid_t));
      break;
    case T_SIZE:
      emit_size (f, *FIELD (c, s, const uint64_t));
      break;
    case T_SECONDS:
      fprintf (f, "%us", *FIELD (c, s, const unsigned));
      break;
    case T_UNSIGNED:
      fprintf (f, "%u", *FIELD (c, s, const unsigned));
      break;
    case T_COUNT:
      fprintf (f, "%llu", (unsigned long long) *FIELD (c, s, const uint64_t));
      break;
    case T_BOOL:
      fputs (*FIELD (c, s, const int) ? "true" : "false", f);
      break;
    case T_LOGLEVEL:
      fputs (level_names[c->log_level], f);
      break;
    case T_LOGFORMAT:
      fputs (format_names[c->log_format], f);
      break;
    case T_PRUNE:
      fputs (prune_names[c->prune], f);
      break;
    case T_SHARED:
      fputs (storagedir_mode_name (c->storage_shared), f);
      break;
    default:
      emit_list (f, c, s);
    }
}

char *
config_to_yaml (const struct podsock_config *c)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);

  if (f == NULL)
    return NULL;
  fputs ("# podsock-sidecar effective configuration (see docs/config.md)\n", f);
  for (size_t i = 0; i < N_SETTINGS; i++)
    {
      if (i == 0 || strcmp (settings[i - 1].section, settings[i].section) != 0)
        fprintf (f, "%s:\n", settings[i].section);
      fprintf (f, "  %s: ", settings[i].key);
      emit_value (f, c, &settings[i]);
      fputc ('\n', f);
    }
  if (fclose (f) != 0)
    {
      free (buf);
      return NULL;
    }
  return buf;
}

const char *
config_driver_name (enum config_driver d)
{
  return (size_t) d < ARRAY_SIZE (driver_names) ? driver_names[d] : "?";
}

const char *
config_prune_name (enum config_prune p)
{
  return (size_t) p < ARRAY_SIZE (prune_names) ? prune_names[p] : "?";
}
