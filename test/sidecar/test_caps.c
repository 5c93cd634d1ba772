/* sidecar/caps.c: the bounding-set drop, in forked children (it cannot be
 * undone), with and without CAP_SETPCAP, and what it reports. */
#include "caps.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>
#include <cmocka.h>

#include "../common/testutil.h"

#include "inchild.h"

static int
kept (int cap)
{
  size_t n;
  const int *keep = caps_keep_list (&n);
  for (size_t i = 0; i < n; i++)
    if (keep[i] == cap)
      return 1;
  return 0;
}

static void
child_caps_drop (const void *arg)
{
  struct caps_result r;
  podsock_error_t err = NULL;
  (void) arg;
  if (cap_get_bound (CAP_SYS_MODULE) != 1)
    CHILD_FAIL ("CAP_SYS_MODULE is not in the bounding set to begin with");
  if (hardening_caps_drop (&r, &err) < 0)
    CHILD_FAIL ("%s", err->msg);
  if (!r.can_drop || r.dropped_now <= 0)
    CHILD_FAIL ("nothing dropped (can_drop %d, dropped %d)", r.can_drop, r.dropped_now);
  for (int cap = 0; cap < (int) cap_max_bits (); cap++)
    if (cap_get_bound ((cap_value_t) cap) != kept (cap))
      CHILD_FAIL ("capability %d: bound %d, kept %d", cap, cap_get_bound ((cap_value_t) cap),
                  kept (cap));
  if (strstr (r.bounding, "cap_sys_admin") == NULL || strstr (r.bounding, "cap_sys_module"))
    CHILD_FAIL ("bounding set reported as %s", r.bounding);
  caps_result_free (&r);
  /* A second call has nothing left to drop. */
  if (hardening_caps_drop (&r, &err) < 0 || r.dropped_now != 0)
    CHILD_FAIL ("second call dropped %d", r.dropped_now);
  caps_result_free (&r);
}

static void
caps_drop_keeps_the_list (void **state)
{
  (void) state;
  need_root ("dropping from the bounding set needs CAP_SETPCAP");
  in_child (child_caps_drop, NULL);
}

static void
child_caps_without_setpcap (const void *arg)
{
  struct caps_result r;
  podsock_error_t err = NULL;
  (void) arg;
  clear_effective ();
  if (hardening_caps_drop (&r, &err) < 0)
    CHILD_FAIL ("without CAP_SETPCAP it must report, not fail: %s", err->msg);
  if (r.can_drop || r.dropped_now != 0)
    CHILD_FAIL ("claims to have dropped");
  if (cap_get_bound (CAP_SYS_MODULE) != 1)
    CHILD_FAIL ("the bounding set changed");
  if (strstr (r.extra, "cap_sys_module") == NULL || strstr (r.extra, "cap_chown") != NULL)
    CHILD_FAIL ("extra capabilities reported as '%s'", r.extra);
  if (strstr (r.bounding, "cap_chown") == NULL)
    CHILD_FAIL ("bounding set reported as '%s'", r.bounding);
  caps_result_free (&r);
}

static void
caps_without_setpcap_reports (void **state)
{
  (void) state;
  need_root ("the bounding set must hold CAP_SYS_MODULE to begin with");
  in_child (child_caps_without_setpcap, NULL);
}

/* A keep list of the caller's: exactly those stay, and the names say so in
 * the kernel's order. */
static void
child_custom_keep (const void *arg)
{
  static const int keep[] = { CAP_KILL, CAP_CHOWN, CAP_SETPCAP };
  struct caps_result r;
  podsock_error_t err = NULL;
  char *names;
  int before = 0;
  (void) arg;
  for (int cap = 0; cap < (int) cap_max_bits (); cap++)
    before += cap_get_bound ((cap_value_t) cap) == 1;
  if (caps_drop_bounding (keep, 3, &r, &err) < 0)
    CHILD_FAIL ("%s", err->msg);
  if (r.dropped_now != before - 3)
    CHILD_FAIL ("dropped %d of %d", r.dropped_now, before);
  if (strcmp (r.bounding, "cap_chown,cap_kill,cap_setpcap") != 0 || r.extra != NULL)
    CHILD_FAIL ("reported '%s', extra '%s'", r.bounding, r.extra ? r.extra : "(null)");
  names = caps_bounding_names ();
  if (names == NULL || strcmp (names, r.bounding) != 0)
    CHILD_FAIL ("caps_bounding_names says '%s'", names ? names : "(null)");
  free (names);
  caps_result_free (&r);
  if (r.bounding != NULL || r.extra != NULL)
    CHILD_FAIL ("caps_result_free left pointers behind");
}

static void
custom_keep_list_is_exact (void **state)
{
  (void) state;
  need_root ("dropping from the bounding set needs CAP_SETPCAP");
  in_child (child_custom_keep, NULL);
}

static void
child_effective (const void *arg)
{
  (void) arg;
  if (!caps_have_effective (CAP_SETPCAP) || !caps_have_effective (CAP_SYS_ADMIN))
    CHILD_FAIL ("root does not hold CAP_SETPCAP/CAP_SYS_ADMIN");
  clear_effective ();
  if (caps_have_effective (CAP_SETPCAP) || caps_have_effective (CAP_CHOWN))
    CHILD_FAIL ("still effective after clearing the set");
  if (caps_have_effective (-1) || caps_have_effective (4096))
    CHILD_FAIL ("a capability that does not exist is effective");
}

static void
effective_set_is_read (void **state)
{
  (void) state;
  need_root ("needs a full effective set to clear");
  in_child (child_effective, NULL);
}

/* The list docs/hardening.md explains: what podman and crun need, and not
 * what only widens the attack surface. */
static void
keep_list_is_the_documented_one (void **state)
{
  static const int must[] = { CAP_SETUID, CAP_SETGID, CAP_SYS_ADMIN, CAP_SETPCAP, CAP_CHOWN };
  static const int never[] = { CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_BOOT, CAP_SYS_PTRACE };
  size_t n;
  (void) state;
  assert_non_null (caps_keep_list (&n));
  assert_int_equal (n, 15);
  for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
    assert_true (kept (must[i]));
  for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
    assert_false (kept (never[i]));
}

TEST_MAIN (caps_drop_keeps_the_list, caps_without_setpcap_reports, custom_keep_list_is_exact,
           effective_set_is_read, keep_list_is_the_documented_one)
