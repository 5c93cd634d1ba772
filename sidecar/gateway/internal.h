/* What the gateway's files share (gateway.c, stream.c, upstream.c): the
 * gateway, its connections, and the stream and engine-connection helpers.
 * Internal to sidecar/gateway/. */
#ifndef PODSOCK_GATEWAY_INTERNAL_H
#define PODSOCK_GATEWAY_INTERNAL_H

#include "gateway/containers.h"
#include "gateway/gateway.h"
#include "gateway/networks.h"
#include "gateway/policy.h"
#include "gateway/route.h"
#include <podsock/http.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Below glibc's mmap threshold (128 KiB): per-connection buffers come from
 * the heap, not from an mmap/munmap pair per connection. */
#define BUF_SIZE (HTTP_MAX_HEAD + 60 * 1024)
#define POOL_MAX 16         /* idle engine connections kept for the next client */
#define IDLE_WORKERS_MAX 16 /* threads kept waiting for the next client */
#define IDLE_WORKER_SECONDS 30

#define HIJACK_LINGER_MS 5000

struct conn;

struct gateway
{
  struct gateway_options o;
  char *owned[8]; /* the copies of o's strings */
  size_t n_owned;
  char **owned_v[8]; /* and of its lists */
  size_t n_owned_v;
  int listen_fd;
  int stop_fd; /* eventfd: wakes the acceptor */
  pthread_t acceptor;
  pthread_t exits_watcher; /* exitwait.c: records the exits of its containers */
  pthread_mutex_t lock;
  pthread_cond_t drained;
  pthread_cond_t work; /* a client fd was queued for an idle worker */
  int queue[IDLE_WORKERS_MAX];
  unsigned n_queue, n_idle;
  char *unavailable;
  struct conn *conns;
  unsigned n_conns;
  int pool[POOL_MAX]; /* idle keep-alive engine connections */
  unsigned n_pool;
  atomic_bool stopping;
  atomic_bool engine_alive;
  struct gw_containers containers; /* what the gateway let the engine create */
  struct gw_hosts hosts;           /* user-defined networks' hosts file */
  char engine_version[32];         /* podman's, from its /version (under lock) */
};

struct side
{
  int fd;
  char *buf;
  size_t len;
};

/* The request a connection serves now, as the gateway read it. */
struct exchange
{
  struct gateway_target t;
  char name[256];               /* ?name= of a create */
  struct gateway_mounts mounts; /* the bind sources a create passed with */
  bool exec_other_user;         /* an exec create that names a non-root user */
  bool remove_after_wait;       /* wait?condition=removed, asked as next-exit */
  bool exit_wait;               /* a first run's wait, answered by exitwait.c */
  char *host_names;             /* a create on a user-defined network: its names */
  bool auto_remove;             /* a create with HostConfig.AutoRemove (--rm) */
};

struct conn
{
  struct gateway *g;
  struct conn *prev, *next;
  struct side client, engine;
  bool engine_idle; /* the engine connection sits between two messages */
  struct exchange x;
};
enum
{
  READ_EOF = 0,
  READ_ERROR = -1,
  READ_TIMEOUT = -2,
  READ_VANISHED = -3, /* the watched peer hung up */
};

/* Where body bytes go: forwarded raw to fd, or decoded into a buffer. */
struct sink
{
  int fd;
  bool raw; /* fd < 0: keep the body as it came, framing included */
  char *buf;
  size_t len, cap;
};

/* stream.c */
int gw_write_all (int fd, const char *p, size_t n);
/* Reads more into s->buf.  timeout_ms < 0: no limit.  watch_fd >= 0: a
 * peer whose hang-up (POLLHUP) ends the wait.  Returns bytes read (> 0) or
 * one of READ_*. */
ssize_t gw_read_more (struct side *s, int timeout_ms, int watch_fd);
void gw_consume (struct side *s, size_t n);
void gw_send_error (int fd, int status, const char *msg, bool keep_alive);
/* Moves the body framed by m from `from` (its buffer first) to k.
 * Returns 0, or -1 with errno: EPROTO (framing), EMSGSIZE (too large for
 * k), ETIMEDOUT, ECONNRESET (a side went away). */
int gw_pump_body (struct side *from, const struct http_message *m, struct sink *k, int timeout_ms,
                  int watch_fd);
/* An upgraded or hijacked connection: bytes both ways until each side
 * has closed its writing half (half-close passes through as SHUT_WR). */
void gw_splice (struct conn *c);

/* request.c: reads the target, refuses what the policy refuses (answered,
 * 0: the connection ends), else 1. */
int gateway_admit (struct conn *c, const struct http_message *m);
void gateway_exchange_free (struct exchange *x);
/* Sends the request (head with the checked target, body) to the engine.
 * 0; 1 when refused with a keep-alive answer; -1 when the connection ends. */
int gateway_send_request (struct conn *c, const struct http_message *m);
/* The head of m (in buf) with target instead of its own and, for
 * body_len >= 0, Content-Length: body_len instead of its framing. */
char *gateway_head_rewrite (const char *buf, const struct http_message *m, const char *target,
                            long long body_len, size_t *out_len);

/* answer.c: relays the engine's answer; 1 to keep the client connection. */
int gateway_relay_answer (struct conn *c, const struct http_message *req);
/* cannotrun.c: the engine's error answer (head in c->engine) to an attach
 * or a start; a container whose command cannot run gets dockerd's answers.
 * 0 when answered, 1 when an attach was held and the connection ends, -1
 * on an error. */
int gateway_run_failed (struct conn *c, const struct http_message *r);
/* answer.c: a wait's exit status is about to go to the client: the
 * container's files are handed back and, for docker run --rm, it leaves
 * lists and names. */
void gateway_wait_ending (struct conn *c);
/* answer.c: after that answer, docker run --rm's removal. */
void gateway_wait_ended (struct conn *c);

/* exitwait.c: answers a wait the gateway marked exit_wait.  1 to keep the
 * client connection. */
int gateway_exit_wait (struct conn *c, const struct http_message *m);
/* exitwait.c: starts the thread that records exits (ends with stop_fd);
 * 0 or an errno. */
int gateway_exits_watch (struct gateway *g);

/* ownership.c: hands back what ref's nested users wrote under the builds
 * path (no-op when hand-back is off or ref has no such bind source). */
void gateway_handback (struct gateway *g, const char *ref, const char *why);

/* ownership.c: a hijacked stream (attach, exec start) ended on the engine's
 * side; called before the client sees its end. */
void gateway_stream_ended (struct conn *c);

/* upstream.c */
void upstream_set_fd (struct conn *c, int fd);
void upstream_close (struct conn *c);
/* Engine connections between two messages go back to a pool. */
void upstream_release (struct conn *c);
/* The reason every request is refused with now, or NULL (malloc'd). */
char *gateway_unavailable_reason (struct gateway *g);
/* Connects to the engine, waiting up to wait_seconds for it to (re)start.
 * On failure *why is a message for the client (malloc'd). */
int upstream_connect (struct conn *c, char **why);
/* The engine answered (its version from Libpod-Api-Version, "" when none):
 * logs a version once, warns of known escapes. */
void gateway_engine_answered (struct gateway *g, const char *version);
/* A bodyless request of the gateway's own on c's idle engine connection;
 * its answer is read and dropped.  Returns the status, or -1. */
int upstream_request (struct conn *c, const char *method, const char *target);

#endif
