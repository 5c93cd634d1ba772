#include <podsock/error.h>
#include <podsock/util.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The one place that handles running out of memory (see error.h). */
static void __attribute__ ((noreturn)) out_of_memory (void)
{
  static const char msg[] = "podsock: out of memory\n";
  ssize_t r = write (STDERR_FILENO, msg, sizeof msg - 1);
  (void) r;
  abort ();
}

void *
xnonnull (void *p)
{
  if (p == NULL)
    out_of_memory ();
  return p;
}

void *
xmalloc (size_t size)
{
  void *p = malloc (size ? size : 1);
  if (p == NULL)
    out_of_memory ();
  return p;
}

void *
xcalloc (size_t n, size_t size)
{
  void *p = calloc (n ? n : 1, size ? size : 1);
  if (p == NULL)
    out_of_memory ();
  return p;
}

char *
xstrdup (const char *s)
{
  char *r = strdup (s);
  if (r == NULL)
    out_of_memory ();
  return r;
}

char *
xstrndup (const char *s, size_t n)
{
  char *r = strndup (s, n);
  if (r == NULL)
    out_of_memory ();
  return r;
}

char *
xvasprintf (const char *fmt, va_list ap)
{
  char *r = NULL;
  if (vasprintf (&r, fmt, ap) < 0)
    out_of_memory ();
  return r;
}

char *
xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *r;

  va_start (ap, fmt);
  r = xvasprintf (fmt, ap);
  va_end (ap);
  return r;
}

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
  *err = xcalloc (1, sizeof **err);
  (*err)->status = status;
  (*err)->msg = msg;
  errno = saved;
  return -1;
}

int
podsock_error_make (podsock_error_t *err, int status, const char *fmt, ...)
{
  char *base, *msg;
  va_list ap;

  va_start (ap, fmt);
  base = xvasprintf (fmt, ap);
  va_end (ap);
  if (status != 0)
    {
      msg = xasprintf ("%s: %s", base, strerror (status));
      free (base);
    }
  else
    msg = base;
  return error_set (err, status, msg);
}

int
podsock_error_prefix (podsock_error_t *err, const char *fmt, ...)
{
  char *ctx, *msg;
  va_list ap;

  if (err == NULL || *err == NULL)
    return -1;
  va_start (ap, fmt);
  ctx = xvasprintf (fmt, ap);
  va_end (ap);
  msg = xasprintf ("%s: %s", ctx, (*err)->msg);
  free (ctx);
  free ((*err)->msg);
  (*err)->msg = msg;
  return -1;
}
