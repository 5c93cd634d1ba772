/* Which endpoint a request is for, read once, strictly, the way podman's
 * router would read it: the target is decoded and checked (no dot or empty
 * segments, no encoded separators, a well-formed API version prefix), the
 * endpoint is looked up in a table of the Docker Engine API, and the gateway
 * forwards its own re-encoded target, never the client's bytes.
 * docs/security.md lists the rules. */
#ifndef PODSOCK_GATEWAY_ROUTE_H
#define PODSOCK_GATEWAY_ROUTE_H

#include <podsock/error.h>
#include <stdbool.h>
#include <stddef.h>

/* Longest request target the gateway accepts (414 beyond). */
#define GATEWAY_TARGET_MAX 4096

enum gateway_route
{
  ROUTE_PASS,               /* a known endpoint, forwarded as it is */
  ROUTE_CREATE,             /* POST /containers/create */
  ROUTE_INSPECT,            /* GET /containers/{id}/json */
  ROUTE_LIST,               /* GET /containers/json */
  ROUTE_EXEC_CREATE,        /* POST /containers/{id}/exec */
  ROUTE_LIBPOD_CREATE,      /* POST /libpod/containers/create */
  ROUTE_LIBPOD_KUBE,        /* POST /libpod/play/kube, /libpod/kube/play */
  ROUTE_LIBPOD_READ,        /* GET or HEAD under /libpod/ */
  ROUTE_LIBPOD_OTHER,       /* any other libpod request */
  ROUTE_UPDATE,             /* POST /containers/{id}/update */
  ROUTE_START,              /* POST /containers/{id}/start */
  ROUTE_RESTART,            /* POST /containers/{id}/restart */
  ROUTE_STOP,               /* POST /containers/{id}/stop */
  ROUTE_KILL,               /* POST /containers/{id}/kill */
  ROUTE_WAIT,               /* POST /containers/{id}/wait */
  ROUTE_DELETE,             /* DELETE /containers/{id} */
  ROUTE_ATTACH,             /* POST /containers/{id}/attach */
  ROUTE_EXEC_START,         /* POST /exec/{id}/start */
  ROUTE_VOLUME_CREATE,      /* POST /volumes/create */
  ROUTE_BUILD,              /* POST /build */
  ROUTE_IMAGE_CREATE,       /* POST /images/create (pull, import) */
  ROUTE_ARCHIVE_PUT,        /* PUT /containers/{id}/archive (docker cp into it) */
  ROUTE_NETWORK_CONNECT,    /* POST /networks/{id}/connect */
  ROUTE_NETWORK_DISCONNECT, /* POST /networks/{id}/disconnect */
  ROUTE_UNKNOWN,            /* no endpoint of the Docker API the gateway serves */
  ROUTE_MALFORMED,          /* 400: the target cannot be read one way only */
  ROUTE_TOO_LONG,           /* 414 */
};

struct gateway_query_param
{
  char *key, *value; /* decoded */
};

struct gateway_target
{
  enum gateway_route route;
  char id[256];  /* the container or exec named in the path, where there is one */
  char *path;    /* the decoded path, version prefix included */
  char *forward; /* the target to send: the decoded path re-encoded, then the query */
  size_t forward_len;
  struct gateway_query_param *params; /* the decoded query */
  size_t n_params;
};

/* Reads a request target.  0 with *t filled (release with
 * gateway_target_free), or -1 with *status (400, 414) and *err naming
 * what is wrong. */
int gateway_target_parse (const char *method, size_t method_len, const char *target,
                          size_t target_len, struct gateway_target *t, int *status,
                          podsock_error_t *err);

void gateway_target_free (struct gateway_target *t);

/* Only the route (ROUTE_MALFORMED or ROUTE_TOO_LONG on a bad target). */
enum gateway_route gateway_route (const char *method, size_t method_len, const char *target,
                                  size_t target_len);

/* The decoded value of the query parameter named key (ASCII case folded, as
 * gorilla/schema matches names), or NULL.  With several, the first: a check
 * must read every instance (podman's handlers take the first, gorilla/schema
 * the last). */
const char *gateway_query_get (const struct gateway_target *t, const char *key);

/* Changes the value of every instance of a parameter (as the gateway
 * rewrites wait?condition=removed); 0, or -1 when there is none. */
int gateway_target_set_param (struct gateway_target *t, const char *key, const char *value);

/* Drops every instance of a parameter; 0, or -1 when there is none. */
int gateway_target_remove_param (struct gateway_target *t, const char *key);

#endif
