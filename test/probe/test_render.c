/* probe/render.c: the status mode's output, text for people (sizes and ages
 * in human units) and JSON for scripts (null for what is not known). */
#include "report.h"

#include <podsock/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#define NOW 1700000000000LL
#define GiB (1024LL * 1024 * 1024)

/* The text report of f; free it. */
static char *
render_text (const struct report_facts *f)
{
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream (&text, &len);

  assert_non_null (out);
  report_print_text (out, f);
  fclose (out);
  return text;
}

static void
assert_text_has (const struct report_facts *f, const char *want)
{
  cleanup_free char *text = render_text (f);
  if (strstr (text, want) == NULL)
    fail_msg ("text report\n%s\nhas no '%s'", text, want);
}

/* Sizes: whole bytes below 1 KiB, one decimal above, TiB the largest unit. */
struct size_case
{
  int64_t used, limit;
  const char *line;
};

static void
disk_sizes (void **state)
{
  static const struct size_case cases[] = {
    { 0, 0, "disk:        0 B used\n" },
    { 1023, 1024, "disk:        1023 B used of 1.0 KiB\n" },
    { 1536, 5 * GiB / 2, "disk:        1.5 KiB used of 2.5 GiB\n" },
    { 3 * 1024 * GiB, 2048 * 1024 * GiB, "disk:        3.0 TiB used of 2048.0 TiB\n" },
  };
  (void) state;

  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      struct podsock_status st = { .disk_used_bytes = cases[i].used,
                                   .disk_limit_bytes = cases[i].limit,
                                   .updated_ms = NOW };
      struct report_facts f = { .socket_path = "/s", .status = &st, .now_ms = NOW };
      assert_text_has (&f, cases[i].line);
    }
}

/* Ages: seconds below 2 min, minutes below 2 h, hours below 2 days; a time
 * in the future reads 0 s. */
struct age_case
{
  int64_t ago_ms;   /* now minus updated_ms */
  const char *says; /* in the sidecar line */
};

static void
ages (void **state)
{
  static const struct age_case cases[] = {
    { -5000, "written 0 s ago" },       { 0, "written 0 s ago" },
    { 119999, "written 119 s ago" },    { 120000, "written 2 min ago" },
    { 7199000, "written 119 min ago" }, { 7200000, "written 2 h ago" },
    { 172799000, "written 47 h ago" },  { 172800000, "written 2 d ago" },
  };
  (void) state;

  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      struct podsock_status st
          = { .state = PODSOCK_STATE_STARTING, .updated_ms = NOW - cases[i].ago_ms };
      struct report_facts f = { .socket_path = "/s", .status = &st, .now_ms = NOW };
      assert_text_has (&f, cases[i].says);
    }
}

/* A restarting engine: when it restarts and why it last stopped. */
static void
sidecar_line_restarting (void **state)
{
  struct podsock_status st = { .state = PODSOCK_STATE_RESTARTING,
                               .engine_pid = 0,
                               .restarts = 3,
                               .backoff_until_ms = NOW + 4000,
                               .updated_ms = NOW,
                               .last_prune_ms = NOW - 7200000 };
  struct report_facts f = { .socket_path = "/s", .status = &st, .now_ms = NOW };
  (void) state;

  strcpy (st.reason, "podman exited with status 125");
  assert_text_has (&f, "sidecar:     restarting, engine pid 0, 3 restarts, written 0 s ago, "
                       "restart in 4 s; reason: podman exited with status 125\n");
  assert_text_has (&f, ", last pruned 2 h ago\n");
  /* A backoff that has passed is not shown. */
  st.backoff_until_ms = NOW - 1;
  assert_text_has (&f, "3 restarts, written 0 s ago; reason:");
}

/* What is not known is said, with the reason when there is one. */
static void
text_without_engine_or_status (void **state)
{
  struct report_facts f = { .socket_path = "/s.sock" };
  (void) state;

  assert_text_has (&f, "socket:      /s.sock\nengine:      no answer: unknown\n");
  assert_text_has (&f, "disk:        unknown (the sidecar's status file says it)\n");
  assert_text_has (&f, "sidecar:     no status\n");
  f.engine_error = "connect: Connection refused";
  f.status_error = "no status file at /run/x";
  assert_text_has (&f, "engine:      no answer: connect: Connection refused\n");
  assert_text_has (&f, "sidecar:     no status file at /run/x\n");
}

/* An engine that said little: unknown storage, no container list, one
 * image, no total. */
static void
engine_that_said_little (void **state)
{
  struct engine_report r;
  struct report_facts f = { .socket_path = "/s", .engine = &r };
  cJSON *j;
  (void) state;

  report_init (&r);
  r.ping_ms = 12;
  r.images = 1;
  r.containers_running = 4;
  assert_text_has (&f, "socket:      /s (/_ping answered in 12 ms)\n");
  assert_text_has (&f, "storage:     unknown in unknown\n");
  assert_text_has (&f, "containers:  0 running; 1 image\n");
  j = report_to_json (&f);
  assert_true (cJSON_IsTrue (cJSON_GetObjectItem (j, "ok")));
  assert_int_equal (cJSON_GetObjectItem (j, "ping_ms")->valueint, 12);
  assert_true (cJSON_IsNull (cJSON_GetObjectItem (cJSON_GetObjectItem (j, "engine"), "kernel")));
  assert_true (cJSON_IsNull (cJSON_GetObjectItem (cJSON_GetObjectItem (j, "storage"), "root")));
  /* Without a list, the running count is /info's. */
  assert_int_equal (
      cJSON_GetObjectItem (cJSON_GetObjectItem (j, "containers"), "running")->valueint, 4);
  assert_true (cJSON_IsNull (cJSON_GetObjectItem (cJSON_GetObjectItem (j, "containers"), "total")));
  assert_int_equal (
      cJSON_GetArraySize (cJSON_GetObjectItem (cJSON_GetObjectItem (j, "containers"), "list")), 0);
  assert_int_equal (cJSON_GetObjectItem (j, "images")->valueint, 1);
  cJSON_Delete (j);
  r.images = -1;
  j = report_to_json (&f);
  assert_true (cJSON_IsNull (cJSON_GetObjectItem (j, "images")));
  cJSON_Delete (j);
  report_release (&r);
}

/* The JSON's sidecar object is the status file's own text; the disk object
 * its numbers; with a status, no sidecar_error even when one is given. */
static void
json_sidecar_is_the_status_file (void **state)
{
  static const char file[]
      = "{\"state\":\"failed\",\"restarts\":5,\"disk_used_bytes\":7,\"disk_limit_bytes\":9,"
        "\"last_prune_ms\":11,\"reason\":\"crashed 5 times in 60 s\"}";
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status st;
  struct report_facts f
      = { .socket_path = "/s", .status = &st, .status_error = "ignored", .now_ms = NOW };
  cJSON *j, *disk, *sidecar;
  (void) state;

  assert_int_equal (status_parse (file, strlen (file), &st, &err), 0);
  j = report_to_json (&f);
  disk = cJSON_GetObjectItem (j, "disk");
  assert_int_equal (cJSON_GetObjectItem (disk, "used_bytes")->valueint, 7);
  assert_int_equal (cJSON_GetObjectItem (disk, "limit_bytes")->valueint, 9);
  assert_int_equal (cJSON_GetObjectItem (disk, "last_prune_ms")->valueint, 11);
  sidecar = cJSON_GetObjectItem (j, "sidecar");
  assert_string_equal (cJSON_GetObjectItem (sidecar, "state")->valuestring, "failed");
  assert_int_equal (cJSON_GetObjectItem (sidecar, "restarts")->valueint, 5);
  assert_string_equal (cJSON_GetObjectItem (sidecar, "reason")->valuestring,
                       "crashed 5 times in 60 s");
  assert_true (cJSON_IsNull (cJSON_GetObjectItem (j, "sidecar_error")));
  assert_true (cJSON_IsNull (cJSON_GetObjectItem (j, "engine")));
  assert_true (cJSON_IsNull (cJSON_GetObjectItem (j, "ping_ms")));
  cJSON_Delete (j);
}

TEST_MAIN (disk_sizes, ages, sidecar_line_restarting, text_without_engine_or_status,
           engine_that_said_little, json_sidecar_is_the_status_file)
