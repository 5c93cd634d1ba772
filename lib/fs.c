#include <podsock/fs.h>
#include <podsock/util.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
fs_mkdir_p (const char *path, mode_t mode, podsock_error_t *err)
{
  cleanup_free char *copy = strdup (path);
  struct stat st;

  if (copy == NULL)
    return podsock_error_make (err, errno, "strdup");
  for (char *p = copy + 1;; p++)
    {
      char saved = *p;
      if (saved != '/' && saved != '\0')
        continue;
      *p = '\0';
      if (mkdir (copy, mode) < 0 && errno != EEXIST)
        return podsock_error_make (err, errno, "create directory %s", copy);
      *p = saved;
      if (saved == '\0')
        break;
    }
  if (stat (path, &st) < 0)
    return podsock_error_make (err, errno, "stat %s", path);
  if (!S_ISDIR (st.st_mode))
    return podsock_error_make (err, 0, "%s exists and is not a directory", path);
  return 0;
}

int
fs_make_private_dir (const char *path, podsock_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;

  if (fd < 0)
    return podsock_error_make (err, errno, "open %s", path);
  if (fstat (fd, &st) < 0)
    return podsock_error_make (err, errno, "stat %s", path);
  if (st.st_uid != geteuid ())
    return podsock_error_make (err, 0,
                               "%s belongs to uid %u, not to uid %u; run podsock-init first, or "
                               "remove the directory so that it is created anew",
                               path, (unsigned) st.st_uid, (unsigned) geteuid ());
  if (st.st_gid != getegid () && fchown (fd, (uid_t) -1, getegid ()) < 0)
    return podsock_error_make (err, errno, "chgrp %s to %u", path, (unsigned) getegid ());
  /* chmod clears setgid only when asked to, and 0700 asks. */
  if ((st.st_mode & 07777) != 0700 && fchmod (fd, 0700) < 0)
    return podsock_error_make (err, errno, "chmod 0700 %s", path);
  return 0;
}

static int
remove_entry (const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void) st;
  if (ftw->level == 0)
    return 0;
  if (type == FTW_DP)
    return rmdir (path) < 0 ? -1 : 0;
  return unlink (path) < 0 ? -1 : 0;
}

int
fs_empty_dir (const char *dir, podsock_error_t *err)
{
  if (nftw (dir, remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
    {
      if (errno == ENOENT)
        return 0;
      return podsock_error_make (err, errno, "empty directory %s", dir);
    }
  return 0;
}

int
fs_write_existing (const char *path, const char *text, podsock_error_t *err)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  size_t len = strlen (text);

  if (fd < 0)
    return podsock_error_make (err, errno, "open %s", path);
  if (TEMP_FAILURE_RETRY (write (fd, text, len)) != (ssize_t) len)
    return podsock_error_make (err, errno, "write '%s' to %s", text, path);
  return 0;
}

int
fs_write_file_atomic (const char *path, const char *content, podsock_error_t *err)
{
  cleanup_free char *tmp = NULL;
  cleanup_close int fd = -1;
  size_t len = strlen (content), off = 0;

  if (asprintf (&tmp, "%s.tmp.%d", path, (int) getpid ()) < 0)
    return podsock_error_make (err, errno, "asprintf");
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return podsock_error_make (err, errno, "create %s", tmp);
  while (off < len)
    {
      ssize_t n = TEMP_FAILURE_RETRY (write (fd, content + off, len - off));
      if (n < 0)
        {
          int e = errno;
          unlink (tmp);
          return podsock_error_make (err, e, "write %s", tmp);
        }
      off += (size_t) n;
    }
  if (rename (tmp, path) < 0)
    {
      int e = errno;
      unlink (tmp);
      return podsock_error_make (err, e, "rename %s to %s", tmp, path);
    }
  return 0;
}

ssize_t
fs_read_fd (int fd, char *buf, size_t max)
{
  size_t used = 0;

  while (used <= max)
    {
      ssize_t n = TEMP_FAILURE_RETRY (read (fd, buf + used, max + 1 - used));
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      used += (size_t) n;
    }
  return (ssize_t) used;
}

int
fs_read_file (const char *path, size_t max, char **out, size_t *len, podsock_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  cleanup_free char *buf = NULL;
  ssize_t n;
  size_t used;

  if (fd < 0)
    return podsock_error_make (err, errno, "open %s", path);
  buf = malloc (max + 1);
  if (buf == NULL)
    return podsock_error_make (err, errno, "malloc");
  n = fs_read_fd (fd, buf, max);
  if (n < 0)
    return podsock_error_make (err, errno, "read %s", path);
  used = (size_t) n;
  if (used > max)
    return podsock_error_make (err, 0, "%s is larger than %zu bytes", path, max);
  buf[used] = '\0';
  if (len)
    *len = used;
  *out = steal_pointer (&buf);
  return 0;
}

int
fs_lstat_is (const char *path, mode_t type, const char *fix, struct stat *out,
             podsock_error_t *err)
{
  struct stat own, *st = out ? out : &own;

  if (lstat (path, st) < 0)
    {
      if (errno == ENOENT)
        return 0;
      return podsock_error_make (err, errno, "stat %s", path);
    }
  if ((st->st_mode & S_IFMT) != type)
    return podsock_error_make (err, 0, "%s exists and is not a %s; %s", path,
                               type == S_IFSOCK ? "socket" : type == S_IFDIR ? "directory" : "file",
                               fix);
  return 1;
}
