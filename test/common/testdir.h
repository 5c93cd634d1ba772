/* A scratch directory for the cmocka tests that write files: testdir_setup
 * makes it (as a cmocka setup), testdir_teardown removes it, testdir_put and
 * testdir_get write and read files in it.  Include after <cmocka.h>. */
#ifndef PODSOCK_TEST_TESTDIR_H
#define PODSOCK_TEST_TESTDIR_H

#include <podsock/fs.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char testdir[64];

static inline int
testdir_setup (void **state)
{
  (void) state;
  strcpy (testdir, "/tmp/podsock-test-XXXXXX");
  return mkdtemp (testdir) ? 0 : -1;
}

static inline int
testdir_teardown (void **state)
{
  char cmd[128];
  (void) state;
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", testdir);
  return system (cmd) == 0 ? 0 : -1;
}

/* Writes text to testdir/rel (atomically: a new file each time). */
static inline void
testdir_put (const char *rel, const char *text)
{
  char path[256];
  podsock_error_t err = NULL;
  snprintf (path, sizeof path, "%s/%s", testdir, rel);
  if (fs_write_file_atomic (path, text, &err) < 0)
    fail_msg ("%s", err->msg);
}

/* The text of testdir/rel; free it. */
static inline char *
testdir_get (const char *rel)
{
  char path[256], *text = NULL;
  podsock_error_t err = NULL;
  snprintf (path, sizeof path, "%s/%s", testdir, rel);
  if (fs_read_file (path, 1 << 20, &text, NULL, &err) < 0)
    fail_msg ("%s", err->msg);
  return text;
}

#endif
