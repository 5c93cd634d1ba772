/* Probes of the storage directory: its file system, whether it is
 * writable, and test mounts of the kernel's overlay and fuse-overlayfs. */
#include "detect_probes.h"

#include <podsock/fs.h>
#include <podsock/util.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

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

  if (detect_enter_own_userns (t->ids.uid, t->ids.gid) < 0)
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

/* A test mount in a scratch directory of the storage directory; 0, or -1
 * with *err whose status says why. */
static int
overlay_try (const char *storage_dir, int fuse, podsock_error_t *err)
{
  struct overlay_test t = { { getuid (), getgid () }, NULL, fuse };
  cleanup_free char *dir = xasprintf ("%s/.podsock-check-%d", storage_dir, (int) getpid ());
  const char *subs[] = { "lower", "upper", "work", "merged" };
  podsock_error_t cleanup_err = NULL;
  int r = 0;

  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return podsock_error_make (err, errno, "mkdir %s", dir);
  for (size_t i = 0; i < ARRAY_SIZE (subs) && r == 0; i++)
    {
      char p[600];
      snprintf (p, sizeof p, "%s/%s", dir, subs[i]);
      if (mkdir (p, 0700) < 0 && errno != EEXIST)
        r = podsock_error_make (err, errno, "mkdir %s", p);
    }
  t.dir = dir;
  if (r == 0)
    r = detect_in_child (child_overlay, &t, err);
  fs_empty_dir (dir, &cleanup_err);
  podsock_error_free (&cleanup_err);
  rmdir (dir);
  return r;
}

void
detect_storage (struct detect_report *r, const char *storage_dir)
{
  cleanup_error podsock_error_t err = NULL;
  struct statfs sf;
  int e = 0;

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
  if (overlay_try (storage_dir, 0, &err) < 0)
    e = err->status;
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
  e = 0;
  if (overlay_try (storage_dir, 1, &err) < 0)
    e = err->status;
  r->fuse_overlay = e == 0;
  probe_add (r, "fuse_overlayfs", r->fuse_overlay, "install fuse-overlayfs in the image",
             r->fuse_overlay ? "fuse-overlayfs test mount succeeded"
                             : "fuse-overlayfs test mount failed: %s",
             strerror (e));
}
