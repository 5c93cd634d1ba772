/* The gateway's table of the containers (and exec instances) it let the
 * engine create.  A list: a job has tens of containers, not thousands. */
#include "gateway/containers.h"
#include "strv.h"
#include <podsock/util.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXEC_MARK '!' /* exec entries: id "!<exec id>", name = the container */

struct gw_container
{
  struct gw_container *next;
  char id[72];
  char name[256];
  char **sources;
  bool other_user;
  bool removing;
  bool auto_remove;
  bool attached; /* an attach was answered: the engine initialised it */
  bool started;  /* a start was answered */
  bool exited;   /* conmon wrote exit_code since the last start was asked */
  int exit_code;
  int watchers[GW_WATCHERS_MAX]; /* the eventfds of the exit waits under way */
  unsigned n_watchers;
};

static struct gw_container **find (struct gw_containers *t, const char *ref);

void
gw_containers_init (struct gw_containers *t)
{
  memset (t, 0, sizeof *t);
  pthread_mutex_init (&t->lock, NULL);
  pthread_cond_init (&t->removed, NULL);
}

static void
entry_free (struct gw_container *e)
{
  strv_free (e->sources);
  free (e);
}

void
gw_containers_free (struct gw_containers *t)
{
  while (t->head)
    {
      struct gw_container *e = t->head;
      t->head = e->next;
      entry_free (e);
    }
  pthread_mutex_destroy (&t->lock);
  pthread_cond_destroy (&t->removed);
}

/* e's exit waits look at the record again: an exit, or e is gone. */
static void
wake_watchers (const struct gw_container *e)
{
  static const uint64_t one = 1;

  for (unsigned i = 0; i < e->n_watchers; i++)
    if (write (e->watchers[i], &one, sizeof one) < 0)
      continue; /* the counter is full: it is readable, as good */
}

/* Drops the oldest entry (the list's tail) when the table is full. */
static void
trim (struct gw_containers *t)
{
  struct gw_container **pp = &t->head;

  if (t->n < GW_CONTAINERS_MAX || *pp == NULL)
    return;
  while ((*pp)->next)
    pp = &(*pp)->next;
  wake_watchers (*pp);
  entry_free (*pp);
  *pp = NULL;
  t->n--;
}

static void
add (struct gw_containers *t, const char *id, const char *name, const char *const *sources,
     bool other_user, bool auto_remove)
{
  struct gw_container *e = xcalloc (1, sizeof *e);

  snprintf (e->id, sizeof e->id, "%s", id);
  snprintf (e->name, sizeof e->name, "%s", name ? name : "");
  e->sources = sources ? strv_dup (sources) : xcalloc (1, sizeof (char *));
  e->other_user = other_user;
  e->auto_remove = auto_remove;
  pthread_mutex_lock (&t->lock);
  trim (t);
  e->next = t->head;
  t->head = e;
  t->n++;
  pthread_mutex_unlock (&t->lock);
}

void
gw_containers_add (struct gw_containers *t, const char *id, const char *name,
                   const char *const *sources, bool auto_remove)
{
  add (t, id, name, sources, false, auto_remove);
}

/* A flag of ref's entry (at offset), read under the lock; false when ref
 * is unknown. */
static bool
entry_flag (struct gw_containers *t, const char *ref, size_t offset)
{
  struct gw_container **pp;
  bool r;

  pthread_mutex_lock (&t->lock);
  pp = find (t, ref);
  r = pp && *(const bool *) (const void *) ((const char *) *pp + offset);
  pthread_mutex_unlock (&t->lock);
  return r;
}

bool
gw_containers_auto_remove (struct gw_containers *t, const char *ref)
{
  return entry_flag (t, ref, offsetof (struct gw_container, auto_remove));
}

/* Docker's lookup order: full id, name, then a unique id prefix. */
static struct gw_container **
find (struct gw_containers *t, const char *ref)
{
  struct gw_container **prefix = NULL;
  size_t n = strlen (ref);

  if (ref[0] == EXEC_MARK || n == 0)
    return NULL;
  for (struct gw_container **pp = &t->head; *pp; pp = &(*pp)->next)
    {
      if ((*pp)->id[0] == EXEC_MARK)
        continue;
      if (strcmp ((*pp)->id, ref) == 0 || strcmp ((*pp)->name, ref) == 0
          || ((*pp)->name[0] == '/' && strcmp ((*pp)->name + 1, ref) == 0))
        return pp;
      if (prefix == NULL && n >= 4 && strncmp ((*pp)->id, ref, n) == 0)
        prefix = pp;
    }
  return prefix;
}

bool
gw_containers_known (struct gw_containers *t, const char *ref)
{
  bool known;

  pthread_mutex_lock (&t->lock);
  known = find (t, ref) != NULL;
  pthread_mutex_unlock (&t->lock);
  return known;
}

char **
gw_containers_sources (struct gw_containers *t, const char *ref, char *id)
{
  struct gw_container **pp;
  char **out = NULL;

  pthread_mutex_lock (&t->lock);
  pp = find (t, ref);
  if (pp)
    {
      out = strv_dup ((const char *const *) (*pp)->sources);
      if (id)
        snprintf (id, 72, "%s", (*pp)->id);
    }
  pthread_mutex_unlock (&t->lock);
  return out;
}

static void
unlink_entry (struct gw_containers *t, struct gw_container **pp)
{
  struct gw_container *e = *pp;

  wake_watchers (e);
  *pp = e->next;
  entry_free (e);
  t->n--;
}

void
gw_containers_remove (struct gw_containers *t, const char *ref)
{
  struct gw_container **pp;

  pthread_mutex_lock (&t->lock);
  pp = find (t, ref);
  if (pp && (*pp)->exited)
    {
      struct gw_gone *g = &t->gone[t->gone_next++ % GW_GONE_MAX];
      memcpy (g->id, (*pp)->id, sizeof g->id);
      g->exit_code = (*pp)->exit_code;
    }
  if (pp)
    unlink_entry (t, pp);
  pthread_cond_broadcast (&t->removed);
  pthread_mutex_unlock (&t->lock);
}

/* Sets a flag of ref's entry (at offset) under the lock. */
static void
entry_set (struct gw_containers *t, const char *ref, size_t offset)
{
  struct gw_container **pp;

  pthread_mutex_lock (&t->lock);
  pp = find (t, ref);
  if (pp)
    {
      *(bool *) (void *) ((char *) *pp + offset) = true;
      wake_watchers (*pp); /* started: its exit wait may ask the engine now */
    }
  pthread_mutex_unlock (&t->lock);
}

void
gw_containers_set_removing (struct gw_containers *t, const char *ref)
{
  entry_set (t, ref, offsetof (struct gw_container, removing));
}

void
gw_containers_set_attached (struct gw_containers *t, const char *ref)
{
  entry_set (t, ref, offsetof (struct gw_container, attached));
}

void
gw_containers_set_started (struct gw_containers *t, const char *ref)
{
  entry_set (t, ref, offsetof (struct gw_container, started));
}

bool
gw_containers_started (struct gw_containers *t, const char *ref)
{
  return entry_flag (t, ref, offsetof (struct gw_container, started));
}

void
gw_containers_set_exit (struct gw_containers *t, const char *ref, int code)
{
  struct gw_container **pp;

  pthread_mutex_lock (&t->lock);
  pp = find (t, ref);
  if (pp)
    {
      (*pp)->exited = code >= 0;
      (*pp)->exit_code = code;
      if (code >= 0)
        wake_watchers (*pp);
    }
  pthread_mutex_unlock (&t->lock);
}

int
gw_containers_watch_exit (struct gw_containers *t, const char *ref)
{
  struct gw_container **pp;
  int fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);

  if (fd < 0)
    return -1;
  pthread_mutex_lock (&t->lock);
  pp = find (t, ref);
  if (pp && (*pp)->n_watchers < GW_WATCHERS_MAX)
    (*pp)->watchers[(*pp)->n_watchers++] = fd;
  else
    {
      close (fd);
      fd = -1;
    }
  pthread_mutex_unlock (&t->lock);
  return fd;
}

void
gw_containers_unwatch_exit (struct gw_containers *t, const char *ref, int fd)
{
  struct gw_container **pp;

  if (fd < 0)
    return;
  pthread_mutex_lock (&t->lock);
  pp = find (t, ref);
  for (unsigned i = 0; pp && i < (*pp)->n_watchers; i++)
    if ((*pp)->watchers[i] == fd)
      (*pp)->watchers[i--] = (*pp)->watchers[--(*pp)->n_watchers];
  pthread_cond_broadcast (&t->removed);
  pthread_mutex_unlock (&t->lock);
  close (fd);
}

void
gw_containers_wait_unwatched (struct gw_containers *t, const char *ref, long timeout_ms)
{
  struct gw_container **pp;
  struct timespec until;

  cond_deadline_in (timeout_ms, &until);
  pthread_mutex_lock (&t->lock);
  while ((pp = find (t, ref)) && (*pp)->n_watchers > 0
         && pthread_cond_timedwait (&t->removed, &t->lock, &until) == 0)
    ;
  pthread_mutex_unlock (&t->lock);
}

bool
gw_containers_exit (struct gw_containers *t, const char *ref, int *code)
{
  struct gw_container **pp;
  bool r;

  pthread_mutex_lock (&t->lock);
  pp = find (t, ref);
  r = pp && (*pp)->exited;
  if (r)
    *code = (*pp)->exit_code;
  for (size_t i = 0; pp == NULL && !r && ref[0] != '\0' && i < GW_GONE_MAX; i++)
    if (strcmp (t->gone[i].id, ref) == 0)
      {
        *code = t->gone[i].exit_code;
        r = true;
      }
  pthread_mutex_unlock (&t->lock);
  return r;
}

/* ref's attached and started flags, read under the lock; false when ref
 * is unknown. */
static bool
life_of (struct gw_containers *t, const char *ref, bool *attached, bool *started)
{
  struct gw_container **pp;

  pthread_mutex_lock (&t->lock);
  pp = find (t, ref);
  if (pp)
    {
      *attached = (*pp)->attached;
      *started = (*pp)->started;
    }
  pthread_mutex_unlock (&t->lock);
  return pp != NULL;
}

bool
gw_containers_first_run (struct gw_containers *t, const char *ref)
{
  bool attached, started;
  return life_of (t, ref, &attached, &started) && attached && !started;
}

bool
gw_containers_initialised (struct gw_containers *t, const char *ref)
{
  bool attached, started;
  return life_of (t, ref, &attached, &started) && (attached || started);
}

bool
gw_containers_is_removing (struct gw_containers *t, const char *id)
{
  return entry_flag (t, id, offsetof (struct gw_container, removing));
}

static bool
name_removing (struct gw_containers *t, const char *name)
{
  for (struct gw_container *e = t->head; e; e = e->next)
    if (e->removing && e->id[0] != EXEC_MARK
        && (strcmp (e->name, name) == 0 || (e->name[0] == '/' && strcmp (e->name + 1, name) == 0)))
      return true;
  return false;
}

bool
gw_containers_wait_name (struct gw_containers *t, const char *name, long timeout_ms)
{
  struct timespec until;
  bool gone;

  cond_deadline_in (timeout_ms, &until);
  pthread_mutex_lock (&t->lock);
  while (name_removing (t, name))
    if (pthread_cond_timedwait (&t->removed, &t->lock, &until) != 0)
      break;
  gone = !name_removing (t, name);
  pthread_mutex_unlock (&t->lock);
  return gone;
}

void
gw_containers_add_exec (struct gw_containers *t, const char *exec_id, const char *container,
                        bool other_user)
{
  char key[72];

  snprintf (key, sizeof key, "%c%s", EXEC_MARK, exec_id);
  add (t, key, container, NULL, other_user, false);
}

int
gw_containers_take_exec (struct gw_containers *t, const char *exec_id, char *out)
{
  int r = 0;

  pthread_mutex_lock (&t->lock);
  for (struct gw_container **pp = &t->head; *pp; pp = &(*pp)->next)
    if ((*pp)->id[0] == EXEC_MARK && strcmp ((*pp)->id + 1, exec_id) == 0)
      {
        r = (*pp)->other_user;
        snprintf (out, 256, "%s", (*pp)->name);
        unlink_entry (t, pp);
        break;
      }
  pthread_mutex_unlock (&t->lock);
  return r;
}
