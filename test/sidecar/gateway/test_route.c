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
  (void) state;
  assert_int_equal (route ("POST", "/v1.41/containers/abc/wait?condition=removed"), ROUTE_WAIT);
  assert_int_equal (route ("POST", "/containers/abc/stop?t=3"), ROUTE_STOP);
  assert_int_equal (route ("POST", "/containers/abc/kill"), ROUTE_KILL);
  assert_int_equal (route ("POST", "/containers/abc/restart"), ROUTE_RESTART);
  assert_int_equal (route ("DELETE", "/containers/abc?force=1"), ROUTE_DELETE);
  assert_int_equal (route ("POST", "/containers/abc/attach?stream=1"), ROUTE_ATTACH);
  assert_int_equal (route ("POST", "/containers/abc/update"), ROUTE_UPDATE);
  assert_int_equal (route ("POST", "/exec/e1/start"), ROUTE_EXEC_START);
  assert_int_equal (route ("GET", "/exec/e1/json"), ROUTE_PASS);
  assert_int_equal (route ("POST", "/volumes/create"), ROUTE_VOLUME_CREATE);
  assert_int_equal (route ("POST", "/build?t=x"), ROUTE_BUILD);
  assert_int_equal (route ("POST", "/images/create?fromImage=busybox"), ROUTE_IMAGE_CREATE);
  assert_int_equal (route ("GET", "/images/docker.io/library/busybox:latest/json"), ROUTE_PASS);
  assert_int_equal (route ("DELETE", "/images/docker.io/library/busybox:latest"), ROUTE_PASS);
  assert_int_equal (route ("PUT", "/containers/abc/archive?path=/tmp"), ROUTE_ARCHIVE_PUT);
  assert_int_equal (route ("HEAD", "/containers/abc/archive?path=/tmp"), ROUTE_PASS);
  assert_int_equal (route ("HEAD", "/_ping"), ROUTE_PASS);
  assert_int_equal (route ("POST", "/networks/n1/connect"), ROUTE_NETWORK_CONNECT);
  assert_int_equal (route ("POST", "/networks/n1/disconnect"), ROUTE_NETWORK_DISCONNECT);
  assert_int_equal (route ("GET", "/networks/n1"), ROUTE_PASS);
  assert_int_equal (route ("GET", "/v4.0.0/libpod/info"), ROUTE_LIBPOD_READ);
  assert_int_equal (route ("POST", "/v4.0.0/libpod/containers/abc/exec"), ROUTE_LIBPOD_OTHER);
  assert_int_equal (route ("POST", "/v1.41/swarm/init"), ROUTE_UNKNOWN);
  assert_int_equal (route ("POST", "/session"), ROUTE_UNKNOWN);
  assert_int_equal (route ("GET", "/plugins"), ROUTE_UNKNOWN);
  assert_int_equal (route ("HEAD", "/containers/json"), ROUTE_UNKNOWN);
}

static void
bad_targets (void **state)
{
  char big[GATEWAY_TARGET_MAX + 16], ver[64];
  (void) state;
  memset (big, 'a', sizeof big - 1);
  big[0] = '/';
  big[sizeof big - 1] = '\0';
  refused ("GET", big, 414, "over 4096 bytes");
  snprintf (ver, sizeof ver, "/v1.%s41/containers/json", "0000000000000000");
  refused ("GET", ver, 400, "over-long API version prefix");
  refused ("GET", "/v1..41/containers/json", 400, "malformed API version prefix");
  refused ("GET", "/v1.41x/containers/json", 400, "malformed API version prefix");
  refused ("GET", "/v1.41", 400, "no endpoint");
  refused ("POST", "/containers%2Fcreate", 400, "encoded '/'");
  refused ("POST", "/containers/%2e%2e/create", 400, "encoded");
  refused ("POST", "/containers/create%", 400, "bad percent escape");
  refused ("POST", "/containers/create#x", 400, "fragment");
  refused ("POST", "/containers/create%00", 400, "control character");
  refused ("POST", "/containers/create%0a", 400, "control character");
  refused ("POST", "/containers/./create", 400, "'.' or '..'");
  refused ("POST", "/containers/create?name=a;b", 400, "';'");
  refused ("POST", "/build?volume%C5%BF=x", 400, "non-ASCII");
  refused ("POST", "/build?q=%zz", 400, "bad percent escape");
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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (table),
    cmocka_unit_test (bad_targets),
    cmocka_unit_test (query_and_forward),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
