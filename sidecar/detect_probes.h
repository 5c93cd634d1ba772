/* The probes of detect_run(), one file per concern: detect_ids.c (user
 * namespaces and ID mapping), detect_kernel.c (cgroups, devices, /proc),
 * detect_storage.c (the storage directory and overlay test mounts).
 * Private to sidecar/detect*.c. */
#ifndef PODSOCK_SIDECAR_DETECT_PROBES_H
#define PODSOCK_SIDECAR_DETECT_PROBES_H

#include "detect.h"
#include <podsock/error.h>
#include <sys/types.h>

/* Records a probe's result; fix is the Kubernetes setting that would lift a
 * limitation (NULL when nothing does). */
struct detect_probe *probe_add (struct detect_report *r, const char *name, int ok, const char *fix,
                                const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));
void warn_add (struct detect_report *r, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

struct ids
{
  uid_t uid;
  gid_t gid;
};

/* In a test child: a new user namespace in which we are root (our one UID
 * mapped to 0, as an unprivileged process may), plus a private mount
 * namespace.  0, or -1 with errno. */
int detect_enter_own_userns (uid_t uid, gid_t gid);

/* Runs fn(arg) in a forked child; fn returns 0 or an errno value, which
 * comes back as its exit status.  0, or -1 with *err whose status is that
 * errno (EIO when the child crashed). */
int detect_in_child (int (*fn) (void *), void *arg, podsock_error_t *err);

void detect_userns (struct detect_report *r);
void detect_newuidmap (struct detect_report *r);
void detect_cgroup (struct detect_report *r);
void detect_device (struct detect_report *r, const char *name, const char *path, int *out,
                    const char *fix);
void detect_proc (struct detect_report *r);
void detect_storage (struct detect_report *r, const char *storage_dir);

#endif
