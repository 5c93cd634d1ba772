#include <podsock/fs.h>
#include <podsock/storagedir.h>
#include <podsock/util.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int
storagedir_check_pod_id (const char *id, podsock_error_t *err)
{
  size_t len = id ? strlen (id) : 0;

  if (len == 0 || len > STORAGEDIR_POD_ID_MAX)
    return podsock_error_make (err, 0,
                               "pod id '%s' must have 1 to %d characters; set POD_NAME from "
                               "the downward API (fieldRef: metadata.name)",
                               id ? id : "", STORAGEDIR_POD_ID_MAX);
  for (const char *p = id; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
      return podsock_error_make (err, 0,
                                 "pod id '%s' is not a Kubernetes pod name (lowercase letters, "
                                 "digits, '-' and '.'); set POD_NAME from the downward API",
                                 id);
  if (id[0] == '.' || id[0] == '-' || strstr (id, "..") != NULL)
    return podsock_error_make (err, 0,
                               "pod id '%s' must start with a letter or digit; set POD_NAME "
                               "from the downward API",
                               id);
  return 0;
}

static int
path_join (char *out, size_t size, const char *a, const char *b, const char *c,
           podsock_error_t *err)
{
  int n = snprintf (out, size, "%s/%s%s", a, b, c);
  if (n < 0 || (size_t) n >= size)
    return podsock_error_make (err, ENAMETOOLONG, "%s/%s%s", a, b, c);
  return 0;
}

/* The first word of each mode is its name. */
static const struct
{
  const char *name;
  enum storagedir_mode mode;
} modes[] = { { "auto", STORAGEDIR_AUTO },     { "true", STORAGEDIR_SHARED },
              { "false", STORAGEDIR_PRIVATE }, { "writer", STORAGEDIR_WRITER },
              { "1", STORAGEDIR_SHARED },      { "0", STORAGEDIR_PRIVATE } };

int
storagedir_mode_parse (const char *value, enum storagedir_mode *out, podsock_error_t *err)
{
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (strcmp (value, modes[i].name) == 0)
      {
        *out = modes[i].mode;
        return 0;
      }
  return podsock_error_make (err, 0, "'%s' is not one of auto, true, false, writer", value);
}

const char *
storagedir_mode_name (enum storagedir_mode mode)
{
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (modes[i].mode == mode)
      return modes[i].name;
  return "auto";
}

int
storagedir_layout (const char *storage, enum storagedir_mode mode, const char *pod_id,
                   struct storagedir_layout *out, podsock_error_t *err)
{
  char shared[4096];
  struct stat st;

  memset (out, 0, sizeof *out);
  if (storage[0] != '/')
    return podsock_error_make (err, 0, "storage directory '%s' must be an absolute path", storage);
  if (path_join (shared, sizeof shared, storage, "shared", "", err) < 0)
    return -1;
  if (mode == STORAGEDIR_WRITER)
    {
      out->shared = out->writer = 1;
      memcpy (out->graphroot, shared, sizeof shared);
      return path_join (out->lock, sizeof out->lock, storage, "shared.lock", "", err);
    }
  out->shared = mode == STORAGEDIR_SHARED
                || (mode == STORAGEDIR_AUTO && lstat (shared, &st) == 0 && S_ISDIR (st.st_mode));
  if (!out->shared)
    {
      /* A volume root that the kubelet made (root-owned, fsGroup) cannot
       * become ours: the graphroot is a directory of our own inside it. */
      int foreign = lstat (storage, &st) == 0 && st.st_uid != geteuid () && geteuid () != 0;
      int n = snprintf (out->graphroot, sizeof out->graphroot, "%s%s", storage,
                        foreign ? "/graphroot" : "");
      if (n < 0 || (size_t) n >= sizeof out->graphroot)
        return podsock_error_make (err, ENAMETOOLONG, "storage directory %s", storage);
      return 0;
    }
  if (storagedir_check_pod_id (pod_id, err) < 0)
    return podsock_error_prefix (err, "shared storage volume %s", storage);
  memcpy (out->imagestore, shared, sizeof shared);
  if (path_join (out->graphroot, sizeof out->graphroot, storage, "pods/", pod_id, err) < 0
      || path_join (out->lock, sizeof out->lock, storage, "pods/", pod_id, err) < 0)
    return -1;
  if (strlen (out->lock) + sizeof ".lock" > sizeof out->lock)
    return podsock_error_make (err, ENAMETOOLONG, "%s.lock", out->lock);
  strcat (out->lock, ".lock");
  return 0;
}

/* The volume itself: ours, or a directory we may create entries in. */
static int
usable_volume (const char *path, podsock_error_t *err)
{
  struct stat st;
  int r;

  if (mkdir (path, 0700) < 0 && errno != EEXIST)
    return podsock_error_make (err, errno, "create %s (mount a volume there)", path);
  r = fs_lstat_is (path, S_IFDIR, "mount the volume at the path itself, not a symlink or a file",
                   &st, err);
  if (r == 0)
    return podsock_error_make (err, ENOENT, "%s vanished after it was created", path);
  if (r < 0)
    return -1;
  if (access (path, W_OK | X_OK) < 0)
    return podsock_error_make (err, errno,
                               "%s (owner %u, group %u, mode %04o) is not writable by uid %u; "
                               "set the pod's fsGroup so that the volume is group-writable, or "
                               "runAsUser to its owner",
                               path, (unsigned) st.st_uid, (unsigned) st.st_gid,
                               (unsigned) (st.st_mode & 07777), (unsigned) geteuid ());
  return 0;
}

/* A directory we own, or one we may create; anything else is refused. */
static int
own_dir (const char *path, mode_t mode, int *created, podsock_error_t *err)
{
  struct stat st;

  if (mkdir (path, mode) == 0)
    {
      if (created)
        *created = 1;
    }
  else if (errno != EEXIST)
    return podsock_error_make (err, errno,
                               "create %s (the volume must be writable by uid %u: set the "
                               "pod's fsGroup, or runAsUser to the volume's owner)",
                               path, (unsigned) geteuid ());
  if (lstat (path, &st) < 0)
    return podsock_error_make (err, errno, "stat %s", path);
  if (!S_ISDIR (st.st_mode))
    return podsock_error_make (err, 0, "%s is not a directory (a symlink or a file); remove it",
                               path);
  if (st.st_uid != geteuid ())
    return podsock_error_make (err, 0,
                               "%s belongs to uid %u, and uid %u cannot take it over: remove "
                               "it from the volume, or run podsock-init and the sidecar as "
                               "uid %u (runAsUser)",
                               path, (unsigned) st.st_uid, (unsigned) geteuid (),
                               (unsigned) st.st_uid);
  /* Exactly this mode: a setgid bit inherited from an fsGroup volume goes. */
  if ((st.st_mode & 07777) != mode && chmod (path, mode) < 0)
    return podsock_error_make (err, errno, "chmod %04o %s", (unsigned) mode, path);
  return 0;
}

/* Between its init and its sidecar a pod holds no lock yet: a lock file that
 * init touched less than STALE_AFTER ago marks a pod that is starting. */
#define STALE_AFTER (10 * 60)

static int
recently_prepared (const char *lock)
{
  struct stat st;

  if (lstat (lock, &st) < 0)
    return 0;
  return time (NULL) - st.st_mtime < STALE_AFTER;
}

static int
lock_is_free (const char *lock)
{
  cleanup_close int fd = open (lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

  if (fd < 0)
    return errno == ENOENT;
  return flock (fd, LOCK_EX | LOCK_NB) == 0;
}

/* Graphroots of pods that hold no lock died without cleaning up: their files
 * belong to subordinate IDs, which init cannot delete; rename them out of the
 * way (the sidecar's user namespace can delete STORAGE/trash). */
static int
move_stale_pods (const struct storagedir_layout *l, const char *storage,
                 struct storagedir_report *r, podsock_error_t *err)
{
  char pods[4096], trash[4096];
  DIR *d;
  struct dirent *de;

  if (path_join (pods, sizeof pods, storage, "pods", "", err) < 0
      || path_join (trash, sizeof trash, storage, "trash", "", err) < 0
      || own_dir (trash, 0700, NULL, err) < 0)
    return -1;
  if ((d = opendir (pods)) == NULL)
    return podsock_error_make (err, errno, "read %s", pods);
  while ((de = readdir (d)) != NULL)
    {
      char gr[4096], lock[4096], to[4096];
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      if (snprintf (gr, sizeof gr, "%s/%s", pods, de->d_name) >= (int) sizeof gr
          || strcmp (gr, l->graphroot) == 0)
        continue;
      if (snprintf (lock, sizeof lock, "%s.lock", gr) >= (int) sizeof lock)
        continue;
      if (!lock_is_free (lock) || recently_prepared (lock))
        {
          r->stale_live++;
          continue;
        }
      if (snprintf (to, sizeof to, "%s/%s.%ld", trash, de->d_name, (long) getpid ())
          >= (int) sizeof to)
        continue;
      if (rename (gr, to) == 0)
        {
          unlink (lock);
          r->stale_moved++;
        }
    }
  closedir (d);
  return 0;
}

/* A fresh mtime on our lock file: other pods' inits leave our graphroot
 * alone until our sidecar holds the lock. */
static int
touch_lock (const char *lock, podsock_error_t *err)
{
  cleanup_close int fd = open (lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd < 0 || futimens (fd, NULL) < 0)
    return podsock_error_make (err, errno, "touch %s", lock);
  return 0;
}

int
storagedir_prepare (const struct storagedir_layout *l, const char *storage,
                    struct storagedir_report *r, podsock_error_t *err)
{
  char pods[4096];

  memset (r, 0, sizeof *r);
  /* The graphroot may be the volume itself (ours), or a directory in it. */
  if (strcmp (l->graphroot, storage) != 0 && usable_volume (storage, err) < 0)
    return podsock_error_prefix (err, "storage volume");
  if (!l->shared)
    {
      if (own_dir (l->graphroot, 0700, &r->created, err) < 0)
        return podsock_error_prefix (err, "storage directory");
      return fs_make_private_dir (l->graphroot, err) < 0
                 ? podsock_error_prefix (err, "storage directory")
                 : 0;
    }
  if (path_join (pods, sizeof pods, storage, "pods", "", err) < 0)
    return -1;
  if (l->writer)
    {
      if (!lock_is_free (l->lock))
        return podsock_error_make (err, EBUSY,
                                   "another pod writes the shared image store %s (%s is held): "
                                   "run one writer pod at a time",
                                   l->graphroot, l->lock);
      /* 0755 for the readers; own_dir's exact mode drops an fsGroup's
       * setgid bit, which breaks native overlay. */
      if (own_dir (l->graphroot, 0755, &r->created, err) < 0 || own_dir (pods, 0700, NULL, err) < 0)
        return podsock_error_prefix (err, "shared image store");
      return 0;
    }
  if (own_dir (l->imagestore, 0755, NULL, err) < 0 || own_dir (pods, 0700, NULL, err) < 0)
    return podsock_error_prefix (err, "shared storage volume");
  if (move_stale_pods (l, storage, r, err) < 0)
    return podsock_error_prefix (err, "shared storage volume");
  if (own_dir (l->graphroot, 0700, &r->created, err) < 0
      || fs_make_private_dir (l->graphroot, err) < 0)
    return podsock_error_prefix (err, "storage of this pod");
  return touch_lock (l->lock, err);
}

int
storagedir_hold_lock (const struct storagedir_layout *l, podsock_error_t *err)
{
  int fd;

  if (!l->shared)
    return 0;
  fd = open (l->lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return podsock_error_make (err, errno, "open %s", l->lock);
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      int e = errno;
      close (fd);
      if (l->writer)
        return podsock_error_make (err, e,
                                   "lock %s: another pod writes the shared image store; run one "
                                   "writer pod at a time",
                                   l->lock);
      return podsock_error_make (err, e,
                                 "lock %s: another pod with the same name uses this graphroot; "
                                 "give each pod its own POD_NAME",
                                 l->lock);
    }
  return fd;
}
