/* What the gateway knows of the containers it let the engine create: their
 * bind sources, as checked at create (not from a later inspect, which a
 * quick --rm container does not wait for).  The start-time re-check of the
 * sources, VolumesFrom and the ownership hand-back read it.  Thread-safe. */
#ifndef PODSOCK_GATEWAY_CONTAINERS_H
#define PODSOCK_GATEWAY_CONTAINERS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* Oldest entries go past this many (a job that never removes its containers). */
#define GW_CONTAINERS_MAX 4096

struct gw_container;

struct gw_containers
{
  pthread_mutex_t lock;
  pthread_cond_t removed; /* a container marked removing is gone */
  struct gw_container *head;
  size_t n;
};

void gw_containers_init (struct gw_containers *t);
void gw_containers_free (struct gw_containers *t);

/* Records a created container: its id (from the engine's answer), its name
 * (may be empty) and its bind sources (a NULL-terminated list, copied). */
void gw_containers_add (struct gw_containers *t, const char *id, const char *name,
                        const char *const *sources, bool auto_remove);
/* Was ref created with HostConfig.AutoRemove (docker run --rm)? */
bool gw_containers_auto_remove (struct gw_containers *t, const char *ref);

/* Was ref (a name, an id or an id prefix of 4+ characters) created through
 * the gateway? */
bool gw_containers_known (struct gw_containers *t, const char *ref);

/* ref's bind sources as a NULL-terminated list (free with strv_free), or
 * NULL when ref is unknown.  *id gets the full id when not NULL (72 bytes). */
char **gw_containers_sources (struct gw_containers *t, const char *ref, char *id);

void gw_containers_remove (struct gw_containers *t, const char *ref);

/* docker run --rm: the client has its exit status, the removal goes on.
 * Until gw_containers_remove(), list answers leave the container out and a
 * create of the same name waits for it (gw_containers_wait_name). */
void gw_containers_set_removing (struct gw_containers *t, const char *ref);
bool gw_containers_is_removing (struct gw_containers *t, const char *id);

/* What the gateway saw of ref's life: an attach answered (the engine
 * initialised the container: its conmon runs) and a start answered. */
void gw_containers_set_attached (struct gw_containers *t, const char *ref);
void gw_containers_set_started (struct gw_containers *t, const char *ref);
bool gw_containers_started (struct gw_containers *t, const char *ref);
/* Attached and never started: the container's next exit is its first. */
bool gw_containers_first_run (struct gw_containers *t, const char *ref);
/* The exit status conmon wrote for ref (code >= 0), or none (-1: a start
 * was asked, the next exit is still to come). */
void gw_containers_set_exit (struct gw_containers *t, const char *ref, int code);
/* true and *code when an exit of ref is recorded. */
bool gw_containers_exit (struct gw_containers *t, const char *ref, int *code);
/* Waits up to timeout_ms while a container named name is being removed;
 * true when none is (any more). */
bool gw_containers_wait_name (struct gw_containers *t, const char *name, long timeout_ms);

/* Exec instances: which container an exec id belongs to, and whether it
 * runs as another user than the container's root. */
void gw_containers_add_exec (struct gw_containers *t, const char *exec_id, const char *container,
                             bool other_user);
/* 1 and the container's ref in out (256 bytes) when exec_id runs as
 * another user; 0 otherwise.  Forgets exec_id. */
int gw_containers_take_exec (struct gw_containers *t, const char *exec_id, char *out);

#endif
