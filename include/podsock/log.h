/* Logging: one JSON object per line (time, level, prog, msg, fields), or
 * plain text for people at a terminal.  Every function keeps errno intact so
 * "%m" works in the format. */
#ifndef PODSOCK_LOG_H
#define PODSOCK_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum podsock_log_level
{
  PODSOCK_LOG_DEBUG,
  PODSOCK_LOG_INFO,
  PODSOCK_LOG_WARN,
  PODSOCK_LOG_ERROR,
};

enum podsock_log_format
{
  PODSOCK_LOG_JSON,
  PODSOCK_LOG_TEXT,
};

void podsock_log_setup (const char *prog, int fd, enum podsock_log_format format,
                        enum podsock_log_level min_level);
int podsock_log_level_parse (const char *s, enum podsock_log_level *out);
int podsock_log_format_parse (const char *s, enum podsock_log_format *out);

void podsock_log (enum podsock_log_level level, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* A message with string fields: key, value pairs ended by NULL. */
void podsock_log_fields (enum podsock_log_level level, const char *msg, ...)
    __attribute__ ((sentinel));

/* A line that another program printed, passed through with a tag. */
void podsock_log_passthrough (const char *source, const char *line, size_t len);

#define log_debug(...) podsock_log (PODSOCK_LOG_DEBUG, __VA_ARGS__)
#define log_info(...) podsock_log (PODSOCK_LOG_INFO, __VA_ARGS__)
#define log_warn(...) podsock_log (PODSOCK_LOG_WARN, __VA_ARGS__)
#define log_error(...) podsock_log (PODSOCK_LOG_ERROR, __VA_ARGS__)

#endif
