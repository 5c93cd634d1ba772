/* The gateway's request routing, JSON rewrites and policy (sidecar/gateway/rewrite.c,
 * sidecar/gateway/policy.c).  Internal to the gateway; public for its tests. */
#ifndef PODSOCK_GATEWAY_REWRITE_H
#define PODSOCK_GATEWAY_REWRITE_H

#include <podsock/error.h>
#include "gateway/gateway.h"
#include <stdbool.h>
#include <stddef.h>

/* Label that carries the ports a host-network container publishes, so
 * inspect and list answers can report them (stateless: survives restarts). */
#define GATEWAY_PORTS_LABEL "io.podsock.gateway.ports"

enum gateway_route
{
  ROUTE_PASS,          /* forwarded untouched */
  ROUTE_CREATE,        /* POST /containers/create */
  ROUTE_INSPECT,       /* GET /containers/{id}/json */
  ROUTE_LIST,          /* GET /containers/json */
  ROUTE_EXEC_CREATE,   /* POST /containers/{id}/exec */
  ROUTE_LIBPOD_CREATE, /* POST /libpod/containers/create */
  ROUTE_LIBPOD_KUBE,   /* POST /libpod/play/kube: refused under a policy */
};

/* Which rewrite a request needs, from its method and target (any API
 * version prefix, percent-encoding and dot segments resolved as the
 * engine's router would). */
enum gateway_route gateway_route (const char *method, size_t method_len, const char *target,
                                  size_t target_len);

/* Does o restrict anything (bind sources or privileged)? */
bool gateway_policy_active (const struct gateway_options *o);

/* The result of a request rewrite: 0 and *out (malloc'd, *out NULL when
 * the body stays as it is), or -1 with *status (400, 403, 409) and err. */
int gateway_rewrite_create (const struct gateway_options *o, const char *name, const char *body,
                            size_t len, char **out, size_t *out_len, int *status,
                            podsock_error_t *err);
int gateway_rewrite_libpod_create (const struct gateway_options *o, const char *body, size_t len,
                                   int *status, podsock_error_t *err);
int gateway_check_exec (const struct gateway_options *o, const char *body, size_t len, int *status,
                        podsock_error_t *err);

/* Answers: inspect (one object) and list (an array).  Return 1 and *out
 * (malloc'd) when they changed, 0 when not, -1 when the body is no JSON. */
int gateway_rewrite_inspect (const char *body, size_t len, char **out, size_t *out_len);
int gateway_rewrite_list (const char *body, size_t len, char **out, size_t *out_len);

/* Policy (sidecar/gateway/policy.c): -1 with *status 403 and err naming the setting. */
struct cJSON;
int gateway_policy_binds (const struct gateway_options *o, const struct cJSON *host_config,
                          int *status, podsock_error_t *err);
int gateway_policy_source (const struct gateway_options *o, const char *source, int *status,
                           podsock_error_t *err);
int gateway_policy_privileged (const struct gateway_options *o, bool privileged, int *status,
                               podsock_error_t *err);

#endif
