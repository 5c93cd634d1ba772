/* The status mode: what the engine and the sidecar say, for people and for
 * scripts (--json). */
#ifndef PODSOCK_PROBE_REPORT_H
#define PODSOCK_PROBE_REPORT_H

#include "options.h"

#include <cjson/cJSON.h>
#include <podsock/status.h>
#include <stdint.h>
#include <stdio.h>

/* Largest API answer read: /containers/json of a busy job fits many times. */
#define REPORT_MAX_BODY (4 * 1024 * 1024)

struct engine_report
{
  long ping_ms;
  char name[32]; /* "podman", or "docker" when no component says Podman */
  char version[64];
  char api_version[32];
  char os[32];
  char arch[32];
  char kernel[128];
  char driver[64];
  char root_dir[256];
  int64_t containers;         /* -1: unknown */
  int64_t containers_running; /* -1: unknown */
  int64_t images;             /* -1: unknown */
  cJSON *running;             /* [{id, names, image, state, status}] */
};

/* What the status mode knows; any part may be missing. */
struct report_facts
{
  const char *socket_path;
  const struct engine_report *engine; /* NULL: the engine did not answer */
  const char *engine_error;           /* why not, or NULL */
  const struct podsock_status *status;
  const char *status_error; /* why no status, when status is NULL */
  int64_t now_ms;
};

void report_init (struct engine_report *r);
void report_release (struct engine_report *r);

/* Each reads one API answer (JSON text, no NUL needed) into r. */
int report_parse_version (const char *json, size_t len, struct engine_report *r,
                          podsock_error_t *err);
int report_parse_info (const char *json, size_t len, struct engine_report *r, podsock_error_t *err);
int report_parse_containers (const char *json, size_t len, struct engine_report *r,
                             podsock_error_t *err);

cJSON *report_to_json (const struct report_facts *f);
void report_print_text (FILE *out, const struct report_facts *f);

/* The mode: 0 when the engine answered every request, 1 otherwise. */
int report_run (const struct probe_options *o);

#endif
