#include <podsock/log.h>
#include <podsock/parse.h>
#include <podsock/util.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

/* Private to this file: set once by podsock_log_setup() before anything logs. */
static struct
{
  const char *prog;
  int fd;
  enum podsock_log_format format;
  enum podsock_log_level min_level;
} logger = { "podsock", 2, PODSOCK_LOG_TEXT, PODSOCK_LOG_INFO };

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void
podsock_log_setup (const char *prog, int fd, enum podsock_log_format format,
                   enum podsock_log_level min_level)
{
  logger.prog = prog;
  logger.fd = fd;
  logger.format = format;
  logger.min_level = min_level;
}

int
podsock_log_level_parse (const char *s, enum podsock_log_level *out)
{
  int i = parse_name (s, level_names, ARRAY_SIZE (level_names));

  if (i >= 0)
    *out = (enum podsock_log_level) i;
  return i < 0 ? -1 : 0;
}

int
podsock_log_format_parse (const char *s, enum podsock_log_format *out)
{
  if (strcmp (s, "json") == 0)
    *out = PODSOCK_LOG_JSON;
  else if (strcmp (s, "text") == 0)
    *out = PODSOCK_LOG_TEXT;
  else
    return -1;
  return 0;
}

/* A growable buffer for one line; on allocation failure the line is cut. */
struct line
{
  char buf[4096];
  size_t len;
};

static void
line_add (struct line *l, const char *s, size_t n)
{
  if (n > sizeof l->buf - 2 - l->len)
    n = sizeof l->buf - 2 - l->len;
  memcpy (l->buf + l->len, s, n);
  l->len += n;
}

static void
line_adds (struct line *l, const char *s)
{
  line_add (l, s, strlen (s));
}

static void
line_add_json_string (struct line *l, const char *s, size_t n)
{
  line_add (l, "\"", 1);
  for (size_t i = 0; i < n; i++)
    {
      unsigned char c = (unsigned char) s[i];
      char esc[8];
      if (c == '"' || c == '\\')
        {
          esc[0] = '\\';
          esc[1] = (char) c;
          line_add (l, esc, 2);
        }
      else if (c == '\n')
        line_add (l, "\\n", 2);
      else if (c == '\t')
        line_add (l, "\\t", 2);
      else if (c < 0x20 || c == 0x7f)
        {
          snprintf (esc, sizeof esc, "\\u%04x", c);
          line_add (l, esc, 6);
        }
      else
        line_add (l, (const char *) &s[i], 1);
    }
  line_add (l, "\"", 1);
}

static void
line_begin (struct line *l, enum podsock_log_level level, const char *prog)
{
  int64_t now = realtime_now_ms ();
  time_t sec = (time_t) (now / 1000);
  struct tm tm;
  char stamp[64];

  gmtime_r (&sec, &tm);
  snprintf (stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long) (now % 1000));
  l->len = 0;
  if (logger.format == PODSOCK_LOG_JSON)
    {
      line_adds (l, "{\"time\":\"");
      line_adds (l, stamp);
      line_adds (l, "\",\"level\":\"");
      line_adds (l, level_names[level]);
      line_adds (l, "\",\"prog\":");
      line_add_json_string (l, prog, strlen (prog));
    }
  else
    {
      line_adds (l, prog);
      line_adds (l, ": ");
      if (level != PODSOCK_LOG_INFO)
        {
          line_adds (l, level_names[level]);
          line_adds (l, ": ");
        }
    }
}

static void
line_field (struct line *l, const char *key, const char *value, size_t n)
{
  if (logger.format == PODSOCK_LOG_JSON)
    {
      line_add (l, ",", 1);
      line_add_json_string (l, key, strlen (key));
      line_add (l, ":", 1);
      line_add_json_string (l, value, n);
    }
  else
    {
      line_add (l, " ", 1);
      line_adds (l, key);
      line_add (l, "=", 1);
      line_add (l, value, n);
    }
}

static void
line_message (struct line *l, const char *msg)
{
  if (logger.format == PODSOCK_LOG_JSON)
    line_field (l, "msg", msg, strlen (msg));
  else
    line_adds (l, msg);
}

static void
line_end (struct line *l)
{
  if (logger.format == PODSOCK_LOG_JSON)
    line_add (l, "}", 1);
  l->buf[l->len++] = '\n';
  /* One write per line, so lines of concurrent writers do not interleave. */
  (void) TEMP_FAILURE_RETRY (write (logger.fd, l->buf, l->len));
}

void
podsock_log (enum podsock_log_level level, const char *fmt, ...)
{
  int saved = errno;
  struct line l;
  char msg[3072];
  va_list ap;

  if (level < logger.min_level)
    return;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  line_begin (&l, level, logger.prog);
  line_message (&l, msg);
  line_end (&l);
  errno = saved;
}

void
podsock_log_fields (enum podsock_log_level level, const char *msg, ...)
{
  int saved = errno;
  struct line l;
  const char *key;
  va_list ap;

  if (level < logger.min_level)
    return;
  line_begin (&l, level, logger.prog);
  line_message (&l, msg);
  va_start (ap, msg);
  while ((key = va_arg (ap, const char *)) != NULL)
    {
      const char *value = va_arg (ap, const char *);
      line_field (&l, key, value ? value : "", value ? strlen (value) : 0);
    }
  va_end (ap);
  line_end (&l);
  errno = saved;
}

void
podsock_log_passthrough (const char *source, const char *text, size_t len)
{
  int saved = errno;
  struct line l;

  line_begin (&l, PODSOCK_LOG_INFO, logger.prog);
  if (logger.format == PODSOCK_LOG_JSON)
    {
      line_field (&l, "source", source, strlen (source));
      line_field (&l, "msg", text, len);
    }
  else
    {
      line_adds (&l, "[");
      line_adds (&l, source);
      line_adds (&l, "] ");
      line_add (&l, text, len);
    }
  line_end (&l);
  errno = saved;
}
