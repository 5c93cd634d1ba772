/* sidecar/strv.c: copies of NULL-terminated string lists are deep, keep
 * order, length and every byte, and free cleanly (ASan checks the frees). */
#include "strv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

static void
null_stays_null (void **state)
{
  (void) state;
  assert_null (strv_dup (NULL));
  strv_free (NULL); /* must not crash */
}

/* got holds the strings of want, in its own storage, and ends where it
 * ends.  Frees got. */
static void
expect_copy_of (char **got, const char *const *want)
{
  size_t i;

  assert_non_null (got);
  assert_ptr_not_equal (got, want);
  for (i = 0; want[i]; i++)
    {
      assert_non_null (got[i]);
      assert_string_equal (got[i], want[i]);
      assert_ptr_not_equal (got[i], want[i]);
    }
  assert_null (got[i]); /* terminated right after the last entry */
  strv_free (got);
}

/* Lists of 0, 1 and many entries, with empty strings, repeats and bytes
 * over 0x7f. */
static void
copies_are_deep_and_exact (void **state)
{
  static const char *const empty[] = { NULL };
  static const char *const one[] = { "/builds", NULL };
  static const char *const odd[] = { "", "CHOWN", "", "CHOWN", "grüß\tdich", "a,b", NULL };
  static const char *const *const lists[] = { empty, one, odd };
  (void) state;
  for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++)
    expect_copy_of (strv_dup (lists[l]), lists[l]);
}

/* Changing or freeing the original leaves the copy as it was, and a copy
 * of a copy is a third list. */
static void
copy_outlives_its_source (void **state)
{
  static const char *const want[] = { "net.ipv4.ping_group_range", "/dev/fuse", "x", NULL };
  char **src = calloc (4, sizeof (char *));
  char **copy;
  (void) state;
  assert_non_null (src);
  for (size_t i = 0; want[i]; i++)
    src[i] = strdup (want[i]);
  copy = strv_dup ((const char *const *) src);
  src[0][0] = 'N';
  strv_free (src);
  expect_copy_of (strv_dup ((const char *const *) copy), want);
  expect_copy_of (copy, want);
}

/* A list as long as the settings allow (CONFIG_MAX_LIST is 64) and longer. */
static void
long_lists_copy_whole (void **state)
{
  enum
  {
    N = 200
  };
  char *src[N + 1], buf[16];
  char **copy;
  (void) state;
  for (size_t i = 0; i < N; i++)
    {
      snprintf (buf, sizeof buf, "e%zu", i);
      src[i] = strdup (buf);
    }
  src[N] = NULL;
  copy = strv_dup ((const char *const *) src);
  for (size_t i = 0; i < N; i++)
    {
      assert_string_equal (copy[i], src[i]);
      free (src[i]);
    }
  assert_null (copy[N]);
  strv_free (copy);
}

TEST_MAIN (null_stays_null, copies_are_deep_and_exact, copy_outlives_its_source,
           long_lists_copy_whole)
