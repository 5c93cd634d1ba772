#include "detect.h"

#include <podsock/fs.h>
#include <podsock/util.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

/* ------------------------------------------------------------ recording --- */

static struct detect_probe *
probe_add (struct detect_report *r, const char *name, int ok, const char *fix, const char *fmt,
           ...) __attribute__ ((format (printf, 5, 6)));

static struct detect_probe *
probe_add (struct detect_report *r, const char *name, int ok, const char *fix, const char *fmt,
           ...)
{
  struct detect_probe *p;
  va_list ap;

  if (r->n_probes >= DETECT_MAX_PROBES)
    abort ();
  p = &r->probes[r->n_probes++];
  p->name = name;
  p->ok = ok;
  va_start (ap, fmt);
  vsnprintf (p->reason, sizeof p->reason, fmt, ap);
  va_end (ap);
  snprintf (p->fix, sizeof p->fix, "%s", ok || fix == NULL ? "" : fix);
  return p;
}

static void warn_add (struct detect_report *r, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
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

/* In a child: a new user namespace in which we are root (our one UID mapped
 * to 0, as an unprivileged process may), plus a private mount namespace. */
static int
enter_own_userns (uid_t uid, gid_t gid)
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

/* Runs fn(arg) in a forked child; returns 0 when it returned 0, else the
 * errno it reported through its exit status (or EIO when it crashed). */
static int
in_child (int (*fn) (void *), void *arg)
{
  pid_t pid;
  int st;

  pid = fork ();
  if (pid < 0)
    return errno;
  if (pid == 0)
    {
      int e = fn (arg);
      _exit (e > 255 ? 255 : e);
    }
  while (waitpid (pid, &st, 0) < 0)
    if (errno != EINTR)
      return errno;
  if (WIFEXITED (st))
    return WEXITSTATUS (st);
  return EIO;
}

struct ids
{
  uid_t uid;
  gid_t gid;
};

static int
child_userns (void *arg)
{
  struct ids *ids = arg;
  return enter_own_userns (ids->uid, ids->gid) < 0 ? errno : 0;
}

/* ------------------------------------------------------------- probes --- */

static uint64_t
count_ids (const char *path, int *identity_full)
{
  cleanup_file FILE *f = fopen (path, "re");
  unsigned long long inside, outside, count;
  uint64_t total = 0;

  *identity_full = 0;
  if (f == NULL)
    return 0;
  while (fscanf (f, "%llu %llu %llu", &inside, &outside, &count) == 3)
    {
      total += count;
      if (inside == 0 && outside == 0 && count == 4294967295ULL)
        *identity_full = 1;
    }
  return total;
}

static void
detect_userns (struct detect_report *r)
{
  struct ids ids = { getuid (), getgid () };
  int full_uid, full_gid, e;

  r->uid_count = count_ids ("/proc/self/uid_map", &full_uid);
  r->gid_count = count_ids ("/proc/self/gid_map", &full_gid);
  r->root_in_userns = getuid () == 0 && !full_uid;
  probe_add (r, "pod_user_namespace", 1, NULL,
             r->root_in_userns ? "running as root of a user namespace with %llu UIDs and %llu "
                                 "GIDs (hostUsers: false)"
                               : "uid_map gives %llu UIDs, gid_map %llu GIDs",
             (unsigned long long) r->uid_count, (unsigned long long) r->gid_count);

  e = in_child (child_userns, &ids);
  r->userns = e == 0;
  if (r->userns)
    probe_add (r, "user_namespaces", 1, NULL, "a new user namespace can be created");
  else if (e == ENOSPC)
    probe_add (r, "user_namespaces", 0,
               "raise the node's sysctl user.max_user_namespaces above 0",
               "cannot create a user namespace: user.max_user_namespaces is 0 (ENOSPC)");
  else
    probe_add (r, "user_namespaces", 0,
               "set securityContext.seccompProfile.type: Unconfined (or a Localhost profile "
               "that allows unshare/clone with CLONE_NEWUSER) and appArmorProfile Unconfined",
               "cannot create a user namespace (%s): the seccomp or AppArmor profile forbids it "
               "(\"cannot clone: Operation not permitted\")",
               strerror (e));
}

static int
bounding_has (cap_value_t cap)
{
  return prctl (PR_CAPBSET_READ, cap, 0, 0, 0) == 1;
}

/* Can `path` gain cap when executed: a file capability, or setuid root
 * (which then also needs CAP_DAC_OVERRIDE to open another process's map). */
static const char *
helper_privilege (const char *path, cap_value_t cap, int *ok)
{
  struct stat st;
  cap_t caps;

  *ok = 0;
  if (stat (path, &st) < 0)
    return "missing";
  caps = cap_get_file (path);
  if (caps)
    {
      cap_flag_value_t eff = CAP_CLEAR, perm = CAP_CLEAR;
      cap_get_flag (caps, cap, CAP_EFFECTIVE, &eff);
      cap_get_flag (caps, cap, CAP_PERMITTED, &perm);
      cap_free (caps);
      if (eff == CAP_SET && perm == CAP_SET)
        {
          *ok = bounding_has (cap);
          return "file capabilities";
        }
    }
  if ((st.st_mode & S_ISUID) && st.st_uid == 0)
    {
      *ok = bounding_has (cap) && bounding_has (CAP_DAC_OVERRIDE);
      return "setuid root";
    }
  return "no privilege (neither file capabilities nor setuid)";
}

static int
has_subid_range (const char *file, const char *user, uid_t id)
{
  cleanup_file FILE *f = fopen (file, "re");
  char line[512];
  char idstr[16];

  if (f == NULL)
    return 0;
  snprintf (idstr, sizeof idstr, "%u", (unsigned) id);
  while (fgets (line, sizeof line, f))
    {
      char *colon = strchr (line, ':');
      if (colon == NULL)
        continue;
      *colon = '\0';
      if ((user && strcmp (line, user) == 0) || strcmp (line, idstr) == 0)
        return 1;
    }
  return 0;
}

static void
detect_newuidmap (struct detect_report *r)
{
  struct passwd *pw = getpwuid (getuid ());
  const char *user = pw ? pw->pw_name : NULL;
  int uok, gok, nnp = prctl (PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
  const char *ukind = helper_privilege ("/usr/bin/newuidmap", CAP_SETUID, &uok);
  const char *gkind = helper_privilege ("/usr/bin/newgidmap", CAP_SETGID, &gok);
  int ranges = has_subid_range ("/etc/subuid", user, getuid ())
               && has_subid_range ("/etc/subgid", user, getuid ());

  if (r->root_in_userns)
    {
      probe_add (r, "newuidmap", 1, NULL,
                 "not needed: root of the pod's user namespace maps IDs itself");
      return;
    }
  r->newuidmap = uok && gok && !nnp && ranges;
  if (r->newuidmap)
    probe_add (r, "newuidmap", 1, NULL, "newuidmap (%s) and newgidmap (%s) can map %s's subordinate IDs",
               ukind, gkind, user ? user : "this UID");
  else if (nnp)
    probe_add (r, "newuidmap", 0,
               "set securityContext.allowPrivilegeEscalation: true, or use hostUsers: false",
               "newuidmap cannot raise CAP_SETUID: no_new_privs is set "
               "(allowPrivilegeEscalation: false)");
  else if (!uok || !gok)
    probe_add (r, "newuidmap", 0,
               "add capabilities SETUID and SETGID (capabilities: {drop: [ALL], add: [SETUID, "
               "SETGID]}) and use an image whose newuidmap/newgidmap carry file capabilities",
               "newuidmap (%s) / newgidmap (%s) cannot gain CAP_SETUID/CAP_SETGID: %s", ukind,
               gkind,
               !bounding_has (CAP_SETUID) || !bounding_has (CAP_SETGID)
                   ? "CAP_SETUID/CAP_SETGID are not in the bounding set"
                   : "a setuid-root helper also needs CAP_DAC_OVERRIDE in the bounding set");
  else
    probe_add (r, "newuidmap", 0,
               "run podsock-init first: it writes /etc/subuid and /etc/subgid for this UID",
               "no subordinate ID range for %s (uid %u) in /etc/subuid and /etc/subgid",
               user ? user : "a user without passwd entry", (unsigned) getuid ());
}

static void
detect_cgroup (struct detect_report *r)
{
  struct statfs sf;
  cleanup_file FILE *f = NULL;
  char line[512], path[600];

  r->cgroup2 = statfs ("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
  if (!r->cgroup2)
    {
      probe_add (r, "cgroup", 0, "run the node with the unified cgroup v2 hierarchy",
                 "/sys/fs/cgroup is not a cgroup v2 mount; nested containers run without cgroups");
      return;
    }
  f = fopen ("/proc/self/cgroup", "re");
  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, "0::", 3) == 0)
      {
        line[strcspn (line, "\n")] = '\0';
        snprintf (r->cgroup_path, sizeof r->cgroup_path, "%.255s", line + 3);
      }
  snprintf (path, sizeof path, "/sys/fs/cgroup%s/cgroup.subtree_control",
            strcmp (r->cgroup_path, "/") == 0 ? "" : r->cgroup_path);
  r->cgroup_delegated = access (path, W_OK) == 0;
  probe_add (r, "cgroup", r->cgroup_delegated,
             "nothing in a pod spec delegates a cgroup today; podsock runs nested containers "
             "inside the sidecar's limits instead",
             r->cgroup_delegated ? "cgroup v2, subtree %s delegated and writable"
                                 : "cgroup v2, subtree %s not writable (not delegated)",
             r->cgroup_path[0] ? r->cgroup_path : "?");
}

static void
detect_device (struct detect_report *r, const char *name, const char *path, int *out,
               const char *fix)
{
  cleanup_close int fd = open (path, O_RDWR | O_CLOEXEC);

  *out = fd >= 0;
  if (*out)
    probe_add (r, name, 1, NULL, "%s can be opened", path);
  else
    probe_add (r, name, 0, fix, "%s cannot be opened: %s", path, strerror (errno));
}

/* A fresh proc can be mounted in a user namespace only when this mount
 * namespace has a fully visible /proc (kernel: mount_too_revealing()).
 * Container runtimes mask /proc/kcore and friends, so usually it cannot. */
static int
child_mount_proc (void *arg)
{
  struct ids *ids = arg;
  char dir[] = "/tmp/podsock-proc-XXXXXX";
  pid_t pid;
  int st;

  if (enter_own_userns (ids->uid, ids->gid) < 0 || unshare (CLONE_NEWPID) < 0)
    return errno;
  pid = fork ();
  if (pid < 0)
    return errno;
  if (pid == 0)
    {
      /* Any writable place will do as a mount point: it vanishes with us. */
      if (mkdtemp (dir) == NULL && mount ("tmpfs", "/tmp", "tmpfs", 0, NULL) < 0)
        _exit (errno);
      if (mkdtemp (dir) == NULL && access (dir, F_OK) < 0)
        _exit (errno);
      if (mount ("proc", dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        {
          int e = errno;
          rmdir (dir);
          _exit (e);
        }
      umount2 (dir, MNT_DETACH);
      rmdir (dir);
      _exit (0);
    }
  if (waitpid (pid, &st, 0) < 0)
    return errno;
  return WIFEXITED (st) ? WEXITSTATUS (st) : EIO;
}

static void
detect_proc (struct detect_report *r)
{
  struct ids ids = { getuid (), getgid () };
  int e;

  if (!r->userns)
    {
      probe_add (r, "proc", 0, NULL, "not probed: no user namespace");
      return;
    }
  e = in_child (child_mount_proc, &ids);
  r->proc_fresh = e == 0;
  if (r->proc_fresh)
    probe_add (r, "proc", 1, NULL, "/proc is fully visible: nested containers get a fresh /proc");
  else
    probe_add (r, "proc", 0,
               "set securityContext.procMount: Unmasked (allowed only with hostUsers: false)",
               "/proc is masked (%s mounting a fresh proc in a user namespace): nested "
               "containers bind-mount the pod's /proc",
               strerror (e));
}

static const char *
fs_name (long type)
{
  switch ((unsigned long) type)
    {
    case EXT4_SUPER_MAGIC:
      return "ext4";
    case XFS_SUPER_MAGIC:
      return "xfs";
    case BTRFS_SUPER_MAGIC:
      return "btrfs";
    case TMPFS_MAGIC:
      return "tmpfs";
    case OVERLAYFS_SUPER_MAGIC:
      return "overlay";
    case NFS_SUPER_MAGIC:
      return "nfs";
    case FUSE_SUPER_MAGIC:
      return "fuse";
    default:
      return "other";
    }
}

struct overlay_test
{
  struct ids ids;
  const char *dir; /* scratch directory with lower, upper, work, merged */
  int fuse;        /* 1: fuse-overlayfs instead of the kernel's overlay */
};

static int
child_overlay (void *arg)
{
  struct overlay_test *t = arg;
  char opts[1024], merged[512];

  if (enter_own_userns (t->ids.uid, t->ids.gid) < 0)
    return errno;
  snprintf (merged, sizeof merged, "%s/merged", t->dir);
  snprintf (opts, sizeof opts, "lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work%s", t->dir,
            t->dir, t->dir, t->fuse ? "" : ",userxattr");
  if (!t->fuse)
    return mount ("overlay", merged, "overlay", 0, opts) < 0 ? errno : 0;
  {
    pid_t pid = fork ();
    int st;
    if (pid == 0)
      {
        int devnull = open ("/dev/null", O_WRONLY | O_CLOEXEC);
        if (devnull >= 0)
          dup2 (devnull, 2);
        execlp ("fuse-overlayfs", "fuse-overlayfs", "-o", opts, merged, (char *) NULL);
        _exit (127);
      }
    if (pid < 0 || waitpid (pid, &st, 0) < 0)
      return errno;
    if (!WIFEXITED (st) || WEXITSTATUS (st) != 0)
      return WIFEXITED (st) && WEXITSTATUS (st) == 127 ? ENOENT : EPERM;
    umount2 (merged, MNT_DETACH);
    return 0;
  }
}

static int
overlay_try (const char *storage_dir, int fuse)
{
  struct overlay_test t = { { getuid (), getgid () }, NULL, fuse };
  cleanup_free char *dir = NULL;
  const char *subs[] = { "lower", "upper", "work", "merged" };
  podsock_error_t err = NULL;
  int e = 0;

  if (asprintf (&dir, "%s/.podsock-check-%d", storage_dir, (int) getpid ()) < 0)
    return ENOMEM;
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return errno;
  for (size_t i = 0; i < ARRAY_SIZE (subs) && e == 0; i++)
    {
      char p[600];
      snprintf (p, sizeof p, "%s/%s", dir, subs[i]);
      if (mkdir (p, 0700) < 0 && errno != EEXIST)
        e = errno;
    }
  t.dir = dir;
  if (e == 0)
    e = in_child (child_overlay, &t);
  fs_empty_dir (dir, &err);
  podsock_error_free (&err);
  rmdir (dir);
  return e;
}

static void
detect_storage (struct detect_report *r, const char *storage_dir)
{
  struct statfs sf;
  int e;

  snprintf (r->storage_fs, sizeof r->storage_fs, "%s",
            statfs (storage_dir, &sf) == 0 ? fs_name (sf.f_type) : "unknown");
  r->storage_writable = access (storage_dir, W_OK | X_OK) == 0;
  probe_add (r, "storage_dir", r->storage_writable,
             "mount a writable emptyDir (or PVC) at the storage directory and run podsock-init",
             "%s on %s, %s", storage_dir, r->storage_fs,
             r->storage_writable ? "writable" : "not writable");
  if (!r->storage_writable || !r->userns)
    {
      probe_add (r, "overlay", 0, NULL, "not probed: %s",
                 r->userns ? "storage not writable" : "no user namespace");
      probe_add (r, "fuse_overlayfs", 0, NULL, "not probed");
      return;
    }
  e = overlay_try (storage_dir, 0);
  r->overlay = e == 0;
  probe_add (r, "overlay", r->overlay,
             "put the storage directory on a node disk emptyDir or PVC (ext4, xfs), not on the "
             "container's own overlay root file system; kernel 5.11+ needed",
             r->overlay ? "native overlay test mount with userxattr succeeded on %s"
                        : "native overlay test mount on %s failed: %s",
             r->storage_fs, strerror (e));
  if (!r->fuse)
    {
      probe_add (r, "fuse_overlayfs", 0,
                 "grant /dev/fuse (a fuse device-plugin resource, or the CRI-O annotation "
                 "io.kubernetes.cri-o.Devices: \"/dev/fuse\")",
                 "not usable: /dev/fuse cannot be opened");
      return;
    }
  e = overlay_try (storage_dir, 1);
  r->fuse_overlay = e == 0;
  probe_add (r, "fuse_overlayfs", r->fuse_overlay, "install fuse-overlayfs in the image",
             r->fuse_overlay ? "fuse-overlayfs test mount succeeded"
                             : "fuse-overlayfs test mount failed: %s",
             strerror (e));
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
