/* The detection probes' tests (test_detect_*.c): each case runs a probe in
 * a forked child after its own set-up (a namespace, a mask, a filter, other
 * IDs), then checks the named probe's verdict, reason and fix.  Include
 * after <cmocka.h>; needs inchild.h. */
#ifndef PODSOCK_TEST_DETECTFIX_H
#define PODSOCK_TEST_DETECTFIX_H

#include "detect_probes.h"

#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

struct probe_case
{
  const char *what;
  const char *arg;                /* for setup and run */
  int (*setup) (const char *arg); /* in the child; 0, or -1 to skip the case (says why) */
  void (*run) (struct detect_report *r, const char *arg);
  const char *probe; /* the probe's name */
  int ok;
  const char *reason; /* in its reason */
  const char *fix;    /* in its fix ("" when none) */
};

static inline const struct detect_probe *
probe_named (const struct detect_report *r, const char *name)
{
  for (size_t i = 0; i < r->n_probes; i++)
    if (strcmp (r->probes[i].name, name) == 0)
      return &r->probes[i];
  return NULL;
}

/* In the child: a seccomp filter that fails the system call nr with EPERM,
 * as a pod's profile may. */
static inline void
deny_syscall (int nr)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  if (ctx == NULL || seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), nr, 0) < 0
      || seccomp_load (ctx) < 0)
    CHILD_FAIL ("seccomp filter");
  seccomp_release (ctx);
}

/* In the child: exit 0 when the case holds (or was skipped), else say. */
static inline void
probe_case_child (const void *arg)
{
  const struct probe_case *c = arg;
  struct detect_report *r = calloc (1, sizeof *r);
  const struct detect_probe *p;

  if (r == NULL)
    CHILD_FAIL ("out of memory");
  if (c->setup && c->setup (c->arg) < 0)
    {
      fprintf (stderr, "SKIP case '%s'\n", c->what);
      return;
    }
  c->run (r, c->arg);
  p = probe_named (r, c->probe);
  if (p == NULL)
    CHILD_FAIL ("%s: no probe %s", c->what, c->probe);
  if (p->ok != c->ok || strstr (p->reason, c->reason) == NULL || strstr (p->fix, c->fix) == NULL
      || (c->fix[0] == '\0' && p->fix[0] != '\0'))
    CHILD_FAIL ("%s: %s ok=%d reason '%s' fix '%s'", c->what, p->name, p->ok, p->reason, p->fix);
  free (r);
}

/* Every case of the table, each in a child of its own. */
static inline void
probe_cases (const struct probe_case *cases, size_t n)
{
  for (size_t i = 0; i < n; i++)
    in_child (probe_case_child, &cases[i]);
}

#endif
