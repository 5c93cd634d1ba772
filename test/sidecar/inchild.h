/* The sidecar's tests of checks that change the process (capabilities,
 * seccomp filters, namespaces, mounts): each runs in a forked child, so the
 * test process stays as it was.  in_child(fn, arg) fails the test unless
 * fn returns and the child exits 0; inside, CHILD_FAIL says why on stderr
 * and exits 1.  Include after <cmocka.h>. */
#ifndef PODSOCK_TEST_INCHILD_H
#define PODSOCK_TEST_INCHILD_H

#include <stdio.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_FAIL(...)                                                                            \
  do                                                                                               \
    {                                                                                              \
      fprintf (stderr, __VA_ARGS__);                                                               \
      fputc ('\n', stderr);                                                                        \
      _exit (1);                                                                                   \
    }                                                                                              \
  while (0)

static inline void
in_child (void (*fn) (const void *arg), const void *arg)
{
  int status;
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      fn (arg);
      _exit (0);
    }
  assert_int_equal (waitpid (pid, &status, 0), pid);
  assert_true (WIFEXITED (status));
  assert_int_equal (WEXITSTATUS (status), 0);
}

/* Skips the test, saying why, unless it runs as root (as in CI). */
static inline void
need_root (const char *why)
{
  if (geteuid () != 0)
    {
      fprintf (stderr, "SKIP: not root: %s\n", why);
      skip ();
    }
}

/* In a child: drops every effective capability but keeps uid 0. */
static inline void
clear_effective (void)
{
  cap_t c = cap_get_proc ();
  if (c == NULL || cap_clear_flag (c, CAP_EFFECTIVE) < 0 || cap_set_proc (c) < 0)
    CHILD_FAIL ("clear the effective set: %m");
  cap_free (c);
}

#endif
