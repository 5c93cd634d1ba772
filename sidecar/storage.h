/* The storage directory across pod restarts and driver changes. */
#ifndef PODSOCK_SIDECAR_STORAGE_H
#define PODSOCK_SIDECAR_STORAGE_H

#include "detect.h"

#include <podsock/error.h>

/* A graphroot remembers its driver: podman refuses to switch ("User-selected
 * graph driver vfs overwritten by graph driver overlay from database",
 * podman #8705).  When the directory holds another driver's data, reuse that
 * driver if this pod can still use it (r->driver changes), else empty the
 * directory.  Either way it is logged.  Records the driver in use. */
int storage_reconcile_driver (const char *dir, struct detect_report *r, podsock_error_t *err);

#endif
