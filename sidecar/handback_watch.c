#include "handback_watch.h"
#include "api.h"

#include "handback.h"
#include <podsock/log.h>
#include <podsock/util.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TRACKED 256
#define MAX_SOURCES 8

/* Bind sources under the builds path of running containers, remembered at
 * "start": a --rm container is gone by the time its "died" is read. */
struct tracked
{
  char id[65];
  char *sources[MAX_SOURCES];
  size_t n;
};

/* The follower's parameters when it runs as a thread, and the lock that
 * keeps its calls into the gateway from racing the gateway's end. */
static struct handback_watch_params follower;
static pthread_mutex_t gateway_lock = PTHREAD_MUTEX_INITIALIZER;

struct watch
{
  const struct handback_watch_params *p;
  struct tracked t[MAX_TRACKED];
  char line[65536];
  size_t len;
};

static int
under_builds (const char *builds, const char *path)
{
  size_t n = strlen (builds);
  return strncmp (path, builds, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static struct tracked *
slot (struct watch *w, const char *id, int create)
{
  struct tracked *free_slot = NULL;
  for (size_t i = 0; i < MAX_TRACKED; i++)
    {
      if (strcmp (w->t[i].id, id) == 0)
        return &w->t[i];
      if (free_slot == NULL && w->t[i].id[0] == '\0')
        free_slot = &w->t[i];
    }
  if (create && free_slot)
    snprintf (free_slot->id, sizeof free_slot->id, "%s", id);
  return create ? free_slot : NULL;
}

static void
on_start (struct watch *w, const char *id)
{
  cleanup_error podsock_error_t err = NULL;
  cleanup_free char *body = NULL;
  char path[128];
  cJSON *c, *m;
  struct tracked *t;

  snprintf (path, sizeof path, "/containers/%s/json", id);
  if (api_get (w->p->api_socket, path, 10000, &body, 4 << 20, &err) != 200)
    return;
  c = cJSON_Parse (body);
  cJSON_ArrayForEach (m, cJSON_GetObjectItemCaseSensitive (c, "Mounts"))
  {
    const cJSON *src = cJSON_GetObjectItemCaseSensitive (m, "Source");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive (m, "Type");
    if (!cJSON_IsString (src) || !cJSON_IsString (type) || strcmp (type->valuestring, "bind") != 0
        || !under_builds (w->p->builds_dir, src->valuestring))
      continue;
    t = slot (w, id, 1);
    if (t && t->n < MAX_SOURCES)
      t->sources[t->n++] = strdup (src->valuestring);
  }
  cJSON_Delete (c);
}

static void
on_died (struct watch *w, const char *id)
{
  struct tracked *t = slot (w, id, 0);

  if (t == NULL)
    return;
  for (size_t i = 0; i < t->n; i++)
    {
      cleanup_error podsock_error_t err = NULL;
      struct handback_report r = { 0 };
      char chowned[24], failed[24];
      if (handback_dir (t->sources[i], w->p->run_dir, w->p->root_in_userns, &r, &err) < 0)
        log_warn ("hand-back of %s: %s", t->sources[i], err->msg);
      else if (r.chowned || r.failed)
        {
          snprintf (chowned, sizeof chowned, "%llu", (unsigned long long) r.chowned);
          snprintf (failed, sizeof failed, "%llu", (unsigned long long) r.failed);
          podsock_log_fields (PODSOCK_LOG_INFO, "handed files back to the pod user", "container",
                              id, "path", t->sources[i], "chowned", chowned, "failed", failed,
                              NULL);
        }
      free (t->sources[i]);
    }
  memset (t, 0, sizeof *t);
}

static void
on_event (struct watch *w, const char *text)
{
  cJSON *e = cJSON_Parse (text);
  const cJSON *status = cJSON_GetObjectItemCaseSensitive (e, "status");
  const cJSON *id = cJSON_GetObjectItemCaseSensitive (e, "id");

  if (cJSON_IsString (status) && cJSON_IsString (id) && strlen (id->valuestring) == 64)
    {
      const char *cid = id->valuestring;
      bool gateways;
      pthread_mutex_lock (&gateway_lock);
      gateways = w->p->known && w->p->known (w->p->data, cid);
      if (gateways && strcmp (status->valuestring, "start") != 0)
        w->p->died (w->p->data, cid);
      pthread_mutex_unlock (&gateway_lock);
      if (gateways)
        ; /* the gateway recorded its sources at create, and handed back */
      else if (strcmp (status->valuestring, "start") == 0)
        on_start (w, id->valuestring);
      /* The Docker API says "die", podman's own "died". */
      else if (strcmp (status->valuestring, "die") == 0
               || strcmp (status->valuestring, "died") == 0)
        {
          /* Too quick to be seen running: ask now, it may not be removed yet. */
          if (slot (w, id->valuestring, 0) == NULL)
            on_start (w, id->valuestring);
          on_died (w, id->valuestring);
        }
    }
  cJSON_Delete (e);
}

static size_t
on_data (char *data, size_t size, size_t nmemb, void *userdata)
{
  struct watch *w = userdata;
  size_t n = size * nmemb;

  for (size_t i = 0; i < n; i++)
    {
      if (data[i] == '\n')
        {
          w->line[w->len] = '\0';
          if (w->len)
            on_event (w, w->line);
          w->len = 0;
        }
      else if (w->len < sizeof w->line - 1)
        w->line[w->len++] = data[i];
    }
  return n;
}

static void __attribute__ ((noreturn)) watch_forever (const struct handback_watch_params *p)
{
  static struct watch w;
  /* {"type":["container"],"event":["start","died"]} */
  const char *url = "http://d/events?filters=%7B%22type%22%3A%5B%22container%22%5D%2C"
                    "%22event%22%3A%5B%22start%22%2C%22died%22%5D%7D";

  w.p = p;
  for (;;)
    {
      CURL *c = curl_easy_init ();
      if (c)
        {
          curl_easy_setopt (c, CURLOPT_UNIX_SOCKET_PATH, p->api_socket);
          curl_easy_setopt (c, CURLOPT_URL, url);
          curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
          curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_data);
          curl_easy_setopt (c, CURLOPT_WRITEDATA, &w);
          curl_easy_perform (c); /* returns when the engine goes away */
          curl_easy_cleanup (c);
        }
      w.len = 0;
      sleep (1);
    }
}

void
handback_watch_detach (void)
{
  pthread_mutex_lock (&gateway_lock);
  follower.known = NULL;
  follower.died = NULL;
  pthread_mutex_unlock (&gateway_lock);
}

static void *
watch_thread (void *arg)
{
  watch_forever (arg);
}

pid_t
handback_watch_start (const struct handback_watch_params *p, const sigset_t *child_mask)
{
  pthread_t t;
  pid_t pid;

  if (p->died)
    {
      follower = *p;
      if (pthread_create (&t, NULL, watch_thread, &follower) != 0)
        return -1;
      pthread_detach (t);
      return 0;
    }
  pid = fork ();

  if (pid != 0)
    return pid;
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  sigprocmask (SIG_SETMASK, child_mask, NULL);
  watch_forever (p);
}
