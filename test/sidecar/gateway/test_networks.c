/* sidecar/gateway/networks.c: a create on a user-defined network runs in the
 * pod's network with the gateway's hosts file; the file follows the
 * containers in place (same inode: a bind mount pins it). */
#include "gateway/json.h"
#include "gateway/networks.h"
#include <podsock/cjson.h>
#include <podsock/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static char *
slurp (const char *path)
{
  static char buf[4096];
  FILE *f = fopen (path, "r");
  size_t n;

  assert_non_null (f);
  n = fread (buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose (f);
  return buf;
}

static void
user_network_gets_the_hosts_file (void **state)
{
  char dir[] = "/tmp/gw-net-XXXXXX", path[64];
  const char *body = "{\"Hostname\":\"db-host\",\"HostConfig\":{\"NetworkMode\":\"proj_default\","
                     "\"Links\":[\"other:legacy\"]},\"NetworkingConfig\":{\"EndpointsConfig\":"
                     "{\"proj_default\":{\"Aliases\":[\"db\",\"database\"]}}}}";
  cleanup_error podsock_error_t err = NULL;
  cleanup_cjson cJSON *req = NULL;
  struct gw_hosts h;
  struct stat before, after;
  char *names;
  (void) state;
  assert_non_null (mkdtemp (dir));
  snprintf (path, sizeof path, "%s/hosts", dir);
  gw_hosts_init (&h, path);
  assert_int_equal (gwjson_parse (body, strlen (body), 1 << 20, GWJSON_OBJECT, &req, &err), 0);
  names = gw_networks_rewrite (&h, req, gwjson_get (req, "HostConfig"), "proj_db_1");
  assert_non_null (names);
  assert_string_equal (names, "proj_db_1 db-host db database legacy");
  cJSON *hc = gwjson_get (req, "HostConfig");
  assert_string_equal (cJSON_GetStringValue (gwjson_get (hc, "NetworkMode")), "host");
  assert_null (gwjson_get (req, "NetworkingConfig"));
  cJSON *m = cJSON_GetArrayItem (gwjson_get (hc, "Mounts"), 0);
  assert_string_equal (cJSON_GetStringValue (gwjson_get (m, "Source")), path);
  assert_string_equal (cJSON_GetStringValue (gwjson_get (m, "Target")), "/etc/hosts");
  assert_int_equal (stat (path, &before), 0);
  gw_hosts_add (&h, "0123456789abcdef", names);
  gw_hosts_add (&h, "fedcba9876543210", "proj_web_1 web");
  assert_non_null (strstr (slurp (path), "127.0.0.1\tproj_db_1 db-host db database legacy\n"));
  assert_non_null (strstr (slurp (path), "127.0.0.1\tproj_web_1 web\n"));
  /* docker network connect --alias: the names grow in place. */
  cJSON *aliases = cJSON_CreateStringArray ((const char *[]){ "cache", "db" }, 2);
  assert_true (gw_hosts_extend (&h, "proj_web_1", aliases));
  assert_false (gw_hosts_extend (&h, "unknown", aliases));
  cJSON_Delete (aliases);
  assert_non_null (strstr (slurp (path), "127.0.0.1\tproj_web_1 web cache db\n"));
  gw_hosts_remove (&h, "proj_db_1");
  assert_null (strstr (slurp (path), "database"));
  assert_non_null (strstr (slurp (path), "proj_web_1 web"));
  gw_hosts_remove (&h, "fedc");
  assert_null (strstr (slurp (path), "web"));
  assert_int_equal (stat (path, &after), 0);
  assert_int_equal (before.st_ino, after.st_ino);
  free (names);
  gw_hosts_free (&h);
  unlink (path);
  rmdir (dir);
}

static void
engine_networks_are_left_alone (void **state)
{
  const char *modes[] = { "default", "bridge", "host", "none", "container:x", "slirp4netns", "" };
  struct gw_hosts h;
  (void) state;
  gw_hosts_init (&h, "/nonexistent/hosts");
  for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
    {
      cJSON *req = cJSON_CreateObject (), *hc = cJSON_AddObjectToObject (req, "HostConfig");
      cJSON_AddStringToObject (hc, "NetworkMode", modes[i]);
      assert_null (gw_networks_rewrite (&h, req, hc, "c"));
      cJSON_Delete (req);
    }
  gw_hosts_free (&h);
  /* Off: no path. */
  gw_hosts_init (&h, NULL);
  cJSON *req = cJSON_CreateObject (), *hc = cJSON_AddObjectToObject (req, "HostConfig");
  cJSON_AddStringToObject (hc, "NetworkMode", "mynet");
  assert_null (gw_networks_rewrite (&h, req, hc, "c"));
  cJSON_Delete (req);
  gw_hosts_free (&h);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (user_network_gets_the_hosts_file),
    cmocka_unit_test (engine_networks_are_left_alone),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
