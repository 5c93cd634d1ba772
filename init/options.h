/* podsock-init's options: flags, PODSOCK_* environment variables, defaults. */
#ifndef PODSOCK_INIT_OPTIONS_H
#define PODSOCK_INIT_OPTIONS_H

#include <podsock/error.h>
#include <podsock/log.h>
#include "sockdir.h"
#include <podsock/storagedir.h>
#include <stdint.h>

struct init_options
{
  struct sockdir_spec sockdir;
  const char *ids_dir;  /* NULL: write no identity files */
  const char *home;     /* HOME of the passwd entry added for the running UID */
  uint64_t subid_start; /* outside a user namespace: the block to hand out */
  uint64_t subid_count;
  const char *storage;
  int storage_given; /* by flag or environment, not the default */
  enum storagedir_mode storage_mode;
  const char *pod_id;
  const char *builds_dir;
  enum podsock_log_format log_format;
};

/* Returns 1 to run, 0 to exit successfully (help, version), -1 on a usage
 * error. */
int init_options_parse (int argc, char **argv, struct init_options *o, podsock_error_t *err);

#endif
