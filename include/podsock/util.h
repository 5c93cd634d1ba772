/* Small helpers every podsock binary uses: cleanup attributes, EINTR loops,
 * the monotonic clock. */
#ifndef PODSOCK_UTIL_H
#define PODSOCK_UTIL_H

#include <errno.h>
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

#endif
