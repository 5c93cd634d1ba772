/* Error convention (written down once, as crun does):
 *
 * Library functions return < 0 on failure and fill a podsock_error_t with the
 * errno value (0 when there is none) and a message that names the cause and,
 * where there is one, the fix.  They never exit and never print.  Callers add
 * context as the error travels up with podsock_error_prefix(), and only the
 * binary's main() prints it.  One-shot set-up code may then exit; the
 * sidecar's supervisor loop logs and carries on.
 *
 * Out of memory is the one exception: xmalloc(), xstrdup(), xasprintf() and
 * the others in <podsock/util.h> write "out of memory" and abort (and so do
 * the functions below), rather than pass ENOMEM up through every caller.
 */
#ifndef PODSOCK_ERROR_H
#define PODSOCK_ERROR_H

typedef struct podsock_error_s
{
  int status; /* errno, or 0 */
  char *msg;
} *podsock_error_t;

/* Sets *err (freeing an earlier one) and returns -1.  The message gets
 * ": strerror(status)" appended when status != 0. */
int podsock_error_make (podsock_error_t *err, int status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Prepends "context: " to the message.  Returns -1 so it can end a return. */
int podsock_error_prefix (podsock_error_t *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

void podsock_error_free (podsock_error_t *err);

#define cleanup_error __attribute__ ((cleanup (podsock_error_free)))

#endif
