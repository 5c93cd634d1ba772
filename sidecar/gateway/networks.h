/* User-defined networks in the pod's network namespace, names in one hosts
 * file the gateway keeps (networks.c).  Thread-safe. */
#ifndef PODSOCK_GATEWAY_NETWORKS_H
#define PODSOCK_GATEWAY_NETWORKS_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>

struct gw_hosts_entry;

struct gw_hosts
{
  pthread_mutex_t lock;
  char *path; /* NULL: networks are left to the engine */
  bool written;
  struct gw_hosts_entry *head;
};

void gw_hosts_init (struct gw_hosts *h, const char *path);
void gw_hosts_free (struct gw_hosts *h);
/* Writes the file once (localhost only); 0 or -1 (logged). */
int gw_hosts_ensure (struct gw_hosts *h);
/* A created container's names (space-separated) resolve to 127.0.0.1. */
void gw_hosts_add (struct gw_hosts *h, const char *id, const char *names);
/* ref (id, id prefix, or name) is gone. */
void gw_hosts_remove (struct gw_hosts *h, const char *ref);

/* docker network connect of a container the hosts file holds: its new
 * aliases join its names.  false when ref is not in the file (the engine
 * handles the call). */
bool gw_hosts_extend (struct gw_hosts *h, const char *ref, const cJSON *aliases);

/* A create on a user-defined network: NetworkMode becomes host, the
 * endpoints go, the hosts file is mounted at /etc/hosts.  Returns the
 * container's names (malloc'd) for gw_hosts_add once the engine answered,
 * or NULL when the request names no user-defined network. */
char *gw_networks_rewrite (struct gw_hosts *h, cJSON *req, cJSON *hc, const char *name);

#endif
