/* User-defined networks in the pod's network namespace (docs/compatibility.md).
 *
 * A rootless engine's own networks need /dev/net/tun and a writable
 * /proc/sys, which pods do not have; and a pod's containers share one network
 * namespace anyway.  So a container created on a user-defined network
 * (`docker network create n; docker run --network n`, compose's project
 * network) runs in the pod's network instead, and every such container gets
 * one hosts file, kept by the gateway, bind-mounted at /etc/hosts: each
 * container's name, hostname, network aliases and link aliases resolve to
 * 127.0.0.1.  The file is rewritten in place as containers come and go, so
 * containers created earlier see later ones (a bind mount pins the inode: a
 * rename would not reach them). */
#include "gateway/networks.h"
#include "gateway/json.h"
#include <podsock/log.h>
#include <podsock/util.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct gw_hosts_entry
{
  struct gw_hosts_entry *next;
  char id[72];
  char *names; /* space-separated */
};

void
gw_hosts_init (struct gw_hosts *h, const char *path)
{
  memset (h, 0, sizeof *h);
  pthread_mutex_init (&h->lock, NULL);
  h->path = path ? xstrdup (path) : NULL;
}

void
gw_hosts_free (struct gw_hosts *h)
{
  while (h->head)
    {
      struct gw_hosts_entry *e = h->head;
      h->head = e->next;
      free (e->names);
      free (e);
    }
  free (h->path);
  pthread_mutex_destroy (&h->lock);
}

/* The whole file in one write, then cut to its length: readers see the old
 * text or the new, never a file missing a name that stayed. */
static int
write_locked (struct gw_hosts *h)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  cleanup_close int fd = -1;

  if (f == NULL)
    return -1;
  fprintf (f, "# written by podsock's gateway: the pod's containers on user-defined networks\n"
              "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
  for (const struct gw_hosts_entry *e = h->head; e; e = e->next)
    if (e->names[0])
      fprintf (f, "127.0.0.1\t%s\n", e->names);
  if (fclose (f) != 0)
    return -1;
  fd = open (h->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || pwrite (fd, text, len, 0) != (ssize_t) len || ftruncate (fd, (off_t) len) < 0)
    {
      log_warn ("gateway: cannot write the containers' hosts file %s: %m", h->path);
      return -1;
    }
  return 0;
}

int
gw_hosts_ensure (struct gw_hosts *h)
{
  int r;

  if (h->path == NULL)
    return -1;
  pthread_mutex_lock (&h->lock);
  r = h->written ? 0 : write_locked (h);
  h->written = r == 0;
  pthread_mutex_unlock (&h->lock);
  return r;
}

void
gw_hosts_add (struct gw_hosts *h, const char *id, const char *names)
{
  struct gw_hosts_entry *e;

  if (h->path == NULL || names == NULL)
    return;
  e = xcalloc (1, sizeof *e);
  snprintf (e->id, sizeof e->id, "%s", id);
  e->names = xstrdup (names);
  pthread_mutex_lock (&h->lock);
  e->next = h->head;
  h->head = e;
  write_locked (h);
  pthread_mutex_unlock (&h->lock);
}

/* ref: an id, an id prefix of 4+ characters, or the first name. */
static bool
matches (const struct gw_hosts_entry *e, const char *ref)
{
  size_t n = strlen (ref), first = strcspn (e->names, " ");

  return strcmp (e->id, ref) == 0 || (n >= 4 && strncmp (e->id, ref, n) == 0)
         || (first == n && strncmp (e->names, ref, n) == 0);
}

void
gw_hosts_remove (struct gw_hosts *h, const char *ref)
{
  bool changed = false;

  if (h->path == NULL)
    return;
  pthread_mutex_lock (&h->lock);
  for (struct gw_hosts_entry **pp = &h->head; *pp;)
    {
      struct gw_hosts_entry *e = *pp;
      if (!matches (e, ref))
        {
          pp = &e->next;
          continue;
        }
      *pp = e->next;
      free (e->names);
      free (e);
      changed = true;
    }
  if (changed)
    write_locked (h);
  pthread_mutex_unlock (&h->lock);
}

static void add_strings (char *names, size_t cap, const cJSON *list, bool link);

bool
gw_hosts_extend (struct gw_hosts *h, const char *ref, const cJSON *aliases)
{
  bool found = false;

  if (h->path == NULL)
    return false;
  pthread_mutex_lock (&h->lock);
  for (struct gw_hosts_entry *e = h->head; e && !found; e = e->next)
    if (matches (e, ref))
      {
        char names[2048];
        snprintf (names, sizeof names, "%s", e->names);
        add_strings (names, sizeof names, aliases, false);
        free (e->names);
        e->names = xstrdup (names);
        found = true;
      }
  if (found)
    write_locked (h);
  pthread_mutex_unlock (&h->lock);
  return found;
}

/* Networks the engine provides itself, or modes that are no network. */
static bool
is_user_network (const char *mode)
{
  static const char *const own[]
      = { "", "default", "bridge", "host", "none", "private", "slirp4netns", "pasta", NULL };

  for (size_t i = 0; own[i]; i++)
    if (strcmp (mode, own[i]) == 0)
      return false;
  return strncmp (mode, "container:", 10) != 0 && strncmp (mode, "ns:", 3) != 0
         && strncmp (mode, "slirp4netns:", 12) != 0 && strncmp (mode, "pasta:", 6) != 0;
}

static void
add_name (char *names, size_t cap, const char *name)
{
  size_t len = strlen (names);

  if (name == NULL || name[0] == '\0' || strpbrk (name, " \t\n()"))
    return;
  if (name[0] == '/')
    name++;
  /* no name twice */
  for (const char *p = names; (p = strstr (p, name)); p++)
    if ((p == names || p[-1] == ' ') && (p[strlen (name)] == ' ' || p[strlen (name)] == '\0'))
      return;
  snprintf (names + len, cap - len, "%s%s", len ? " " : "", name);
}

static void
add_strings (char *names, size_t cap, const cJSON *list, bool link)
{
  const cJSON *e;

  cJSON_ArrayForEach (e, list)
  {
    if (!cJSON_IsString (e))
      continue;
    /* Links are "container:alias": both names mean that container. */
    const char *colon = link ? strrchr (e->valuestring, ':') : NULL;
    add_name (names, cap, colon ? colon + 1 : e->valuestring);
  }
}

char *
gw_networks_rewrite (struct gw_hosts *h, cJSON *req, cJSON *hc, const char *name)
{
  const cJSON *mode = gwjson_get (hc, "NetworkMode");
  const cJSON *nc = gwjson_get (req, "NetworkingConfig");
  const cJSON *eps = nc ? gwjson_get (nc, "EndpointsConfig") : NULL, *ep;
  char names[2048] = "";
  cJSON *mounts, *m;

  if (h->path == NULL || !cJSON_IsString (mode) || !is_user_network (mode->valuestring)
      || gw_hosts_ensure (h) < 0)
    return NULL;
  add_name (names, sizeof names, name);
  add_name (names, sizeof names, cJSON_GetStringValue (gwjson_get (req, "Hostname")));
  cJSON_ArrayForEach (ep, eps) add_strings (names, sizeof names, gwjson_get (ep, "Aliases"), false);
  add_strings (names, sizeof names, gwjson_get (hc, "Links"), true);
  podsock_log_fields (PODSOCK_LOG_INFO,
                      "gateway: user-defined network runs in the pod's network; names in the "
                      "containers' hosts file",
                      "container", name, "network", mode->valuestring, "names", names, NULL);
  gwjson_set (hc, "NetworkMode", xnonnull (cJSON_CreateString ("host")));
  gwjson_remove (req, "NetworkingConfig");
  gwjson_remove (hc, "Links");
  mounts = gwjson_get (hc, "Mounts");
  if (!cJSON_IsArray (mounts))
    {
      mounts = xnonnull (cJSON_CreateArray ());
      gwjson_set (hc, "Mounts", mounts);
    }
  m = xnonnull (cJSON_CreateObject ());
  cJSON_AddStringToObject (m, "Type", "bind");
  cJSON_AddStringToObject (m, "Source", h->path);
  cJSON_AddStringToObject (m, "Target", "/etc/hosts");
  cJSON_AddTrueToObject (m, "ReadOnly");
  cJSON_AddItemToArray (mounts, m);
  return xstrdup (names);
}
