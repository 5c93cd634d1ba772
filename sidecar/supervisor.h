/* The supervisor's state, shared by the files of the supervisor loop and
 * private to them: supervise.c (the loop: signals, children, podman's
 * output, the status file), supervise_restart.c (restarts with backoff),
 * supervise_shutdown.c (SIGTERM, the grace period, leftovers, the lost
 * socket) and supervise_disk.c (the disk watchdog's rounds). */
#ifndef PODSOCK_SIDECAR_SUPERVISOR_H
#define PODSOCK_SIDECAR_SUPERVISOR_H

#include "supervise.h"
#include "watchdog.h"

#include <podsock/status.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct supervisor
{
  struct engine *engine;
  const struct supervise_params *p;
  int epfd;
  int sigfd;
  int timerfd;   /* shutdown grace */
  int restartfd; /* backoff before the next start */
  unsigned grace_seconds;
  int stopping;    /* a stop signal arrived */
  int exit_status; /* last status of podman, -1 before it exited */
  int restart_pending;
  int gave_up;
  unsigned restarts; /* all restarts so far */
  pid_t stopper;     /* child stopping the containers through the API */
  pid_t watcher;     /* child running a disk watchdog round */
  int watch_fd;      /* its result pipe */
  int watchtimer;    /* next watchdog round */
  int64_t backoff_until_ms;
  struct watchdog_result disk;
  int64_t last_prune_ms;
  long engine_gone_ms; /* when podman exited for good, 0 while it runs */
  int socket_lost;     /* the clients' socket was removed or replaced */
  long last_round_ms;  /* when the last watchdog round started */
  int term_sent;       /* podman got SIGTERM */
  long window_start_ms;
  unsigned window_restarts;
  char out[8192]; /* podman's output not yet logged (a partial line) */
  size_t out_len;
};

/* supervise.c */

/* The status file the probe reads: written on every change of state. */
void supervisor_publish (struct supervisor *s, enum podsock_state state, const char *reason);
enum podsock_state supervisor_state (const struct supervisor *s);
/* Arms the one-shot timerfd fd to fire in ms (at least 1 ns). */
void supervisor_arm_timer_ms (int fd, long ms);
/* Adds fd to the epoll set for reading; 0 or -1 with errno. */
int supervisor_poll_fd (int epfd, int fd);
/* Collects every child that exited and acts on podman's end. */
void supervisor_reap_children (struct supervisor *s);

/* supervise_restart.c: podman died on its own. */
void supervisor_schedule_restart (struct supervisor *s);
void supervisor_restart_engine (struct supervisor *s);

/* supervise_shutdown.c */
void supervisor_term_engine (struct supervisor *s);
void supervisor_begin_stop (struct supervisor *s, int sig);
/* The grace timer fired: SIGTERM podman, then SIGKILL. */
void supervisor_grace_expired (struct supervisor *s);
void supervisor_end_leftovers (struct supervisor *s);
void supervisor_check_socket (struct supervisor *s);

/* supervise_disk.c */
void supervisor_start_disk_round (struct supervisor *s);
void supervisor_finish_disk_round (struct supervisor *s);

#endif
