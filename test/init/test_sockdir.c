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

#include "testdir.h"
#include "testutil.h"

/* The socket directory under test, in the scratch directory. */
static const char *
sockets (void)
{
  return path_in (testdir, "sockets");
}

/* sockdir_prepare of path fails with a message that contains want. */
static void
expect_refused (const char *path, const char *want)
{
  struct sockdir_spec spec = { path, 02770, (gid_t) -1 };
  struct sockdir_report r;
  podsock_error_t err = NULL;

  assert_int_equal (sockdir_prepare (&spec, &r, &err), -1);
  if (strstr (err->msg, want) == NULL)
    fail_msg ("%s: '%s' lacks '%s'", path, err->msg, want);
  podsock_error_free (&err);
}

static void
creates_directory_with_mode (void **state)
{
  struct sockdir_spec spec = { sockets (), 02770, (gid_t) -1 };
  struct sockdir_report r;
  podsock_error_t err = NULL;
  struct stat st;
  (void) state;

  assert_int_equal (sockdir_prepare (&spec, &r, &err), 0);
  assert_true (r.created);
  assert_int_equal (stat (sockets (), &st), 0);
  assert_int_equal (st.st_mode & 07777, 02770);
  assert_int_equal (r.mode, 02770);
  /* Idempotent. */
  assert_int_equal (sockdir_prepare (&spec, &r, &err), 0);
  assert_false (r.created);
}

static void
stale_socket_removed_live_kept (void **state)
{
  struct sockdir_spec spec = { sockets (), 02770, (gid_t) -1 };
  struct sockdir_report r;
  podsock_error_t err = NULL;
  char stale[200], live[200];
  int fd_stale, fd_live;
  (void) state;

  mkdir (sockets (), 0770);
  snprintf (stale, sizeof stale, "%s/old.sock", sockets ());
  snprintf (live, sizeof live, "%s/live.sock", sockets ());
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
  (void) state;
  close (open (sockets (), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  expect_refused (sockets (), "is not a directory");
}

static void
symlink_is_refused (void **state)
{
  (void) state;
  assert_int_equal (symlink ("/tmp", sockets ()), 0);
  expect_refused (sockets (), "symbolic link");
}

static void
missing_parent_says_what_to_mount (void **state)
{
  (void) state;
  expect_refused (path_in (testdir, "no/such/dir"), "mount an emptyDir");
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
  assert_int_equal (mkdir (sockets (), 0755), 0);
  assert_int_equal (chmod (testdir, 0755), 0);
  pid = fork ();
  if (pid == 0)
    {
      struct sockdir_spec spec = { sockets (), 02770, (gid_t) -1 };
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

/* The file systems whose socket directory is refused: a unix socket there
 * is local to one node, and the build container may be on another. */
static void
network_file_systems (void **state)
{
  (void) state;
  assert_string_equal (sockdir_network_fs (0x6969), "nfs");
  assert_string_equal (sockdir_network_fs (0xFF534D42), "cifs");
  assert_string_equal (sockdir_network_fs (0x00C36400), "ceph");
  assert_null (sockdir_network_fs (0x01021994)); /* tmpfs */
  assert_null (sockdir_network_fs (0xEF53));     /* ext4 */
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, creates_directory_with_mode,
                    stale_socket_removed_live_kept, file_in_the_way_is_refused, symlink_is_refused,
                    missing_parent_says_what_to_mount, not_writable_names_the_fix,
                    network_file_systems)
