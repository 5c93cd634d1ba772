/* podsim-seccomp: run a command under the seccomp profile that containerd's
 * and CRI-O's RuntimeDefault apply to a container without CAP_SYS_ADMIN, as
 * far as podsock cares: creating user namespaces is refused with EPERM
 * ("cannot clone: Operation not permitted").  Test helper for podsim's
 * --seccomp-runtime-default. */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  scmp_filter_ctx ctx;
  int r;

  if (argc < 2)
    {
      fprintf (stderr, "usage: podsim-seccomp COMMAND [ARG]...\n");
      return 2;
    }
  ctx = seccomp_init (SCMP_ACT_ALLOW);
  if (ctx == NULL)
    return 1;
  r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), SCMP_SYS (unshare), 1,
                        SCMP_A0 (SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), SCMP_SYS (clone), 1,
                          SCMP_A0 (SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
  /* clone3 passes flags in memory, which seccomp cannot read: runtimes
   * answer ENOSYS so that libc falls back to clone. */
  if (r == 0)
    r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (ENOSYS), SCMP_SYS (clone3), 0);
  if (r == 0 && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    r = -errno;
  if (r == 0)
    r = seccomp_load (ctx);
  seccomp_release (ctx);
  if (r < 0)
    {
      fprintf (stderr, "podsim-seccomp: %s\n", strerror (-r));
      return 1;
    }
  execvp (argv[1], argv + 1);
  fprintf (stderr, "podsim-seccomp: exec %s: %s\n", argv[1], strerror (errno));
  return 127;
}
