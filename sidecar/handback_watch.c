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
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
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

/* The follower's parameters when it runs as a thread, and what stops it:
 * the flag, the socket of the stream it reads (shut down to end the read at
 * once) and the condition its pause between reconnects waits on. */
static struct handback_watch_params follower;
static struct
{
  pthread_mutex_t lock;
  pthread_cond_t wake;
  pthread_t thread;
  bool running, stop;
  curl_socket_t sock;
} ctl = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, .sock = CURL_SOCKET_BAD };

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
      bool gateways = w->p->known && w->p->known (w->p->data, cid);
      if (gateways && strcmp (status->valuestring, "start") != 0)
        w->p->died (w->p->data, cid);
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

/* curl's socket, known to handback_watch_stop; none once stopping. */
static curl_socket_t
open_socket (void *data, curlsocktype purpose, struct curl_sockaddr *a)
{
  curl_socket_t s = CURL_SOCKET_BAD;
  (void) data;
  (void) purpose;
  pthread_mutex_lock (&ctl.lock);
  if (!ctl.stop)
    s = socket (a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
  ctl.sock = s;
  pthread_mutex_unlock (&ctl.lock);
  return s;
}

static int
close_socket (void *data, curl_socket_t s)
{
  (void) data;
  pthread_mutex_lock (&ctl.lock);
  if (ctl.sock == s)
    ctl.sock = CURL_SOCKET_BAD;
  pthread_mutex_unlock (&ctl.lock);
  return close (s);
}

/* A second before the next connection (the engine restarts); false when
 * stopped meanwhile. */
static bool
pause_before_reconnect (void)
{
  struct timespec until;
  bool go_on;

  cond_deadline_in (1000, &until);
  pthread_mutex_lock (&ctl.lock);
  while (!ctl.stop && pthread_cond_timedwait (&ctl.wake, &ctl.lock, &until) == 0)
    ;
  go_on = !ctl.stop;
  pthread_mutex_unlock (&ctl.lock);
  return go_on;
}

static void
forget_all (struct watch *w)
{
  for (size_t i = 0; i < MAX_TRACKED; i++)
    {
      for (size_t j = 0; j < w->t[i].n; j++)
        free (w->t[i].sources[j]);
      memset (&w->t[i], 0, sizeof w->t[i]);
    }
  w->len = 0;
}

static void
watch (const struct handback_watch_params *p)
{
  static struct watch w;
  /* {"type":["container"],"event":["start","died"]} */
  const char *url = "http://d/events?filters=%7B%22type%22%3A%5B%22container%22%5D%2C"
                    "%22event%22%3A%5B%22start%22%2C%22died%22%5D%7D";

  w.p = p;
  do
    {
      CURL *c = curl_easy_init ();
      if (c)
        {
          curl_easy_setopt (c, CURLOPT_UNIX_SOCKET_PATH, p->api_socket);
          curl_easy_setopt (c, CURLOPT_URL, url);
          curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
          curl_easy_setopt (c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
          curl_easy_setopt (c, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
          curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_data);
          curl_easy_setopt (c, CURLOPT_WRITEDATA, &w);
          curl_easy_perform (c); /* returns when the engine goes away */
          curl_easy_cleanup (c);
        }
      w.len = 0;
    }
  while (pause_before_reconnect ());
  forget_all (&w);
}

void
handback_watch_stop (void)
{
  bool running;

  pthread_mutex_lock (&ctl.lock);
  ctl.stop = true;
  if (ctl.sock != CURL_SOCKET_BAD)
    shutdown (ctl.sock, SHUT_RDWR); /* the read under way ends now */
  pthread_cond_broadcast (&ctl.wake);
  running = ctl.running;
  ctl.running = false;
  pthread_mutex_unlock (&ctl.lock);
  if (running)
    pthread_join (ctl.thread, NULL);
}

static void *
watch_thread (void *arg)
{
  watch (arg);
  return NULL;
}

static int
start_thread (const struct handback_watch_params *p)
{
  int rc = EBUSY;

  pthread_mutex_lock (&ctl.lock);
  if (!ctl.running)
    {
      follower = *p;
      ctl.stop = false;
      rc = pthread_create (&ctl.thread, NULL, watch_thread, &follower);
      ctl.running = rc == 0;
    }
  pthread_mutex_unlock (&ctl.lock);
  if (rc == 0)
    return 0;
  errno = rc;
  return -1;
}

pid_t
handback_watch_start (const struct handback_watch_params *p, const sigset_t *child_mask)
{
  pid_t pid;

  if (p->died)
    return start_thread (p);
  pid = fork ();
  if (pid != 0)
    return pid;
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  sigprocmask (SIG_SETMASK, child_mask, NULL);
  watch (p);
  _exit (0);
}
