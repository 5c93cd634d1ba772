/* The socket directory: the emptyDir the sidecar and the build container share. */
#ifndef PODSOCK_SOCKDIR_H
#define PODSOCK_SOCKDIR_H

#include <podsock/error.h>
#include <sys/types.h>

struct sockdir_spec
{
  const char *path;
  mode_t mode; /* e.g. 02770 */
  gid_t gid;   /* (gid_t) -1: keep the directory's group */
};

struct sockdir_report
{
  int created;       /* the directory did not exist */
  int stale_removed; /* stale socket files removed */
  uid_t uid;
  gid_t gid;
  mode_t mode;
};

/* The name of a network file system (nfs, cifs, ceph...) for a statfs
 * f_type, or NULL: a unix socket there cannot be shared between the
 * containers of a pod (nor reliably served at all). */
const char *sockdir_network_fs (unsigned long f_type);

/* Creates the directory or checks the one there: a real directory (not a
 * symlink), owned by us or at least writable, with the mode and group asked
 * for where we own it; removes socket files nobody listens on.  Refuses a directory on a
 * network file system. */
int sockdir_prepare (const struct sockdir_spec *spec, struct sockdir_report *report,
                     podsock_error_t *err);

#endif
