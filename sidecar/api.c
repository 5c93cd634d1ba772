#include "api.h"

#include <podsock/util.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf
{
  char *data;
  size_t len, max;
};

static size_t
on_data (char *p, size_t size, size_t n, void *userdata)
{
  struct buf *b = userdata;
  size_t len = size * n;
  char *grown;

  if (b->len + len > b->max)
    return 0; /* too large: abort */
  grown = realloc (b->data, b->len + len + 1);
  if (grown == NULL)
    return 0;
  b->data = grown;
  memcpy (b->data + b->len, p, len);
  b->len += len;
  b->data[b->len] = '\0';
  return len;
}

enum method
{
  METHOD_GET,
  METHOD_POST, /* with no body */
  METHOD_DELETE,
};

static CURL *
easy_for (const char *socket_path, enum method method, const char *path, long timeout_ms,
          struct buf *b)
{
  char url[1024];
  CURL *c = curl_easy_init ();

  if (c == NULL)
    return NULL;
  snprintf (url, sizeof url, "http://d%s", path);
  curl_easy_setopt (c, CURLOPT_UNIX_SOCKET_PATH, socket_path);
  curl_easy_setopt (c, CURLOPT_URL, url);
  curl_easy_setopt (c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, b);
  if (method == METHOD_POST)
    {
      curl_easy_setopt (c, CURLOPT_POST, 1L);
      curl_easy_setopt (c, CURLOPT_POSTFIELDSIZE, 0L);
    }
  else if (method == METHOD_DELETE)
    curl_easy_setopt (c, CURLOPT_CUSTOMREQUEST, "DELETE");
  return c;
}

static long
perform (CURL *c, struct buf *b, char **body, podsock_error_t *err)
{
  long status = -1;
  CURLcode rc = curl_easy_perform (c);

  if (rc != CURLE_OK)
    {
      curl_easy_cleanup (c);
      free (b->data);
      return podsock_error_make (err, 0, "%s", curl_easy_strerror (rc));
    }
  curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (c);
  if (body)
    *body = b->data;
  else
    free (b->data);
  return status;
}

/* One request, its answer body (at most max bytes) in *body unless body is
 * NULL.  Returns the HTTP status or -1. */
static long
request (const char *socket_path, enum method method, const char *path, long timeout_ms,
         char **body, size_t max, podsock_error_t *err)
{
  struct buf b = { NULL, 0, max };
  CURL *c = easy_for (socket_path, method, path, timeout_ms, &b);

  if (c == NULL)
    return podsock_error_make (err, 0, "curl_easy_init failed");
  return perform (c, &b, body, err);
}

long
api_get (const char *socket_path, const char *path, long timeout_ms, char **body, size_t max,
         podsock_error_t *err)
{
  return request (socket_path, METHOD_GET, path, timeout_ms, body, max, err);
}

long
api_post (const char *socket_path, const char *path, long timeout_ms, char **body, size_t max,
          podsock_error_t *err)
{
  return request (socket_path, METHOD_POST, path, timeout_ms, body, max, err);
}

/* Running containers' IDs from GET /containers/json. */
static char **
running_ids (const char *socket_path, long timeout_ms, size_t *n, podsock_error_t *err)
{
  cleanup_free char *body = NULL;
  cJSON *list, *item;
  char **ids;
  long st = api_get (socket_path, "/containers/json", timeout_ms, &body, 4 << 20, err);

  if (st < 0)
    return NULL;
  if (st != 200)
    {
      podsock_error_make (err, 0, "GET /containers/json answered %ld", st);
      return NULL;
    }
  list = cJSON_Parse (body);
  if (!cJSON_IsArray (list))
    {
      cJSON_Delete (list);
      podsock_error_make (err, 0, "GET /containers/json: not a JSON array");
      return NULL;
    }
  ids = xcalloc ((size_t) cJSON_GetArraySize (list) + 1, sizeof *ids);
  *n = 0;
  cJSON_ArrayForEach (item, list)
  {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive (item, "Id");
    if (cJSON_IsString (id) && strlen (id->valuestring) == 64
        && strspn (id->valuestring, "0123456789abcdef") == 64)
      ids[(*n)++] = xstrdup (id->valuestring);
  }
  cJSON_Delete (list);
  return ids;
}

/* One container's stop: its request, its answer, its outcome. */
struct stop
{
  CURL *easy;
  struct buf b;
  CURLcode rc; /* CURLE_AGAIN until curl says it is done */
};

/* The container no longer runs: 204 stopped, 304 was already stopped, 404
 * is gone meanwhile (a docker run --rm that ended). */
static bool
stop_took (const struct stop *st)
{
  long status = 0;

  if (st->rc != CURLE_OK)
    return false;
  curl_easy_getinfo (st->easy, CURLINFO_RESPONSE_CODE, &status);
  return status == 204 || status == 304 || status == 404;
}

/* All stops run at once: the slowest container bounds the wait. */
static void
stop_run (CURLM *multi)
{
  int still = 0;
  CURLMsg *m;
  int left;

  do
    {
      if (curl_multi_perform (multi, &still) != CURLM_OK)
        break;
      while ((m = curl_multi_info_read (multi, &left)) != NULL)
        {
          struct stop *st = NULL;
          curl_easy_getinfo (m->easy_handle, CURLINFO_PRIVATE, (char **) &st);
          if (m->msg == CURLMSG_DONE && st)
            st->rc = m->data.result;
        }
      if (still)
        curl_multi_poll (multi, NULL, 0, 200, NULL);
    }
  while (still);
}

/* Why a stop did not take: curl's error, or the engine's status and message. */
static void
stop_failure (const struct stop *st, const char *id, char *out, size_t size)
{
  long status = 0;

  if (st->easy == NULL)
    snprintf (out, size, "%.12s: curl_easy_init failed", id);
  else if (st->rc == CURLE_AGAIN)
    snprintf (out, size, "%.12s: not answered", id);
  else if (st->rc != CURLE_OK)
    snprintf (out, size, "%.12s: %s", id, curl_easy_strerror (st->rc));
  else
    {
      curl_easy_getinfo (st->easy, CURLINFO_RESPONSE_CODE, &status);
      snprintf (out, size, "%.12s: answered %ld %.200s", id, status,
                st->b.data ? st->b.data : "");
    }
}

/* How many stops took; why lists the others. */
static size_t
stop_count (struct stop *stops, char **ids, size_t n, char *why, size_t size)
{
  size_t took = 0;

  why[0] = '\0';
  for (size_t i = 0; i < n; i++)
    {
      char one[300];
      size_t used = strlen (why);
      if (stop_took (&stops[i]))
        {
          took++;
          continue;
        }
      stop_failure (&stops[i], ids[i], one, sizeof one);
      snprintf (why + used, size - used, "%s%s", used ? "; " : "", one);
    }
  return took;
}

int
api_stop_all (const char *socket_path, unsigned stop_seconds, long timeout_ms, podsock_error_t *err)
{
  size_t n = 0, took;
  char **ids = running_ids (socket_path, timeout_ms, &n, err);
  CURLM *multi;
  struct stop *stops;
  char why[1024];

  if (ids == NULL)
    return -1;
  multi = curl_multi_init ();
  if (multi == NULL)
    abort (); /* out of memory, as the x* allocators */
  stops = xcalloc (n + 1, sizeof *stops);
  for (size_t i = 0; i < n; i++)
    {
      char path[160];
      snprintf (path, sizeof path, "/containers/%s/stop?t=%u", ids[i], stop_seconds);
      stops[i].b.max = 1 << 16;
      stops[i].rc = CURLE_AGAIN;
      stops[i].easy = easy_for (socket_path, METHOD_POST, path, timeout_ms, &stops[i].b);
      if (stops[i].easy == NULL)
        continue;
      curl_easy_setopt (stops[i].easy, CURLOPT_PRIVATE, (char *) &stops[i]);
      curl_multi_add_handle (multi, stops[i].easy);
    }
  stop_run (multi);
  took = stop_count (stops, ids, n, why, sizeof why);
  for (size_t i = 0; i < n; i++)
    {
      if (stops[i].easy)
        {
          curl_multi_remove_handle (multi, stops[i].easy);
          curl_easy_cleanup (stops[i].easy);
        }
      free (stops[i].b.data);
      free (ids[i]);
    }
  free (ids);
  free (stops);
  curl_multi_cleanup (multi);
  if (took < n)
    return podsock_error_make (err, 0,
                               "%zu of %zu container stop(s) failed (%s); what still runs "
                               "ends with podman at the end of shutdown.grace (if stops "
                               "time out, raise it, and the pod's "
                               "terminationGracePeriodSeconds above it)",
                               n - took, n, why);
  return (int) n;
}

long
api_delete_image (const char *socket_path, const char *id, long timeout_ms, podsock_error_t *err)
{
  char path[160];

  snprintf (path, sizeof path, "/images/%s", id);
  return request (socket_path, METHOD_DELETE, path, timeout_ms, NULL, 1 << 20, err);
}
