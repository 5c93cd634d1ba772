#include "storage.h"

#include <podsock/fs.h>
#include <podsock/log.h>
#include <podsock/util.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MARKER "podsock-driver"

static int
dir_exists (const char *dir, const char *name)
{
  char p[4096];
  struct stat st;
  snprintf (p, sizeof p, "%s/%s", dir, name);
  return stat (p, &st) == 0 && S_ISDIR (st.st_mode);
}

/* The driver whose data the directory holds: from our marker, else from
 * containers/storage's own directory names; -1 when it holds none. */
static int
previous_driver (const char *dir)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, MARKER);
  cleanup_free char *text = NULL;
  podsock_error_t err = NULL;

  if (fs_read_file (path, 64, &text, NULL, &err) == 0)
    {
      text[strcspn (text, "\n")] = '\0';
      for (int d = CONFIG_DRIVER_OVERLAY; d <= CONFIG_DRIVER_VFS; d++)
        if (strcmp (text, detect_driver_name ((enum config_driver) d)) == 0)
          return d;
    }
  podsock_error_free (&err);
  if (dir_exists (dir, "overlay"))
    return CONFIG_DRIVER_OVERLAY;
  if (dir_exists (dir, "vfs"))
    return CONFIG_DRIVER_VFS;
  return -1;
}

/* Native overlay and fuse-overlayfs share containers/storage's "overlay"
 * driver and its on-disk layout: switching between them needs no reset. */
static int
same_family (enum config_driver a, enum config_driver b)
{
  return (a == CONFIG_DRIVER_VFS) == (b == CONFIG_DRIVER_VFS);
}

static int
usable (const struct detect_report *r, enum config_driver d)
{
  return d == CONFIG_DRIVER_OVERLAY        ? r->overlay
         : d == CONFIG_DRIVER_FUSE_OVERLAY ? r->fuse_overlay
                                           : r->storage_writable;
}

int
storage_reconcile_driver (const char *dir, struct detect_report *r, podsock_error_t *err)
{
  cleanup_free char *marker = NULL;
  int prev = previous_driver (dir);

  if (prev >= 0 && !same_family ((enum config_driver) prev, r->driver))
    {
      if (usable (r, (enum config_driver) prev))
        {
          log_warn ("storage %s holds %s data: reusing %s instead of %s (empty the volume to "
                    "switch)",
                    dir, detect_driver_name ((enum config_driver) prev),
                    detect_driver_name ((enum config_driver) prev), detect_driver_name (r->driver));
          r->driver = (enum config_driver) prev;
        }
      else
        {
          log_warn ("storage %s holds %s data, which this pod cannot use: emptying it for %s", dir,
                    detect_driver_name ((enum config_driver) prev), detect_driver_name (r->driver));
          if (fs_empty_dir (dir, err) < 0)
            return podsock_error_prefix (err, "reset storage for driver %s",
                                         detect_driver_name (r->driver));
        }
    }
  else if (prev >= 0)
    log_info ("storage %s: reusing its %s data", dir,
              detect_driver_name ((enum config_driver) prev));
  marker = xasprintf ("%s/%s", dir, MARKER);
  return fs_write_file_atomic (marker, detect_driver_name (r->driver), err);
}
