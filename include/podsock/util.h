/* Small helpers every podsock binary uses: cleanup attributes, EINTR loops,
 * allocation that cannot fail, the clocks. */
#ifndef PODSOCK_UTIL_H
#define PODSOCK_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifndef TEMP_FAILURE_RETRY
#define TEMP_FAILURE_RETRY(expression)                                                             \
  (__extension__({                                                                                 \
    long int __result;                                                                             \
    do                                                                                             \
      __result = (long int) (expression);                                                          \
    while (__result == -1L && errno == EINTR);                                                     \
    __result;                                                                                      \
  }))
#endif

#define ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))

/* Allocation: the one out-of-memory policy of the tree (include/podsock/error.h).
 * Running out of memory is not an error a caller can handle: these write
 * "out of memory" to stderr and abort (lib/error.c), and never return NULL. */
void *xmalloc (size_t size);
void *xcalloc (size_t n, size_t size);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
char *xvasprintf (const char *fmt, va_list ap) __attribute__ ((format (printf, 1, 0)));
/* p, or the same abort when it is NULL: for what other libraries allocate
 * (cJSON, open_memstream). */
void *xnonnull (void *p);

static inline void
cleanup_freep (void *p)
{
  void **pp = (void **) p;
  free (*pp);
}

static inline void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

static inline void
cleanup_filep (FILE **f)
{
  if (*f)
    fclose (*f);
}

#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (cleanup_closep)))
#define cleanup_file __attribute__ ((cleanup (cleanup_filep)))

/* Hand ownership of a cleanup_* variable on: the variable no longer frees it. */
#define steal_pointer(pp)                                                                          \
  (__extension__({                                                                                 \
    __typeof__ (*(pp)) _ptr = *(pp);                                                               \
    *(pp) = NULL;                                                                                  \
    _ptr;                                                                                          \
  }))

static inline int
steal_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

/* Milliseconds on CLOCK_MONOTONIC: for deadlines and durations, which a
 * change of the wall clock must not move. */
static inline long
monotonic_now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The CLOCK_REALTIME time ms from now: pthread_cond_timedwait's deadline
 * (the condition variables here keep their default clock). */
static inline void
cond_deadline_in (long ms, struct timespec *until)
{
  clock_gettime (CLOCK_REALTIME, until);
  until->tv_sec += ms / 1000;
  until->tv_nsec += (ms % 1000) * 1000000L;
  if (until->tv_nsec >= 1000000000L)
    {
      until->tv_sec++;
      until->tv_nsec -= 1000000000L;
    }
}

/* Milliseconds since the epoch on CLOCK_REALTIME: for times that others
 * read (the status file), never for deadlines. */
static inline int64_t
realtime_now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
