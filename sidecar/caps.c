/* Bounding-set drop with libcap, in crun's order: the loop runs up to the
 * kernel's last capability (cap_max_bits(), i.e. /proc/sys/kernel/cap_last_cap)
 * so capabilities newer than libcap's table are dropped too. */
#include "caps.h"
#include <podsock/util.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

/* Why each one stays: docs/hardening.md. */
static const int keep_caps[] = {
  CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FOWNER,     CAP_FSETID,  CAP_KILL,
  CAP_SETGID,  CAP_SETUID,       CAP_SETPCAP,    CAP_SETFCAP, CAP_NET_BIND_SERVICE,
  CAP_NET_RAW, CAP_NET_ADMIN,    CAP_SYS_CHROOT, CAP_MKNOD,   CAP_SYS_ADMIN,
};

const int *
caps_keep_list (size_t *n)
{
  *n = ARRAY_SIZE (keep_caps);
  return keep_caps;
}

static int
in_list (int cap, const int *list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (list[i] == cap)
      return 1;
  return 0;
}

static int
append_name (FILE *f, int cap, int *first)
{
  char *name = cap_to_name ((cap_value_t) cap);
  if (name == NULL)
    return -1;
  fprintf (f, "%s%s", *first ? "" : ",", name);
  *first = 0;
  cap_free (name);
  return 0;
}

/* The bounding set's members, all of them or only those outside keep. */
static char *
bounding_names (const int *keep, size_t n)
{
  char *buf = NULL;
  size_t len = 0;
  int first = 1;
  FILE *f = open_memstream (&buf, &len);

  if (f == NULL)
    return NULL;
  for (int cap = 0; cap <= (int) cap_max_bits () - 1; cap++)
    if (cap_get_bound ((cap_value_t) cap) == 1 && !in_list (cap, keep, n))
      append_name (f, cap, &first);
  if (fclose (f) != 0)
    {
      free (buf);
      return NULL;
    }
  return buf;
}

char *
caps_bounding_names (void)
{
  return bounding_names (NULL, 0);
}

int
caps_have_effective (int cap)
{
  cap_t caps = cap_get_proc ();
  cap_flag_value_t v = CAP_CLEAR;

  if (caps == NULL)
    return 0;
  if (cap_get_flag (caps, cap, CAP_EFFECTIVE, &v) < 0)
    v = CAP_CLEAR;
  cap_free (caps);
  return v == CAP_SET;
}

static int
report (struct caps_result *r, const int *keep, size_t n, podsock_error_t *err)
{
  r->bounding = caps_bounding_names ();
  if (r->bounding == NULL)
    return podsock_error_make (err, errno, "read the capability bounding set");
  if (!r->can_drop)
    {
      r->extra = bounding_names (keep, n);
      if (r->extra == NULL)
        return podsock_error_make (err, errno, "read the capability bounding set");
    }
  return 0;
}

int
caps_drop_bounding (const int *keep, size_t n, struct caps_result *r, podsock_error_t *err)
{
  int last = (int) cap_max_bits () - 1;

  memset (r, 0, sizeof *r);
  r->can_drop = caps_have_effective (CAP_SETPCAP);
  for (int cap = 0; r->can_drop && cap <= last; cap++)
    {
      if (in_list (cap, keep, n) || cap_get_bound ((cap_value_t) cap) != 1)
        continue;
      if (cap_drop_bound ((cap_value_t) cap) < 0)
        {
          char *name = cap_to_name ((cap_value_t) cap);
          podsock_error_make (err, errno,
                              "drop %s from the bounding set (the sidecar has CAP_SETPCAP, so "
                              "this should not fail; check the container's seccomp profile)",
                              name ? name : "?");
          cap_free (name);
          return -1;
        }
      r->dropped_now++;
    }
  return report (r, keep, n, err);
}

int
hardening_caps_drop (struct caps_result *r, podsock_error_t *err)
{
  size_t n;
  const int *keep = caps_keep_list (&n);
  return caps_drop_bounding (keep, n, r, err);
}

void
caps_result_free (struct caps_result *r)
{
  free (r->bounding);
  free (r->extra);
  r->bounding = r->extra = NULL;
}
