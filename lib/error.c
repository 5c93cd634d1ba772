#include <podsock/error.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
podsock_error_free (podsock_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}

static int
error_set (podsock_error_t *err, int status, char *msg)
{
  int saved = errno;
  if (err == NULL)
    {
      free (msg);
      errno = saved;
      return -1;
    }
  podsock_error_free (err);
  *err = calloc (1, sizeof **err);
  if (*err == NULL)
    {
      free (msg);
      abort ();
    }
  (*err)->status = status;
  (*err)->msg = msg;
  errno = saved;
  return -1;
}

int
podsock_error_make (podsock_error_t *err, int status, const char *fmt, ...)
{
  char *base = NULL, *msg = NULL;
  va_list ap;
  int r;

  va_start (ap, fmt);
  r = vasprintf (&base, fmt, ap);
  va_end (ap);
  if (r < 0)
    abort ();
  if (status != 0)
    {
      if (asprintf (&msg, "%s: %s", base, strerror (status)) < 0)
        abort ();
      free (base);
    }
  else
    msg = base;
  return error_set (err, status, msg);
}

int
podsock_error_prefix (podsock_error_t *err, const char *fmt, ...)
{
  char *ctx = NULL, *msg = NULL;
  va_list ap;

  if (err == NULL || *err == NULL)
    return -1;
  va_start (ap, fmt);
  if (vasprintf (&ctx, fmt, ap) < 0)
    abort ();
  va_end (ap);
  if (asprintf (&msg, "%s: %s", ctx, (*err)->msg) < 0)
    abort ();
  free (ctx);
  free ((*err)->msg);
  (*err)->msg = msg;
  return -1;
}
