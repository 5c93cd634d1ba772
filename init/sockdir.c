#include "sockdir.h"
#include <podsock/socket.h>
#include <podsock/util.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static int
open_dir (const struct sockdir_spec *spec, struct sockdir_report *r, podsock_error_t *err)
{
  struct stat st;
  int fd;

  if (lstat (spec->path, &st) < 0)
    {
      if (errno != ENOENT)
        return podsock_error_make (err, errno, "socket directory %s", spec->path);
      if (mkdir (spec->path, spec->mode & 0777) < 0 && errno != EEXIST)
        return podsock_error_make (err, errno,
                                   "create socket directory %s (mount an emptyDir there, or "
                                   "make its parent writable for uid %u)",
                                   spec->path, (unsigned) getuid ());
      r->created = 1;
    }
  else if (S_ISLNK (st.st_mode))
    return podsock_error_make (err, 0,
                               "socket directory %s is a symbolic link; mount the volume "
                               "at the path itself",
                               spec->path);
  else if (!S_ISDIR (st.st_mode))
    return podsock_error_make (err, 0,
                               "socket directory %s exists and is not a directory; "
                               "mount an emptyDir volume there",
                               spec->path);
  fd = open (spec->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return podsock_error_make (err, errno, "open socket directory %s", spec->path);
  return fd;
}

const char *
sockdir_network_fs (unsigned long f_type)
{
  /* Magic numbers from linux/magic.h and the file systems' sources. */
  static const struct
  {
    unsigned long magic;
    const char *name;
  } net[] = {
    { 0x6969, "nfs" },      { 0xFF534D42, "cifs" }, { 0xFE534D42, "smb2" },
    { 0x517B, "smb" },      { 0x00C36400, "ceph" }, { 0x01021997, "9p" },
    { 0x5346414F, "afs" },  { 0x6B414653, "kafs" }, { 0x0BD00BD0, "lustre" },
    { 0x01161970, "gfs2" }, { 0x47504653, "gpfs" }, { 0x564C, "ncp" },
    { 0x73757245, "coda" },
  };

  for (size_t i = 0; i < ARRAY_SIZE (net); i++)
    if (net[i].magic == (f_type & 0xFFFFFFFFUL))
      return net[i].name;
  return NULL;
}

static int
refuse_network_fs (int fd, const struct sockdir_spec *spec, podsock_error_t *err)
{
  struct statfs sf;
  const char *name;

  if (fstatfs (fd, &sf) < 0)
    return podsock_error_make (err, errno, "statfs %s", spec->path);
  name = sockdir_network_fs ((unsigned long) sf.f_type);
  if (name)
    return podsock_error_make (err, 0,
                               "socket directory %s is on a network file system (%s): a unix "
                               "socket there is not shared between the pod's containers; mount "
                               "an emptyDir there (medium: Memory)",
                               spec->path, name);
  return 0;
}

static int
fix_owner_mode (int fd, const struct sockdir_spec *spec, struct sockdir_report *r,
                podsock_error_t *err)
{
  struct stat st;

  if (fstat (fd, &st) < 0)
    return podsock_error_make (err, errno, "stat %s", spec->path);
  if (st.st_uid == geteuid ())
    {
      if (spec->gid != (gid_t) -1 && st.st_gid != spec->gid
          && fchown (fd, (uid_t) -1, spec->gid) < 0)
        return podsock_error_make (err, errno,
                                   "give socket directory %s to group %u (is uid %u a member? "
                                   "set the pod's fsGroup)",
                                   spec->path, (unsigned) spec->gid, (unsigned) geteuid ());
      if (fchmod (fd, spec->mode) < 0)
        return podsock_error_make (err, errno, "chmod %04o %s", (unsigned) spec->mode, spec->path);
      if (fstat (fd, &st) < 0)
        return podsock_error_make (err, errno, "stat %s", spec->path);
    }
  /* Not ours (an emptyDir owned by root with fsGroup, say): usable if we
   * can create the socket in it. */
  if (faccessat (fd, ".", W_OK | X_OK, AT_EACCESS) < 0)
    return podsock_error_make (err, errno,
                               "socket directory %s (owner %u, group %u, mode %04o) is not "
                               "writable by uid %u; set the pod's fsGroup, or runAsUser to its "
                               "owner",
                               spec->path, (unsigned) st.st_uid, (unsigned) st.st_gid,
                               (unsigned) (st.st_mode & 07777), (unsigned) geteuid ());
  r->uid = st.st_uid;
  r->gid = st.st_gid;
  r->mode = st.st_mode & 07777;
  return 0;
}

static int
remove_stale_sockets (int fd, const struct sockdir_spec *spec, struct sockdir_report *r,
                      podsock_error_t *err)
{
  DIR *d;
  struct dirent *de;
  int dfd = dup (fd);

  if (dfd < 0 || (d = fdopendir (dfd)) == NULL)
    {
      if (dfd >= 0)
        close (dfd);
      return podsock_error_make (err, errno, "read socket directory %s", spec->path);
    }
  while ((de = readdir (d)) != NULL)
    {
      cleanup_free char *path = NULL;
      cleanup_error podsock_error_t cerr = NULL;
      if (de->d_type != DT_SOCK && de->d_type != DT_UNKNOWN)
        continue;
      if (asprintf (&path, "%s/%s", spec->path, de->d_name) < 0)
        continue;
      if (socket_is_stale (path, &cerr) != 1)
        continue; /* not a socket, or someone serves it: leave it */
      if (unlinkat (fd, de->d_name, 0) < 0)
        {
          int e = errno;
          closedir (d);
          return podsock_error_make (err, e, "remove stale socket %s", path);
        }
      r->stale_removed++;
    }
  closedir (d);
  return 0;
}

int
sockdir_prepare (const struct sockdir_spec *spec, struct sockdir_report *report,
                 podsock_error_t *err)
{
  cleanup_close int fd = -1;

  memset (report, 0, sizeof *report);
  fd = open_dir (spec, report, err);
  if (fd < 0)
    return -1;
  if (refuse_network_fs (fd, spec, err) < 0 || fix_owner_mode (fd, spec, report, err) < 0
      || remove_stale_sockets (fd, spec, report, err) < 0)
    return -1;
  return 0;
}
