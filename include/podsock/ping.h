/* Asking an engine whether it answers: GET /_ping over a unix socket. */
#ifndef PODSOCK_PING_H
#define PODSOCK_PING_H

#include <podsock/error.h>
#include <stddef.h>

/* Largest answer body accepted; Docker and podman answer "OK". */
#define PING_MAX_BODY 256

/* 0 when the engine answered 200 with body "OK" within timeout_ms; -1 with
 * a one-line reason in *err otherwise. */
int ping_engine (const char *socket_path, long timeout_ms, podsock_error_t *err);

/* Judges an answer; exposed for unit tests and the fuzz target. */
int ping_judge (long http_status, const char *body, size_t body_len, int truncated,
                podsock_error_t *err);

#endif
