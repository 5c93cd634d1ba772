#include <podsock/fs.h>
#include "handback.h"
#include <podsock/idmap.h>
#include <podsock/util.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Deeper trees are left as they are (and counted as failed): each level
 * holds one directory fd. */
#define HANDBACK_MAX_DEPTH 256

struct walk
{
  const struct handback_spec *spec;
  struct handback_report *r;
  dev_t dev;
};

static int
is_sub (const struct handback_spec *s, uint64_t id)
{
  return id >= s->sub_min && id <= s->sub_max;
}

static mode_t
widened (mode_t mode)
{
  mode_t owner = mode & 0700;
  return mode | (owner >> 3) | (owner >> 6);
}

/* chmod of an O_PATH descriptor: through its /proc/self/fd link, which names
 * the inode itself and cannot be swapped for a symlink meanwhile. */
static int
chmod_fd_path (int fd, mode_t mode)
{
  char link[64];
  snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
  return chmod (link, mode);
}

/* One entry, by an O_PATH descriptor so that a rename or a symlink swapped
 * in by a container cannot redirect the change. */
static void
fix_entry (struct walk *w, int dfd, const char *name, const struct stat *st)
{
  cleanup_close int fd = -1;
  struct stat now;
  int mine = st->st_uid == w->spec->to_uid;

  if (is_sub (w->spec, st->st_uid) || is_sub (w->spec, st->st_gid))
    mine = 1;
  else if (!mine)
    return;
  /* Already handed back: no syscall (the common case on every exit). */
  if (st->st_uid == w->spec->to_uid && st->st_gid == w->spec->to_gid
      && (!w->spec->widen || !(S_ISDIR (st->st_mode) || S_ISREG (st->st_mode))
          || widened (st->st_mode & 07777) == (st->st_mode & 07777)))
    return;
  fd = openat (dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return; /* the job deleted it meanwhile: nothing to hand back */
  if (fd < 0 || fstat (fd, &now) < 0 || now.st_ino != st->st_ino || now.st_dev != st->st_dev)
    {
      w->r->failed++;
      return;
    }
  if (now.st_uid != w->spec->to_uid || now.st_gid != w->spec->to_gid)
    {
      if (fchownat (fd, "", w->spec->to_uid, w->spec->to_gid, AT_EMPTY_PATH) < 0)
        {
          if (errno == EPERM || errno == EINVAL)
            w->r->foreign++;
          else
            w->r->failed++;
          return;
        }
      w->r->chowned++;
    }
  if (w->spec->widen && (S_ISDIR (now.st_mode) || S_ISREG (now.st_mode))
      && widened (now.st_mode & 07777) != (now.st_mode & 07777))
    {
      /* chown cleared setuid/setgid on files: take the mode anew. */
      if (fstat (fd, &now) == 0 && chmod_fd_path (fd, widened (now.st_mode & 07777)) == 0)
        w->r->widened++;
      else
        w->r->failed++;
    }
}

static void walk_dir (struct walk *w, int dfd, int depth);

static void
walk_entry (struct walk *w, int dfd, const char *name, int depth)
{
  struct stat st;
  int sub;

  if (fstatat (dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno != ENOENT) /* else the job deleted it meanwhile */
        w->r->failed++;
      return;
    }
  w->r->scanned++;
  if (S_ISDIR (st.st_mode) && st.st_dev != w->dev)
    {
      w->r->other_fs++;
      return;
    }
  /* Children first: a directory made private by its nested owner (0700)
   * can still be entered, we are root here. */
  if (S_ISDIR (st.st_mode))
    {
      if (depth >= HANDBACK_MAX_DEPTH)
        w->r->failed++;
      else if ((sub = openat (dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        w->r->failed += errno != ENOENT;
      else
        walk_dir (w, sub, depth + 1); /* closes sub */
    }
  fix_entry (w, dfd, name, &st);
}

static void
walk_dir (struct walk *w, int dfd, int depth)
{
  DIR *d = fdopendir (dfd);
  struct dirent *de;

  if (d == NULL)
    {
      close (dfd);
      w->r->failed++;
      return;
    }
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      walk_entry (w, dirfd (d), de->d_name, depth);
    }
  closedir (d);
}

int
handback_tree (const struct handback_spec *spec, struct handback_report *report,
               podsock_error_t *err)
{
  struct walk w = { spec, report, 0 };
  struct stat st;
  int fd;

  memset (report, 0, sizeof *report);
  fd = open (spec->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return podsock_error_make (err, errno, "hand back %s", spec->dir);
  if (fstat (fd, &st) < 0)
    {
      int e = errno;
      close (fd);
      return podsock_error_make (err, e, "stat %s", spec->dir);
    }
  w.dev = st.st_dev;
  walk_dir (&w, fd, 0);
  return 0;
}

int
handback_pause_pid (const char *runtime_dir, pid_t *pid, podsock_error_t *err)
{
  cleanup_free char *path = NULL, *text = NULL;
  char *end;
  long v;

  if (asprintf (&path, "%s/libpod/tmp/pause.pid", runtime_dir) < 0)
    return podsock_error_make (err, errno, "asprintf");
  if (fs_read_file (path, 64, &text, NULL, err) < 0)
    return podsock_error_prefix (err, "the engine's pause process (has podman started?)");
  errno = 0;
  v = strtol (text, &end, 10);
  if (errno != 0 || end == text || (*end != '\0' && *end != '\n') || v <= 1 || v > INT32_MAX)
    return podsock_error_make (err, 0, "%s: '%s' is not a process id", path, text);
  *pid = (pid_t) v;
  return 0;
}

/* In the child, after setns: every ID mapped here except root. */
static int
namespace_range (uint64_t *min, uint64_t *max, podsock_error_t *err)
{
  struct idmap *map = calloc (1, sizeof *map);
  uint64_t lo = UINT64_MAX, hi = 0;

  if (map == NULL)
    return podsock_error_make (err, errno, "calloc");
  if (idmap_read ("/proc/self/uid_map", map, err) < 0)
    {
      free (map);
      return -1;
    }
  for (size_t i = 0; i < map->n; i++)
    {
      uint64_t s = map->line[i].inside, e = s + map->line[i].count - 1;
      if (s == 0)
        s = 1;
      if (s <= e && s < lo)
        lo = s;
      if (s <= e && e > hi)
        hi = e;
    }
  free (map);
  if (lo > hi)
    return podsock_error_make (err, 0,
                               "the engine's user namespace maps no ID but root (single-ID "
                               "mode): there is nothing to hand back");
  *min = lo;
  *max = hi;
  return 0;
}

static void __attribute__ ((noreturn))
child_handback (pid_t pid, const char *dir, int widen, int out)
{
  cleanup_error podsock_error_t err = NULL;
  struct handback_report r;
  struct handback_spec spec = { dir, 0, 0, 0, 0, widen };
  char path[64];
  int fd, status = 0;

  snprintf (path, sizeof path, "/proc/%d/ns/user", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns (fd, CLONE_NEWUSER) < 0)
    {
      status = errno;
      podsock_error_make (&err, errno, "join the user namespace of process %d", (int) pid);
    }
  else if (namespace_range (&spec.sub_min, &spec.sub_max, &err) < 0
           || handback_tree (&spec, &r, &err) < 0)
    status = err->status ? err->status : EINVAL;
  /* A tag first: the parent may not get the exit status (below). */
  if (status == 0)
    {
      char msg[1 + sizeof r];
      msg[0] = 'R';
      memcpy (msg + 1, &r, sizeof r);
      (void) !write (out, msg, sizeof msg);
    }
  else
    {
      (void) !write (out, "E", 1);
      (void) !write (out, err->msg, strlen (err->msg));
    }
  _exit (status == 0 ? 0 : 1);
}

int
handback_in_userns (pid_t pid, const char *dir, int widen, struct handback_report *report,
                    podsock_error_t *err)
{
  cleanup_close int rd = -1;
  char buf[1024];
  int p[2], st;
  ssize_t n = 0, got;
  pid_t child;

  if (pipe2 (p, O_CLOEXEC) < 0)
    return podsock_error_make (err, errno, "pipe");
  rd = p[0];
  child = fork ();
  if (child < 0)
    {
      close (p[1]);
      return podsock_error_make (err, errno, "fork");
    }
  if (child == 0)
    child_handback (pid, dir, widen, p[1]);
  close (p[1]);
  while ((got = TEMP_FAILURE_RETRY (read (rd, buf + n, sizeof buf - 1 - (size_t) n))) > 0)
    n += got;
  /* The sidecar's reaper (PID 1's waitpid(-1) in another thread) may have
   * collected the child already (ECHILD): its report tells the result. */
  if (TEMP_FAILURE_RETRY (waitpid (child, &st, 0)) < 0 && errno != ECHILD)
    return podsock_error_make (err, errno, "wait for the hand-back process");
  if (n == (ssize_t) (1 + sizeof *report) && buf[0] == 'R')
    {
      memcpy (report, buf + 1, sizeof *report);
      return 0;
    }
  buf[n > 0 ? n : 0] = '\0';
  return podsock_error_make (err, 0, "hand back %s: %s", dir,
                             n > 1 && buf[0] == 'E' ? buf + 1 : "the hand-back process died");
}

/* Root of the pod's user namespace runs containers without a namespace of
 * their own: what container root or a container user wrote belongs to that
 * ID of the pod, and the job may run as another.  Everything in the tree
 * goes to the owner of its top, the job's project directory. */
int
handback_to_owner (const char *dir, struct handback_report *r, podsock_error_t *err)
{
  struct stat st;
  struct handback_spec spec = { .dir = dir, .sub_min = 0, .sub_max = UINT32_MAX - 1, .widen = 1 };

  if (stat (dir, &st) < 0)
    return podsock_error_make (err, errno, "stat %s", dir);
  spec.to_uid = st.st_uid; /* every mapped ID goes to the tree's owner */
  spec.to_gid = st.st_gid;
  return handback_tree (&spec, r, err);
}

int
handback_dir (const char *dir, const char *run_dir, int root_in_userns, struct handback_report *r,
              podsock_error_t *err)
{
  pid_t pause_pid;

  if (root_in_userns)
    return handback_to_owner (dir, r, err);
  if (handback_pause_pid (run_dir, &pause_pid, err) < 0)
    return -1;
  return handback_in_userns (pause_pid, dir, 1, r, err);
}
