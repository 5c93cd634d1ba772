#include <podsock/cjson.h>
#include <podsock/fs.h>
#include <podsock/parse.h>
#include <podsock/status.h>
#include <podsock/util.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Doubles hold integers exactly up to 2^53: enough for epoch ms and bytes. */
#define JSON_INT_MAX 9007199254740992.0

static const char *const state_names[] = {
  [PODSOCK_STATE_STARTING] = "starting",     [PODSOCK_STATE_RUNNING] = "running",
  [PODSOCK_STATE_RESTARTING] = "restarting", [PODSOCK_STATE_STOPPING] = "stopping",
  [PODSOCK_STATE_FAILED] = "failed",
};

const char *
status_state_name (enum podsock_state state)
{
  if ((size_t) state >= ARRAY_SIZE (state_names))
    return "unknown";
  return state_names[state];
}

int
status_state_parse (const char *name, enum podsock_state *out)
{
  int i = parse_name (name, state_names, ARRAY_SIZE (state_names));

  if (i >= 0)
    *out = (enum podsock_state) i;
  return i < 0 ? -1 : 0;
}

const char *
status_file_path (const char *flag)
{
  const char *v = getenv (STATUS_FILE_ENV);

  if (flag && *flag)
    return flag;
  return v && *v ? v : STATUS_FILE_DEFAULT;
}

int64_t
status_now_ms (void)
{
  return realtime_now_ms ();
}

/* A missing key leaves *out at 0. */
static int
get_int (const cJSON *root, const char *key, int64_t *out, podsock_error_t *err)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive (root, key);
  double d;

  if (v == NULL)
    return 0;
  d = v->valuedouble;
  if (!cJSON_IsNumber (v) || !(d >= 0 && d <= JSON_INT_MAX) || (double) (int64_t) d != d)
    return podsock_error_make (err, 0, "key '%s' is not a non-negative integer", key);
  *out = (int64_t) d;
  return 0;
}

/* A missing key leaves out empty; a longer string is cut. */
static int
get_string (const cJSON *root, const char *key, char *out, size_t size, podsock_error_t *err)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive (root, key);

  if (v == NULL)
    return 0;
  if (!cJSON_IsString (v) || v->valuestring == NULL)
    return podsock_error_make (err, 0, "key '%s' is not a string", key);
  strncpy (out, v->valuestring, size - 1);
  out[size - 1] = '\0';
  return 0;
}

static int
get_state (const cJSON *root, enum podsock_state *out, podsock_error_t *err)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive (root, "state");

  if (v == NULL)
    return podsock_error_make (err, 0, "key 'state' is missing");
  if (!cJSON_IsString (v) || v->valuestring == NULL || status_state_parse (v->valuestring, out) < 0)
    return podsock_error_make (err, 0,
                               "key 'state' is not one of starting, running, restarting, "
                               "stopping, failed");
  return 0;
}

int
status_parse (const char *json, size_t len, struct podsock_status *out, podsock_error_t *err)
{
  cleanup_cjson cJSON *root = NULL;
  const char *end = NULL;

  memset (out, 0, sizeof *out);
  root = cJSON_ParseWithLengthOpts (json, len, &end, 0);
  if (root == NULL)
    return podsock_error_make (err, 0, "not valid JSON");
  /* cJSON stops after the first value: anything but blanks after it means
   * the file is not what the sidecar wrote. */
  for (; end && end < json + len; end++)
    if (*end != ' ' && *end != '\n' && *end != '\r' && *end != '\t')
      return podsock_error_make (err, 0, "not valid JSON (text after the object)");
  if (!cJSON_IsObject (root))
    return podsock_error_make (err, 0, "not a JSON object");
  if (get_state (root, &out->state, err) < 0
      || get_int (root, "engine_pid", &out->engine_pid, err) < 0
      || get_int (root, "restarts", &out->restarts, err) < 0
      || get_int (root, "backoff_until_ms", &out->backoff_until_ms, err) < 0
      || get_int (root, "updated_ms", &out->updated_ms, err) < 0
      || get_string (root, "driver", out->driver, sizeof out->driver, err) < 0
      || get_int (root, "disk_used_bytes", &out->disk_used_bytes, err) < 0
      || get_int (root, "disk_limit_bytes", &out->disk_limit_bytes, err) < 0
      || get_int (root, "last_prune_ms", &out->last_prune_ms, err) < 0
      || get_string (root, "reason", out->reason, sizeof out->reason, err) < 0)
    return -1;
  return 0;
}

int
status_read (const char *path, struct podsock_status *out, podsock_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;

  memset (out, 0, sizeof *out);
  if (fs_read_file (path, STATUS_FILE_MAX, &text, &len, err) < 0)
    return -1;
  if (status_parse (text, len, out, err) < 0)
    return podsock_error_prefix (err, "status file %s", path);
  return 0;
}

/* Raw digits: cJSON prints numbers with 15 significant digits whenever that
 * comes within its relative tolerance, which rounds integers above 10^15. */
static int
add_int (cJSON *root, const char *key, int64_t v)
{
  char digits[32];

  snprintf (digits, sizeof digits, "%lld", (long long) v);
  return cJSON_AddRawToObject (root, key, digits) ? 0 : -1;
}

/* The struct's strings may fill their arrays: never read past them. */
static int
add_string (cJSON *root, const char *key, const char *s, size_t size)
{
  cleanup_free char *copy = strndup (s, size);
  return copy && cJSON_AddStringToObject (root, key, copy) ? 0 : -1;
}

char *
status_format (const struct podsock_status *st)
{
  cleanup_cjson cJSON *root = cJSON_CreateObject ();
  char *text, *line;

  if (root == NULL || !cJSON_AddStringToObject (root, "state", status_state_name (st->state))
      || add_int (root, "engine_pid", st->engine_pid) < 0
      || add_int (root, "restarts", st->restarts) < 0
      || add_int (root, "backoff_until_ms", st->backoff_until_ms) < 0
      || add_int (root, "updated_ms", st->updated_ms) < 0
      || add_string (root, "driver", st->driver, sizeof st->driver) < 0
      || add_int (root, "disk_used_bytes", st->disk_used_bytes) < 0
      || add_int (root, "disk_limit_bytes", st->disk_limit_bytes) < 0
      || add_int (root, "last_prune_ms", st->last_prune_ms) < 0
      || add_string (root, "reason", st->reason, sizeof st->reason) < 0)
    return NULL;
  text = cJSON_PrintUnformatted (root);
  if (text == NULL)
    return NULL;
  line = realloc (text, strlen (text) + 2);
  if (line == NULL)
    {
      free (text);
      return NULL;
    }
  strcat (line, "\n");
  return line;
}

int
status_write (const char *path, const struct podsock_status *st, podsock_error_t *err)
{
  cleanup_free char *text = status_format (st);

  if (text == NULL)
    return podsock_error_make (err, ENOMEM, "status file %s", path);
  if (fs_write_file_atomic (path, text, err) < 0)
    return podsock_error_prefix (err, "status file");
  return 0;
}
