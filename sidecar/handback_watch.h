/* Ownership hand-back: files that nested containers' non-root users wrote
 * into the builds directory belong to subordinate IDs the job cannot touch
 * (podman #1386, gitlab-runner #2221).  A child of the sidecar follows the
 * engine's events and, when a container with a bind mount under the builds
 * path dies, gives what it wrote back to the pod UID from inside the
 * engine's user namespace (sidecar/handback.c, docs/ownership.md). */
#ifndef PODSOCK_SIDECAR_HANDBACK_WATCH_H
#define PODSOCK_SIDECAR_HANDBACK_WATCH_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct handback_watch_params
{
  const char *api_socket;
  const char *run_dir;    /* podman's XDG_RUNTIME_DIR: its pause process */
  const char *builds_dir; /* only bind sources below this are handed back */
  int root_in_userns;     /* root of the pod's user namespace (hostUsers: false):
                           * no pause process; the tree goes to its owner */
  /* The gateway's knowledge of the bind sources (NULL without a gateway):
   * a container it created is handed back through it at its death, from
   * the sources it checked at create, not from an inspect that a quick
   * --rm container does not wait for.  The follower then runs as a thread
   * of the sidecar, not as a child. */
  bool (*known) (void *data, const char *id);
  void (*died) (void *data, const char *id);
  void *data;
};

/* Starts the follower (a thread when p->died is set, else a child); it
 * reconnects when the engine restarts and runs until handback_watch_stop
 * (a thread) or the sidecar's end (a child).
 * Returns the child's pid or 0 for a thread, or -1. */
pid_t handback_watch_start (const struct handback_watch_params *p, const sigset_t *child_mask);

/* Ends the follower thread and waits for it (a hand-back under way
 * finishes first): before what its parameters point to goes away.  The
 * stream it reads is shut down, so this does not wait for the engine. */
void handback_watch_stop (void);

#endif
