/* The sidecar's status file: what the sidecar knows about the engine, for
 * the probe (and people) to read.  The sidecar writes it atomically on every
 * change of state; podsock-probe reads it when the engine does not answer.
 *
 * One JSON object (docs/probe.md has the contract):
 *   state             "starting", "running", "restarting", "stopping", "failed"
 *   engine_pid        int, 0 when none
 *   restarts          int
 *   backoff_until_ms  int, CLOCK_REALTIME epoch ms until which a restart is
 *                     expected; 0 if none
 *   updated_ms        int, epoch ms of this write
 *   driver            string, the storage driver
 *   disk_used_bytes, disk_limit_bytes, last_prune_ms   int
 *   reason            string, why "failed"
 * Unknown keys are ignored; a missing key reads as 0 or "" except "state",
 * which is required; a key of the wrong type is an error naming the key. */
#ifndef PODSOCK_STATUS_H
#define PODSOCK_STATUS_H

#include <podsock/error.h>
#include <stddef.h>
#include <stdint.h>

#define STATUS_FILE_DEFAULT "/run/podsock/status.json"
#define STATUS_FILE_ENV "PODSOCK_STATUS_FILE"

/* A status file larger than this is not one the sidecar wrote. */
#define STATUS_FILE_MAX 65536

enum podsock_state
{
  PODSOCK_STATE_STARTING,
  PODSOCK_STATE_RUNNING,
  PODSOCK_STATE_RESTARTING,
  PODSOCK_STATE_STOPPING,
  PODSOCK_STATE_FAILED,
};

struct podsock_status
{
  enum podsock_state state;
  int64_t engine_pid;
  int64_t restarts;
  int64_t backoff_until_ms;
  int64_t updated_ms;
  char driver[64]; /* longer names are cut */
  int64_t disk_used_bytes;
  int64_t disk_limit_bytes;
  int64_t last_prune_ms;
  char reason[512]; /* longer reasons are cut */
};

/* Reads and parses path.  A missing file is an error with status ENOENT, so
 * callers can tell "no status file" from a bad one. */
int status_read (const char *path, struct podsock_status *out, podsock_error_t *err);

/* Parses the JSON text json[0..len) (no NUL needed). */
int status_parse (const char *json, size_t len, struct podsock_status *out, podsock_error_t *err);

/* Writes st to path atomically (temporary file + rename), mode 0644. */
int status_write (const char *path, const struct podsock_status *st, podsock_error_t *err);

/* The text of st as status_write writes it; NULL when out of memory.  Free it. */
char *status_format (const struct podsock_status *st);

const char *status_state_name (enum podsock_state state);
int status_state_parse (const char *name, enum podsock_state *out);

/* The path: flag when given, else $PODSOCK_STATUS_FILE when set and not
 * empty, else STATUS_FILE_DEFAULT. */
const char *status_file_path (const char *flag);

/* CLOCK_REALTIME in epoch milliseconds, the clock of the file's times. */
int64_t status_now_ms (void);

#endif
