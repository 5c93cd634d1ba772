/* Test and benchmark driver for sidecar/handback.c: hands a tree back inside the
 * user namespace of a process (the rootless engine's), the way the sidecar
 * will, and prints the counts and the time taken.
 *   podsock-handback-tool PID DIR [--no-widen]
 *   podsock-handback-tool --here MIN MAX DIR    (no setns: this namespace) */
#include "handback.h"
#include <podsock/parse.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
print_report (const struct handback_report *r, double secs)
{
  printf ("scanned=%" PRIu64 " chowned=%" PRIu64 " widened=%" PRIu64 " foreign=%" PRIu64
          " other_fs=%" PRIu64 " failed=%" PRIu64 " seconds=%.4f\n",
          r->scanned, r->chowned, r->widened, r->foreign, r->other_fs, r->failed, secs);
}

int
main (int argc, char **argv)
{
  podsock_error_t err = NULL;
  struct handback_report r;
  uint64_t pid, min, max;
  double t0 = now ();

  if (argc == 5 && strcmp (argv[1], "--here") == 0)
    {
      struct handback_spec spec = { argv[4], 0, 0, 0, 0, 1 };
      if (parse_u64 (argv[2], 1, UINT32_MAX, &min) < 0
          || parse_u64 (argv[3], min, UINT32_MAX, &max) < 0)
        return 2;
      spec.sub_min = min;
      spec.sub_max = max;
      if (handback_tree (&spec, &r, &err) < 0)
        goto fail;
    }
  else if ((argc == 3 || argc == 4) && parse_u64 (argv[1], 2, INT32_MAX, &pid) == 0)
    {
      int widen = !(argc == 4 && strcmp (argv[3], "--no-widen") == 0);
      if (handback_in_userns ((pid_t) pid, argv[2], widen, &r, &err) < 0)
        goto fail;
    }
  else
    {
      fputs ("usage: podsock-handback-tool PID DIR [--no-widen] | --here MIN MAX DIR\n", stderr);
      return 2;
    }
  print_report (&r, now () - t0);
  return 0;
fail:
  fprintf (stderr, "podsock-handback-tool: %s\n", err->msg);
  podsock_error_free (&err);
  return 1;
}
