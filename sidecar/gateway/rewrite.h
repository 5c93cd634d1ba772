/* The gateway's request rewrites and answer rewrites (rewrite.c): the
 * checked and rewritten bodies of create, exec, update and volume requests,
 * and the ports a host-network container publishes in inspect and list
 * answers.  Internal to the gateway; public for its tests. */
#ifndef PODSOCK_GATEWAY_REWRITE_H
#define PODSOCK_GATEWAY_REWRITE_H

#include "gateway/containers.h"
#include "gateway/gateway.h"
#include "gateway/networks.h"
#include "gateway/policy.h"
#include "gateway/route.h"
#include <podsock/error.h>

#include <stdbool.h>
#include <stddef.h>

/* Label that carries the ports a host-network container publishes, so
 * inspect and list answers can report them (stateless: survives restarts). */
#define GATEWAY_PORTS_LABEL "io.podsock.gateway.ports"

/* The largest body the gateway reads whole: a create request or an
 * inspect/list answer. */
#define GATEWAY_JSON_MAX (8 * 1024 * 1024)

/* POST /containers/create: read once (gwjson), checked (policy.c), rewritten
 * for the pod, printed again.  0 and *out (malloc'd), or -1 with *status
 * (400, 403, 409, 413) and err.  m gets the bind sources (may be NULL),
 * known says which containers VolumesFrom may name (NULL: none). */
struct gateway_create
{
  struct gw_containers *known;   /* which containers VolumesFrom may name (NULL: none) */
  struct gw_hosts *hosts;        /* user-defined networks' hosts file (NULL: off) */
  struct gateway_mounts *mounts; /* gets the bind sources (may be NULL) */
  char *host_names;              /* gets the names for the hosts file, or NULL */
  bool auto_remove;              /* gets HostConfig.AutoRemove */
};
int gateway_create_request (const struct gateway_options *o, struct gateway_create *cr,
                            const char *name, const char *body, size_t len, char **out,
                            size_t *out_len, int *status, podsock_error_t *err);
/* The same without a table, for tests. */
int gateway_rewrite_create (const struct gateway_options *o, const char *name, const char *body,
                            size_t len, char **out, size_t *out_len, int *status,
                            podsock_error_t *err);

/* The other bodies the gateway reads whole: exec create (*other_user: it
 * runs as a user other than root), update, volume create, libpod create. */
int gateway_check_request (const struct gateway_options *o, enum gateway_route route,
                           const char *body, size_t len, char **out, size_t *out_len,
                           bool *other_user, int *status, podsock_error_t *err);

/* Single checks on raw bodies, for tests. */
int gateway_check_exec (const struct gateway_options *o, const char *body, size_t len, int *status,
                        podsock_error_t *err);
int gateway_rewrite_libpod_create (const struct gateway_options *o, const char *body, size_t len,
                                   int *status, podsock_error_t *err);

/* Answers: inspect (one object) and list (an array).  Return 1 and *out
 * (malloc'd) when they changed, 0 when not, -1 when the body is no JSON. */
int gateway_rewrite_inspect (const char *body, size_t len, char **out, size_t *out_len);
int gateway_rewrite_list (const char *body, size_t len, char **out, size_t *out_len);
/* The same, leaving out containers whose removal is under way (hide). */
int gateway_rewrite_list_hiding (const char *body, size_t len, struct gw_containers *hide,
                                 char **out, size_t *out_len);

#endif
