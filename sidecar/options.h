#ifndef PODSOCK_SIDECAR_OPTIONS_H
#define PODSOCK_SIDECAR_OPTIONS_H

#include <podsock/error.h>
#include <podsock/log.h>
#include <sys/types.h>

struct sidecar_options
{
  const char *socket_path;  /* the client socket */
  unsigned socket_mode;     /* its permission bits */
  gid_t socket_gid;         /* its group, (gid_t) -1 to keep ours */
  const char *storage_dir;  /* podman's graphroot */
  const char *runtime_dir;  /* XDG_RUNTIME_DIR, runroot, generated configuration */
  const char *podman;       /* the podman binary */
  unsigned grace_seconds;   /* shutdown grace before SIGKILL */
  enum podsock_log_format log_format;
  enum podsock_log_level log_level;
  int check; /* --check: print the detection report and exit */
};

enum sidecar_parse_result
{
  SIDECAR_PARSE_RUN,
  SIDECAR_PARSE_EXIT_OK, /* --help or --version printed */
};

/* Defaults, then PODSOCK_* environment, then flags.  Returns -1 with *err
 * on a bad value (the caller exits with 2). */
int sidecar_options_parse (int argc, char **argv, struct sidecar_options *o,
                           enum sidecar_parse_result *result, podsock_error_t *err);

#endif
