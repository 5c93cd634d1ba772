/* The status mode's facts: the engine's answers to /version, /info and
 * /containers/json, and the sidecar's status file. */
#include "report.h"
#include "statusfile.h"

#include <podsock/cjson.h>
#include "ping.h"
#include <podsock/util.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

void
report_init (struct engine_report *r)
{
  memset (r, 0, sizeof *r);
  r->containers = r->containers_running = r->images = -1;
}

void
report_release (struct engine_report *r)
{
  cJSON_Delete (r->running);
  r->running = NULL;
}

static void
copy_string (const cJSON *obj, const char *key, char *out, size_t size)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive (obj, key);

  if (cJSON_IsString (v) && v->valuestring)
    {
      strncpy (out, v->valuestring, size - 1);
      out[size - 1] = '\0';
    }
}

static void
copy_count (const cJSON *obj, const char *key, int64_t *out)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive (obj, key);

  if (cJSON_IsNumber (v) && v->valuedouble >= 0 && v->valuedouble < 9007199254740992.0)
    *out = (int64_t) v->valuedouble;
}

static cJSON *
parse_json (const char *json, size_t len, const char *what, int want_array, podsock_error_t *err)
{
  cJSON *root = cJSON_ParseWithLength (json, len);

  if (root == NULL)
    podsock_error_make (err, 0, "%s: the answer is not JSON", what);
  else if (want_array ? !cJSON_IsArray (root) : !cJSON_IsObject (root))
    {
      podsock_error_make (err, 0, "%s: the answer is not a JSON %s", what,
                          want_array ? "array" : "object");
      cJSON_Delete (root);
      root = NULL;
    }
  return root;
}

/* Podman names itself in Components; Docker does not. */
static int
is_podman (const cJSON *version)
{
  const cJSON *c;

  cJSON_ArrayForEach (c, cJSON_GetObjectItemCaseSensitive (version, "Components"))
  {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive (c, "Name");
    if (cJSON_IsString (name) && name->valuestring && strstr (name->valuestring, "Podman"))
      return 1;
  }
  return 0;
}

/* The answer fields a report keeps: strings (size > 0) and counts. */
struct field
{
  const char *key;
  size_t offset, size;
};

#define STRING_FIELD(key, member)                                                                 \
  { key, offsetof (struct engine_report, member), sizeof ((struct engine_report *) 0)->member }
#define COUNT_FIELD(key, member) { key, offsetof (struct engine_report, member), 0 }

static const struct field version_fields[] = {
  STRING_FIELD ("Version", version), STRING_FIELD ("ApiVersion", api_version),
  STRING_FIELD ("Os", os),           STRING_FIELD ("Arch", arch),
  STRING_FIELD ("KernelVersion", kernel),
};

static const struct field info_fields[] = {
  STRING_FIELD ("Driver", driver),
  STRING_FIELD ("DockerRootDir", root_dir),
  COUNT_FIELD ("Containers", containers),
  COUNT_FIELD ("ContainersRunning", containers_running),
  COUNT_FIELD ("Images", images),
};

/* Parses an answer and copies fields into r; returns its root or NULL. */
static cJSON *
parse_fields (const char *json, size_t len, const char *what, const struct field *f, size_t n,
              struct engine_report *r, podsock_error_t *err)
{
  cJSON *root = parse_json (json, len, what, 0, err);

  for (size_t i = 0; root && i < n; i++)
    {
      char *at = (char *) r + f[i].offset;
      if (f[i].size)
        copy_string (root, f[i].key, at, f[i].size);
      else
        copy_count (root, f[i].key, (int64_t *) (void *) at);
    }
  return root;
}

int
report_parse_version (const char *json, size_t len, struct engine_report *r, podsock_error_t *err)
{
  cleanup_cjson cJSON *root = parse_fields (json, len, "GET /version", version_fields,
                                            sizeof version_fields / sizeof *version_fields, r, err);

  if (root == NULL)
    return -1;
  strcpy (r->name, is_podman (root) ? "podman" : "docker");
  return 0;
}

int
report_parse_info (const char *json, size_t len, struct engine_report *r, podsock_error_t *err)
{
  cleanup_cjson cJSON *root = parse_fields (json, len, "GET /info", info_fields,
                                            sizeof info_fields / sizeof *info_fields, r, err);

  return root ? 0 : -1;
}

/* Names come as "/name": the slash says nothing. */
static cJSON *
container_names (const cJSON *c)
{
  cJSON *names = cJSON_CreateArray ();
  const cJSON *n;

  cJSON_ArrayForEach (n, cJSON_GetObjectItemCaseSensitive (c, "Names"))
  {
    if (cJSON_IsString (n) && n->valuestring)
      cJSON_AddItemToArray (names, cJSON_CreateString (n->valuestring + (*n->valuestring == '/')));
  }
  return names;
}

static cJSON *
container_entry (const cJSON *c)
{
  cJSON *e = cJSON_CreateObject ();
  char id[13] = "", image[256] = "", state[32] = "", status[128] = "";

  copy_string (c, "Id", id, sizeof id);
  copy_string (c, "Image", image, sizeof image);
  copy_string (c, "State", state, sizeof state);
  copy_string (c, "Status", status, sizeof status);
  cJSON_AddStringToObject (e, "id", id);
  cJSON_AddItemToObject (e, "names", container_names (c));
  cJSON_AddStringToObject (e, "image", image);
  cJSON_AddStringToObject (e, "state", state);
  cJSON_AddStringToObject (e, "status", status);
  return e;
}

int
report_parse_containers (const char *json, size_t len, struct engine_report *r,
                         podsock_error_t *err)
{
  cleanup_cjson cJSON *root = parse_json (json, len, "GET /containers/json", 1, err);
  const cJSON *c;

  if (root == NULL)
    return -1;
  cJSON_Delete (r->running);
  r->running = cJSON_CreateArray ();
  if (r->running == NULL)
    return podsock_error_make (err, ENOMEM, "GET /containers/json");
  cJSON_ArrayForEach (c, root)
  {
    if (cJSON_IsObject (c))
      cJSON_AddItemToArray (r->running, container_entry (c));
  }
  return 0;
}

/* An engine's error answer, on one line, for messages. */
static void
one_line (const char *s, char *out, size_t size)
{
  size_t i = 0;

  for (; s && s[i] && i + 1 < size; i++)
    out[i] = (unsigned char) s[i] < 0x20 ? ' ' : s[i];
  out[i] = '\0';
}

typedef int (*answer_parser) (const char *, size_t, struct engine_report *, podsock_error_t *);

static int
ask (const struct probe_options *o, const char *path, answer_parser parse, struct engine_report *r,
     podsock_error_t *err)
{
  struct ping_answer a;
  char excerpt[201];
  int rc = ping_request (o->socket_path, path, o->timeout_ms, REPORT_MAX_BODY, &a, err);

  if (rc < 0)
    return podsock_error_prefix (err, "GET %s", path);
  if (a.truncated)
    rc = podsock_error_make (err, 0, "GET %s: the answer is larger than %d bytes", path,
                             REPORT_MAX_BODY);
  else if (a.status != 200)
    {
      one_line (a.body, excerpt, sizeof excerpt);
      rc = podsock_error_make (err, 0, "GET %s answered HTTP %ld: %s", path, a.status, excerpt);
    }
  else
    rc = parse (a.body, a.body_len, r, err);
  ping_answer_release (&a);
  return rc;
}

static int
ask_engine (const struct probe_options *o, struct engine_report *r, podsock_error_t *err)
{
  long start = monotonic_now_ms ();

  if (ping_engine (o->socket_path, o->timeout_ms, err) < 0)
    return -1;
  r->ping_ms = monotonic_now_ms () - start;
  if (ask (o, "/version", report_parse_version, r, err) < 0
      || ask (o, "/info", report_parse_info, r, err) < 0
      || ask (o, "/containers/json", report_parse_containers, r, err) < 0)
    return -1;
  return 0;
}

static void
print_report (const struct probe_options *o, const struct report_facts *f)
{
  if (o->json)
    {
      cleanup_cjson cJSON *j = report_to_json (f);
      cleanup_free char *text = j ? cJSON_Print (j) : NULL;
      if (text)
        printf ("%s\n", text);
    }
  else
    report_print_text (stdout, f);
}

int
report_run (const struct probe_options *o)
{
  cleanup_error podsock_error_t engine_err = NULL, status_err = NULL;
  struct report_facts f = { .socket_path = o->socket_path };
  struct engine_report r;
  struct podsock_status st;
  int engine_ok;

  report_init (&r);
  engine_ok = ask_engine (o, &r, &engine_err) == 0;
  f.engine = engine_ok ? &r : NULL;
  f.engine_error = engine_ok ? NULL : engine_err->msg;
  if (probe_status_read (o->status_path, &st, &status_err) == 0)
    f.status = &st;
  else
    f.status_error = status_err->msg;
  f.now_ms = status_now_ms ();
  print_report (o, &f);
  report_release (&r);
  if (!engine_ok)
    {
      fprintf (stderr, "podsock-probe: not ok: %s\n", engine_err->msg);
      return 1;
    }
  return 0;
}
