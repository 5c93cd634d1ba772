/* podsock-sidecar: PID 1 of the engine container.  An outline of steps, each
 * in its own file: options, signals, socket, engine, supervision. */
#include "engine.h"
#include "options.h"
#include "supervise.h"

#include <podsock/log.h>
#include <podsock/socket.h>
#include <podsock/util.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Clients that connect before podman accepts wait here, not in ECONNREFUSED. */
#define LISTEN_BACKLOG 4096

static int
fail (podsock_error_t *err)
{
  log_error ("%s", (*err)->msg);
  podsock_error_free (err);
  return 1;
}

int
main (int argc, char **argv)
{
  cleanup_error podsock_error_t err = NULL;
  struct sidecar_options opts;
  enum sidecar_parse_result parsed;
  struct engine engine;
  cleanup_close int listen_fd = -1;
  cleanup_close int sigfd = -1;
  sigset_t child_mask;
  int status;

  podsock_log_setup ("podsock-sidecar", STDOUT_FILENO, PODSOCK_LOG_TEXT, PODSOCK_LOG_INFO);
  if (sidecar_options_parse (argc, argv, &opts, &parsed, &err) < 0)
    {
      fprintf (stderr, "podsock-sidecar: %s\n", err->msg);
      return 2;
    }
  if (parsed == SIDECAR_PARSE_EXIT_OK)
    return 0;
  podsock_log_setup ("podsock-sidecar", STDOUT_FILENO, opts.log_format, opts.log_level);

  /* Orphans (conmon, the pause process) must come to us when we are not
   * PID 1 of the container. */
  if (getpid () != 1 && prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    log_warn ("cannot become a child subreaper: %m; orphaned conmon processes will not be reaped");

  sigfd = supervise_block_signals (&child_mask, &err);
  if (sigfd < 0)
    return fail (&err);

  /* Bind first: the socket exists within milliseconds of start. */
  listen_fd = socket_bind_listen (opts.socket_path, opts.socket_mode, opts.socket_gid,
                                  LISTEN_BACKLOG, &err);
  if (listen_fd < 0)
    return fail (&err);
  log_info ("listening on %s", opts.socket_path);

  if (engine_prepare (&engine, &opts, &err) < 0 || engine_start (&engine, listen_fd, &child_mask,
                                                                 &err) < 0)
    {
      unlink (opts.socket_path);
      engine_release (&engine);
      return fail (&err);
    }
  log_info ("started podman (pid %d)", (int) engine.pid);

  status = supervise_run (&engine, sigfd, opts.grace_seconds);

  /* No socket that nobody serves: clients get ENOENT, not a hang. */
  unlink (opts.socket_path);
  engine_release (&engine);
  log_info ("exiting with status %d", status);
  return status;
}
