/* The sidecar's status file as both probe modes read it. */
#ifndef PODSOCK_PROBE_STATUSFILE_H
#define PODSOCK_PROBE_STATUSFILE_H

#include <podsock/error.h>
#include <podsock/status.h>

/* Reads path into *st: 0, or -1 with (*err)->msg saying why not, which is
 * "no status file at PATH" when there is none (status stays ENOENT). */
int probe_status_read (const char *path, struct podsock_status *st, podsock_error_t *err);

#endif
