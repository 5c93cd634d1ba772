/* Ownership hand-back in the gateway: when the engine answers a call that
 * tells the client a container ended (wait, stop, kill, restart, remove, the
 * end of an attached stream, the end of an exec as another user), the bind
 * sources under the builds path that the gateway recorded at the
 * container's create are handed back to the pod user before the answer goes
 * on.  The walk runs in the connection's own thread (one per client), so it
 * holds up only the client that waits for that container; a failure is
 * logged and never changes the answer (docs/ownership.md). */
#include "gateway/internal.h"
#include "strv.h"
#include "handback.h"
#include <podsock/log.h>
#include <podsock/util.h>

#include <stdio.h>
#include <string.h>

static bool
under (const char *path, const char *dir)
{
  size_t n = strlen (dir);

  while (n > 1 && dir[n - 1] == '/')
    n--;
  return strncmp (path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static void
handback_one (struct gateway *g, const char *id, const char *dir, const char *why)
{
  cleanup_error podsock_error_t err = NULL;
  struct handback_report r = { 0 };
  long started = monotonic_now_ms ();
  char chowned[24], failed[24], ms[24];

  if (handback_dir (dir, g->o.engine_run_dir, g->o.root_in_userns, &r, &err) < 0)
    {
      podsock_log_fields (PODSOCK_LOG_WARN,
                          "hand-back failed: the job may not be able to "
                          "change or delete what the container wrote there",
                          "container", id, "path", dir, "error", err->msg, NULL);
      return;
    }
  if (r.chowned == 0 && r.failed == 0)
    return;
  snprintf (chowned, sizeof chowned, "%llu", (unsigned long long) r.chowned);
  snprintf (failed, sizeof failed, "%llu", (unsigned long long) r.failed);
  snprintf (ms, sizeof ms, "%ld", monotonic_now_ms () - started);
  podsock_log_fields (r.failed ? PODSOCK_LOG_WARN : PODSOCK_LOG_INFO,
                      r.failed ? "handed files back to the pod user, some could not be: a group "
                                 "or user of the tree is not mapped in the engine's user "
                                 "namespace (see docs/ownership.md)"
                               : "handed files back to the pod user",
                      "container", id, "path", dir, "on", why, "chowned", chowned, "failed", failed,
                      "ms", ms, NULL);
}

void
gateway_handback (struct gateway *g, const char *ref, const char *why)
{
  char id[72] = "";
  char **sources;

  if (!g->o.handback || g->o.builds_dir == NULL || ref[0] == '\0')
    return;
  sources = gw_containers_sources (&g->containers, ref, id);
  for (size_t i = 0; sources && sources[i]; i++)
    if (under (sources[i], g->o.builds_dir))
      handback_one (g, id, sources[i], why);
  strv_free (sources);
}

void
gateway_stream_ended (struct conn *c)
{
  char container[256];

  if (c->x.t.route == ROUTE_ATTACH)
    gateway_handback (c->g, c->x.t.id, "attach");
  else if (c->x.t.route == ROUTE_EXEC_START
           && gw_containers_take_exec (&c->g->containers, c->x.t.id, container) == 1)
    gateway_handback (c->g, container, "exec");
}

void
gateway_container_died (struct gateway *g, const char *id)
{
  gateway_handback (g, id, "died");
}

bool
gateway_knows_container (struct gateway *g, const char *id)
{
  return gw_containers_known (&g->containers, id);
}
