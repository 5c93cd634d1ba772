/* cgroup v2 limits for the engine's subtree.  Where the pod's runtime
 * delegates the container's cgroup (its cgroup namespace root is writable:
 * CRI-O's io.kubernetes.cri-o.cgroup2-mount-hierarchy-rw annotation), the
 * sidecar splits it in two leaves, as cgroup v2 wants processes only in
 * leaves once controllers are enabled:
 *   DELEGATED/sidecar   the sidecar, its gateway and hand-back watcher
 *   DELEGATED/engine    podman, conmon and (cgroups disabled for nested
 *                       containers) every container: engine.memoryMax and
 *                       engine.pidsMax apply to all of them together
 * docs/modes.md ("cgroup delegated") has what happens with and without it. */
#ifndef PODSOCK_SIDECAR_CGROUP_H
#define PODSOCK_SIDECAR_CGROUP_H

#include "config.h"
#include <podsock/error.h>

struct engine_cgroup
{
  char *procs;        /* DELEGATED/engine/cgroup.procs, NULL when not split */
  int memory_applied; /* memory.max written */
  int pids_applied;   /* pids.max written */
};

/* root: the cgroup2 mount (/sys/fs/cgroup); self: this process's cgroup
 * path from /proc/self/cgroup ("/" in a cgroup namespace of its own).
 * Splits the subtree and writes the limits the configuration asks for.
 * What cannot be applied (a controller the parent does not pass down) is
 * logged with the reason; -1 only when the split itself fails half-way. */
int engine_cgroup_setup (struct engine_cgroup *cg, const char *root, const char *self,
                         const struct podsock_config *cfg, podsock_error_t *err);

void engine_cgroup_release (struct engine_cgroup *cg);

#endif
