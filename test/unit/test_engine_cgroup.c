/* sidecar/cgroup.c on a directory laid out as a delegated cgroup v2 node
 * (the files a kernel shows there).  The real cgroup file system is
 * exercised by integration.engine_cgroup; this host passes neither memory
 * nor pids to cgroup v2, so the writing of the limits is checked here. */
#include "cgroup.h"

#include <podsock/config.h>
#include <podsock/fs.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static char dir[64];

static void
put (const char *rel, const char *text)
{
  char path[256];
  FILE *f;

  snprintf (path, sizeof path, "%s/%s", dir, rel);
  f = fopen (path, "w");
  assert_non_null (f);
  fputs (text, f);
  fclose (f);
}

static char *
get (const char *rel)
{
  char path[256], *text = NULL;
  podsock_error_t err = NULL;

  snprintf (path, sizeof path, "%s/%s", dir, rel);
  assert_int_equal (fs_read_file (path, 4096, &text, NULL, &err), 0);
  return text;
}

static int
setup (void **state)
{
  (void) state;
  strcpy (dir, "/tmp/podsock-cgroup-XXXXXX");
  if (mkdtemp (dir) == NULL)
    return -1;
  put ("cgroup.procs", "4242\n");
  put ("cgroup.subtree_control", "");
  /* The leaves exist already with the files the controllers bring. */
  for (const char *leaf = "sidecar"; leaf; leaf = strcmp (leaf, "sidecar") == 0 ? "engine" : NULL)
    {
      char path[128];
      snprintf (path, sizeof path, "%s/%s", dir, leaf);
      mkdir (path, 0755);
      snprintf (path, sizeof path, "%s/cgroup.procs", leaf);
      put (path, "");
    }
  put ("engine/memory.max", "max\n");
  put ("engine/pids.max", "max\n");
  return 0;
}

static int
teardown (void **state)
{
  char cmd[128];
  (void) state;
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system (cmd) == 0 ? 0 : -1;
}

static void
limits_written_where_controllers_are (void **state)
{
  struct podsock_config cfg = { 0 };
  struct engine_cgroup cg;
  podsock_error_t err = NULL;
  char *text, procs[128];
  (void) state;

  put ("cgroup.controllers", "cpu io memory pids\n");
  cfg.engine_memory_max_bytes = 536870912;
  cfg.engine_pids_max = 1000;
  assert_int_equal (engine_cgroup_setup (&cg, dir, "/", &cfg, &err), 0);
  assert_true (cg.memory_applied && cg.pids_applied);
  snprintf (procs, sizeof procs, "%s/engine/cgroup.procs", dir);
  assert_string_equal (cg.procs, procs);
  text = get ("engine/memory.max");
  assert_string_equal (text, "536870912");
  free (text);
  text = get ("engine/pids.max");
  assert_string_equal (text, "1000");
  free (text);
  /* The node's processes moved to the sidecar leaf. */
  text = get ("sidecar/cgroup.procs");
  assert_string_equal (text, "4242");
  free (text);
  engine_cgroup_release (&cg);
}

static void
missing_controller_is_not_applied (void **state)
{
  struct podsock_config cfg = { 0 };
  struct engine_cgroup cg;
  podsock_error_t err = NULL;
  char *text;
  (void) state;

  put ("cgroup.controllers", "cpu pids\n");
  cfg.engine_memory_max_bytes = 1 << 30;
  cfg.engine_pids_max = 77;
  assert_int_equal (engine_cgroup_setup (&cg, dir, "/", &cfg, &err), 0);
  assert_false (cg.memory_applied);
  assert_true (cg.pids_applied);
  text = get ("engine/memory.max");
  assert_string_equal (text, "max\n");
  free (text);
  engine_cgroup_release (&cg);
}

static void
a_node_that_is_not_there_fails (void **state)
{
  struct podsock_config cfg = { 0 };
  struct engine_cgroup cg;
  podsock_error_t err = NULL;
  (void) state;

  cfg.engine_pids_max = 10;
  assert_int_equal (engine_cgroup_setup (&cg, "/nonexistent/cgroup", "/", &cfg, &err), -1);
  assert_non_null (
      strstr (err->msg, "create the leaves sidecar and engine in /nonexistent/cgroup"));
  podsock_error_free (&err);
  engine_cgroup_release (&cg);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (limits_written_where_controllers_are, setup, teardown),
    cmocka_unit_test_setup_teardown (missing_controller_is_not_applied, setup, teardown),
    cmocka_unit_test_setup_teardown (a_node_that_is_not_there_fails, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
