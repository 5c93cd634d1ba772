/* What the cmocka tests share besides testdir.h: TEST_MAIN, a main that
 * runs the test functions named; TEST_MAIN_FIXTURES, the same with each test
 * between a setup and a teardown; path_in, a path under a directory.
 * Include after <cmocka.h>. */
#ifndef PODSOCK_TEST_TESTUTIL_H
#define PODSOCK_TEST_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*testutil_fn) (void **state);

/* Runs fns[0..n) as one cmocka group named "tests", as
 * cmocka_run_group_tests does; names is the list of their names as written
 * ("a, b, c"), each run between setup and teardown (either may be NULL). */
static inline int
testutil_run (const char *names, const testutil_fn *fns, size_t n, CMFixtureFunction setup,
              CMFixtureFunction teardown)
{
  struct CMUnitTest *tests = calloc (n, sizeof *tests);
  char *list = strdup (names), *save = NULL;
  char *name = strtok_r (list, ", ", &save);
  int rc;

  if (tests == NULL || list == NULL)
    abort ();
  for (size_t i = 0; i < n; i++, name = strtok_r (NULL, ", ", &save))
    {
      tests[i].name = name ? name : "?";
      tests[i].test_func = fns[i];
      tests[i].setup_func = setup;
      tests[i].teardown_func = teardown;
    }
  rc = _cmocka_run_group_tests ("tests", tests, n, NULL, NULL);
  free (tests);
  free (list);
  return rc;
}

/* dir/rel, in a buffer that the next 3 calls leave alone. */
static inline const char *
path_in (const char *dir, const char *rel)
{
  static char bufs[4][256];
  static unsigned next;
  char *buf = bufs[next++ % 4];

  snprintf (buf, sizeof bufs[0], "%s/%s", dir, rel);
  return buf;
}

/* int main: runs the test functions named, each between setup and teardown. */
#define TEST_MAIN_FIXTURES(setup, teardown, ...)                                                   \
  int main (void)                                                                                  \
  {                                                                                                \
    static const testutil_fn fns[] = { __VA_ARGS__ };                                              \
    return testutil_run (#__VA_ARGS__, fns, sizeof fns / sizeof fns[0], setup, teardown);          \
  }

/* int main: runs the test functions named, in that order. */
#define TEST_MAIN(...) TEST_MAIN_FIXTURES (NULL, NULL, __VA_ARGS__)

#endif
