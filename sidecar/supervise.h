/* The supervisor loop: signals, child reaping, podman's output, shutdown. */
#ifndef PODSOCK_SIDECAR_SUPERVISE_H
#define PODSOCK_SIDECAR_SUPERVISE_H

#include "engine.h"
#include "watchdog.h"

struct gateway;

#include <podsock/error.h>
#include <signal.h>
#include <sys/types.h>

/* Blocks every signal but the synchronous faults and returns a signalfd
 * for them; *old gets the mask children must get back before exec. */
int supervise_block_signals (sigset_t *old, podsock_error_t *err);

struct supervise_params
{
  /* shutdown.grace, engine.restartMax and restartWindow, paths.statusFile,
   * storage.pruneInterval, socket.path (the clients' socket, checked every
   * few seconds) */
  const struct podsock_config *cfg;
  int sigfd;
  int listen_fd; /* what podman gets at each (re)start */
  const sigset_t *child_mask;
  const char *driver;                     /* for the status file */
  const struct watchdog_params *watchdog; /* storage.sizeLimit 0: off */
  struct gateway *gateway;                /* told when podman is lost; NULL: none */
  ino_t socket_ino;                       /* the clients' socket's inode as bound */
};

/* Runs until podman has exited for good and every other child is gone.
 * Podman dying on its own is restarted with exponential backoff while the
 * listening socket stays open (clients queue in its backlog); more than
 * restart_max restarts within the window end the sidecar.  Returns the exit
 * status for the sidecar: podman's code, or 128 + signal. */
int supervise_run (struct engine *e, const struct supervise_params *p);

/* Sends sig to every direct child; returns how many there were. */
int supervise_signal_children (int sig);

#endif
