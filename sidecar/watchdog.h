/* The disk watchdog: keeps the storage directory under its size limit (the
 * emptyDir sizeLimit, past which the kubelet evicts the pod) by pruning. */
#ifndef PODSOCK_SIDECAR_WATCHDOG_H
#define PODSOCK_SIDECAR_WATCHDOG_H

#include "config.h"
#include <stdint.h>
#include <sys/types.h>

struct watchdog_params
{
  /* storage.sizeLimit (0: watchdog off), the watermarks, storage.prune */
  const struct podsock_config *cfg;
  const char *graphroot;  /* what is measured */
  const char *api_socket; /* where podman prunes */
  const char *run_dir;    /* podman's XDG_RUNTIME_DIR: the pause process */
};

struct watchdog_result
{
  uint64_t used_before, used_after;
  unsigned containers_pruned, images_removed;
  int pruned; /* 1 when it pruned anything */
};

/* Bytes the tree under dir takes on disk (st_blocks), not following links
 * nor crossing into other file systems, each inode counted once. */
uint64_t watchdog_disk_usage (const char *dir);

/* One round, run in a child (it joins the engine's user namespace to see
 * every file): measure, and above the high watermark prune down to the low
 * one.  Returns the child's pid and a pipe fd that will carry the result. */
pid_t watchdog_start_round (const struct watchdog_params *p, const sigset_t *child_mask,
                            int *result_fd);

/* Reads the result the child wrote; 0 or -1. */
int watchdog_read_result (int fd, struct watchdog_result *r);

#endif
