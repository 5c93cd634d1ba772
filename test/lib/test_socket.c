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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "testdir.h"
#include "testutil.h"

/* The socket under test, in the scratch directory. */
static const char *
sock (void)
{
  return path_in (testdir, "s.sock");
}

static void
bind_creates_socket_with_mode (void **state)
{
  podsock_error_t err = NULL;
  struct stat st;
  int fd, c;
  (void) state;

  fd = socket_bind_listen (sock (), 0660, (gid_t) -1, 16, &err);
  assert_true (fd >= 0);
  assert_int_equal (stat (sock (), &st), 0);
  assert_true (S_ISSOCK (st.st_mode));
  assert_int_equal (st.st_mode & 0777, 0660);
  assert_true (fcntl (fd, F_GETFD) & FD_CLOEXEC);
  /* A client connects before anyone accepts: it waits in the backlog. */
  c = socket_connect_unix (sock (), &err);
  assert_true (c >= 0);
  close (c);
  close (fd);
}

static void
stale_socket_is_replaced (void **state)
{
  podsock_error_t err = NULL;
  int fd;
  (void) state;

  fd = socket_bind_listen (sock (), 0600, (gid_t) -1, 1, &err);
  assert_true (fd >= 0);
  close (fd); /* the file stays, nobody listens: stale */
  assert_int_equal (socket_is_stale (sock (), &err), 1);
  fd = socket_bind_listen (sock (), 0600, (gid_t) -1, 1, &err);
  assert_true (fd >= 0);
  assert_int_equal (socket_is_stale (sock (), &err), 0);
  close (fd);
}

static void
live_socket_is_refused (void **state)
{
  podsock_error_t err = NULL;
  int fd, fd2;
  (void) state;

  fd = socket_bind_listen (sock (), 0600, (gid_t) -1, 1, &err);
  assert_true (fd >= 0);
  fd2 = socket_bind_listen (sock (), 0600, (gid_t) -1, 1, &err);
  assert_int_equal (fd2, -1);
  assert_non_null (strstr (err->msg, "in use"));
  podsock_error_free (&err);
  close (fd);
}

static void
regular_file_is_refused (void **state)
{
  podsock_error_t err = NULL;
  int fd;
  (void) state;

  fd = open (sock (), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  close (fd);
  assert_int_equal (socket_bind_listen (sock (), 0600, (gid_t) -1, 1, &err), -1);
  assert_non_null (strstr (err->msg, "is not a socket"));
  podsock_error_free (&err);
  assert_int_equal (socket_is_stale (sock (), &err), -1);
  podsock_error_free (&err);
}

static void
too_long_path_is_refused (void **state)
{
  podsock_error_t err = NULL;
  char longpath[200];
  (void) state;

  memset (longpath, 'a', sizeof longpath - 1);
  longpath[0] = '/';
  longpath[sizeof longpath - 1] = '\0';
  assert_int_equal (socket_bind_listen (longpath, 0600, (gid_t) -1, 1, &err), -1);
  assert_non_null (strstr (err->msg, "longer than"));
  podsock_error_free (&err);
  assert_int_equal (socket_connect_unix ("", &err), -1);
  assert_non_null (strstr (err->msg, "empty"));
  podsock_error_free (&err);
}

static void
missing_socket_is_not_stale (void **state)
{
  podsock_error_t err = NULL;
  (void) state;
  assert_int_equal (socket_is_stale (sock (), &err), 0);
  assert_int_equal (socket_connect_unix (sock (), &err), -1);
  assert_int_equal (err->status, ENOENT);
  podsock_error_free (&err);
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, bind_creates_socket_with_mode,
                    stale_socket_is_replaced, live_socket_is_refused, regular_file_is_refused,
                    too_long_path_is_refused, missing_socket_is_not_stale)
