/* The live mode: is the engine alive, or being brought back by the sidecar? */
#ifndef PODSOCK_PROBE_LIVE_H
#define PODSOCK_PROBE_LIVE_H

#include "options.h"

#include <podsock/status.h>
#include <stdint.h>

/* How long a starting or restarting engine may go without answering, counted
 * from the later of the sidecar's last status write and the end of its
 * restart backoff.  podman answers within 1-2 s of its start on a warm node;
 * 30 s leaves room for a cold first start on slow storage (fuse-overlayfs)
 * and stays well below what a kubelet's failureThreshold tolerates. */
#define LIVE_START_ALLOWANCE_MS 30000

/* What the live mode knows when it judges. */
struct live_facts
{
  int ping;                            /* enum ping_result */
  const char *ping_error;              /* why, when ping != PING_OK */
  const struct podsock_status *status; /* NULL: none could be read */
  const char *status_error;            /* why not, when status is NULL */
  int64_t now_ms;                      /* CLOCK_REALTIME, as in the status file */
};

/* 0 alive, 1 not alive.  *note is a line for stderr (malloc'd), or NULL
 * when there is nothing to say; the caller frees it. */
int live_judge (const struct live_facts *f, char **note);

/* The mode: ping, and only when that fails, read the status file. */
int live_run (const struct probe_options *o);

#endif
