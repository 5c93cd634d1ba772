/* Ownership hand-back: files that nested containers' non-root users wrote
 * into the builds directory belong to subordinate IDs the job cannot touch
 * (podman #1386, gitlab-runner #2221).  A child of the sidecar follows the
 * engine's events and, when a container with a bind mount under the builds
 * path dies, gives what it wrote back to the pod UID from inside the
 * engine's user namespace (sidecar/handback.c, docs/ownership.md). */
#ifndef PODSOCK_SIDECAR_HANDBACK_WATCH_H
#define PODSOCK_SIDECAR_HANDBACK_WATCH_H

#include <signal.h>
#include <sys/types.h>

struct handback_watch_params
{
  const char *api_socket;
  const char *run_dir;    /* podman's XDG_RUNTIME_DIR: its pause process */
  const char *builds_dir; /* only bind sources below this are handed back */
  int root_in_userns;     /* root of the pod's user namespace (hostUsers: false):
                           * no pause process; the tree goes to its owner */
};

/* Starts the watcher child; it reconnects when the engine restarts and runs
 * until killed.  Returns its pid, or -1. */
pid_t handback_watch_start (const struct handback_watch_params *p, const sigset_t *child_mask);

#endif
