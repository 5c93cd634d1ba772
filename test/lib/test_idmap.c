/* The ID range arithmetic of lib/idmap.c: parsing maps and picking the
 * subordinate ranges. */
#include <podsock/idmap.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

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

/* hostUsers: false: "0 200000 65536", root inside. */
static void
pod_userns_root (void **state)
{
  struct idrange r[8];
  size_t n;
  (void) state;
  parse_ok ("0 200000 65536\n");
  assert_int_equal (sub (0, r, 8, &n), 65535);
  assert_int_equal (n, 1);
  assert_int_equal (r[0].start, 1);
  assert_int_equal (r[0].count, 65535);
}

/* The same pod with runAsUser 1500: two ranges around it. */
static void
pod_userns_user (void **state)
{
  struct idrange r[8];
  size_t n;
  (void) state;
  parse_ok ("0 200000 65536\n");
  assert_int_equal (sub (1500, r, 8, &n), 65534);
  assert_int_equal (n, 2);
  assert_int_equal (r[0].start, 1);
  assert_int_equal (r[0].count, 1499);
  assert_int_equal (r[1].start, 1501);
  assert_int_equal (r[1].count, 64035);
}

static void
several_lines_unsorted (void **state)
{
  struct idrange r[8];
  size_t n;
  (void) state;
  /* Adjacent inside ranges merge; the gap stays. */
  parse_ok ("70000 900000 1000\n0 500000 10\n10 600000 90\n");
  assert_int_equal (sub (42, r, 8, &n), 99 - 1 + 1000);
  assert_int_equal (n, 3);
  assert_int_equal (r[0].start, 1);
  assert_int_equal (r[0].count, 41);
  assert_int_equal (r[1].start, 43);
  assert_int_equal (r[1].count, 57);
  assert_int_equal (r[2].start, 70000);
  assert_int_equal (r[2].count, 1000);
}

static void
tiny_maps (void **state)
{
  struct idrange r[8];
  size_t n;
  (void) state;
  /* Only our own ID: single-ID mode. */
  parse_ok ("1500 1500 1\n");
  assert_int_equal (sub (1500, r, 8, &n), 0);
  assert_int_equal (n, 0);
  /* Root only. */
  parse_ok ("0 1000 1\n");
  assert_int_equal (sub (0, r, 8, &n), 0);
  /* Two IDs: one to give. */
  parse_ok ("0 1000 2\n");
  assert_int_equal (sub (0, r, 8, &n), 1);
  assert_int_equal (r[0].start, 1);
  assert_int_equal (r[0].count, 1);
}

static void
full_32bit_map (void **state)
{
  struct idrange r[8];
  size_t n;
  (void) state;
  parse_ok ("         0          0 4294967295\n");
  assert_true (idmap_is_initial (&map));
  /* Outside a user namespace: the window, whole. */
  assert_int_equal (sub (1500, r, 8, &n), 65536);
  assert_int_equal (n, 1);
  assert_int_equal (r[0].start, 100000);
  assert_int_equal (r[0].count, 65536);
  /* Our own UID inside the window: skipped, the block still has 65536. */
  assert_int_equal (sub (100010, r, 8, &n), 65536);
  assert_int_equal (n, 2);
  assert_int_equal (r[0].count, 10);
  assert_int_equal (r[1].start, 100011);
  assert_int_equal (r[1].count, 65526);
  /* OpenShift-style UID far above the window. */
  assert_int_equal (sub (1000680000, r, 8, &n), 65536);
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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (parses_kernel_padding),
    cmocka_unit_test (rejects_bad_lines),
    cmocka_unit_test (rejects_too_many_lines),
    cmocka_unit_test (pod_userns_root),
    cmocka_unit_test (pod_userns_user),
    cmocka_unit_test (several_lines_unsorted),
    cmocka_unit_test (tiny_maps),
    cmocka_unit_test (full_32bit_map),
    cmocka_unit_test (window_at_the_top),
    cmocka_unit_test (max_ids_and_max_ranges),
    cmocka_unit_test (read_missing_file),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
