/* The gateway's JSON rewrites and policy, on the JSON the docker CLI and
 * Testcontainers send (the routing: test_route.c). */
#include "gateway/rewrite.h"
#include <podsock/util.h>

#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

static cJSON *
create (const struct gateway_options *o, const char *json, int *status, char **msg)
{
  cleanup_error podsock_error_t err = NULL;
  char *out = NULL;
  size_t len = 0;
  cJSON *r;

  *status = 0;
  if (gateway_rewrite_create (o, "t", json, strlen (json), &out, &len, status, &err) < 0)
    {
      *msg = strdup (err->msg);
      return NULL;
    }
  r = cJSON_Parse (out);
  free (out);
  return r;
}

static const char *
str_at (cJSON *o, const char *a, const char *b)
{
  cJSON *x = cJSON_GetObjectItemCaseSensitive (cJSON_GetObjectItemCaseSensitive (o, a), b);
  return cJSON_IsString (x) ? x->valuestring : NULL;
}

/* A free TCP port, found by binding port 0. */
static unsigned
free_port (void)
{
  struct sockaddr_in a = { .sin_family = AF_INET };
  socklen_t n = sizeof a;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  assert_true (bind (fd, (struct sockaddr *) &a, sizeof a) == 0);
  assert_true (getsockname (fd, (struct sockaddr *) &a, &n) == 0);
  close (fd);
  return ntohs (a.sin_port);
}

static void
network_rewrite (void **state)
{
  struct gateway_options o = { .rewrite_network = 1, .allow_privileged = 1 };
  const char *modes[] = {
    "{\"Image\":\"x\"}",
    "{\"HostConfig\":{\"NetworkMode\":\"default\"}}",
    /* One request over two literals: bridge, and an endpoint on it to drop. */
    ("{\"HostConfig\":{\"NetworkMode\":\"bridge\"},"
     "\"NetworkingConfig\":{\"EndpointsConfig\":{\"bridge\":{}}}}"),
    "{\"HostConfig\":{\"NetworkMode\":\"\"}}",
  };
  int status;
  char *msg = NULL;
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (modes); i++)
    {
      cJSON *r = create (&o, modes[i], &status, &msg);
      assert_non_null (r);
      assert_string_equal (str_at (r, "HostConfig", "NetworkMode"), "host");
      cJSON *nc = cJSON_GetObjectItemCaseSensitive (r, "NetworkingConfig");
      if (nc)
        assert_null (cJSON_GetObjectItemCaseSensitive (
            cJSON_GetObjectItemCaseSensitive (nc, "EndpointsConfig"), "bridge"));
      cJSON_Delete (r);
    }
  /* A named network, or no rewrite asked: untouched. */
  cJSON *r = create (&o, "{\"HostConfig\":{\"NetworkMode\":\"mynet\"}}", &status, &msg);
  assert_string_equal (str_at (r, "HostConfig", "NetworkMode"), "mynet");
  cJSON_Delete (r);
  o.rewrite_network = 0;
  r = create (&o, "{\"HostConfig\":{\"NetworkMode\":\"bridge\"}}", &status, &msg);
  assert_string_equal (str_at (r, "HostConfig", "NetworkMode"), "bridge");
  cJSON_Delete (r);
}

static void
ports_mapped_to_themselves (void **state)
{
  struct gateway_options o = { .rewrite_network = 1, .allow_privileged = 1 };
  unsigned p = free_port ();
  char json[512], *out = NULL, *msg = NULL;
  size_t len;
  int status;
  (void) state;
  /* Testcontainers: ExposedPorts plus a binding with HostPort "". */
  snprintf (json, sizeof json,
            "{\"ExposedPorts\":{\"%u/tcp\":{}},\"HostConfig\":{\"PortBindings\":{\"%u/tcp\":"
            "[{\"HostPort\":\"\"}]}},\"Labels\":{\"a\":\"b\"}}",
            p, p);
  cJSON *r = create (&o, json, &status, &msg);
  assert_non_null (r);
  char want[32];
  snprintf (want, sizeof want, "%u/tcp", p);
  assert_string_equal (str_at (r, "Labels", GATEWAY_PORTS_LABEL), want);
  assert_string_equal (str_at (r, "Labels", "a"), "b");
  assert_null (cJSON_GetObjectItemCaseSensitive (cJSON_GetObjectItemCaseSensitive (r, "HostConfig"),
                                                 "PortBindings"));
  cJSON_Delete (r);

  /* inspect and list then report it. */
  snprintf (json, sizeof json,
            "{\"Id\":\"x\",\"Config\":{\"Labels\":{\"" GATEWAY_PORTS_LABEL "\":\"%u/tcp\"}},"
            "\"NetworkSettings\":{\"Ports\":{}}}",
            p);
  assert_int_equal (gateway_rewrite_inspect (json, strlen (json), &out, &len), 1);
  r = cJSON_Parse (out);
  free (out);
  cJSON *b = cJSON_GetArrayItem (
      cJSON_GetObjectItemCaseSensitive (
          cJSON_GetObjectItemCaseSensitive (cJSON_GetObjectItemCaseSensitive (r, "NetworkSettings"),
                                            "Ports"),
          want),
      0);
  char hp[8];
  snprintf (hp, sizeof hp, "%u", p);
  assert_string_equal (cJSON_GetObjectItemCaseSensitive (b, "HostPort")->valuestring, hp);
  cJSON_Delete (r);
  snprintf (json, sizeof json,
            "[{\"Id\":\"x\",\"Labels\":{\"" GATEWAY_PORTS_LABEL "\":\"%u/tcp\"}}]", p);
  assert_int_equal (gateway_rewrite_list (json, strlen (json), &out, &len), 1);
  assert_non_null (strstr (out, "\"PublicPort\""));
  free (out);
  assert_int_equal (gateway_rewrite_inspect ("{\"Id\":\"y\"}", 10, &out, &len), 0);
  assert_int_equal (gateway_rewrite_inspect ("nope", 4, &out, &len), -1);
}

static void
port_errors (void **state)
{
  struct gateway_options o = { .rewrite_network = 1, .allow_privileged = 1 };
  struct sockaddr_in a = { .sin_family = AF_INET };
  socklen_t n = sizeof a;
  char json[256], *msg = NULL;
  int status, fd;
  (void) state;
  /* A different host port cannot be honoured in host mode. */
  cJSON *r
      = create (&o, "{\"HostConfig\":{\"PortBindings\":{\"8080/tcp\":[{\"HostPort\":\"18080\"}]}}}",
                &status, &msg);
  assert_null (r);
  assert_int_equal (status, 400);
  assert_non_null (strstr (msg, "-p 8080:8080"));
  free (msg);
  /* A port something listens on: 409, not a silent clash. */
  fd = socket (AF_INET, SOCK_STREAM, 0);
  assert_true (bind (fd, (struct sockaddr *) &a, sizeof a) == 0 && listen (fd, 1) == 0);
  assert_true (getsockname (fd, (struct sockaddr *) &a, &n) == 0);
  snprintf (json, sizeof json,
            "{\"HostConfig\":{\"PortBindings\":{\"%u/tcp\":[{\"HostPort\":\"\"}]}}}",
            ntohs (a.sin_port));
  r = create (&o, json, &status, &msg);
  assert_null (r);
  assert_int_equal (status, 409);
  assert_non_null (strstr (msg, "already in use"));
  free (msg);
  close (fd);
  r = create (&o, "{\"HostConfig\":{\"PortBindings\":{\"http/tcp\":[{}]}}}", &status, &msg);
  assert_null (r);
  assert_int_equal (status, 400);
  free (msg);
  r = create (&o, "[1,2]", &status, &msg);
  assert_null (r);
  assert_int_equal (status, 400);
  free (msg);
}

static void
default_limits (void **state)
{
  struct gateway_options o
      = { .allow_privileged = 1, .default_memory_bytes = 1 << 30, .default_pids = 512 };
  char *msg = NULL;
  int status;
  (void) state;
  cJSON *r = create (&o, "{\"HostConfig\":{\"Memory\":0}}", &status, &msg);
  cJSON *hc = cJSON_GetObjectItemCaseSensitive (r, "HostConfig");
  assert_int_equal (cJSON_GetObjectItemCaseSensitive (hc, "Memory")->valuedouble, 1 << 30);
  assert_int_equal (cJSON_GetObjectItemCaseSensitive (hc, "PidsLimit")->valuedouble, 512);
  cJSON_Delete (r);
  /* Set by the request: kept. */
  r = create (&o, "{\"HostConfig\":{\"Memory\":1000000,\"PidsLimit\":-1}}", &status, &msg);
  hc = cJSON_GetObjectItemCaseSensitive (r, "HostConfig");
  assert_int_equal (cJSON_GetObjectItemCaseSensitive (hc, "Memory")->valuedouble, 1000000);
  assert_int_equal (cJSON_GetObjectItemCaseSensitive (hc, "PidsLimit")->valuedouble, -1);
  cJSON_Delete (r);
}

static void
policy (void **state)
{
  const char *allowed[] = { "/builds", "/sockets/", NULL };
  struct gateway_options o = { .allowed_bind_sources = allowed, .allow_privileged = 0 };
  static const struct
  {
    const char *json;
    int status; /* 0: allowed */
    const char *names;
  } cases[] = {
    { "{\"HostConfig\":{\"Binds\":[\"/builds/p:/w\",\"vol:/data\",\"/sockets:/s:ro\"]}}", 0, NULL },
    { "{\"HostConfig\":{\"Binds\":[\"/etc:/x\"]}}", 403, "gateway.allowedBindSources" },
    { "{\"HostConfig\":{\"Binds\":[\"/buildsx:/x\"]}}", 403, "gateway.allowedBindSources" },
    { "{\"HostConfig\":{\"Binds\":[\"/builds/../etc:/x\"]}}", 403, "gateway.allowedBindSources" },
    { "{\"HostConfig\":{\"Binds\":[\"/:/x\"]}}", 403, "gateway.allowedBindSources" },
    { "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/etc\",\"Target\":\"/x\"}]}}",
      403, "gateway.allowedBindSources" },
    { "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"v\",\"Target\":\"/x\"}]}}", 0,
      NULL },
    { "{\"HostConfig\":{\"Privileged\":true}}", 403, "gateway.allowPrivileged" },
    { "{\"HostConfig\":{\"Privileged\":false}}", 0, NULL },
  };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      char *msg = NULL;
      int status;
      cJSON *r = create (&o, cases[i].json, &status, &msg);
      if (cases[i].status == 0 && r == NULL)
        fail_msg ("case %zu refused: %s", i, msg);
      if (cases[i].status != 0 && (r != NULL || status != cases[i].status))
        fail_msg ("case %zu: want %d, got %d", i, cases[i].status, status);
      if (cases[i].names && strstr (msg, cases[i].names) == NULL)
        fail_msg ("case %zu: message does not name %s: %s", i, cases[i].names, msg);
      cJSON_Delete (r);
      free (msg);
    }
}

static void
policy_exec_and_libpod (void **state)
{
  const char *allowed[] = { "/builds", NULL };
  struct gateway_options o = { .allowed_bind_sources = allowed, .allow_privileged = 0 };
  const char *exec = "{\"Cmd\":[\"sh\"],\"Privileged\":true}";
  const char *lp = "{\"mounts\":[{\"type\":\"bind\",\"source\":\"/etc\",\"destination\":\"/x\"}]}";
  cleanup_error podsock_error_t err = NULL;
  int status = 0;
  (void) state;
  assert_int_equal (gateway_check_exec (&o, exec, strlen (exec), &status, &err), -1);
  assert_int_equal (status, 403);
  podsock_error_free (&err);
  assert_int_equal (gateway_rewrite_libpod_create (&o, lp, strlen (lp), &status, &err), -1);
  assert_non_null (strstr (err->msg, "gateway.allowedBindSources"));
  podsock_error_free (&err);
  o.allow_privileged = 1;
  assert_int_equal (gateway_check_exec (&o, exec, strlen (exec), &status, &err), 0);
  assert_true (gateway_policy_active (&o));
  o.allowed_bind_sources = NULL;
  assert_false (gateway_policy_active (&o));
}

static void
policy_symlink_escape (void **state)
{
  char dir[] = "/tmp/gw-policy-XXXXXX", link[64], inside[64];
  const char *allowed[] = { dir, NULL };
  struct gateway_options o = { .allowed_bind_sources = allowed, .allow_privileged = 1 };
  cleanup_error podsock_error_t err = NULL;
  int status = 0;
  (void) state;
  assert_non_null (mkdtemp (dir));
  snprintf (link, sizeof link, "%s/etc", dir);
  snprintf (inside, sizeof inside, "%s/sub", dir);
  assert_int_equal (symlink ("/etc", link), 0);
  assert_int_equal (mkdir (inside, 0700), 0);
  assert_int_equal (gateway_policy_source (&o, inside, &status, &err), 0);
  assert_int_equal (gateway_policy_source (&o, link, &status, &err), -1);
  assert_int_equal (status, 403);
  unlink (link);
  rmdir (inside);
  rmdir (dir);
}

TEST_MAIN (network_rewrite, ports_mapped_to_themselves, port_errors, default_limits, policy,
           policy_exec_and_libpod, policy_symlink_escape)
