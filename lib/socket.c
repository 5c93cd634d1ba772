#include <podsock/socket.h>
#include <podsock/fs.h>
#include <podsock/util.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int
socket_addr_unix (const char *path, struct sockaddr_un *out, podsock_error_t *err)
{
  size_t n = strlen (path);

  memset (out, 0, sizeof *out);
  out->sun_family = AF_UNIX;
  if (n == 0)
    return podsock_error_make (err, 0, "socket path is empty");
  if (n >= sizeof out->sun_path)
    return podsock_error_make (err, 0,
                               "socket path '%s' is %zu bytes, longer than the %zu a unix socket "
                               "address holds; choose a shorter path",
                               path, n, sizeof out->sun_path - 1);
  memcpy (out->sun_path, path, n + 1);
  return 0;
}

int
socket_connect_unix (const char *path, podsock_error_t *err)
{
  cleanup_close int fd = -1;
  struct sockaddr_un addr;

  if (socket_addr_unix (path, &addr, err) < 0)
    return -1;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return podsock_error_make (err, errno, "socket");
  if (TEMP_FAILURE_RETRY (connect (fd, (struct sockaddr *) &addr, sizeof addr)) < 0)
    return podsock_error_make (err, errno, "connect to %s", path);
  return steal_fd (&fd);
}

int
socket_is_stale (const char *path, podsock_error_t *err)
{
  cleanup_error podsock_error_t cerr = NULL;
  int fd, r;

  r = fs_lstat_is (path, S_IFSOCK, "remove it or choose another socket path", NULL, err);
  if (r <= 0)
    return r;
  fd = socket_connect_unix (path, &cerr);
  if (fd >= 0)
    {
      close (fd);
      return 0;
    }
  if (cerr->status == ECONNREFUSED)
    return 1;
  return podsock_error_make (err, 0, "cannot tell whether %s is in use: %s", path, cerr->msg);
}

static int
remove_stale (const char *path, podsock_error_t *err)
{
  int r = socket_is_stale (path, err);
  if (r < 0)
    return -1;
  if (r == 0)
    {
      struct stat st;
      if (lstat (path, &st) == 0)
        return podsock_error_make (err, 0,
                                   "%s is in use: another engine already listens on it; stop it "
                                   "or choose another socket path",
                                   path);
      return 0;
    }
  if (unlink (path) < 0 && errno != ENOENT)
    return podsock_error_make (err, errno, "remove stale socket %s", path);
  return 0;
}

int
socket_bind_listen (const char *path, mode_t mode, gid_t gid, int backlog, podsock_error_t *err)
{
  cleanup_close int fd = -1;
  struct sockaddr_un addr;
  mode_t old_umask;
  int r;

  if (socket_addr_unix (path, &addr, err) < 0)
    return -1;
  if (remove_stale (path, err) < 0)
    return -1;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return podsock_error_make (err, errno, "socket");
  /* Create the file with no access at all, then open it up: no window in
   * which someone outside the group could connect. */
  old_umask = umask (0777);
  r = bind (fd, (struct sockaddr *) &addr, sizeof addr);
  umask (old_umask);
  if (r < 0)
    return podsock_error_make (err, errno, "bind %s", path);
  if (gid != (gid_t) -1 && chown (path, (uid_t) -1, gid) < 0)
    {
      int e = errno;
      unlink (path);
      return podsock_error_make (err, e, "chown %s to group %u", path, (unsigned) gid);
    }
  if (chmod (path, mode) < 0)
    {
      int e = errno;
      unlink (path);
      return podsock_error_make (err, e, "chmod %s", path);
    }
  if (listen (fd, backlog) < 0)
    {
      int e = errno;
      unlink (path);
      return podsock_error_make (err, e, "listen on %s", path);
    }
  return steal_fd (&fd);
}
