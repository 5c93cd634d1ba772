#ifndef PODSOCK_SIDECAR_OPTIONS_H
#define PODSOCK_SIDECAR_OPTIONS_H

#include "config.h"
#include <podsock/error.h>

struct sidecar_options
{
  /* The effective configuration: defaults < file < PODSOCK_* < flags. */
  struct podsock_config cfg;
  const char *config_path; /* the file that was read, NULL when none */
  int check;               /* --check: validate the configuration and the pod */
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
