/* The ID range arithmetic of lib/idmap.c: parsing maps and picking the
 * subordinate ranges. */
#include <podsock/idmap.h>
#include <podsock/util.h>

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

static struct idmap map;

static void
parse_ok (const char *text)
{
  podsock_error_t err = NULL;
  if (idmap_parse (text, "uid_map", &map, &err) < 0)
    fail_msg ("parse '%s': %s", text, err->msg);
}

static void
parse_fails (const char *text, const char *needle)
{
  podsock_error_t err = NULL;
  assert_int_equal (idmap_parse (text, "uid_map", &map, &err), -1);
  assert_non_null (err);
  if (strstr (err->msg, needle) == NULL)
    fail_msg ("error for '%s' is '%s', expected '%s'", text, err->msg, needle);
  podsock_error_free (&err);
}

static uint64_t
sub (uint64_t self, struct idrange *out, size_t max, size_t *n)
{
  struct idmap_policy p = { self, 100000, 65536, 0 };
  return idmap_subordinate (&map, &p, out, max, n);
}

static void
parses_kernel_padding (void **state)
{
  (void) state;
  parse_ok ("         0       1500          1\n         1     100000      65536\n");
  assert_int_equal (map.n, 2);
  assert_int_equal (map.line[1].inside, 1);
  assert_int_equal (map.line[1].outside, 100000);
  assert_int_equal (map.line[1].count, 65536);
  assert_false (idmap_is_initial (&map));
}

static void
rejects_bad_lines (void **state)
{
  (void) state;
  parse_fails ("", "is empty");
  parse_fails ("\n", "is empty");
  parse_fails ("0 0\n", "line 1");
  parse_fails ("0 0 1 1\n", "line 1");
  parse_fails ("0 0 0\n", "line 1");          /* count 0 */
  parse_fails ("0 0 -1\n", "line 1");         /* sign */
  parse_fails ("0 0 1x\n", "line 1");         /* suffix */
  parse_fails ("0 0 4294967296\n", "line 1"); /* more than 2^32 - 1 IDs */
  parse_fails ("1 0 4294967295\n", "line 1"); /* inside end past 2^32 */
  parse_fails ("0 4294967295 2\n", "line 1"); /* outside end past 2^32 */
  parse_fails ("0 0 99999999999999999999999\n", "line 1");
  parse_fails ("0 1000 10\n5 2000 10\n", "line 2: '5 2000 10' overlaps");
  parse_fails ("0 1000 1\nabc\n", "line 2");
}

static void
rejects_too_many_lines (void **state)
{
  char *text = malloc (341 * 24 + 1), *p = text;
  podsock_error_t err = NULL;
  (void) state;
  for (int i = 0; i < 341; i++)
    p += sprintf (p, "%d %d 1\n", i, 1000 + i);
  assert_int_equal (idmap_parse (text, "uid_map", &map, &err), -1);
  assert_non_null (strstr (err->msg, "more than 340"));
  podsock_error_free (&err);
  free (text);
}

/* The subordinate ranges for self (the window 100000+65536) under a map:
 * their total, and (n >= 0) how many and which. */
static const struct
{
  const char *map;
  uint64_t self, total;
  int n;
  struct idrange r[3];
} subordinates[] = {
  /* hostUsers: false: "0 200000 65536", root inside. */
  { "0 200000 65536\n", 0, 65535, 1, { { 1, 65535 } } },
  /* The same pod with runAsUser 1500: two ranges around it. */
  { "0 200000 65536\n", 1500, 65534, 2, { { 1, 1499 }, { 1501, 64035 } } },
  /* Adjacent inside ranges merge; the gap stays. */
  { "70000 900000 1000\n0 500000 10\n10 600000 90\n",
    42,
    99 - 1 + 1000,
    3,
    { { 1, 41 }, { 43, 57 }, { 70000, 1000 } } },
  /* Tiny maps: only our own ID (single-ID mode); root only; two IDs, one to give. */
  { "1500 1500 1\n", 1500, 0, 0, { { 0 } } },
  { "0 1000 1\n", 0, 0, -1, { { 0 } } },
  { "0 1000 2\n", 0, 1, 1, { { 1, 1 } } },
  /* The full 32-bit map, outside a user namespace: the window, whole; our
   * own UID inside it skipped (the block still has 65536); an
   * OpenShift-style UID far above it. */
  { "         0          0 4294967295\n", 1500, 65536, 1, { { 100000, 65536 } } },
  { "         0          0 4294967295\n", 100010, 65536, 2, { { 100000, 10 }, { 100011, 65526 } } },
  { "         0          0 4294967295\n", 1000680000, 65536, -1, { { 0 } } },
};

static void
subordinate_ranges (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (subordinates); i++)
    {
      struct idrange r[8];
      size_t n;

      parse_ok (subordinates[i].map);
      if (sub (subordinates[i].self, r, 8, &n) != subordinates[i].total)
        fail_msg ("case %zu: not %" PRIu64 " IDs", i, subordinates[i].total);
      if (subordinates[i].n < 0)
        continue;
      assert_int_equal (n, subordinates[i].n);
      for (size_t k = 0; k < n; k++)
        if (r[k].start != subordinates[i].r[k].start || r[k].count != subordinates[i].r[k].count)
          fail_msg ("case %zu: range %zu is %" PRIu64 "+%" PRIu64 ", want %" PRIu64 "+%" PRIu64, i,
                    k, r[k].start, r[k].count, subordinates[i].r[k].start,
                    subordinates[i].r[k].count);
    }
}

/* Whether a map is the initial namespace's. */
static void
initial_map (void **state)
{
  (void) state;
  parse_ok ("         0          0 4294967295\n");
  assert_true (idmap_is_initial (&map));
}

static void
window_at_the_top (void **state)
{
  struct idmap_policy p = { 5, 4294967295u - 10, 100, 0 };
  struct idrange r[8];
  size_t n;
  (void) state;
  parse_ok ("0 0 4294967295\n");
  /* The window is clipped to the map: IDs 4294967285..4294967294. */
  assert_int_equal (idmap_subordinate (&map, &p, r, 8, &n), 10);
  assert_int_equal (r[0].start, 4294967285u);
}

static void
max_ids_and_max_ranges (void **state)
{
  struct idmap_policy p = { 0, 0, 0, 100 };
  struct idrange r[1];
  size_t n;
  (void) state;
  parse_ok ("0 200000 65536\n");
  assert_int_equal (idmap_subordinate (&map, &p, r, 1, &n), 100);
  assert_int_equal (r[0].start, 1);
  assert_int_equal (r[0].count, 100);
  /* Room for one range only: the first is kept, the rest not counted. */
  parse_ok ("0 1000 10\n100 2000 10\n");
  p.max_ids = 0;
  assert_int_equal (idmap_subordinate (&map, &p, r, 1, &n), 9);
  assert_int_equal (n, 1);
}

static void
read_missing_file (void **state)
{
  podsock_error_t err = NULL;
  (void) state;
  assert_int_equal (idmap_read ("/nonexistent/uid_map", &map, &err), -1);
  assert_non_null (strstr (err->msg, "/nonexistent/uid_map"));
  podsock_error_free (&err);
  assert_int_equal (idmap_read ("/proc/self/uid_map", &map, &err), 0);
}

TEST_MAIN (parses_kernel_padding, rejects_bad_lines, rejects_too_many_lines, subordinate_ranges,
           initial_map, window_at_the_top, max_ids_and_max_ranges, read_missing_file)
