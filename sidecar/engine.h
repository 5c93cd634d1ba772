/* The engine: podman's runtime environment, its configuration files, and
 * starting `podman system service` with the socket handed over. */
#ifndef PODSOCK_SIDECAR_ENGINE_H
#define PODSOCK_SIDECAR_ENGINE_H

#include "detect.h"
#include "config.h"

#include <podsock/error.h>
#include "seccomp_profile.h"
#include <sys/types.h>

struct engine
{
  const struct podsock_config *cfg; /* the sidecar's configuration (outlives the engine) */
  const char *graphroot;            /* podman's graphroot inside cfg->storage_dir (storagedir.h) */
  const char *image_store;          /* a shared read-only image store, NULL when none */
  char *run_dir;                    /* cfg->runtime_dir/engine: podman's XDG_RUNTIME_DIR */
  char *containers_conf;            /* generated, inside run_dir */
  char *storage_conf;
  char *home; /* HOME for podman when ours is unusable */
  char **env; /* environment for podman, NULL-terminated */
  /* Where podman serves its API, and so where the sidecar talks to it: the
   * clients' socket, or run_dir/podman.sock behind the gateway (then
   * api_socket_private, and engine_release() removes it). */
  char *api_socket;
  int api_socket_private;
  pid_t pid;                       /* podman's pid, 0 when not running */
  char *seccomp_profile;           /* for nested containers, NULL when off */
  const char *cgroup_procs;        /* the engine leaf's cgroup.procs (sidecar/cgroup.h), or NULL */
  char *runtime_root;              /* "root=RUN_DIR/crun": crun's state, for --runtime-flag */
  struct seccomp_prepared seccomp; /* installed on podman itself when possible */
  int out_fd;                      /* read end of podman's stdout+stderr */
};

/* An engine that has nothing yet; cfg, graphroot and image_store must
 * outlive it (image_store may be NULL). */
void engine_init (struct engine *e, const struct podsock_config *cfg, const char *graphroot,
                  const char *image_store);

/* Empties and recreates the runtime directory, creates the storage directory
 * (private to this UID) and settles api_socket.  Detection runs after this,
 * on that directory. */
int engine_prepare_dirs (struct engine *e, podsock_error_t *err);

/* Reconciles the storage directory with the chosen driver, writes
 * containers.conf and storage.conf and builds podman's environment. */
int engine_configure (struct engine *e, struct detect_report *r, podsock_error_t *err);

/* Starts podman with listen_fd as fd 3 (LISTEN_FDS=1, LISTEN_PID=its pid). */
int engine_start (struct engine *e, int listen_fd, const sigset_t *child_mask,
                  podsock_error_t *err);

/* Before a restart: podman's running containers (conmon) and its pause
 * process survive a podman crash and the new podman joins them; but a
 * pause.pid naming a process that is gone makes podman fail with "invalid
 * internal status" (CONTEXT.md), so such a file is removed. */
int engine_clean_stale_state (struct engine *e, podsock_error_t *err);

void engine_release (struct engine *e);

#endif
