/* The Docker API gateway: the sidecar accepts clients on the job's socket
 * and this module forwards each request to podman's private socket.
 * Requests and responses stream through untouched (fixed buffers, no whole
 * bodies), upgraded and hijacked connections (attach, exec) become a raw
 * two-way pipe, and only the few requests the pod needs are rewritten:
 * see docs/gateway.md. */
#ifndef PODSOCK_GATEWAY_H
#define PODSOCK_GATEWAY_H

#include <podsock/error.h>
#include <stdbool.h>
#include <stdint.h>

struct gateway_options
{
  const char *engine_socket;     /* podman's private socket path */
  unsigned wait_seconds;         /* how long requests wait for the engine (startup/restart) */
  int rewrite_network;           /* 1: NetworkMode default/bridge -> network_target */
  const char *network_target;    /* NULL: "host" (no usable /dev/net/tun); "slirp4netns" where
                                    tun works but the pod's /proc/sys (read-only) rules out
                                    podman's rootless bridge */
  uint64_t default_memory_bytes; /* 0: none */
  uint64_t default_pids;         /* 0: none */
  /* NULL: any bind source; else NULL-terminated path prefixes
   * (gateway.allowedBindSources).  Named volumes are always allowed. */
  const char *const *allowed_bind_sources;
  int allow_privileged; /* gateway.allowPrivileged */
  /* The rest of the policy (docs/security.md); it applies while a policy is
   * on (allowed_bind_sources set or allow_privileged 0).  NULL lists take
   * the defaults named. */
  int allow_libpod;                         /* gateway.allowLibpod: podman's own API */
  int allow_host_namespaces;                /* gateway.allowHostNamespaces */
  const char *const *allowed_capabilities;  /* NULL: Docker's default set */
  const char *const *allowed_security_opts; /* NULL: no-new-privileges, mask */
  const char *const *allowed_devices;       /* NULL: none */
  const char *const *allowed_sysctls;       /* NULL: none */
  unsigned default_stop_timeout;            /* StopTimeout when a create sets none: 10 s */
  /* Ownership hand-back (docs/ownership.md): before answering a call that
   * tells the client a container ended, give what nested users wrote under
   * builds_dir back to the pod user. */
  int handback;
  const char *builds_dir;
  const char *engine_run_dir; /* podman's XDG_RUNTIME_DIR: its pause process */
  int root_in_userns;         /* root of a hostUsers: false pod: no pause process */
  /* User-defined networks run in the pod's network, their names in this
   * hosts file (docs/compatibility.md); NULL: left to the engine. */
  const char *hosts_file;
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

/* The engine reports a container died (its event stream): hand back what
 * it wrote, when the gateway knows its bind sources.  Thread-safe. */
void gateway_container_died (struct gateway *g, const char *id);
/* Was id created through the gateway (its bind sources are known)? */
bool gateway_knows_container (struct gateway *g, const char *id);

/* Stops accepting, ends every connection, joins all threads and frees g. */
void gateway_stop (struct gateway *g);

#endif
