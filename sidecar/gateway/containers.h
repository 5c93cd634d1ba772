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

/* Exit waits of one container at a time that are woken at its exit. */
#define GW_WATCHERS_MAX 8
/* Removed containers whose exit is still remembered (by full id). */
#define GW_GONE_MAX 16

struct gw_container;

struct gw_gone
{
  char id[72];
  int exit_code;
};

struct gw_containers
{
  pthread_mutex_t lock;
  pthread_cond_t removed; /* a container marked removing is gone, or an exit
                           * wait stopped watching */
  struct gw_container *head;
  size_t n;
  struct gw_gone gone[GW_GONE_MAX]; /* the last removed ones that had exited */
  unsigned gone_next;
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
/* Attached or started: the engine has initialised it (its conmon runs). */
bool gw_containers_initialised (struct gw_containers *t, const char *ref);
/* The exit status conmon wrote for ref (code >= 0), or none (-1: a start
 * was asked, the next exit is still to come). */
void gw_containers_set_exit (struct gw_containers *t, const char *ref, int code);
/* true and *code when an exit of ref is recorded; also for the last
 * GW_GONE_MAX removed containers, by full id: a wait that the exit woke
 * may read it after another client's wait had the container removed
 * (docker wait beside docker run --rm). */
bool gw_containers_exit (struct gw_containers *t, const char *ref, int *code);
/* An exit wait of ref: an eventfd that becomes readable when ref's record
 * changes (an exit, attached, started, removed), or -1 when ref is unknown
 * or has GW_WATCHERS_MAX waits already.  Unwatching (fd < 0: nothing)
 * closes it and wakes gw_containers_wait_unwatched. */
int gw_containers_watch_exit (struct gw_containers *t, const char *ref);
void gw_containers_unwatch_exit (struct gw_containers *t, const char *ref, int fd);
/* Waits up to timeout_ms until no exit wait of ref watches any more: the
 * waits had their answer. */
void gw_containers_wait_unwatched (struct gw_containers *t, const char *ref, long timeout_ms);
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
