/* ID mappings: what /proc/self/uid_map and gid_map say this container owns,
 * and which of those IDs it may hand to nested containers as subordinate IDs
 * (/etc/subuid, /etc/subgid).  The arithmetic is pure: no file access. */
#ifndef PODSOCK_IDMAP_H
#define PODSOCK_IDMAP_H

#include <podsock/error.h>
#include <stddef.h>
#include <stdint.h>

/* The kernel allows at most 340 lines in an ID map (since Linux 4.15). */
#define IDMAP_MAX_LINES 340

/* IDs are 32-bit; counts and ends are kept in 64 bits so that the full map
 * "0 0 4294967295" and its end (4294967295) never overflow. */
struct idrange
{
  uint64_t start;
  uint64_t count;
};

struct idmap_line
{
  uint64_t inside;
  uint64_t outside;
  uint64_t count;
};

struct idmap
{
  size_t n;
  struct idmap_line line[IDMAP_MAX_LINES];
};

/* What the subordinate ranges are picked from. */
struct idmap_policy
{
  uint64_t self;         /* the running UID (GID): never handed out */
  uint64_t window_start; /* outside a user namespace: hand out only this block */
  uint64_t window_count;
  uint64_t max_ids; /* at most this many IDs in all (0: no limit) */
};

/* A useful range: enough for the usual image (IDs up to 65535). */
#define IDMAP_USEFUL_COUNT 65536u

/* Parses the text of /proc/PID/{uid,gid}_map strictly: one "INSIDE OUTSIDE
 * COUNT" per line (decimal, blanks between), COUNT >= 1, no range past
 * 2^32, no overlapping inside ranges, at least one line.  `what` names the
 * file in error messages. */
int idmap_parse (const char *text, const char *what, struct idmap *map, podsock_error_t *err);

/* True for the identity map of the initial user namespace, "0 0 4294967295":
 * the container is not in a user namespace of its own. */
int idmap_is_initial (const struct idmap *map);

/* The IDs (inside the container's namespace) it may hand out: every mapped ID
 * except 0 and policy->self, intersected with the window when the map is the
 * initial one, at most policy->max_ids in all.  Writes up to max ranges in
 * ascending order; *n is how many; returns the total number of IDs. */
uint64_t idmap_subordinate (const struct idmap *map, const struct idmap_policy *policy,
                            struct idrange *out, size_t max, size_t *n);

/* Reads and parses /proc/self/uid_map or gid_map (path given for tests). */
int idmap_read (const char *path, struct idmap *map, podsock_error_t *err);

#endif
