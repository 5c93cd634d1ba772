/* sidecar/detect_kernel.c: a cgroup v2 and its delegation, the devices, a
 * fresh /proc; each case in a child whose own mount namespace makes the pod
 * look as the case says (cgroup v1 or v2, read-only, a masked /proc). */
#include "detect_probes.h"

#include <podsock/util.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <cmocka.h>

#include "../common/testutil.h"
#include "inchild.h"
#include "detectfix.h"

/* A mount namespace of the child's own, then fstype (or a bind of
 * /dev/null, "mask") on target; -1 (the case is skipped) when the kernel
 * lacks what the case needs. */
static int
mount_over (const char *fstype, const char *target, unsigned long flags)
{
  if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    CHILD_FAIL ("a mount namespace: %m");
  if (strcmp (fstype, "mask") == 0 ? mount ("/dev/null", target, NULL, MS_BIND, NULL) < 0
                                   : mount (fstype, target, fstype, flags, NULL) < 0)
    {
      fprintf (stderr, "cannot mount %s on %s: %m\n", fstype, target);
      return -1;
    }
  return 0;
}

static int
cgroup_tmpfs (const char *arg)
{
  (void) arg;
  return mount_over ("tmpfs", "/sys/fs/cgroup", 0);
}

static int
cgroup2_rw (const char *arg)
{
  (void) arg;
  return mount_over ("cgroup2", "/sys/fs/cgroup", 0);
}

static int
cgroup2_ro (const char *arg)
{
  (void) arg;
  return mount_over ("cgroup2", "/sys/fs/cgroup", MS_RDONLY);
}

/* What container runtimes do to /proc (maskedPaths): the first of them
 * that this kernel has. */
static int
proc_masked (const char *arg)
{
  static const char *const masked[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list" };
  (void) arg;
  for (size_t i = 0; i < ARRAY_SIZE (masked); i++)
    if (access (masked[i], F_OK) == 0)
      return mount_over ("mask", masked[i], 0);
  return -1;
}

/* A fresh, unmasked proc in our mount namespace (procMount: Unmasked). */
static int
proc_unmasked (const char *arg)
{
  (void) arg;
  return mount_over ("proc", "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

static int
not_root (const char *arg)
{
  (void) arg;
  if (setgroups (0, NULL) < 0 || setresgid (54321, 54321, 54321) < 0
      || setresuid (54321, 54321, 54321) < 0)
    CHILD_FAIL ("become 54321: %m");
  return 0;
}

static void
run_cgroup (struct detect_report *r, const char *arg)
{
  (void) arg;
  detect_cgroup (r);
}

static void
run_device (struct detect_report *r, const char *path)
{
  int out = -1;
  detect_device (r, "device", path, &out, "grant the device");
  if (out != r->probes[0].ok)
    CHILD_FAIL ("*out is %d, the probe says %d", out, r->probes[0].ok);
}

/* arg: "1" when a user namespace can be made. */
static void
run_proc (struct detect_report *r, const char *arg)
{
  r->userns = strcmp (arg, "1") == 0;
  detect_proc (r);
  if (r->proc_fresh != r->probes[0].ok)
    CHILD_FAIL ("proc_fresh %d, the probe says %d", r->proc_fresh, r->probes[0].ok);
}

static const char proc_fix[] = "set securityContext.procMount: Unmasked";

static const struct probe_case cases[] = {
  { "cgroup v1 (no cgroup2 mount)", NULL, cgroup_tmpfs, run_cgroup, "cgroup", 0,
    "/sys/fs/cgroup is not a cgroup v2 mount; nested containers run without cgroups",
    "run the node with the unified cgroup v2 hierarchy" },
  { "cgroup v2, writable", NULL, cgroup2_rw, run_cgroup, "cgroup", 1, "delegated and writable",
    "" },
  { "cgroup v2, read-only", NULL, cgroup2_ro, run_cgroup, "cgroup", 0,
    "not writable (not delegated)", "nothing in a pod spec delegates a cgroup today" },
  { "a device that opens", "/dev/null", NULL, run_device, "device", 1, "/dev/null can be opened",
    "" },
  { "a device that is not there", "/dev/net/none", NULL, run_device, "device", 0,
    "/dev/net/none cannot be opened: No such file or directory", "grant the device" },
  { "a device of root's only", "/dev/fuse", not_root, run_device, "device", 0,
    "/dev/fuse cannot be opened: Permission denied", "grant the device" },
  { "no user namespace", "0", NULL, run_proc, "proc", 0, "not probed: no user namespace", "" },
  { "masked /proc", "1", proc_masked, run_proc, "proc", 0,
    "/proc is masked (Operation not permitted mounting a fresh proc in a user namespace)",
    proc_fix },
  { "unmasked /proc", "1", proc_unmasked, run_proc, "proc", 1,
    "/proc is fully visible: nested containers get a fresh /proc", "" },
};

static void
probes_table (void **state)
{
  (void) state;
  need_root ("the cases mount in namespaces of their own");
  probe_cases (cases, ARRAY_SIZE (cases));
}

TEST_MAIN (probes_table)
