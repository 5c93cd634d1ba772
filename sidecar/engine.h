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

/* podman's version into r->engine_version when it is still empty: from the
 * package database when a dpkg package owns the binary (no process, well
 * under a millisecond), else from `podman --version`.  Leaves it empty (and
 * logs why) when neither says; the configuration is then podman 4's, which
 * podman 5 reads too.  engine_configure calls it; call it earlier to know
 * engine_network_mode() before. */
void engine_detect_version (const struct podsock_config *cfg, struct detect_report *r);

/* The version dpkg's database in admindir ("/var/lib/dpkg") records for the
 * package "podman" when its file list holds podman_path and it is installed,
 * as the upstream version ("5.4.2" from "5.4.2+ds1-2+b2"); 0, or -1. */
int engine_version_from_dpkg (const char *admindir, const char *podman_path, char *out, size_t cap);

/* The major version of "5.4.2"; 0 when unknown. */
int engine_major (const char *version);

/* The network nested containers get by default, and so what the gateway
 * turns default/bridge into: "host" without /dev/net/tun; with it "pasta"
 * on podman 5 (its default, slirp4netns deprecated) and "slirp4netns" on
 * podman 4 or an unknown version. */
const char *engine_network_mode (const struct detect_report *r);

/* podman's command line: podman system service --time=0 --runtime-flag
 * root=RUN_DIR/crun, NULL-terminated; the strings belong to e. */
#define ENGINE_ARGV_MAX 8
void engine_build_argv (const struct engine *e, char *argv[ENGINE_ARGV_MAX]);

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
