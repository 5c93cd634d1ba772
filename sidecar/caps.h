/* The capability bounding set the engine starts with: everything that
 * podman, crun and nested containers do not need is dropped before podman is
 * started, so no process below the sidecar can ever regain it.  The list and
 * the reason for each entry: docs/hardening.md. */
#ifndef PODSOCK_CAPS_H
#define PODSOCK_CAPS_H

#include <podsock/error.h>
#include <stddef.h>

struct caps_result
{
  int dropped_now; /* capabilities this call removed from the bounding set */
  int can_drop;    /* 0: no CAP_SETPCAP; the bounding set was only reported */
  char *bounding;  /* the bounding set afterwards, "cap_chown,cap_kill,..." */
  char *extra;     /* kept capabilities beyond the keep list ("" when none); set
                    * only when can_drop is 0 */
};

/* The capabilities kept: CAP_* numbers, n entries. */
const int *caps_keep_list (size_t *n);

/* Drops from the bounding set every capability not in keep[0..n).  Without
 * CAP_SETPCAP in the effective set (a non-root sidecar, whose bounding set
 * the runtime already reduced) it changes nothing, sets can_drop = 0 and
 * reports the set as it is; that is not an error.  Free r with
 * caps_result_free(). */
int caps_drop_bounding (const int *keep, size_t n, struct caps_result *r, podsock_error_t *err);

/* caps_drop_bounding() with caps_keep_list(). */
int hardening_caps_drop (struct caps_result *r, podsock_error_t *err);

/* 1 when the sidecar holds cap (a CAP_* number) in its effective set; 0 when
 * not, or when the set cannot be read. */
int caps_have_effective (int cap);

/* The current bounding set as "cap_a,cap_b"; caller frees.  NULL on error. */
char *caps_bounding_names (void);

void caps_result_free (struct caps_result *r);

#endif
