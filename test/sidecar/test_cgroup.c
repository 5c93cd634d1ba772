/* sidecar/cgroup.c on a directory laid out as a delegated cgroup v2 node
 * (the files a kernel shows there).  The real cgroup file system is
 * exercised by integration.engine_cgroup; this host passes neither memory
 * nor pids to cgroup v2, so the writing of the limits is checked here. */
#include "cgroup.h"

#include "config.h"
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

#include "testdir.h"

/* A delegated node as the kernel shows it, the leaves already made. */
static int
setup (void **state)
{
  char path[128];

  if (testdir_setup (state) < 0)
    return -1;
  testdir_put ("cgroup.procs", "4242\n");
  testdir_put ("cgroup.subtree_control", "");
  for (int i = 0; i < 2; i++)
    {
      snprintf (path, sizeof path, "%s/%s", testdir, i == 0 ? "sidecar" : "engine");
      if (mkdir (path, 0755) < 0)
        return -1;
    }
  testdir_put ("sidecar/cgroup.procs", "");
  testdir_put ("engine/cgroup.procs", "");
  testdir_put ("engine/memory.max", "max\n");
  testdir_put ("engine/pids.max", "max\n");
  return 0;
}

static void
limits_written_where_controllers_are (void **state)
{
  struct podsock_config cfg = { 0 };
  struct engine_cgroup cg;
  podsock_error_t err = NULL;
  char *text, procs[128];
  (void) state;

  testdir_put ("cgroup.controllers", "cpu io memory pids\n");
  cfg.engine_memory_max_bytes = 536870912;
  cfg.engine_pids_max = 1000;
  assert_int_equal (engine_cgroup_setup (&cg, testdir, "/", &cfg, &err), 0);
  assert_true (cg.memory_applied && cg.pids_applied);
  snprintf (procs, sizeof procs, "%s/engine/cgroup.procs", testdir);
  assert_string_equal (cg.procs, procs);
  text = testdir_get ("engine/memory.max");
  assert_string_equal (text, "536870912");
  free (text);
  text = testdir_get ("engine/pids.max");
  assert_string_equal (text, "1000");
  free (text);
  /* The node's processes moved to the sidecar leaf. */
  text = testdir_get ("sidecar/cgroup.procs");
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

  testdir_put ("cgroup.controllers", "cpu pids\n");
  cfg.engine_memory_max_bytes = 1 << 30;
  cfg.engine_pids_max = 77;
  assert_int_equal (engine_cgroup_setup (&cg, testdir, "/", &cfg, &err), 0);
  assert_false (cg.memory_applied);
  assert_true (cg.pids_applied);
  text = testdir_get ("engine/memory.max");
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
    cmocka_unit_test_setup_teardown (limits_written_where_controllers_are, setup, testdir_teardown),
    cmocka_unit_test_setup_teardown (missing_controller_is_not_applied, setup, testdir_teardown),
    cmocka_unit_test_setup_teardown (a_node_that_is_not_there_fails, setup, testdir_teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
