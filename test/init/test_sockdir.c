#include "sockdir.h"
#include <podsock/socket.h>
#include <podsock/util.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

static char base[64];
static char dir[128];

static int
setup (void **state)
{
  (void) state;
  strcpy (base, "/tmp/podsock-sockdir-XXXXXX");
  if (mkdtemp (base) == NULL)
    return -1;
  snprintf (dir, sizeof dir, "%s/sockets", base);
  return 0;
}

static int
teardown (void **state)
{
  char cmd[200];
  (void) state;
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", base);
  return system (cmd) == 0 ? 0 : -1;
}

static void
creates_directory_with_mode (void **state)
{
  struct sockdir_spec spec = { dir, 02770, (gid_t) -1 };
  struct sockdir_report r;
  podsock_error_t err = NULL;
  struct stat st;
  (void) state;

  assert_int_equal (sockdir_prepare (&spec, &r, &err), 0);
  assert_true (r.created);
  assert_int_equal (stat (dir, &st), 0);
  assert_int_equal (st.st_mode & 07777, 02770);
  assert_int_equal (r.mode, 02770);
  /* Idempotent. */
  assert_int_equal (sockdir_prepare (&spec, &r, &err), 0);
  assert_false (r.created);
}

static void
stale_socket_removed_live_kept (void **state)
{
  struct sockdir_spec spec = { dir, 02770, (gid_t) -1 };
  struct sockdir_report r;
  podsock_error_t err = NULL;
  char stale[200], live[200];
  int fd_stale, fd_live;
  (void) state;

  mkdir (dir, 0770);
  snprintf (stale, sizeof stale, "%s/old.sock", dir);
  snprintf (live, sizeof live, "%s/live.sock", dir);
  fd_stale = socket_bind_listen (stale, 0600, (gid_t) -1, 1, &err);
  fd_live = socket_bind_listen (live, 0600, (gid_t) -1, 1, &err);
  assert_true (fd_stale >= 0 && fd_live >= 0);
  close (fd_stale);
  assert_int_equal (sockdir_prepare (&spec, &r, &err), 0);
  assert_int_equal (r.stale_removed, 1);
  assert_int_equal (access (stale, F_OK), -1);
  assert_int_equal (access (live, F_OK), 0);
  close (fd_live);
}

static void
file_in_the_way_is_refused (void **state)
{
  struct sockdir_spec spec = { dir, 02770, (gid_t) -1 };
  struct sockdir_report r;
  podsock_error_t err = NULL;
  (void) state;

  close (open (dir, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  assert_int_equal (sockdir_prepare (&spec, &r, &err), -1);
  assert_non_null (strstr (err->msg, "is not a directory"));
  podsock_error_free (&err);
}

static void
symlink_is_refused (void **state)
{
  struct sockdir_spec spec = { dir, 02770, (gid_t) -1 };
  struct sockdir_report r;
  podsock_error_t err = NULL;
  (void) state;

  assert_int_equal (symlink ("/tmp", dir), 0);
  assert_int_equal (sockdir_prepare (&spec, &r, &err), -1);
  assert_non_null (strstr (err->msg, "symbolic link"));
  podsock_error_free (&err);
}

static void
missing_parent_says_what_to_mount (void **state)
{
  char deep[200];
  struct sockdir_spec spec = { deep, 02770, (gid_t) -1 };
  struct sockdir_report r;
  podsock_error_t err = NULL;
  (void) state;

  snprintf (deep, sizeof deep, "%s/no/such/dir", base);
  assert_int_equal (sockdir_prepare (&spec, &r, &err), -1);
  assert_non_null (strstr (err->msg, "mount an emptyDir"));
  podsock_error_free (&err);
}

/* As a uid that neither owns nor may write the directory, in a child. */
static void
not_writable_names_the_fix (void **state)
{
  pid_t pid;
  int st;
  (void) state;

  if (geteuid () != 0)
    skip ();
  assert_int_equal (mkdir (dir, 0755), 0);
  assert_int_equal (chmod (base, 0755), 0);
  pid = fork ();
  if (pid == 0)
    {
      struct sockdir_spec spec = { dir, 02770, (gid_t) -1 };
      struct sockdir_report r;
      podsock_error_t err = NULL;
      if (setresgid (65534, 65534, 65534) < 0 || setresuid (65534, 65534, 65534) < 0)
        _exit (3);
      if (sockdir_prepare (&spec, &r, &err) != -1)
        _exit (1);
      _exit (strstr (err->msg, "not writable by uid 65534") && strstr (err->msg, "fsGroup") ? 0
                                                                                            : 2);
    }
  assert_int_equal (waitpid (pid, &st, 0), pid);
  assert_true (WIFEXITED (st));
  assert_int_equal (WEXITSTATUS (st), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (creates_directory_with_mode, setup, teardown),
    cmocka_unit_test_setup_teardown (stale_socket_removed_live_kept, setup, teardown),
    cmocka_unit_test_setup_teardown (file_in_the_way_is_refused, setup, teardown),
    cmocka_unit_test_setup_teardown (symlink_is_refused, setup, teardown),
    cmocka_unit_test_setup_teardown (missing_parent_says_what_to_mount, setup, teardown),
    cmocka_unit_test_setup_teardown (not_writable_names_the_fix, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
