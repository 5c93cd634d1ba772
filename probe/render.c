/* The status mode's output: text for people, JSON for scripts. */
#include "report.h"

#include <podsock/util.h>

#include <inttypes.h>
#include <string.h>

static const char *
human_bytes (int64_t b, char *buf, size_t size)
{
  static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  double v = (double) b;
  size_t u = 0;

  while (v >= 1024 && u + 1 < ARRAY_SIZE (units))
    {
      v /= 1024;
      u++;
    }
  snprintf (buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

static const char *
human_age (int64_t ms, char *buf, size_t size)
{
  int64_t s = ms / 1000;

  if (s < 120)
    snprintf (buf, size, "%" PRId64 " s", s < 0 ? 0 : s);
  else if (s < 7200)
    snprintf (buf, size, "%" PRId64 " min", s / 60);
  else if (s < 172800)
    snprintf (buf, size, "%" PRId64 " h", s / 3600);
  else
    snprintf (buf, size, "%" PRId64 " d", s / 86400);
  return buf;
}

static void
add_count (cJSON *obj, const char *key, int64_t v)
{
  if (v < 0)
    cJSON_AddNullToObject (obj, key);
  else
    cJSON_AddNumberToObject (obj, key, (double) v);
}

static void
add_string_or_null (cJSON *obj, const char *key, const char *s)
{
  if (s && *s)
    cJSON_AddStringToObject (obj, key, s);
  else
    cJSON_AddNullToObject (obj, key);
}

static cJSON *
engine_json (const struct engine_report *r)
{
  cJSON *e = cJSON_CreateObject ();

  add_string_or_null (e, "name", r->name);
  add_string_or_null (e, "version", r->version);
  add_string_or_null (e, "api_version", r->api_version);
  add_string_or_null (e, "os", r->os);
  add_string_or_null (e, "arch", r->arch);
  add_string_or_null (e, "kernel", r->kernel);
  return e;
}

static cJSON *
containers_json (const struct engine_report *r)
{
  cJSON *c = cJSON_CreateObject ();

  add_count (c, "running", r->running ? cJSON_GetArraySize (r->running) : r->containers_running);
  add_count (c, "total", r->containers);
  cJSON_AddItemToObject (c, "list",
                         r->running ? cJSON_Duplicate (r->running, 1) : cJSON_CreateArray ());
  return c;
}

static cJSON *
disk_json (const struct podsock_status *st)
{
  cJSON *d = cJSON_CreateObject ();

  cJSON_AddNumberToObject (d, "used_bytes", (double) st->disk_used_bytes);
  cJSON_AddNumberToObject (d, "limit_bytes", (double) st->disk_limit_bytes);
  cJSON_AddNumberToObject (d, "last_prune_ms", (double) st->last_prune_ms);
  return d;
}

/* The status file as the sidecar wrote it (as status_write would). */
static cJSON *
sidecar_json (const struct podsock_status *st)
{
  cleanup_free char *text = status_format (st);
  return text ? cJSON_Parse (text) : cJSON_CreateNull ();
}

static void
add_engine_parts (cJSON *root, const struct engine_report *r)
{
  cJSON *storage;

  cJSON_AddNumberToObject (root, "ping_ms", (double) r->ping_ms);
  cJSON_AddItemToObject (root, "engine", engine_json (r));
  storage = cJSON_AddObjectToObject (root, "storage");
  add_string_or_null (storage, "driver", r->driver);
  add_string_or_null (storage, "root", r->root_dir);
  cJSON_AddItemToObject (root, "containers", containers_json (r));
  add_count (root, "images", r->images);
}

static void
add_null_engine_parts (cJSON *root)
{
  static const char *const keys[] = { "ping_ms", "engine", "storage", "containers", "images" };

  for (size_t i = 0; i < ARRAY_SIZE (keys); i++)
    cJSON_AddNullToObject (root, keys[i]);
}

cJSON *
report_to_json (const struct report_facts *f)
{
  cJSON *root = cJSON_CreateObject ();

  if (root == NULL)
    return NULL;
  cJSON_AddStringToObject (root, "socket", f->socket_path);
  cJSON_AddBoolToObject (root, "ok", f->engine != NULL);
  add_string_or_null (root, "error", f->engine_error);
  if (f->engine)
    add_engine_parts (root, f->engine);
  else
    add_null_engine_parts (root);
  if (f->status)
    {
      cJSON_AddItemToObject (root, "disk", disk_json (f->status));
      cJSON_AddItemToObject (root, "sidecar", sidecar_json (f->status));
    }
  else
    {
      cJSON_AddNullToObject (root, "disk");
      cJSON_AddNullToObject (root, "sidecar");
    }
  add_string_or_null (root, "sidecar_error", f->status ? NULL : f->status_error);
  return root;
}

static void
print_containers (FILE *out, const struct engine_report *r)
{
  const cJSON *c;

  fprintf (out, "containers:  %d running", r->running ? cJSON_GetArraySize (r->running) : 0);
  if (r->containers >= 0)
    fprintf (out, " of %" PRId64, r->containers);
  if (r->images >= 0)
    fprintf (out, "; %" PRId64 " image%s", r->images, r->images == 1 ? "" : "s");
  fputc ('\n', out);
  cJSON_ArrayForEach (c, r->running)
  {
    const cJSON *names = cJSON_GetObjectItemCaseSensitive (c, "names");
    const cJSON *first = cJSON_GetArrayItem (names, 0);
    fprintf (out, "  %-12s  %s  %s  %s\n", cJSON_GetStringValue (cJSON_GetObjectItem (c, "id")),
             cJSON_IsString (first) ? first->valuestring : "-",
             cJSON_GetStringValue (cJSON_GetObjectItem (c, "image")),
             cJSON_GetStringValue (cJSON_GetObjectItem (c, "status")));
  }
}

static void
print_engine (FILE *out, const struct report_facts *f)
{
  const struct engine_report *r = f->engine;

  if (r == NULL)
    {
      fprintf (out, "socket:      %s\nengine:      no answer: %s\n", f->socket_path,
               f->engine_error ? f->engine_error : "unknown");
      return;
    }
  fprintf (out, "socket:      %s (/_ping answered in %ld ms)\n", f->socket_path, r->ping_ms);
  fprintf (out, "engine:      %s %s, API %s, %s/%s, kernel %s\n", r->name, r->version,
           r->api_version, r->os, r->arch, r->kernel);
  fprintf (out, "storage:     %s in %s\n", *r->driver ? r->driver : "unknown",
           *r->root_dir ? r->root_dir : "unknown");
  print_containers (out, r);
}

static void
print_disk (FILE *out, const struct report_facts *f)
{
  const struct podsock_status *st = f->status;
  char used[32], limit[32], age[32];

  if (st == NULL)
    {
      fprintf (out, "disk:        unknown (the sidecar's status file says it)\n");
      return;
    }
  fprintf (out, "disk:        %s used", human_bytes (st->disk_used_bytes, used, sizeof used));
  if (st->disk_limit_bytes > 0)
    fprintf (out, " of %s", human_bytes (st->disk_limit_bytes, limit, sizeof limit));
  if (st->last_prune_ms > 0)
    fprintf (out, ", last pruned %s ago",
             human_age (f->now_ms - st->last_prune_ms, age, sizeof age));
  fputc ('\n', out);
}

static void
print_sidecar (FILE *out, const struct report_facts *f)
{
  const struct podsock_status *st = f->status;
  char age[32];

  if (st == NULL)
    {
      fprintf (out, "sidecar:     %s\n", f->status_error ? f->status_error : "no status");
      return;
    }
  fprintf (out, "sidecar:     %s, engine pid %" PRId64 ", %" PRId64 " restart%s, written %s ago",
           status_state_name (st->state), st->engine_pid, st->restarts,
           st->restarts == 1 ? "" : "s", human_age (f->now_ms - st->updated_ms, age, sizeof age));
  if (st->backoff_until_ms > f->now_ms)
    fprintf (out, ", restart in %s", human_age (st->backoff_until_ms - f->now_ms, age, sizeof age));
  if (*st->reason)
    fprintf (out, "; reason: %s", st->reason);
  fputc ('\n', out);
}

void
report_print_text (FILE *out, const struct report_facts *f)
{
  print_engine (out, f);
  print_disk (out, f);
  print_sidecar (out, f);
}
