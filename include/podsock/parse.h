/* Strict parsing of numbers that users type (flags, env, config): integers,
 * modes, sizes and durations. */
#ifndef PODSOCK_PARSE_H
#define PODSOCK_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* A decimal integer in [min, max], nothing else (no sign, no spaces, no
 * suffix).  Returns 0 or -1 (errno EINVAL or ERANGE). */
int parse_u64 (const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* An octal file mode such as 0660 or 2770 (at most 07777). */
int parse_mode (const char *s, unsigned *out);

/* A Kubernetes quantity (20Gi, 500M, 1.5Gi, 1000) in bytes, rounded up as
 * Kubernetes rounds; 0 or -1 (errno EINVAL). */
int parse_size (const char *s, uint64_t *out);

/* A duration (30s, 2m, 500ms, 1h30m; a bare number is seconds) in
 * milliseconds; 0 or -1 (errno EINVAL). */
int parse_duration_ms (const char *s, uint64_t *out);

/* The index of s in names[0..n) (exact match), or -1: for words from a fixed
 * list, such as log levels or states. */
int parse_name (const char *s, const char *const *names, size_t n);

#endif
