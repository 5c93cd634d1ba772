/* Probes of what the kernel and the pod spec grant: a delegated cgroup v2,
 * the devices /dev/fuse and /dev/net/tun, a fresh /proc. */
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

void
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

void
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

  if (detect_enter_own_userns (ids->uid, ids->gid) < 0 || unshare (CLONE_NEWPID) < 0)
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

void
detect_proc (struct detect_report *r)
{
  struct ids ids = { getuid (), getgid () };
  cleanup_error podsock_error_t err = NULL;
  int e = 0;

  if (!r->userns)
    {
      probe_add (r, "proc", 0, NULL, "not probed: no user namespace");
      return;
    }
  if (detect_in_child (child_mount_proc, &ids, &err) < 0)
    e = err->status;
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
