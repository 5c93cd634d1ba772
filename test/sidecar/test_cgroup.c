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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "testdir.h"
#include "testutil.h"

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

/* The node offers controllers; engine_cgroup_setup asks for the limits. */
static void
set_up_engine (struct engine_cgroup *cg, const char *controllers, uint64_t memory_max,
               uint64_t pids_max)
{
  struct podsock_config cfg = { 0 };
  podsock_error_t err = NULL;

  testdir_put ("cgroup.controllers", controllers);
  cfg.engine_memory_max_bytes = memory_max;
  cfg.engine_pids_max = pids_max;
  if (engine_cgroup_setup (cg, testdir, "/", &cfg, &err) != 0)
    fail_msg ("%s", err->msg);
}

/* The scratch file rel holds want. */
static void
expect_text (const char *rel, const char *want)
{
  char *text = testdir_get (rel);
  assert_string_equal (text, want);
  free (text);
}

static void
limits_written_where_controllers_are (void **state)
{
  struct engine_cgroup cg;
  (void) state;

  set_up_engine (&cg, "cpu io memory pids\n", 536870912, 1000);
  assert_true (cg.memory_applied && cg.pids_applied);
  assert_string_equal (cg.procs, path_in (testdir, "engine/cgroup.procs"));
  expect_text ("engine/memory.max", "536870912");
  expect_text ("engine/pids.max", "1000");
  /* The node's processes moved to the sidecar leaf. */
  expect_text ("sidecar/cgroup.procs", "4242");
  engine_cgroup_release (&cg);
}

static void
missing_controller_is_not_applied (void **state)
{
  struct engine_cgroup cg;
  (void) state;

  set_up_engine (&cg, "cpu pids\n", 1 << 30, 77);
  assert_false (cg.memory_applied);
  assert_true (cg.pids_applied);
  expect_text ("engine/memory.max", "max\n");
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

TEST_MAIN_FIXTURES (setup, testdir_teardown, limits_written_where_controllers_are,
                    missing_controller_is_not_applied, a_node_that_is_not_there_fails)
