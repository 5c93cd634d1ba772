/* seccomp-exec: test helper for sidecar/seccomp_profile.c.
 *   seccomp-exec COMMAND [ARG]...      run COMMAND under podsock's deny filter
 *                                      (hardening_seccomp_load), as the
 *                                      sidecar will run podman
 *   seccomp-exec --write-profile BASE OUT
 *                                      write BASE plus the deny list to OUT
 *                                      (hardening_seccomp_write_profile) */
#include "seccomp_profile.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  podsock_error_t err = NULL;

  if (argc == 4 && strcmp (argv[1], "--write-profile") == 0)
    {
      if (hardening_seccomp_write_profile (argv[2], argv[3], &err) == 0)
        return 0;
      fprintf (stderr, "seccomp-exec: %s\n", err->msg);
      return 1;
    }
  if (argc < 2 || argv[1][0] == '-')
    {
      fprintf (stderr, "usage: seccomp-exec COMMAND [ARG]...\n"
                       "       seccomp-exec --write-profile BASE OUT\n");
      return 2;
    }
  if (hardening_seccomp_load (&err) < 0)
    {
      fprintf (stderr, "seccomp-exec: %s\n", err->msg);
      return 1;
    }
  execvp (argv[1], argv + 1);
  perror ("seccomp-exec: exec");
  return 127;
}
