/* syscall-probe NAME: makes one harmless call of a denied system call and
 * prints "NAME: ok" or "NAME: errno N (text)".  Static, so it runs in an
 * image that holds nothing else. */
#include <errno.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long
call (const char *name)
{
  if (strcmp (name, "keyctl") == 0)
    return syscall (SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  if (strcmp (name, "getpid") == 0)
    return syscall (SYS_getpid);
  if (strcmp (name, "swapoff") == 0)
    return syscall (SYS_swapoff, "/nonexistent");
  if (strcmp (name, "settimeofday") == 0)
    return syscall (SYS_settimeofday, NULL, NULL); /* sets nothing */
  errno = ENOSYS;
  return -2;
}

int
main (int argc, char **argv)
{
  long r;

  if (argc != 2)
    {
      fprintf (stderr, "usage: syscall-probe keyctl|getpid|swapoff|settimeofday\n");
      return 2;
    }
  r = call (argv[1]);
  if (r == -2)
    {
      fprintf (stderr, "syscall-probe: unknown call '%s'\n", argv[1]);
      return 2;
    }
  if (r < 0)
    printf ("%s: errno %d (%s)\n", argv[1], errno, strerror (errno));
  else
    printf ("%s: ok\n", argv[1]);
  return 0;
}
