/* The shared build directory: `docker run -v "$CI_PROJECT_DIR:/w"` names a
 * path of the build container, which the engine resolves in the sidecar, so
 * the runner's `repo` volume must be mounted at the same path in both. */
#ifndef PODSOCK_INIT_BUILDSDIR_H
#define PODSOCK_INIT_BUILDSDIR_H

#include <podsock/error.h>

/* 1 when mountinfo (the text of /proc/self/mountinfo) has a mount at path,
 * 0 when not, -1 when a line is malformed. */
int mountinfo_has_mount_point (const char *mountinfo, const char *path);

/* Checks path: 0 a mount point (the chart mounts `repo` there in init and
 * sidecar alike); 1 not (missing or a plain directory): *warning is then the
 * message to log, with the pod_spec lines to add (caller frees); -1 on an
 * error (unreadable mountinfo, a path that is not absolute). */
int buildsdir_check (const char *path, const char *mountinfo_path, char **warning,
                     podsock_error_t *err);

#endif
