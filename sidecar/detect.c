/* What this pod allows: the probes (detect_ids.c, detect_kernel.c,
 * detect_storage.c) record facts, and detect_choose() turns them into
 * podman's configuration; the report as JSON for --check. */
#include "detect_probes.h"

#include <podsock/fs.h>
#include <podsock/util.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------ recording --- */

struct detect_probe *
probe_add (struct detect_report *r, const char *name, int ok, const char *fix, const char *fmt, ...)
{
  struct detect_probe *p;
  va_list ap;

  if (r->n_probes >= DETECT_MAX_PROBES)
    abort (); /* a bug: raise DETECT_MAX_PROBES */
  p = &r->probes[r->n_probes++];
  p->name = name;
  p->ok = ok;
  va_start (ap, fmt);
  vsnprintf (p->reason, sizeof p->reason, fmt, ap);
  va_end (ap);
  snprintf (p->fix, sizeof p->fix, "%s", ok || fix == NULL ? "" : fix);
  return p;
}

void
warn_add (struct detect_report *r, const char *fmt, ...)
{
  va_list ap;
  if (r->n_warnings >= DETECT_MAX_WARNINGS)
    return;
  va_start (ap, fmt);
  vsnprintf (r->warnings[r->n_warnings++], sizeof r->warnings[0], fmt, ap);
  va_end (ap);
}

/* ------------------------------------------------- namespaced test child --- */

int
detect_enter_own_userns (uid_t uid, gid_t gid)
{
  char map[64];

  if (unshare (CLONE_NEWUSER | CLONE_NEWNS) < 0)
    return -1;
  snprintf (map, sizeof map, "0 %u 1\n", (unsigned) uid);
  if (fs_write_existing ("/proc/self/uid_map", map, NULL) < 0)
    return -1;
  if (fs_write_existing ("/proc/self/setgroups", "deny", NULL) < 0 && errno != ENOENT)
    return -1;
  snprintf (map, sizeof map, "0 %u 1\n", (unsigned) gid);
  if (fs_write_existing ("/proc/self/gid_map", map, NULL) < 0)
    return -1;
  return mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

int
detect_in_child (int (*fn) (void *), void *arg, podsock_error_t *err)
{
  pid_t pid;
  int st;

  pid = fork ();
  if (pid < 0)
    return podsock_error_make (err, errno, "fork a test child");
  if (pid == 0)
    {
      int e = fn (arg);
      _exit (e > 255 ? 255 : e);
    }
  while (waitpid (pid, &st, 0) < 0)
    if (errno != EINTR)
      return podsock_error_make (err, errno, "wait for a test child");
  if (!WIFEXITED (st))
    return podsock_error_make (err, EIO, "the test child crashed");
  if (WEXITSTATUS (st) != 0)
    return podsock_error_make (err, WEXITSTATUS (st), "test child");
  return 0;
}

/* ------------------------------------------------------------- choice --- */

static int
driver_usable (const struct detect_report *r, enum config_driver d)
{
  switch (d)
    {
    case CONFIG_DRIVER_OVERLAY:
      return r->overlay;
    case CONFIG_DRIVER_FUSE_OVERLAY:
      return r->fuse_overlay;
    case CONFIG_DRIVER_VFS:
      return r->storage_writable;
    }
  return 0;
}

static void
detect_choose (struct detect_report *r, const enum config_driver *prefs, size_t n_prefs)
{
  size_t i;

  r->can_run = 1;
  if (!r->userns && !r->root_in_userns)
    {
      r->can_run = 0;
      snprintf (r->why_not, sizeof r->why_not,
                "rootless podman needs a user namespace and this pod cannot create one");
    }
  for (i = 0; i < n_prefs && !driver_usable (r, prefs[i]); i++)
    ;
  if (i == n_prefs)
    {
      r->can_run = 0;
      snprintf (r->why_not, sizeof r->why_not,
                "no storage driver of the configured ones is usable on the storage directory");
    }
  else
    r->driver = prefs[i];
  if (r->can_run && prefs[0] != r->driver)
    warn_add (r, "storage driver %s chosen instead of %s: %s", detect_driver_name (r->driver),
              detect_driver_name (prefs[0]),
              r->driver == CONFIG_DRIVER_VFS ? "vfs copies every layer (slower, several times "
                                               "the disk)"
                                             : "fuse-overlayfs runs in user space (slower)");
  r->network_host = !r->tun;
  r->cgroups_enabled = r->cgroup_delegated;
  r->proc_bind = !r->proc_fresh;
  if (r->root_in_userns)
    r->idmode = IDMODE_ROOT_IN_USERNS;
  else if (r->newuidmap)
    r->idmode = IDMODE_SUBUID;
  else
    {
      r->idmode = IDMODE_SINGLE;
      warn_add (r, "single-ID mode: every file in an image belongs to the pod's UID, and "
                   "containers cannot switch users (ignore_chown_errors)");
    }
  if (r->proc_bind)
    warn_add (r, "nested containers see the pod's /proc (a bind mount), not their own");
}

void
detect_run (struct detect_report *r, const char *storage_dir, const enum config_driver *prefs,
            size_t n_prefs)
{
  memset (r, 0, sizeof *r);
  detect_userns (r);
  detect_newuidmap (r);
  detect_cgroup (r);
  detect_device (r, "fuse", "/dev/fuse", &r->fuse,
                 "grant /dev/fuse (a fuse device-plugin resource, or the CRI-O annotation "
                 "io.kubernetes.cri-o.Devices: \"/dev/fuse\")");
  detect_device (r, "net_tun", "/dev/net/tun", &r->tun,
                 "grant /dev/net/tun (a tun device-plugin resource, e.g. squat.ai/tun) for a "
                 "private container network; without it containers share the pod's network");
  detect_proc (r);
  detect_storage (r, storage_dir);
  detect_choose (r, prefs, n_prefs);
}

/* --------------------------------------------------------------- JSON --- */

const char *
detect_driver_name (enum config_driver d)
{
  switch (d)
    {
    case CONFIG_DRIVER_OVERLAY:
      return "overlay";
    case CONFIG_DRIVER_FUSE_OVERLAY:
      return "fuse-overlayfs";
    case CONFIG_DRIVER_VFS:
      return "vfs";
    }
  return "?";
}

const char *
detect_idmode_name (enum detect_idmode m)
{
  switch (m)
    {
    case IDMODE_SUBUID:
      return "subuid";
    case IDMODE_ROOT_IN_USERNS:
      return "root-in-userns";
    case IDMODE_SINGLE:
      return "single-id";
    }
  return "?";
}

char *
detect_report_json (const struct detect_report *r, int pretty)
{
  cJSON *root = cJSON_CreateObject (), *probes = cJSON_AddArrayToObject (root, "probes");
  cJSON *chosen, *warnings, *limits;
  char *text;

  for (size_t i = 0; i < r->n_probes; i++)
    {
      cJSON *p = cJSON_CreateObject ();
      cJSON_AddStringToObject (p, "name", r->probes[i].name);
      cJSON_AddBoolToObject (p, "ok", r->probes[i].ok);
      cJSON_AddStringToObject (p, "reason", r->probes[i].reason);
      if (r->probes[i].fix[0])
        cJSON_AddStringToObject (p, "fix", r->probes[i].fix);
      cJSON_AddItemToArray (probes, p);
    }
  cJSON_AddBoolToObject (root, "can_run", r->can_run);
  if (!r->can_run)
    cJSON_AddStringToObject (root, "why_not", r->why_not);
  chosen = cJSON_AddObjectToObject (root, "chosen");
  if (r->can_run)
    {
      cJSON_AddStringToObject (chosen, "storage_driver", detect_driver_name (r->driver));
      cJSON_AddStringToObject (chosen, "network", r->network_host ? "host" : "private");
      cJSON_AddStringToObject (chosen, "cgroups", r->cgroups_enabled ? "enabled" : "disabled");
      cJSON_AddStringToObject (chosen, "proc", r->proc_bind ? "bind" : "fresh");
      cJSON_AddStringToObject (chosen, "id_mapping", detect_idmode_name (r->idmode));
    }
  if (r->engine_version[0])
    {
      cJSON *engine = cJSON_AddObjectToObject (root, "engine");
      cJSON_AddStringToObject (engine, "podman", r->engine_version);
      cJSON_AddBoolToObject (engine, "build_escape_fixes",
                             detect_engine_has_build_fixes (r->engine_version));
    }
  cJSON_AddStringToObject (root, "storage_filesystem", r->storage_fs);
  cJSON_AddNumberToObject (root, "uids", (double) r->uid_count);
  cJSON_AddNumberToObject (root, "gids", (double) r->gid_count);
  warnings = cJSON_AddArrayToObject (root, "warnings");
  for (size_t i = 0; i < r->n_warnings; i++)
    cJSON_AddItemToArray (warnings, cJSON_CreateString (r->warnings[i]));
  /* For each limitation, the Kubernetes setting that lifts it. */
  limits = cJSON_AddArrayToObject (root, "limitations");
  for (size_t i = 0; i < r->n_probes; i++)
    if (!r->probes[i].ok && r->probes[i].fix[0])
      {
        cJSON *l = cJSON_CreateObject ();
        cJSON_AddStringToObject (l, "probe", r->probes[i].name);
        cJSON_AddStringToObject (l, "kubernetes", r->probes[i].fix);
        cJSON_AddItemToArray (limits, l);
      }
  text = pretty ? cJSON_Print (root) : cJSON_PrintUnformatted (root);
  cJSON_Delete (root);
  return text;
}

int
detect_engine_version (const char *podman, char *out, size_t cap, podsock_error_t *err)
{
  cleanup_free char *cmd = xasprintf ("'%s' --version 2>/dev/null", podman);
  char line[128] = "";
  FILE *f;
  const char *v;

  out[0] = '\0';
  if (strchr (podman, '\'') || (f = popen (cmd, "re")) == NULL)
    return podsock_error_make (err, errno, "run %s --version", podman);
  if (fgets (line, sizeof line, f) == NULL)
    line[0] = '\0';
  pclose (f);
  /* "podman version 4.3.1" */
  v = strstr (line, "version ");
  if (line[0] == '\0')
    return podsock_error_make (err, 0,
                               "%s --version printed nothing: is podman installed there? (set "
                               "engine.podman or --podman to its path)",
                               podman);
  if (v == NULL)
    return podsock_error_make (err, 0, "%s --version said '%s', not its version", podman, line);
  snprintf (out, cap, "%.*s", (int) strcspn (v + 8, " \n"), v + 8);
  return 0;
}

bool
detect_engine_has_build_fixes (const char *version)
{
  unsigned major = 0, minor = 0, patch = 0;

  sscanf (version, "%u.%u.%u", &major, &minor, &patch);
  return major > 5 || (major == 5 && (minor > 2 || (minor == 2 && patch >= 5)));
}
