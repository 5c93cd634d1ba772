/* Asking the engine: one HTTP/1.1 GET over its unix socket, one answer.
 *
 * A client of its own rather than libcurl: kubelets run podsock-probe every
 * few seconds in every job pod, and linking libcurl (with TLS, SSH, LDAP and
 * Kerberos behind it: 30 shared libraries) made each run cost 3.5 times a
 * `stat` and 10 MB of memory (docs/probe.md has the numbers).  The engine
 * speaks plain HTTP/1.1 on a local socket; that is all this understands, and
 * it reads answers with the gateway's strict parser (podsock/http.h). */
#ifndef PODSOCK_PING_H
#define PODSOCK_PING_H

#include <podsock/error.h>
#include <stddef.h>

/* Largest answer body accepted; Docker and podman answer "OK". */
#define PING_MAX_BODY 256

/* What a request came to.  Every failure is < 0, as the error convention
 * asks, and *err says why in one line. */
enum ping_result
{
  PING_OK = 0,
  PING_NO_ANSWER = -1,  /* cannot connect, closed, or not HTTP at all */
  PING_TIMEOUT = -2,    /* nothing, or not all of the answer, within the timeout */
  PING_BAD_ANSWER = -3, /* an HTTP answer, but not 200 "OK" (ping_engine only) */
};

struct ping_answer
{
  long status; /* HTTP status code */
  char *body;  /* NUL-terminated, chunked encoding undone */
  size_t body_len;
  int truncated; /* the body was larger than asked for: body holds nothing useful */
};

/* 0 when the engine answered GET /_ping with 200 "OK" within timeout_ms;
 * otherwise one of enum ping_result with a one-line reason in *err. */
int ping_engine (const char *socket_path, long timeout_ms, podsock_error_t *err);

/* GET path on socket_path, all within timeout_ms (connect, send and the
 * whole answer).  0 with *out filled (release it with ping_answer_release),
 * or PING_NO_ANSWER or PING_TIMEOUT.  Bodies over max_body are not read:
 * out->truncated is set. */
int ping_request (const char *socket_path, const char *path, long timeout_ms, size_t max_body,
                  struct ping_answer *out, podsock_error_t *err);

void ping_answer_release (struct ping_answer *a);

/* Parses the bytes of an answer received so far; eof says the engine has
 * closed the connection.  1: complete, *out filled (release it); 0: more
 * bytes needed; PING_NO_ANSWER: not an HTTP answer, *err says why.
 * Exposed for unit tests and the fuzz target. */
int ping_parse_answer (const char *buf, size_t len, int eof, size_t max_body,
                       struct ping_answer *out, podsock_error_t *err);

/* Judges an answer to /_ping; exposed for unit tests and the fuzz target. */
int ping_judge (long http_status, const char *body, size_t body_len, int truncated,
                podsock_error_t *err);

#endif
