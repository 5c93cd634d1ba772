/* Strict parsing of numbers that users type (flags, env, config). */
#ifndef PODSOCK_PARSE_H
#define PODSOCK_PARSE_H

#include <stdint.h>

/* A decimal integer in [min, max], nothing else (no sign, no spaces, no
 * suffix).  Returns 0 or -1 (errno EINVAL or ERANGE). */
int parse_u64 (const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* An octal file mode such as 0660 or 2770 (at most 07777). */
int parse_mode (const char *s, unsigned *out);

#endif
