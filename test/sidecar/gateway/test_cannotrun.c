/* sidecar/gateway/cannotrun.c: a container whose command cannot run gets
 * dockerd's answers (over real sockets, a scripted peer in the engine's
 * place playing podman 4.3.1's answers as they came): the start's error in
 * Docker's words first (the docker CLI's 127 and 126 come from them), the
 * status dockerd records, the attach held (101) until the start failed
 * instead of podman's 409; every other error passes byte for byte. */
#include "gateway/internal.h"

#include <pthread.h>
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

#define ID "c0ffee0123456789c0ffee0123456789c0ffee0123456789c0ffee0123456789"
#define NOT_FOUND_MSG                                                                              \
  "crun: executable file `nosuch` not found in $PATH: No such file or directory: OCI runtime "     \
  "attempted to invoke a command that was not found"
#define NOT_FOUND_BODY                                                                             \
  "{\"cause\":\"OCI runtime attempted to invoke a command that was not found\",\"message\":\""      \
  NOT_FOUND_MSG "\",\"response\":500}"
#define DENIED_BODY                                                                                \
  "{\"cause\":\"OCI permission denied\",\"message\":\"crun: open executable: Permission denied: "   \
  "OCI permission denied\",\"response\":500}"
#define OTHER_BODY "{\"cause\":\"no such image\",\"message\":\"no such image\",\"response\":500}"

/* An answer of the engine with body (Content-Length framing). */
static char *
answer_of (int status, const char *reason, const char *body)
{
  return xasprintf ("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                    status, reason, strlen (body), body);
}

/* The start's error in Docker's words, the engine's message after them,
 * its status kept; the status dockerd records; an AutoRemove container
 * removed after it (its record kept for the waits), another one kept. */
static void
start_errors_in_dockers_words (void **state)
{
  cleanup_free char *nf = answer_of (500, "Internal Server Error", NOT_FOUND_BODY);
  cleanup_free char *dn = answer_of (500, "Internal Server Error", DENIED_BODY);
  cleanup_free char *sent = NULL, *sent2 = NULL;
  int code = -1;
  (void) state;

  gw_containers_add (&g->containers, ID, "rm", NULL, true);
  gw_containers_add (&g->containers, "0002", "keep", NULL, false);
  assert_int_equal (relay ("POST /containers/rm/start HTTP/1.1",
                           ANSWER (nf, "HTTP/1.1 204 No Content\r\n\r\n"), &sent),
                    1);
  assert_has (client_bytes, "HTTP/1.1 500 Internal Server Error\r\n");
  assert_has (client_bytes, "{\"message\":\"executable file not found in $PATH: " NOT_FOUND_MSG
                            "\"}");
  assert_has (sent, "DELETE /containers/rm?force=1&v=1 HTTP/1.1\r\n");
  assert_false (gw_containers_known (&g->containers, "rm"));
  assert_true (gw_containers_exit (&g->containers, ID, &code));
  assert_int_equal (code, 127);

  assert_int_equal (relay ("POST /containers/keep/start HTTP/1.1", ANSWER (dn), &sent2), 1);
  assert_has (client_bytes, "{\"message\":\"permission denied: crun: open executable: "
                            "Permission denied: OCI permission denied\"}");
  assert_string_equal (sent2, "");
  assert_true (gw_containers_exit (&g->containers, "keep", &code));
  assert_int_equal (code, 126);
}

/* Any other error, a chunked one, and the attach of a container that was
 * started or is not the gateway's, reach the client byte for byte. */
static void
other_errors_pass_unchanged (void **state)
{
  cleanup_free char *other = answer_of (500, "Internal Server Error", OTHER_BODY);
  cleanup_free char *nf409 = answer_of (409, "Conflict", NOT_FOUND_BODY);
  cleanup_free char *chunked = xasprintf (
      "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n",
      strlen (NOT_FOUND_BODY), NOT_FOUND_BODY);
  const struct
  {
    const char *request, *answer;
  } cases[] = {
    { "POST /containers/keep/start HTTP/1.1", other },
    { "POST /containers/keep/start HTTP/1.1", chunked },
    { "POST /containers/ran/attach?stream=1&stdout=1 HTTP/1.1", nf409 },
    { "POST /containers/stranger/attach?stream=1&stdout=1 HTTP/1.1", nf409 },
  };
  int code;
  (void) state;

  gw_containers_add (&g->containers, "0002", "keep", NULL, false);
  gw_containers_add (&g->containers, "0003", "ran", NULL, false);
  gw_containers_set_started (&g->containers, "ran");
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      assert_int_equal (relay (cases[i].request, ANSWER (cases[i].answer), NULL), 1);
      assert_string_equal (client_bytes, cases[i].answer);
    }
  assert_false (gw_containers_exit (&g->containers, "keep", &code));
}

/* An error answer the gateway cannot read whole (over 64 KiB) is a 502
 * that says so, and the connection ends. */
static void
unreadable_error_is_a_502 (void **state)
{
  cleanup_free char *big = xmalloc (70 * 1024 + 1), *answer = NULL;
  (void) state;

  memset (big, 'x', 70 * 1024);
  big[70 * 1024] = '\0';
  answer = answer_of (500, "Internal Server Error", big);
  gw_containers_add (&g->containers, "0002", "keep", NULL, false);
  assert_int_equal (relay ("POST /containers/keep/start HTTP/1.1", ANSWER (answer), NULL), 0);
  assert_has (client_bytes, "HTTP/1.1 502 Bad Gateway\r\n");
  assert_has (client_bytes, "the container engine's error answer could not be read (cut short, "
                            "or over 64 KiB)");
  assert_null (strstr (client_bytes, "xxxx"));
}

/* What the held attach's client does meanwhile: closes its stdin, looks
 * whether the gateway still holds the stream, then the start fails. */
struct held
{
  pthread_t th;
  bool held_after_stdin; /* the relay had not returned 100 ms after it */
  atomic_bool returned;
};

static void *
start_fails_later (void *arg)
{
  struct held *h = arg;

  shutdown (client_end, SHUT_WR);
  peer_sleep_ms (100);
  h->held_after_stdin = !atomic_load (&h->returned);
  gw_containers_set_exit (&g->containers, ID, 127); /* cannotrun.c's start_failed */
  return NULL;
}

/* podman's 409 to the attach of a created container whose command cannot
 * run becomes dockerd's 101 and a stream that ends when the start failed;
 * the container is not marked attached (the engine did not initialise it)
 * nor removed (its start is still to come). */
static void
attach_held_until_start_fails (void **state)
{
  static const char upgraded[] = "HTTP/1.1 101 UPGRADED\r\n"
                                 "Content-Type: application/vnd.docker.raw-stream\r\n"
                                 "Connection: Upgrade\r\nUpgrade: tcp\r\nApi-Version: 1.41\r\n\r\n";
  cleanup_free char *nf409 = answer_of (409, "Conflict", NOT_FOUND_BODY), *sent = NULL;
  struct held h = { 0 };
  (void) state;

  gw_containers_add (&g->containers, ID, "rm", NULL, true);
  client_asked ("POST /containers/rm/attach?stream=1&stdout=1&stderr=1 HTTP/1.1");
  assert_int_equal (pthread_create (&h.th, NULL, start_fails_later, &h), 0);
  assert_int_equal (engine_answers (ANSWER (nf409), &sent), 0);
  atomic_store (&h.returned, true);
  pthread_join (h.th, NULL);
  assert_true (h.held_after_stdin);
  assert_string_equal (client_bytes, upgraded);
  assert_string_equal (sent, "");
  assert_true (gw_containers_known (&g->containers, "rm"));
  assert_false (gw_containers_initialised (&g->containers, "rm"));
}

TEST_MAIN_FIXTURES (setup, teardown, start_errors_in_dockers_words, other_errors_pass_unchanged,
                    attach_held_until_start_fails, unreadable_error_is_a_502)
