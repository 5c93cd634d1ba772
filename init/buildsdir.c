#include "buildsdir.h"

#include <podsock/fs.h>
#include <podsock/util.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Undoes the kernel's octal escapes (\040 space, \011 tab, \012 newline,
 * \134 backslash: fs/proc_namespace.c, mangle()) of one field, in place. */
static void
unescape_field (char *s)
{
  char *w = s;

  for (char *r = s; *r; r++)
    {
      if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0'
          && r[3] <= '7')
        {
          *w++ = (char) ((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
          r += 3;
        }
      else
        *w++ = *r;
    }
  *w = '\0';
}

/* The fifth field of a mountinfo line: the mount point. */
static int
mount_point_of (char *line, char **out)
{
  char *save = NULL, *f = strtok_r (line, " ", &save);

  for (int i = 1; f && i < 5; i++)
    f = strtok_r (NULL, " ", &save);
  if (f == NULL || f[0] != '/')
    return -1;
  unescape_field (f);
  *out = f;
  return 0;
}

int
mountinfo_has_mount_point (const char *mountinfo, const char *path)
{
  cleanup_free char *copy = strdup (mountinfo);
  size_t plen = strlen (path);
  char *save = NULL;

  if (copy == NULL)
    return -1;
  /* "/builds/" and "/builds" are the same place. */
  while (plen > 1 && path[plen - 1] == '/')
    plen--;
  for (char *l = strtok_r (copy, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    {
      char *mp;
      if (mount_point_of (l, &mp) < 0)
        return -1;
      if (strlen (mp) == plen && memcmp (mp, path, plen) == 0)
        return 1;
    }
  return 0;
}

static int
make_warning (const char *path, const char *why, char **warning, podsock_error_t *err)
{
  if (asprintf (warning,
                "builds directory %s %s: `docker run -v \"$CI_PROJECT_DIR:/w\"` names a path "
                "of the build container that the engine cannot see, so the container gets an "
                "empty directory. Mount the runner's `repo` volume there in podsock-init and "
                "podsock-sidecar; in the runner's [[runners.kubernetes.pod_spec]] patch add: "
                "initContainers: [{name: podsock-sidecar, volumeMounts: [{name: repo, "
                "mountPath: %s}]}, {name: podsock-init, volumeMounts: [{name: repo, mountPath: "
                "%s}]}] (and set --builds/PODSOCK_BUILDS_DIR if the runner's builds_dir is "
                "not %s)",
                path, why, path, path, path)
      < 0)
    return podsock_error_make (err, errno, "asprintf");
  return 1;
}

int
buildsdir_check (const char *path, const char *mountinfo_path, char **warning, podsock_error_t *err)
{
  cleanup_free char *text = NULL;
  struct stat st;
  int r;

  *warning = NULL;
  if (path[0] != '/')
    return podsock_error_make (err, 0, "builds directory '%s' must be an absolute path", path);
  if (lstat (path, &st) < 0)
    {
      if (errno != ENOENT)
        return podsock_error_make (err, errno, "builds directory %s", path);
      return make_warning (path, "does not exist in this container", warning, err);
    }
  if (!S_ISDIR (st.st_mode))
    return make_warning (path, "is not a directory", warning, err);
  if (fs_read_file (mountinfo_path, 16 * 1024 * 1024, &text, NULL, err) < 0)
    return -1;
  r = mountinfo_has_mount_point (text, path);
  if (r < 0)
    return podsock_error_make (err, 0, "%s: a line without a mount point field", mountinfo_path);
  if (r == 0)
    return make_warning (path, "is not a volume (not a mount point) in this container", warning,
                         err);
  return 0;
}
