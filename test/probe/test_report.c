/* The status mode: reading /version, /info and /containers/json answers,
 * and the JSON it prints. */
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

/* As podman 4.3 answers (trimmed). */
static const char podman_version[]
    = "{\"Platform\":{\"Name\":\"linux/amd64/debian-12\"},\"Components\":[{\"Name\":\"Podman "
      "Engine\",\"Version\":\"4.3.1\"},{\"Name\":\"Conmon\",\"Version\":\"2.1.6\"}],"
      "\"Version\":\"4.3.1\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.24\",\"Os\":\"linux\","
      "\"Arch\":\"amd64\",\"KernelVersion\":\"6.1.0\"}";
static const char docker_version[]
    = "{\"Components\":[{\"Name\":\"Engine\",\"Version\":\"20.10.24\"}],\"Version\":\"20.10.24\","
      "\"ApiVersion\":\"1.41\",\"Os\":\"linux\",\"Arch\":\"arm64\"}";
static const char info[]
    = "{\"Containers\":3,\"ContainersRunning\":1,\"Images\":2,\"Driver\":\"overlay\","
      "\"DriverStatus\":[[\"Backing Filesystem\",\"extfs\"]],"
      "\"DockerRootDir\":\"/var/lib/podsock/storage\"}";
static const char containers[]
    = "[{\"Id\":\"5dd1cf17196a58c760d87f43895f8d554a1130d133fc996c1a38cab29be89c99\","
      "\"Names\":[\"/sleeper\",\"alias\"],\"Image\":\"docker.io/t/bb:latest\","
      "\"State\":\"running\",\"Status\":\"Up 3 seconds\"},7,{\"Id\":5}]";

static void
parse_all (struct engine_report *r)
{
  cleanup_error podsock_error_t err = NULL;

  report_init (r);
  assert_int_equal (report_parse_version (podman_version, strlen (podman_version), r, &err), 0);
  assert_int_equal (report_parse_info (info, strlen (info), r, &err), 0);
  assert_int_equal (report_parse_containers (containers, strlen (containers), r, &err), 0);
}

static void
reads_podman_answers (void **state)
{
  struct engine_report r;
  const cJSON *c, *names;
  (void) state;

  parse_all (&r);
  assert_string_equal (r.name, "podman");
  assert_string_equal (r.version, "4.3.1");
  assert_string_equal (r.api_version, "1.41");
  assert_string_equal (r.os, "linux");
  assert_string_equal (r.arch, "amd64");
  assert_string_equal (r.driver, "overlay");
  assert_string_equal (r.root_dir, "/var/lib/podsock/storage");
  assert_int_equal (r.containers, 3);
  assert_int_equal (r.containers_running, 1);
  assert_int_equal (r.images, 2);
  /* Entries that are not objects are skipped; odd fields read as empty. */
  assert_int_equal (cJSON_GetArraySize (r.running), 2);
  c = cJSON_GetArrayItem (r.running, 0);
  assert_string_equal (cJSON_GetObjectItem (c, "id")->valuestring, "5dd1cf17196a");
  names = cJSON_GetObjectItem (c, "names");
  assert_string_equal (cJSON_GetArrayItem (names, 0)->valuestring, "sleeper");
  assert_string_equal (cJSON_GetArrayItem (names, 1)->valuestring, "alias");
  assert_string_equal (cJSON_GetObjectItem (cJSON_GetArrayItem (r.running, 1), "id")->valuestring,
                       "");
  report_release (&r);
}

static void
docker_is_named_docker (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  struct engine_report r;
  (void) state;

  report_init (&r);
  assert_int_equal (report_parse_version (docker_version, strlen (docker_version), &r, &err), 0);
  assert_string_equal (r.name, "docker");
  assert_string_equal (r.arch, "arm64");
  assert_int_equal (r.containers, -1); /* unknown until /info says */
}

static void
bad_answers (void **state)
{
  static const char odd_info[] = "{\"Containers\":\"3\",\"Images\":-1,\"Driver\":7}";
  cleanup_error podsock_error_t err = NULL;
  struct engine_report r;
  (void) state;

  report_init (&r);
  assert_int_equal (report_parse_version ("<html>", 6, &r, &err), -1);
  assert_non_null (strstr (err->msg, "GET /version: the answer is not JSON"));
  assert_int_equal (report_parse_info ("[]", 2, &r, &err), -1);
  assert_non_null (strstr (err->msg, "not a JSON object"));
  assert_int_equal (report_parse_containers ("{}", 2, &r, &err), -1);
  assert_non_null (strstr (err->msg, "not a JSON array"));
  /* Wrong types inside are left unknown, not trusted. */
  assert_int_equal (report_parse_info (odd_info, strlen (odd_info), &r, &err), 0);
  assert_int_equal (r.containers, -1);
  assert_int_equal (r.images, -1);
  assert_string_equal (r.driver, "");
  report_release (&r);
}

static void
json_with_everything (void **state)
{
  struct podsock_status st = { .state = PODSOCK_STATE_RUNNING,
                               .engine_pid = 9,
                               .disk_used_bytes = 1000,
                               .disk_limit_bytes = 2000,
                               .updated_ms = 1700000000000LL };
  struct engine_report r;
  struct report_facts f = { .socket_path = "/s.sock", .status = &st, .now_ms = 1700000001000LL };
  cJSON *j;
  (void) state;

  parse_all (&r);
  r.ping_ms = 3;
  f.engine = &r;
  j = report_to_json (&f);
  assert_true (cJSON_IsTrue (cJSON_GetObjectItem (j, "ok")));
  assert_true (cJSON_IsNull (cJSON_GetObjectItem (j, "error")));
  assert_string_equal (cJSON_GetObjectItem (cJSON_GetObjectItem (j, "engine"), "name")->valuestring,
                       "podman");
  assert_string_equal (
      cJSON_GetObjectItem (cJSON_GetObjectItem (j, "storage"), "driver")->valuestring, "overlay");
  assert_int_equal (
      cJSON_GetObjectItem (cJSON_GetObjectItem (j, "containers"), "running")->valueint, 2);
  assert_int_equal (cJSON_GetObjectItem (cJSON_GetObjectItem (j, "disk"), "used_bytes")->valueint,
                    1000);
  assert_string_equal (
      cJSON_GetObjectItem (cJSON_GetObjectItem (j, "sidecar"), "state")->valuestring, "running");
  assert_true (cJSON_IsNull (cJSON_GetObjectItem (j, "sidecar_error")));
  cJSON_Delete (j);
  report_release (&r);
}

static void
json_without_engine_or_status (void **state)
{
  struct report_facts f = { .socket_path = "/s.sock",
                            .engine_error = "no answer",
                            .status_error = "no status file at /x" };
  cJSON *j = report_to_json (&f);
  (void) state;

  assert_true (cJSON_IsFalse (cJSON_GetObjectItem (j, "ok")));
  assert_string_equal (cJSON_GetObjectItem (j, "error")->valuestring, "no answer");
  assert_true (cJSON_IsNull (cJSON_GetObjectItem (j, "engine")));
  assert_true (cJSON_IsNull (cJSON_GetObjectItem (j, "containers")));
  assert_true (cJSON_IsNull (cJSON_GetObjectItem (j, "disk")));
  assert_true (cJSON_IsNull (cJSON_GetObjectItem (j, "sidecar")));
  assert_string_equal (cJSON_GetObjectItem (j, "sidecar_error")->valuestring,
                       "no status file at /x");
  cJSON_Delete (j);
}

static void
text_report (void **state)
{
  struct podsock_status st = { .state = PODSOCK_STATE_RUNNING,
                               .engine_pid = 9,
                               .restarts = 1,
                               .disk_used_bytes = 3 * 1024 * 1024,
                               .disk_limit_bytes = 10LL * 1024 * 1024 * 1024,
                               .updated_ms = 1700000000000LL,
                               .last_prune_ms = 1700000000000LL - 300000 };
  struct engine_report r;
  struct report_facts f = { .socket_path = "/s.sock", .status = &st, .now_ms = 1700000002000LL };
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream (&text, &len);
  (void) state;

  parse_all (&r);
  f.engine = &r;
  report_print_text (out, &f);
  fclose (out);
  assert_non_null (strstr (text, "engine:      podman 4.3.1, API 1.41, linux/amd64"));
  assert_non_null (strstr (text, "storage:     overlay in /var/lib/podsock/storage"));
  assert_non_null (strstr (text, "containers:  2 running of 3; 2 images"));
  assert_non_null (strstr (text, "5dd1cf17196a  sleeper  docker.io/t/bb:latest  Up 3 seconds"));
  assert_non_null (strstr (text, "disk:        3.0 MiB used of 10.0 GiB, last pruned 5 min ago"));
  assert_non_null (strstr (text, "sidecar:     running, engine pid 9, 1 restart, written 2 s ago"));
  free (text);
  report_release (&r);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (reads_podman_answers),
    cmocka_unit_test (docker_is_named_docker),
    cmocka_unit_test (bad_answers),
    cmocka_unit_test (json_with_everything),
    cmocka_unit_test (json_without_engine_or_status),
    cmocka_unit_test (text_report),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
