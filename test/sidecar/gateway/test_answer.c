/* sidecar/gateway/answer.c: the engine's answers on their way to the
 * client, over real sockets with a scripted peer in the engine's place
 * (canned HTTP bytes): streamed answers in every framing, 1xx passed on,
 * HEAD, a bad or missing answer, a vanished client, the answers read whole
 * (create, exec create, list), the table kept from them (created, started,
 * attached, removed), docker run --rm's wait and the removal after it, and
 * an upgraded stream. */
#include "gateway/internal.h"
#include "strv.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testdir.h"
#include "testutil.h"
#include "gwpeer.h"
#include "relayfix.h"

static struct peer_server server;

#define ID "c0ffee0123456789c0ffee0123456789c0ffee0123456789c0ffee0123456789"

/* Streamed answers reach the client byte for byte, in every framing; the
 * engine connection stays for the next request unless the answer closes
 * it; the result is the client's keep-alive. */
struct streamed_answers_case
{
  const char *request;
  const char *answer[3];
  const char *client_gets; /* byte for byte */
  int rc;                  /* gateway_relay_answer's */
  bool engine_kept;        /* and engine_idle */
};

static void
streamed_answers (void **state)
{
  static const struct streamed_answers_case cases[] = {
    { "GET /_ping HTTP/1.1",
      { "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", "OK" },
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK",
      1,
      true },
    { "GET /images/json HTTP/1.1",
      { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[]", "\r\n0\r\n\r\n" },
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[]\r\n0\r\n\r\n",
      1,
      true },
    { "GET /_ping HTTP/1.0",
      { "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOK" },
      "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOK",
      0,
      false },
    { "GET /info HTTP/1.1",
      { "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}" },
      "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
      1,
      false },
    { "HEAD /_ping HTTP/1.1",
      { "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" },
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n",
      1,
      true },
    { "POST /containers/x/resize?h=1&w=1 HTTP/1.1",
      { "HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" },
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
      1,
      true },
  };
  (void) state;

  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      int rc;
      if (c->engine.fd < 0)
        {
          int sv[2];
          close (engine_end);
          pair (sv);
          c->engine.fd = sv[0];
          engine_end = sv[1];
        }
      rc = relay (cases[i].request, cases[i].answer, NULL);
      if (rc != cases[i].rc || strcmp (client_bytes, cases[i].client_gets) != 0
          || (c->engine.fd >= 0) != cases[i].engine_kept)
        fail_msg ("%s: rc %d, client got '%s'", cases[i].request, rc, client_bytes);
      assert_int_equal (c->engine_idle, cases[i].engine_kept);
    }
}

/* No answer, a bad one, or a client that went away: the connection ends
 * (0); an engine that closed without a byte is marked as lost. */
static void
no_usable_answer (void **state)
{
  cleanup_free char *log = NULL;
  (void) state;

  assert_int_equal (relay ("GET /_ping HTTP/1.1", ANSWER ("HTTP/1.1 2OO OK\r\n\r\n"), NULL), 0);
  log = log_take ();
  assert_has (log, "the engine sent a bad answer");
  assert_true (atomic_load (&g->engine_alive));

  close (client_end);
  client_end = -1;
  assert_int_equal (relay ("GET /_ping HTTP/1.1", ANSWER ("HTTP/1.1 200"), NULL), 0);
  assert_true (atomic_load (&g->engine_alive));
}

static void
engine_closes_without_a_byte (void **state)
{
  (void) state;
  shutdown (engine_end, SHUT_WR);
  assert_int_equal (relay ("GET /_ping HTTP/1.1", ANSWER (""), NULL), 0);
  assert_false (atomic_load (&g->engine_alive));
  assert_string_equal (client_bytes, "");
}

/* A create's answer, read whole even when chunked, goes on with a length;
 * the new container enters the table with its name, the sources checked at
 * create and its AutoRemove flag. */
static void
create_enters_the_table (void **state)
{
  const char *sources[] = { "/builds/p", NULL };
  char **got;
  (void) state;

  client_asked ("POST /containers/create?name=web HTTP/1.1");
  c->x.mounts.sources = strv_dup (sources);
  c->x.mounts.n = 1;
  c->x.auto_remove = true;
  strcpy (c->x.name, "web");
  assert_int_equal (
      engine_answers (ANSWER ("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n",
                              "57\r\n{\"Id\":\"" ID "\",\"Warnings\":[]}\r\n0\r\n\r\n"),
                      NULL),
      1);
  assert_has (client_bytes, "HTTP/1.1 201 Created\r\n");
  assert_has (client_bytes, "Content-Length: 87\r\n\r\n{\"Id\":\"" ID "\",\"Warnings\":[]}");
  assert_null (strstr (client_bytes, "chunked"));
  assert_true (gw_containers_known (&g->containers, ID));
  assert_true (gw_containers_known (&g->containers, "web"));
  assert_true (gw_containers_auto_remove (&g->containers, "web"));
  got = gw_containers_sources (&g->containers, ID, NULL);
  assert_non_null (got);
  assert_string_equal (got[0], "/builds/p");
  assert_null (got[1]);
  strv_free (got);
}

/* An exec create's answer: the exec instance, its container and whether it
 * runs as another user, for the hand-back at its end. */
static void
exec_create_enters_the_table (void **state)
{
  char container[256] = "";
  (void) state;

  client_asked ("POST /containers/web/exec HTTP/1.1");
  c->x.exec_other_user = true;
  assert_int_equal (engine_answers (ANSWER ("HTTP/1.1 201 Created\r\nContent-Length: 12\r\n\r\n"
                                            "{\"Id\":\"ex1\"}"),
                                    NULL),
                    1);
  assert_has (client_bytes, "Content-Length: 12\r\n\r\n{\"Id\":\"ex1\"}");
  assert_int_equal (gw_containers_take_exec (&g->containers, "ex1", container), 1);
  assert_string_equal (container, "web");
}

/* What the answers tell the table: a started container's next exit is no
 * longer its first; a removed one is forgotten; a stopped one stays; an
 * answer that failed changes nothing. */
static void
answers_update_the_table (void **state)
{
  static const char no_content[] = "HTTP/1.1 204 No Content\r\n\r\n";
  static const char not_found[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}";
  (void) state;

  gw_containers_add (&g->containers, ID, "web", NULL, false);
  gw_containers_set_attached (&g->containers, "web");
  assert_int_equal (relay ("POST /containers/web/start HTTP/1.1", ANSWER (not_found), NULL), 1);
  assert_true (gw_containers_first_run (&g->containers, "web"));
  assert_int_equal (relay ("POST /containers/web/start HTTP/1.1", ANSWER (no_content), NULL), 1);
  assert_false (gw_containers_first_run (&g->containers, "web"));
  assert_string_equal (client_bytes, no_content);
  assert_int_equal (relay ("POST /containers/web/stop HTTP/1.1", ANSWER (no_content), NULL), 1);
  assert_true (gw_containers_known (&g->containers, "web"));
  assert_int_equal (relay ("DELETE /containers/web HTTP/1.1", ANSWER (not_found), NULL), 1);
  assert_true (gw_containers_known (&g->containers, "web"));
  assert_int_equal (relay ("DELETE /containers/web HTTP/1.1", ANSWER (no_content), NULL), 1);
  assert_false (gw_containers_known (&g->containers, "web"));
}

/* relay() for a container "rm" created with AutoRemove (docker run --rm). */
static int
relay_for_rm (const char *request, const char *const *answer, char **engine_got)
{
  gw_containers_add (&g->containers, ID, "rm", NULL, true);
  return relay (request, answer, engine_got);
}

/* docker run --rm: the wait's exit status reaches the client, then the
 * gateway removes the container on the same engine connection and forgets
 * it; without keep-alive it only forgets it. */
static void
wait_then_removal (void **state)
{
  static const char wait_answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                    "Content-Length: 17\r\n\r\n{\"StatusCode\":3}\n";
  cleanup_free char *sent = NULL, *sent2 = NULL;
  (void) state;

  assert_int_equal (relay_for_rm ("POST /containers/rm/wait?condition=removed HTTP/1.1",
                                  ANSWER (wait_answer, "HTTP/1.1 204 No Content\r\n\r\n"), &sent),
                    1);
  assert_string_equal (client_bytes, wait_answer);
  assert_string_equal (sent, "DELETE /containers/rm?force=1&v=1 HTTP/1.1\r\nHost: podsock-gateway"
                             "\r\n\r\n");
  assert_false (gw_containers_known (&g->containers, ID));

  /* The engine closes its connection after the answer: the removal goes
   * on a new one. */
  peer_server_listen (&server, "engine.sock", ANSWER ("HTTP/1.1 204 No Content\r\n\r\n"));
  peer_server_run (&server);
  g->o.engine_socket = server.path;
  assert_int_equal (
      relay_for_rm ("POST /containers/rm/wait?condition=removed HTTP/1.1",
                    ANSWER ("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2"
                            "\r\n\r\n{}"),
                    &sent2),
      1);
  assert_string_equal (client_bytes, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2"
                                     "\r\n\r\n{}");
  assert_string_equal (sent2, "");
  assert_false (gw_containers_known (&g->containers, ID));
  upstream_close (c);
  peer_server_wait_accepted (&server, 1);
  peer_server_stop (&server);
  assert_string_equal (server.log, "DELETE /containers/rm?force=1&v=1 HTTP/1.1\r\n"
                                   "Host: podsock-gateway\r\n\r\n");
}

/* No engine to remove it with: the container is forgotten all the same. */
static void
wait_then_no_engine (void **state)
{
  char path[128];
  (void) state;

  snprintf (path, sizeof path, "%s/no-engine.sock", testdir);
  g->o.engine_socket = path;
  atomic_store (&g->engine_alive, false);
  assert_int_equal (
      relay_for_rm ("POST /containers/rm/wait?condition=removed HTTP/1.1",
                    ANSWER ("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2"
                            "\r\n\r\n{}"),
                    NULL),
      1);
  assert_has (client_bytes, "\r\n\r\n{}");
  assert_false (gw_containers_known (&g->containers, ID));
}

/* An AutoRemove container that could not start is removed once the error
 * is read (dockerd does so; podman leaves it); another one is not. */
#define START_FAILED                                                                               \
  "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 26\r\n\r\n{\"message\":\"no such file\"}"

static void
failed_start_of_autoremove (void **state)
{
  static const char *const failed[] = { START_FAILED, NULL };
  cleanup_free char *sent = NULL, *sent2 = NULL;
  (void) state;

  gw_containers_add (&g->containers, "0002", "keep", NULL, false);
  assert_int_equal (relay_for_rm ("POST /containers/rm/start HTTP/1.1",
                                  ANSWER (START_FAILED, "HTTP/1.1 204 No Content\r\n\r\n"), &sent),
                    1);
  assert_string_equal (client_bytes, START_FAILED);
  assert_has (sent, "DELETE /containers/rm?force=1&v=1 HTTP/1.1\r\n");
  assert_false (gw_containers_known (&g->containers, "rm"));
  assert_int_equal (relay ("POST /containers/keep/start HTTP/1.1", failed, &sent2), 1);
  assert_string_equal (sent2, "");
  assert_true (gw_containers_known (&g->containers, "keep"));
}

/* A list leaves out a container whose removal is under way. */
static void
list_hides_removing (void **state)
{
  static const char list[] = "[{\"Id\":\"aaaa1111\",\"Names\":[\"/gone\"]},"
                             "{\"Id\":\"bbbb2222\",\"Names\":[\"/kept\"]}]";
  char answer[256];
  (void) state;

  gw_containers_add (&g->containers, "aaaa1111", "gone", NULL, true);
  gw_containers_set_removing (&g->containers, "gone");
  snprintf (answer, sizeof answer, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
            strlen (list), list);
  assert_int_equal (relay ("GET /containers/json HTTP/1.1", ANSWER (answer), NULL), 1);
  assert_has (client_bytes, "bbbb2222");
  assert_null (strstr (client_bytes, "aaaa1111"));
}

/* An attach upgraded: the container is marked attached, then the stream
 * goes both ways until the engine ends it; the connection ends. */
static void
attach_upgrade (void **state)
{
  (void) state;

  gw_containers_add (&g->containers, ID, "web", NULL, false);
  shutdown (client_end, SHUT_WR); /* the client sends no stdin */
  assert_int_equal (relay ("POST /containers/web/attach?stream=1&stdout=1 HTTP/1.1",
                           ANSWER ("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\n"
                                   "Upgrade: tcp\r\n\r\n",
                                   "hello from the container\n"),
                           NULL),
                    0);
  assert_true (gw_containers_first_run (&g->containers, "web"));
  assert_has (client_bytes, "HTTP/1.1 101 UPGRADED\r\n");
  assert_has (client_bytes, "\r\n\r\nhello from the container\n");
}

TEST_MAIN_FIXTURES (setup, teardown, streamed_answers, no_usable_answer,
                    engine_closes_without_a_byte, create_enters_the_table,
                    exec_create_enters_the_table, answers_update_the_table, wait_then_removal,
                    wait_then_no_engine, failed_start_of_autoremove, list_hides_removing,
                    attach_upgrade)
