/* The disk watchdog's rounds: each in a child (sidecar/watchdog.c) so that
 * the loop keeps serving; the result comes back through a pipe and into
 * the log and the status file. */
#include "supervisor.h"

#include <podsock/log.h>
#include <podsock/util.h>

#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>

void
supervisor_start_disk_round (struct supervisor *s)
{
  long now = monotonic_now_ms ();

  if (s->p->watchdog == NULL || s->p->watchdog->cfg->storage_limit_bytes == 0 || s->watcher > 0
      || s->stopping || s->engine->pid <= 0
      || now - s->last_round_ms < (long) s->p->cfg->prune_interval_seconds * 1000 - 100)
    return;
  s->last_round_ms = now;
  s->watcher = watchdog_start_round (s->p->watchdog, s->p->child_mask, &s->watch_fd);
  if (s->watcher < 0)
    {
      log_warn ("disk watchdog: cannot start a round: %m");
      s->watcher = 0;
      return;
    }
  supervisor_poll_fd (s->epfd, s->watch_fd);
}

void
supervisor_finish_disk_round (struct supervisor *s)
{
  struct watchdog_result r;
  char before[32], after[32], limit[32], images[16], containers[16];

  if (watchdog_read_result (s->watch_fd, &r) == 0)
    {
      s->disk = r;
      snprintf (before, sizeof before, "%llu", (unsigned long long) r.used_before);
      snprintf (after, sizeof after, "%llu", (unsigned long long) r.used_after);
      snprintf (limit, sizeof limit, "%llu",
                (unsigned long long) s->p->watchdog->cfg->storage_limit_bytes);
      snprintf (images, sizeof images, "%u", r.images_removed);
      snprintf (containers, sizeof containers, "%u", r.containers_pruned);
      if (r.pruned)
        {
          s->last_prune_ms = realtime_now_ms ();
          podsock_log_fields (PODSOCK_LOG_INFO, "disk watchdog pruned storage", "used_before",
                              before, "used_after", after, "limit", limit, "images_removed", images,
                              "containers_removed", containers, NULL);
        }
      else
        podsock_log_fields (PODSOCK_LOG_DEBUG, "disk use", "used", after, "limit", limit, NULL);
      if (r.used_after > s->p->watchdog->cfg->storage_limit_bytes)
        log_warn ("storage uses %s bytes, above its limit of %s even after pruning: the kubelet "
                  "may evict the pod; raise the emptyDir sizeLimit and storage.sizeLimit",
                  after, limit);
      supervisor_publish (s, supervisor_state (s), NULL);
    }
  epoll_ctl (s->epfd, EPOLL_CTL_DEL, s->watch_fd, NULL);
  close (s->watch_fd);
  s->watch_fd = -1;
}
