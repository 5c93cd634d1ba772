#ifndef PODSOCK_PROBE_OPTIONS_H
#define PODSOCK_PROBE_OPTIONS_H

#include <podsock/error.h>

enum probe_mode
{
  PROBE_READY,
  PROBE_WAIT,
  PROBE_LIVE,
  PROBE_STATUS,
};

struct probe_options
{
  enum probe_mode mode;
  const char *socket_path;
  long timeout_ms;
  int quiet;
  const char *status_path; /* live and status only; NULL otherwise */
  int json;                /* status only */
};

enum probe_parse_result
{
  PROBE_PARSE_RUN,
  PROBE_PARSE_EXIT_OK,
};

int probe_options_parse (int argc, char **argv, struct probe_options *o,
                         enum probe_parse_result *result, podsock_error_t *err);

/* "250", "250ms", "3s": a duration; a bare number is in default_unit_ms. */
int probe_parse_duration (const char *s, long default_unit_ms, long *out_ms);

/* The socket path: flag, else PODSOCK_SOCKET, else DOCKER_HOST (unix:// only). */
int probe_socket_from_env (const char **out, podsock_error_t *err);

#endif
