/* sidecar/gateway/route.c: targets read once and strictly, the table of
 * endpoints, the query's parameters, the target forwarded. */
#include "gateway/route.h"
#include <podsock/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

static enum gateway_route
route (const char *m, const char *t)
{
  return gateway_route (m, strlen (m), t, strlen (t));
}

/* Parses t, expecting a refusal with status and a message containing want. */
static void
refused (const char *m, const char *t, int want_status, const char *want)
{
  cleanup_error podsock_error_t err = NULL;
  struct gateway_target tg;
  int status = 0;

  assert_int_equal (gateway_target_parse (m, strlen (m), t, strlen (t), &tg, &status, &err), -1);
  assert_int_equal (status, want_status);
  if (strstr (err->msg, want) == NULL)
    fail_msg ("%s %s: '%s' lacks '%s'", m, t, err->msg, want);
  gateway_target_free (&tg);
}

static void
table (void **state)
{
  static const struct
  {
    const char *method, *target;
    enum gateway_route want;
  } cases[] = {
    { "POST", "/v1.41/containers/abc/wait?condition=removed", ROUTE_WAIT },
    { "POST", "/containers/abc/stop?t=3", ROUTE_STOP },
    { "POST", "/containers/abc/kill", ROUTE_KILL },
    { "POST", "/containers/abc/restart", ROUTE_RESTART },
    { "DELETE", "/containers/abc?force=1", ROUTE_DELETE },
    { "POST", "/containers/abc/attach?stream=1", ROUTE_ATTACH },
    { "POST", "/containers/abc/update", ROUTE_UPDATE },
    { "POST", "/exec/e1/start", ROUTE_EXEC_START },
    { "GET", "/exec/e1/json", ROUTE_PASS },
    { "POST", "/volumes/create", ROUTE_VOLUME_CREATE },
    { "POST", "/build?t=x", ROUTE_BUILD },
    { "POST", "/images/create?fromImage=busybox", ROUTE_IMAGE_CREATE },
    { "GET", "/images/docker.io/library/busybox:latest/json", ROUTE_PASS },
    { "DELETE", "/images/docker.io/library/busybox:latest", ROUTE_PASS },
    { "PUT", "/containers/abc/archive?path=/tmp", ROUTE_ARCHIVE_PUT },
    { "HEAD", "/containers/abc/archive?path=/tmp", ROUTE_PASS },
    { "HEAD", "/_ping", ROUTE_PASS },
    { "POST", "/networks/n1/connect", ROUTE_NETWORK_CONNECT },
    { "POST", "/networks/n1/disconnect", ROUTE_NETWORK_DISCONNECT },
    { "GET", "/networks/n1", ROUTE_PASS },
    { "GET", "/v4.0.0/libpod/info", ROUTE_LIBPOD_READ },
    { "POST", "/v4.0.0/libpod/containers/abc/exec", ROUTE_LIBPOD_OTHER },
    { "POST", "/v1.41/swarm/init", ROUTE_UNKNOWN },
    { "POST", "/session", ROUTE_UNKNOWN },
    { "GET", "/plugins", ROUTE_UNKNOWN },
    { "HEAD", "/containers/json", ROUTE_UNKNOWN },
    /* The routes the rewrites and the policy act on. */
    { "POST", "/v1.41/containers/create?name=x", ROUTE_CREATE },
    { "POST", "/containers/create", ROUTE_CREATE },
    /* What the engine's router would also resolve must not slip past. */
    { "POST", "/v1.41/containers/%63reate", ROUTE_CREATE },
    /* Dot and empty segments could be read two ways: refused, not resolved. */
    { "POST", "//v1.41//containers/./create", ROUTE_MALFORMED },
    { "POST", "/v1.41/images/../containers/create", ROUTE_MALFORMED },
    { "GET", "/v1.41/containers/abc/json", ROUTE_INSPECT },
    { "GET", "/containers/json?all=1", ROUTE_LIST },
    { "POST", "/v1.41/containers/abc/exec", ROUTE_EXEC_CREATE },
    { "POST", "/v4.0.0/libpod/containers/create", ROUTE_LIBPOD_CREATE },
    { "POST", "/v4.0.0/libpod/play/kube", ROUTE_LIBPOD_KUBE },
    { "GET", "/_ping", ROUTE_PASS },
    { "GET", "/containers/create", ROUTE_UNKNOWN },
    { "POST", "/containers/abc/start", ROUTE_START },
    { "GET", "/containers//json", ROUTE_MALFORMED },
  };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    if (route (cases[i].method, cases[i].target) != cases[i].want)
      fail_msg ("%s %s: route %d, want %d", cases[i].method, cases[i].target,
                route (cases[i].method, cases[i].target), cases[i].want);
}

static void
bad_targets (void **state)
{
  char big[GATEWAY_TARGET_MAX + 16], ver[64];
  const struct
  {
    const char *method, *target;
    int status;
    const char *want;
  } cases[] = {
    { "GET", big, 414, "over 4096 bytes" },
    { "GET", ver, 400, "over-long API version prefix" },
    { "GET", "/v1..41/containers/json", 400, "malformed API version prefix" },
    { "GET", "/v1.41x/containers/json", 400, "malformed API version prefix" },
    { "GET", "/v1.41", 400, "no endpoint" },
    { "POST", "/containers%2Fcreate", 400, "encoded '/'" },
    { "POST", "/containers/%2e%2e/create", 400, "encoded" },
    { "POST", "/containers/create%", 400, "bad percent escape" },
    { "POST", "/containers/create#x", 400, "fragment" },
    { "POST", "/containers/create%00", 400, "control character" },
    { "POST", "/containers/create%0a", 400, "control character" },
    { "POST", "/containers/./create", 400, "'.' or '..'" },
    { "POST", "/containers/create?name=a;b", 400, "';'" },
    { "POST", "/build?volume%C5%BF=x", 400, "non-ASCII" },
    { "POST", "/build?q=%zz", 400, "bad percent escape" },
  };
  (void) state;
  memset (big, 'a', sizeof big - 1);
  big[0] = '/';
  big[sizeof big - 1] = '\0';
  snprintf (ver, sizeof ver, "/v1.%s41/containers/json", "0000000000000000");
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    refused (cases[i].method, cases[i].target, cases[i].status, cases[i].want);
}

static void
query_and_forward (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  const char *t = "/v1.41/containers/my%20c/wait?Condition=removed&x=a+b";
  struct gateway_target tg;
  int status = 0;
  (void) state;

  assert_int_equal (gateway_target_parse ("POST", 4, t, strlen (t), &tg, &status, &err), 0);
  assert_int_equal (tg.route, ROUTE_WAIT);
  assert_string_equal (tg.id, "my c");
  assert_string_equal (gateway_query_get (&tg, "condition"), "removed");
  assert_string_equal (gateway_query_get (&tg, "x"), "a b");
  assert_string_equal (tg.forward, "/v1.41/containers/my%20c/wait?Condition=removed&x=a%20b");
  assert_int_equal (gateway_target_set_param (&tg, "condition", "next-exit"), 0);
  assert_string_equal (tg.forward, "/v1.41/containers/my%20c/wait?Condition=next-exit&x=a%20b");
  assert_int_equal (gateway_target_set_param (&tg, "nope", "1"), -1);
  gateway_target_free (&tg);
  /* Parameters repeat (docker build -t a -t b); every instance is kept and
   * rewritten, since podman's handlers read the first and gorilla/schema the
   * last. */
  t = "/build?t=a&T=b";
  assert_int_equal (gateway_target_parse ("POST", 4, t, strlen (t), &tg, &status, &err), 0);
  assert_int_equal (tg.n_params, 2);
  assert_int_equal (gateway_target_set_param (&tg, "t", "c"), 0);
  assert_string_equal (tg.forward, "/build?t=c&T=c");
  gateway_target_free (&tg);
}

TEST_MAIN (table, bad_targets, query_and_forward)
