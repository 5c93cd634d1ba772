/* The supervisor loop: signals, child reaping, podman's output, shutdown. */
#ifndef PODSOCK_SIDECAR_SUPERVISE_H
#define PODSOCK_SIDECAR_SUPERVISE_H

#include "engine.h"

#include <podsock/error.h>
#include <signal.h>

/* Blocks every signal but the synchronous faults and returns a signalfd
 * for them; *old gets the mask children must get back before exec. */
int supervise_block_signals (sigset_t *old, podsock_error_t *err);

/* Runs until podman has exited and every other child is gone.  Returns the
 * exit status for the sidecar: podman's code, or 128 + signal. */
int supervise_run (struct engine *e, int sigfd, unsigned grace_seconds);

/* Sends sig to every direct child; returns how many there were. */
int supervise_signal_children (int sig);

#endif
