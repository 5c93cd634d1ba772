/* sidecar/gateway/exitwait.c: the wait of a container's first run is
 * acknowledged at once and answered with the status conmon writes to the
 * exits directory, or with the engine's own exit wait when no file comes;
 * failures reach the client as Docker's wait error, a client that leaves
 * ends the wait, and docker run --rm's removal follows the answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.h"
#include "testutil.h"
#include "gwpeer.h"

#include <sys/stat.h>

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ANSWER_7 "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n7\n"

/* The gateway, its connection, the test's ends of the client and engine
 * sockets, and the thread that runs gateway_exit_wait. */
struct run
{
  struct gateway_options o;
  struct gateway *g;
  struct conn *c;
  struct http_message m;
  int client, engine;
  int result;
  pthread_t th;
  char exits[256];
};

static void *
wait_thread (void *arg)
{
  struct run *r = arg;
  r->result = gateway_exit_wait (r->c, &r->m);
  return NULL;
}

/* A wait of container ID (named "job"), asked by ref; with_exits: the
 * exits directory exists; attached: its first run (docker run attached),
 * else a docker run -d --rm that waits before its start. */
static void
start_wait (struct run *r, const char *ref, bool with_exits, bool auto_remove,
            const char *engine_socket, int recorded_exit, bool attached)
{
  cleanup_error podsock_error_t err = NULL;
  cleanup_free char *req = xasprintf ("POST /v1.41/containers/%s/wait?condition=next-exit "
                                      "HTTP/1.1\r\nHost: docker\r\n\r\n",
                                      ref);
  int status;

  memset (r, 0, sizeof *r);
  r->o.engine_run_dir = testdir;
  r->o.engine_socket = engine_socket;
  r->o.wait_seconds = 2;
  snprintf (r->exits, sizeof r->exits, "%s/libpod/tmp/exits", testdir);
  if (with_exits)
    assert_int_equal (fs_mkdir_p (r->exits, 0700, &err), 0);
  r->g = tgw_new (&r->o);
  atomic_store (&r->g->engine_alive, true);
  gw_containers_add (&r->g->containers, ID, "job", NULL, auto_remove);
  gw_containers_set_exit (&r->g->containers, ID, recorded_exit);
  if (attached)
    gw_containers_set_attached (&r->g->containers, ID);
  r->c = tconn_new (r->g, &r->client, &r->engine);
  side_put (&r->c->client, req);
  assert_true (http_parse_request (r->c->client.buf, r->c->client.len, &r->m, &err) > 0);
  assert_int_equal (gateway_target_parse (r->m.method, r->m.method_len, r->m.target,
                                          r->m.target_len, &r->c->x.t, &status, &err),
                    0);
  r->c->x.remove_after_wait = auto_remove;
  assert_int_equal (pthread_create (&r->th, NULL, wait_thread, r), 0);
}

static void
start_ref (struct run *r, const char *ref, bool with_exits, bool auto_remove,
           const char *engine_socket, int recorded_exit)
{
  start_wait (r, ref, with_exits, auto_remove, engine_socket, recorded_exit, true);
}

static void
start (struct run *r, bool with_exits, bool auto_remove, const char *engine_socket)
{
  start_ref (r, ID, with_exits, auto_remove, engine_socket, -1);
}

/* What the engine was asked (one request head). */
static void
expect_engine_asked (struct run *r)
{
  char buf[1024] = "";
  size_t len = 0;
  struct pollfd p = { .fd = r->engine, .events = POLLIN };

  while (strstr (buf, "\r\n\r\n") == NULL && len + 1 < sizeof buf && poll (&p, 1, 5000) == 1)
    {
      ssize_t n = recv (r->engine, buf + len, sizeof buf - 1 - len, 0);
      assert_true (n > 0);
      len += (size_t) n;
      buf[len] = '\0';
    }
  assert_has (buf, "POST /v4.0.0/libpod/containers/" ID "/wait?condition=exited HTTP/1.1");
}

/* Everything the client got until the gateway's chunked answer ended. */
static char *
client_answer (struct run *r)
{
  static char buf[4096];
  size_t len = 0;
  struct pollfd p = { .fd = r->client, .events = POLLIN };

  buf[0] = '\0';
  while (strstr (buf, "\r\n0\r\n\r\n") == NULL && len + 1 < sizeof buf && poll (&p, 1, 5000) == 1)
    {
      ssize_t n = recv (r->client, buf + len, sizeof buf - 1 - len, 0);
      if (n <= 0)
        break;
      len += (size_t) n;
      buf[len] = '\0';
    }
  return buf;
}

static void
join (struct run *r, int want_result)
{
  pthread_join (r->th, NULL);
  assert_int_equal (r->result, want_result);
}

static void
release (struct run *r)
{
  close (r->client);
  close (r->engine);
  tconn_free (r->c);
  tgw_free (r->g);
}

static void
finish (struct run *r, int want_result)
{
  join (r, want_result);
  release (r);
}

/* The exit status conmon leaves: written to a new file and renamed. */
static void
write_exit_file (const char *text)
{
  testdir_put ("libpod/tmp/exits/" ID, text);
}

/* conmon writes status: the client's answer says it, the wait ends. */
static void
exit_file_answers (struct run *r, const char *status)
{
  char want[64];

  write_exit_file (status);
  snprintf (want, sizeof want, "{\"StatusCode\":%s,\"Error\":null}", status);
  assert_has (client_answer (r), want);
  finish (r, 1);
}

static bool
engine_closed (struct run *r)
{
  char b;
  struct pollfd p = { .fd = r->engine, .events = POLLIN };
  return poll (&p, 1, 5000) == 1 && recv (r->engine, &b, 1, 0) == 0;
}

/* The status reaches the client in Docker's chunked wait answer, from the
 * exit file (asked by id or by name: the file is named by the full id), or
 * from an exit the gateway's watcher recorded (docker run -d --rm: podman
 * removed the container and its file); the engine's own wait, still open,
 * is ended by closing its connection. */
static const struct
{
  const char *ref;
  int recorded; /* -1: none */
  const char *file;
  const char *want;
} exit_cases[] = {
  { ID, -1, "3", "{\"StatusCode\":3,\"Error\":null}\n" },
  { "job", -1, "5", "{\"StatusCode\":5,\"Error\":null}\n" },
  { "0123456789ab", -1, "0", "{\"StatusCode\":0,\"Error\":null}\n" },
  { ID, 6, NULL, "{\"StatusCode\":6,\"Error\":null}\n" },
};

static void
exits_answer (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (exit_cases); i++)
    {
      struct run r;
      start_ref (&r, exit_cases[i].ref, true, false, NULL, exit_cases[i].recorded);
      expect_engine_asked (&r);
      if (exit_cases[i].file)
        write_exit_file (exit_cases[i].file);
      const char *a = client_answer (&r);
      assert_has (a, "HTTP/1.1 200 OK\r\n");
      assert_has (a, "Transfer-Encoding: chunked\r\n");
      assert_has (a, exit_cases[i].want);
      assert_true (engine_closed (&r));
      finish (&r, 1);
      char file[512];
      snprintf (file, sizeof file, "%s/%s", r.exits, ID);
      unlink (file);
    }
}

static void
head_comes_before_the_exit (void **state)
{
  struct run r;
  char head[256] = "";
  struct pollfd p;
  (void) state;

  start (&r, true, false, NULL);
  expect_engine_asked (&r);
  p = (struct pollfd) { .fd = r.client, .events = POLLIN };
  assert_int_equal (poll (&p, 1, 5000), 1);
  assert_true (recv (r.client, head, sizeof head - 1, 0) > 0);
  assert_has (head, "HTTP/1.1 200 OK\r\n");
  assert_null (strstr (head, "StatusCode"));
  exit_file_answers (&r, "137");
}

static void
engine_answers_without_exits_dir (void **state)
{
  struct run r;
  (void) state;

  start (&r, false, false, NULL);
  expect_engine_asked (&r);
  assert_int_equal (send (r.engine, ANSWER_7, strlen (ANSWER_7), 0), (ssize_t) strlen (ANSWER_7));
  assert_has (client_answer (&r), "{\"StatusCode\":7,\"Error\":null}");
  join (&r, 1);
  /* a whole answer: the engine connection is kept for the next request */
  assert_true (r.c->engine.fd >= 0);
  assert_true (r.c->engine_idle);
  release (&r);
}

static void
unreadable_exit_file_waits_for_engine (void **state)
{
  struct run r;
  (void) state;

  start (&r, true, false, NULL);
  expect_engine_asked (&r);
  write_exit_file ("not a number");
  peer_sleep_ms (50);
  assert_int_equal (send (r.engine, ANSWER_7, strlen (ANSWER_7), 0), (ssize_t) strlen (ANSWER_7));
  assert_has (client_answer (&r), "{\"StatusCode\":7,\"Error\":null}");
  finish (&r, 1);
}

/* Engine answers that are not a status become Docker's wait error. */
static void
engine_errors_reach_client (void **state)
{
  static const struct
  {
    const char *engine; /* NULL: the engine closes the connection */
    const char *message;
  } cases[] = {
    { "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n"
      "{\"cause\":\"no such container\",\"message\":\"no such container\"}\n",
      "\"Message\":\"no such container\"" },
    { "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnope",
      "\"Message\":\"the container engine's wait answered no status\"" },
    { NULL, "\"Message\":\"the container engine closed the connection during the wait\"" },
  };
  (void) state;

  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      struct run r;
      log_capture ();
      start (&r, false, false, NULL);
      expect_engine_asked (&r);
      if (cases[i].engine)
        assert_true (send (r.engine, cases[i].engine, strlen (cases[i].engine), 0) > 0);
      else
        shutdown (r.engine, SHUT_RDWR);
      const char *a = client_answer (&r);
      assert_has (a, "\"StatusCode\":-1");
      assert_has (a, cases[i].message);
      finish (&r, 1);
      cleanup_free char *log = log_take ();
      assert_has (log, "the exit wait of container 0123456789ab failed");
      log_release ();
    }
}

static void
client_leaving_ends_the_wait (void **state)
{
  struct run r;
  (void) state;

  start (&r, true, false, NULL);
  expect_engine_asked (&r);
  close (r.client);
  join (&r, 0);
  assert_true (engine_closed (&r));
  r.client = -1;
  release (&r);
}

/* Nothing reached the engine within ms. */
static bool
engine_not_asked (struct run *r, int ms)
{
  struct pollfd p = { .fd = r->engine, .events = POLLIN };
  return poll (&p, 1, ms) == 0;
}

/* The wait of a container nobody attached or started yet (docker run -d
 * --rm waits before its start): acknowledged, the engine not asked. */
static void
start_uninitialised (struct run *r)
{
  start_wait (r, ID, true, false, NULL, -1, false);
  assert_true (engine_not_asked (r, 200));
}

/* docker run -d --rm waits before its start, and the engine's wait for
 * "exited" answers 0 at once for a container it has not initialised: the
 * gateway acknowledges, asks the engine only once the container started,
 * and answers from the file as ever. */
static void
uninitialised_asks_at_start (void **state)
{
  struct run r;
  (void) state;

  start_uninitialised (&r);
  gw_containers_set_started (&r.g->containers, ID);
  expect_engine_asked (&r);
  exit_file_answers (&r, "4");
}

/* A start that failed (a command that cannot run: cannotrun.c) records
 * dockerd's status; the waits it wakes answer with it, before the start's
 * error goes out (gw_containers_wait_unwatched), the engine never asked.
 * One that is removed before it ran ends its waits with an error. */
static void
failed_start_answers_waits (void **state)
{
  struct run r;
  (void) state;

  start_uninitialised (&r);
  gw_containers_set_exit (&r.g->containers, ID, 127);
  gw_containers_wait_unwatched (&r.g->containers, ID, 5000);
  assert_has (client_answer (&r), "{\"StatusCode\":127,\"Error\":null}");
  assert_true (engine_closed (&r)); /* closed, never asked */
  finish (&r, 1);

  log_capture ();
  start_uninitialised (&r);
  gw_containers_remove (&r.g->containers, ID);
  assert_has (client_answer (&r), "\"Message\":\"the container was removed before it ran\"");
  finish (&r, 1);
  free (log_take ());
  log_release ();
}

/* docker run --rm: after the answer the gateway removes the container on
 * a new engine connection (the first one carried the open wait). */
static void
auto_remove_deletes_after_answer (void **state)
{
  static const char *const answers[] = { "HTTP/1.1 204 No Content\r\n\r\n", NULL };
  struct peer_server s;
  struct run r;
  (void) state;

  peer_server_listen (&s, "engine.sock", answers);
  peer_server_run (&s);
  start (&r, true, true, s.path);
  expect_engine_asked (&r);
  write_exit_file ("0");
  assert_has (client_answer (&r), "{\"StatusCode\":0,\"Error\":null}");
  join (&r, 1);
  peer_server_wait_accepted (&s, 1);
  assert_false (gw_containers_known (&r.g->containers, ID));
  release (&r);
  peer_server_stop (&s);
  assert_has (s.log, "DELETE /containers/" ID "?force=1&v=1 HTTP/1.1");
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, exits_answer, head_comes_before_the_exit,
                    engine_answers_without_exits_dir, unreadable_exit_file_waits_for_engine,
                    engine_errors_reach_client, client_leaving_ends_the_wait,
                    uninitialised_asks_at_start, failed_start_answers_waits,
                    auto_remove_deletes_after_answer)
