/* The gateway's policy (policy.c: containers, execs, volumes; build.c:
 * image builds and imports).  Each check returns 0, or -1 with *status
 * (403, 400) and *err naming what was refused and the podsock.yaml setting
 * that would allow it.  Internal to the gateway; public for its tests. */
#ifndef PODSOCK_GATEWAY_POLICY_H
#define PODSOCK_GATEWAY_POLICY_H

#include "gateway/containers.h"
#include "gateway/gateway.h"
#include "gateway/route.h"
#include <podsock/error.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* The bind sources of a create request that passed the checks. */
struct gateway_mounts
{
  char **sources; /* NULL-terminated, or NULL when there are none */
  size_t n;
};
void gateway_mounts_free (struct gateway_mounts *m);

/* Does o restrict anything (bind sources or privileged)? */
bool gateway_policy_active (const struct gateway_options *o);

int gateway_policy_refuse (int *status, podsock_error_t *err, const char *what, const char *setting,
                           const char *fix);

/* POST /containers/create (req: the whole body); m gets the bind sources,
 * known tells which containers VolumesFrom may name. */
int gateway_policy_create (const struct gateway_options *o, const cJSON *req,
                           struct gw_containers *known, struct gateway_mounts *m, int *status,
                           podsock_error_t *err);
int gateway_policy_exec (const struct gateway_options *o, const cJSON *body, int *status,
                         podsock_error_t *err);
int gateway_policy_update (const struct gateway_options *o, const cJSON *body, int *status,
                           podsock_error_t *err);
int gateway_policy_volume (const struct gateway_options *o, const cJSON *body, int *status,
                           podsock_error_t *err);
/* POST /libpod/containers/create, where gateway.allowLibpod lets it through. */
int gateway_libpod_create (const struct gateway_options *o, const cJSON *spec, int *status,
                           podsock_error_t *err);
/* The sources a container was created with, resolved again at its start. */
int gateway_policy_start (const struct gateway_options *o, const char *const *sources, int *status,
                          podsock_error_t *err);

/* build.c: POST /build (its query parameters) and POST /images/create. */
int gateway_policy_build (const struct gateway_options *o, const struct gateway_target *t,
                          int *status, podsock_error_t *err);
int gateway_policy_image_create (const struct gateway_options *o, const struct gateway_target *t,
                                 int *status, podsock_error_t *err);

/* The single checks, for the rewrites and the tests. */
int gateway_policy_binds (const struct gateway_options *o, const cJSON *host_config, int *status,
                          podsock_error_t *err);
int gateway_policy_source (const struct gateway_options *o, const char *source, int *status,
                           podsock_error_t *err);
int gateway_policy_privileged (const struct gateway_options *o, bool privileged, int *status,
                               podsock_error_t *err);

#endif
