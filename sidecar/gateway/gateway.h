/* The Docker API gateway: the sidecar accepts clients on the job's socket
 * and this module forwards each request to podman's private socket.
 * Requests and responses stream through untouched (fixed buffers, no whole
 * bodies), upgraded and hijacked connections (attach, exec) become a raw
 * two-way pipe, and only the few requests the pod needs are rewritten:
 * see docs/gateway.md. */
#ifndef PODSOCK_GATEWAY_H
#define PODSOCK_GATEWAY_H

#include <podsock/error.h>
#include <stdint.h>

struct gateway_options
{
  const char *engine_socket; /* podman's private socket path */
  unsigned wait_seconds;     /* how long requests wait for the engine (startup/restart) */
  int rewrite_network;       /* 1: NetworkMode default/bridge -> network_target */
  const char *network_target; /* NULL: "host" (no usable /dev/net/tun); "slirp4netns" where
                                 tun works but the pod's /proc/sys (read-only) rules out
                                 podman's rootless bridge */
  uint64_t default_memory_bytes; /* 0: none */
  uint64_t default_pids;         /* 0: none */
  /* NULL: any bind source; else NULL-terminated path prefixes
   * (gateway.allowedBindSources).  Named volumes are always allowed. */
  const char *const *allowed_bind_sources;
  int allow_privileged;            /* gateway.allowPrivileged */
  const char *unavailable_reason;  /* non-NULL: no engine can run; every request gets a
                                      Docker-style JSON error carrying this */
  unsigned header_timeout_seconds; /* a started request head must arrive within this; 0: 30 */
  unsigned idle_timeout_seconds;   /* an idle keep-alive client is closed after this; 0: 600 */
};

struct gateway;

/* Serves listen_fd (a listening unix socket; the gateway does not close
 * it) in threads of its own; returns at once.  Options are copied. */
int gateway_start (struct gateway **out, int listen_fd, const struct gateway_options *o,
                   podsock_error_t *err);

/* reason non-NULL: answer every new request with a JSON error carrying it;
 * NULL: forward again.  Thread-safe. */
void gateway_set_unavailable (struct gateway *g, const char *reason);

/* The engine exited (the sidecar saw it): until it answers again, new
 * requests wait for it, up to wait_seconds.  Thread-safe. */
void gateway_engine_lost (struct gateway *g);

/* Stops accepting, ends every connection, joins all threads and frees g. */
void gateway_stop (struct gateway *g);

#endif
