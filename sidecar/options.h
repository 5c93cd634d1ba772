#ifndef PODSOCK_SIDECAR_OPTIONS_H
#define PODSOCK_SIDECAR_OPTIONS_H

#include "config.h"
#include <podsock/error.h>
#include <podsock/log.h>
#include <stdint.h>
#include <sys/types.h>

struct sidecar_options
{
  /* The effective configuration: defaults < file < PODSOCK_* < flags. */
  struct podsock_config cfg;
  const char *config_path; /* the file that was read, NULL when none */
  int check;               /* --check: validate the configuration and the pod */

  /* Shortcuts into cfg, kept for the rest of sidecar/. */
  const char *socket_path; /* the client socket */
  unsigned socket_mode;    /* its permission bits */
  gid_t socket_gid;        /* its group, (gid_t) -1 to keep ours */
  const char *storage_dir; /* podman's graphroot */
  const char *runtime_dir; /* XDG_RUNTIME_DIR, runroot, generated configuration */
  const char *podman;      /* the podman binary */
  unsigned grace_seconds;  /* shutdown grace before SIGKILL */
  enum podsock_log_format log_format;
  enum podsock_log_level log_level;
  uint64_t storage_limit_bytes; /* storage.sizeLimit, 0: unknown */
  unsigned high_watermark_pct;
  unsigned low_watermark_pct;
  enum config_prune prune;
  unsigned prune_interval_seconds;
  unsigned restart_max;
  unsigned restart_window_seconds;
};

enum sidecar_parse_result
{
  SIDECAR_PARSE_RUN,
  SIDECAR_PARSE_EXIT_OK, /* --help, --version or --print-config printed */
};

/* The configuration file when neither --config nor PODSOCK_CONFIG names one
 * (read only if it exists). */
#define SIDECAR_DEFAULT_CONFIG "/etc/podsock/podsock.yaml"

/* Defaults, then the configuration file, then PODSOCK_* environment, then
 * flags.  Returns -1 with *err on a bad value (the caller exits with 2).
 * With SIDECAR_PARSE_RUN the caller owns o->cfg: release it with
 * sidecar_options_free().  With SIDECAR_PARSE_EXIT_OK or an error nothing is
 * left to free. */
int sidecar_options_parse (int argc, char **argv, struct sidecar_options *o,
                           enum sidecar_parse_result *result, podsock_error_t *err);

void sidecar_options_free (struct sidecar_options *o);

#endif
