/* sidecar/api.c: the sidecar's calls to the engine's API over a unix socket,
 * against the tiny HTTP peer of httppeer.h: methods, targets, bodies, the
 * size cap, statuses, and the stop of every running container at once. */
#include "api.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../common/testdir.h"
#include "../common/testutil.h"
#include "httppeer.h"

/* What the peer answers: a body, one too large, an empty one. */
static const struct peer_route routes[] = {
  { "GET", "/_ping", 200, "OK" },
  { "GET", "/big", 200, "0123456789012345678901234567890123456789" },
  { "POST", "/containers/prune", 200, "{\"ContainersDeleted\":[]}" },
  { "POST", "/containers/" PEER_ID_A "/stop", 204, "" },
  { "POST", "/containers/" PEER_ID_B "/stop", 304, "" },
  { "DELETE", "/images/", 409, "{\"message\":\"image is in use\"}" },
};

static struct peer peer;

static int
setup (void **state)
{
  if (testdir_setup (state) < 0)
    return -1;
  peer_start (&peer, testdir, routes, sizeof routes / sizeof routes[0]);
  return 0;
}

static int
teardown (void **state)
{
  peer_stop (&peer);
  return testdir_teardown (state);
}

enum call
{
  GET,
  POST,
  DELETE_IMAGE,
};

static long
call (enum call how, const char *sock, const char *path, char **body, size_t max,
      podsock_error_t *err)
{
  switch (how)
    {
    case GET:
      return api_get (sock, path, 2000, body, max, err);
    case POST:
      return api_post (sock, path, 2000, body, max, err);
    default:
      return api_delete_image (sock, path, 2000, err);
    }
}

static const struct request_case
{
  enum call how;
  const char *path;
  size_t max;
  long status;       /* -1: the call fails */
  const char *body;  /* the answer's body (NULL: not asked for) or the error's text */
  const char *asked; /* the peer's log line */
} requests[] = {
  { GET, "/_ping", 1024, 200, "OK", "GET /_ping length=-1" },
  { GET, "/nowhere", 1024, 404, "{\"message\":\"no route\"}", "GET /nowhere length=-1" },
  { GET, "/big", 40, 200, "0123456789012345678901234567890123456789", "GET /big length=-1" },
  /* One byte over the cap: the transfer is aborted, not truncated. */
  { GET, "/big", 39, -1, "Failed writing received data", "GET /big length=-1" },
  { POST, "/containers/prune", 1024, 200, "{\"ContainersDeleted\":[]}",
    "POST /containers/prune length=0" },
  { DELETE_IMAGE, "sha256:1234", 0, 409, NULL, "DELETE /images/sha256:1234 length=-1" },
};

static void
requests_table (void **state)
{
  (void) state;
  for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++)
    {
      const struct request_case *c = &requests[i];
      podsock_error_t err = NULL;
      char *body = NULL, *asked;
      long st = call (c->how, peer.sock, c->path, c->body ? &body : NULL, c->max, &err);
      assert_int_equal (st, c->status);
      if (st < 0)
        assert_non_null (strstr (err->msg, c->body));
      else if (c->body)
        assert_string_equal (body ? body : "", c->body);
      asked = peer_requests (&peer);
      if (strstr (asked, c->asked) == NULL)
        fail_msg ("case %zu: the peer was asked\n%s", i, asked);
      free (asked);
      free (body);
      podsock_error_free (&err);
      unlink (peer.log);
    }
}

static void
no_engine_says_so (void **state)
{
  podsock_error_t err = NULL;
  char *body = NULL, sock[128];
  (void) state;
  snprintf (sock, sizeof sock, "%s/absent.sock", testdir);
  assert_int_equal (api_get (sock, "/_ping", 1000, &body, 1024, &err), -1);
  assert_null (body);
  assert_non_null (strstr (err->msg, "connect"));
  assert_int_equal (api_stop_all (sock, 10, 1000, &err), -1);
  assert_non_null (strstr (err->msg, "connect"));
  podsock_error_free (&err);
}

/* Only well-formed IDs are stopped, each once, with the stop timeout; one
 * already stopped (304) counts as stopped. */
static void
stop_all_stops_each_running_container (void **state)
{
  static const struct peer_route list[] = {
    { "GET", "/containers/json", 200,
      "[{\"Id\":\"" PEER_ID_A "\"},{\"Id\":\"short\"},{\"Id\":17},{\"Names\":[\"x\"]},"
      "{\"Id\":\"" PEER_ID_B "\"},{\"Id\":\"" PEER_ID_B "Z\"}]" },
    { "POST", "/containers/" PEER_ID_A, 204, "" },
    { "POST", "/containers/", 304, "" },
  };
  podsock_error_t err = NULL;
  char *asked;
  (void) state;
  peer_stop (&peer);
  peer_start (&peer, testdir, list, 3);
  if (api_stop_all (peer.sock, 7, 2000, &err) != 2)
    fail_msg ("%s", err ? err->msg : "not 2 stopped");
  asked = peer_requests (&peer);
  assert_non_null (strstr (asked, "GET /containers/json length=-1\n"));
  assert_non_null (strstr (asked, "POST /containers/" PEER_ID_A "/stop?t=7 length=0\n"));
  assert_non_null (strstr (asked, "POST /containers/" PEER_ID_B "/stop?t=7 length=0\n"));
  assert_null (strstr (asked, "short"));
  assert_null (strstr (asked, PEER_ID_B "Z"));
  free (asked);
}

/* A stop that fails, or that the engine never answers, is not counted as
 * done: the caller hears which container and why. */
static void
stop_all_says_which_stop_failed (void **state)
{
  static const struct
  {
    int status_b; /* of B's stop; A's answers 204 */
    const char *msg;
  } cases[] = {
    { 404, NULL }, /* gone meanwhile: nothing left to stop */
    { 500, "1 of 2 container stop(s) failed (0123456789ab: answered 500 {\"message\":\"x\"})" },
    { 0, "1 of 2 container stop(s) failed (0123456789ab: Server returned nothing" },
  };
  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      struct peer_route list[] = {
        { "GET", "/containers/json", 200,
          "[{\"Id\":\"" PEER_ID_A "\"},{\"Id\":\"" PEER_ID_B "\"}]" },
        { "POST", "/containers/" PEER_ID_A, 204, "" },
        { "POST", "/containers/" PEER_ID_B, cases[i].status_b, "{\"message\":\"x\"}" },
      };
      podsock_error_t err = NULL;
      int n;
      peer_stop (&peer);
      peer_start (&peer, testdir, list, 3);
      n = api_stop_all (peer.sock, 7, 2000, &err);
      if (cases[i].msg == NULL && n != 2)
        fail_msg ("case %zu: %d stopped: %s", i, n, err ? err->msg : "");
      if (cases[i].msg && (n != -1 || strstr (err->msg, cases[i].msg) == NULL))
        fail_msg ("case %zu: %d stopped, error %s", i, n, err ? err->msg : "none");
      if (cases[i].msg)
        assert_non_null (strstr (err->msg, "raise it"));
      podsock_error_free (&err);
    }
}

static void
stop_all_bad_lists (void **state)
{
  static const struct
  {
    int status;
    const char *body;
    const char *msg;
  } bad[] = {
    { 500, "{\"message\":\"boom\"}", "GET /containers/json answered 500" },
    { 200, "{\"Id\":\"" PEER_ID_A "\"}", "GET /containers/json: not a JSON array" },
    { 200, "[{\"Id\":", "GET /containers/json: not a JSON array" },
  };
  (void) state;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      struct peer_route list[] = { { "GET", "/containers/json", bad[i].status, bad[i].body } };
      podsock_error_t err = NULL;
      char *asked;
      peer_stop (&peer);
      peer_start (&peer, testdir, list, 1);
      assert_int_equal (api_stop_all (peer.sock, 7, 2000, &err), -1);
      assert_string_equal (err->msg, bad[i].msg);
      asked = peer_requests (&peer);
      assert_null (strstr (asked, "POST"));
      free (asked);
      podsock_error_free (&err);
    }
  {
    struct peer_route empty[] = { { "GET", "/containers/json", 200, "[]" } };
    podsock_error_t err = NULL;
    peer_stop (&peer);
    peer_start (&peer, testdir, empty, 1);
    assert_int_equal (api_stop_all (peer.sock, 7, 2000, &err), 0);
  }
}

TEST_MAIN_FIXTURES (setup, teardown, requests_table, no_engine_says_so,
                    stop_all_stops_each_running_container, stop_all_says_which_stop_failed,
                    stop_all_bad_lists)
