/* sidecar/detect_storage.c: the storage directory's file system, whether
 * it is writable, and the real test mounts of the kernel's overlay and of
 * fuse-overlayfs in a user namespace; each case in a child, on a directory
 * of the file system it names (mounted in the child's mount namespace). */
#include "detect_probes.h"

#include <podsock/util.h>

#include <dirent.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../common/testdir.h"
#include "../common/testutil.h"
#include "inchild.h"
#include "detectfix.h"

/* testdir/KIND: "disk" is testdir's own file system, "absent" is missing,
 * tmpfs is mounted there. */
static const char *
storage_of (const char *kind)
{
  return path_in (testdir, kind);
}

static int
mount_kind (const char *kind)
{
  const char *dir = storage_of (kind);
  if (strcmp (kind, "absent") == 0)
    return 0;
  if (mkdir (dir, 0700) < 0)
    CHILD_FAIL ("mkdir %s: %m", dir);
  if (strcmp (kind, "disk") == 0)
    return 0;
  if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0
      || mount (kind, dir, kind, 0, NULL) < 0)
    CHILD_FAIL ("mount %s on %s: %m", kind, dir);
  return 0;
}

/* kind mounted, then a filter that fails mount(2) with EPERM. */
static int
forbid_mount (const char *kind)
{
  mount_kind (kind);
  deny_syscall (SCMP_SYS (mount));
  return 0;
}

/* The probes left nothing behind in the storage directory. */
static void
check_clean (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  while (d && (de = readdir (d)) != NULL)
    if (strncmp (de->d_name, ".podsock-check-", 15) == 0)
      CHILD_FAIL ("%s/%s left behind", dir, de->d_name);
  if (d)
    closedir (d);
}

static void
probe (struct detect_report *r, const char *kind, int userns, int fuse)
{
  r->userns = userns;
  r->fuse = fuse;
  detect_storage (r, storage_of (kind));
  check_clean (storage_of (kind));
  if (r->storage_writable != r->probes[0].ok || r->overlay != r->probes[1].ok
      || r->fuse_overlay != r->probes[2].ok)
    CHILD_FAIL ("the facts do not match the probes");
}

static void
no_userns (struct detect_report *r, const char *kind)
{
  probe (r, kind, 0, 0);
}

static void
userns (struct detect_report *r, const char *kind)
{
  probe (r, kind, 1, 0);
}

static void
userns_fuse (struct detect_report *r, const char *kind)
{
  if (access ("/usr/bin/fuse-overlayfs", X_OK) < 0)
    {
      fprintf (stderr, "SKIP: fuse-overlayfs is not installed\n");
      exit (0);
    }
  probe (r, kind, 1, 1);
}

static const char writable_fix[] = "mount a writable emptyDir (or PVC) at the storage directory";

static const struct probe_case cases[] = {
  { "a disk", "disk", mount_kind, no_userns, "storage_dir", 1, "disk on ", "" },
  { "tmpfs", "tmpfs", mount_kind, no_userns, "storage_dir", 1, "tmpfs on tmpfs, writable", "" },
  { "no directory", "absent", mount_kind, userns, "storage_dir", 0,
    "absent on unknown, not writable", writable_fix },
  { "not writable: no test mount", "absent", mount_kind, userns, "overlay", 0,
    "not probed: storage not writable", "" },
  { "no user namespace: no test mount", "disk", mount_kind, no_userns, "overlay", 0,
    "not probed: no user namespace", "" },
  { "no user namespace: no fuse test", "disk", mount_kind, no_userns, "fuse_overlayfs", 0,
    "not probed", "" },
  { "native overlay on tmpfs", "tmpfs", mount_kind, userns, "overlay", 1,
    "native overlay test mount with userxattr succeeded on tmpfs", "" },
  { "mount(2) forbidden by the seccomp profile", "tmpfs", forbid_mount, userns, "overlay", 0,
    "native overlay test mount on tmpfs failed: Operation not permitted",
    "put the storage directory on a node disk emptyDir or PVC" },
  { "without /dev/fuse", "tmpfs", mount_kind, userns, "fuse_overlayfs", 0,
    "not usable: /dev/fuse cannot be opened", "grant /dev/fuse" },
  { "fuse-overlayfs", "tmpfs", mount_kind, userns_fuse, "fuse_overlayfs", 1,
    "fuse-overlayfs test mount succeeded", "" },
};

static void
probes_table (void **state)
{
  (void) state;
  need_root ("the cases mount file systems in a mount namespace of their own");
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      char cmd[128];
      probe_cases (&cases[i], 1);
      snprintf (cmd, sizeof cmd, "rm -rf '%s'/*", testdir);
      assert_int_equal (system (cmd), 0);
    }
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, probes_table)
