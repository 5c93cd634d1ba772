/* Calls the sidecar makes to the engine's API (libcurl over the socket). */
#ifndef PODSOCK_SIDECAR_API_H
#define PODSOCK_SIDECAR_API_H

#include <podsock/error.h>
#include <stddef.h>

/* Stops every running container (POST /containers/{id}/stop?t=SECONDS, all
 * at once) and waits at most timeout_ms for the answers.  Returns how many
 * were stopped (204; 304 already stopped and 404 gone count too), or -1 when
 * the list could not be had or any stop failed or went unanswered (err names
 * each such container and why). */
int api_stop_all (const char *socket_path, unsigned stop_seconds, long timeout_ms,
                  podsock_error_t *err);

/* GET path, answer body (at most max bytes) in *body.  Returns the HTTP status or -1. */
long api_get (const char *socket_path, const char *path, long timeout_ms, char **body,
              size_t max, podsock_error_t *err);

/* POST path with no body.  Returns the HTTP status or -1; *body may be NULL. */
long api_post (const char *socket_path, const char *path, long timeout_ms, char **body,
               size_t max, podsock_error_t *err);

/* DELETE /images/{id}.  Returns the HTTP status or -1. */
long api_delete_image (const char *socket_path, const char *id, long timeout_ms,
                       podsock_error_t *err);

#endif
