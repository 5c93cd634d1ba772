/* sidecar/gateway/ownership.c: when a container ends, the bind sources
 * under the builds path that the gateway recorded at its create are handed
 * back to the pod user; other sources are left alone, and a failure is
 * logged.  Real files, really chowned (as root of a hostUsers: false pod,
 * where everything goes to the owner of the source directory). */
#include "gateway/internal.h"
#include <podsock/log.h>
#include <podsock/util.h>

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
#include "gwpeer.h"

#define POD_UID 1000
#define NESTED_UID 101233

static struct gateway g;
static char builds[128];

static const char *
at (const char *rel)
{
  static char buf[4][384];
  static int next;
  char *p = buf[next++ % 4];
  snprintf (p, sizeof buf[0], "%s/%s", testdir, rel);
  return p;
}

/* rel/ owned by the pod user with rel/file in it owned by a nested user. */
static void
make_tree (const char *rel)
{
  char file[128];
  snprintf (file, sizeof file, "%s/file", rel);
  assert_int_equal (mkdir (at (rel), 0755), 0);
  assert_int_equal (chown (at (rel), POD_UID, POD_UID), 0);
  testdir_put (file, "written by a nested user");
  assert_int_equal (chown (at (file), NESTED_UID, NESTED_UID), 0);
}

static uid_t
file_owner (const char *rel)
{
  struct stat st;
  char file[128];
  snprintf (file, sizeof file, "%s/file", rel);
  assert_int_equal (lstat (at (file), &st), 0);
  return st.st_uid;
}

static int
setup (void **state)
{
  if (geteuid () != 0)
    return 0; /* each test skips */
  if (testdir_setup (state) < 0)
    return -1;
  memset (&g, 0, sizeof g);
  gw_containers_init (&g.containers);
  snprintf (builds, sizeof builds, "%s/builds", testdir);
  g.o.handback = 1;
  g.o.builds_dir = builds;
  g.o.root_in_userns = 1;
  assert_int_equal (mkdir (builds, 0755), 0);
  make_tree ("builds/proj");
  make_tree ("builds2");
  make_tree ("other");
  log_capture ();
  return 0;
}

static int
teardown (void **state)
{
  if (geteuid () != 0)
    return 0;
  gw_containers_free (&g.containers);
  log_release ();
  return testdir_teardown (state);
}

static void
need_root (void)
{
  if (geteuid () != 0)
    skip (); /* chown to another user needs root (CAP_CHOWN) */
}

/* Records container ref with the tree's sources. */
static void
add_container (const char *id, const char *name)
{
  const char *sources[] = { at ("builds/proj"), at ("other"), at ("builds2"), NULL };
  gw_containers_add (&g.containers, id, name, sources, false);
}

/* Only sources under the builds path are handed back: not a sibling whose
 * name begins the same, not a path elsewhere. */
static void
hands_back_under_builds_only (void **state)
{
  cleanup_free char *log = NULL;
  (void) state;
  need_root ();

  add_container ("c0ffee00", "web");
  gateway_handback (&g, "web", "wait");
  assert_int_equal (file_owner ("builds/proj"), POD_UID);
  assert_int_equal (file_owner ("builds2"), NESTED_UID);
  assert_int_equal (file_owner ("other"), NESTED_UID);
  log = log_take ();
  assert_non_null (strstr (log, "handed files back to the pod user"));
  assert_non_null (strstr (log, "\"container\":\"c0ffee00\""));
  assert_non_null (strstr (log, "\"on\":\"wait\""));
  assert_non_null (strstr (log, "\"chowned\":\"1\""));
}

/* Nothing happens when hand-back is off, there is no builds path, the ref
 * is empty or unknown; a builds path with a trailing '/' is the same. */
struct when_nothing_is_handed_back_case
{
  int handback;
  bool builds;
  const char *ref;
};

static void
when_nothing_is_handed_back (void **state)
{
  static const struct when_nothing_is_handed_back_case cases[] = {
    { 0, true, "web" },
    { 1, false, "web" },
    { 1, true, "" },
    { 1, true, "not-ours" },
  };
  char slash[160];
  (void) state;
  need_root ();

  add_container ("c0ffee00", "web");
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      g.o.handback = cases[i].handback;
      g.o.builds_dir = cases[i].builds ? builds : NULL;
      gateway_handback (&g, cases[i].ref, "wait");
      if (file_owner ("builds/proj") != NESTED_UID)
        fail_msg ("case %zu handed back", i);
    }
  snprintf (slash, sizeof slash, "%s/", builds);
  g.o.handback = 1;
  g.o.builds_dir = slash;
  gateway_container_died (&g, "c0ffee00");
  assert_int_equal (file_owner ("builds/proj"), POD_UID);
  free (log_take ());
}

/* A source that went away: logged with its path and the consequence, the
 * call goes on to the next source. */
static void
failure_is_logged (void **state)
{
  const char *sources[] = { at ("builds/gone"), at ("builds/proj"), NULL };
  cleanup_free char *log = NULL;
  (void) state;
  need_root ();

  gw_containers_add (&g.containers, "dead0001", "", sources, false);
  assert_true (gateway_knows_container (&g, "dead0001"));
  assert_false (gateway_knows_container (&g, "dead0002"));
  gateway_container_died (&g, "dead0001");
  log = log_take ();
  assert_non_null (strstr (log, "hand-back failed: the job may not be able to change or delete"));
  assert_non_null (strstr (log, "builds/gone"));
  assert_int_equal (file_owner ("builds/proj"), POD_UID);
}

/* The end of an attach hands back its container; the end of an exec only
 * when the exec ran as another user, and only once. */
static void
stream_end_hands_back (void **state)
{
  struct conn c = { .g = &g };
  (void) state;
  need_root ();

  add_container ("c0ffee00", "web");
  gw_containers_add_exec (&g.containers, "exec-root", "web", false);
  c.x.t.route = ROUTE_EXEC_START;
  strcpy (c.x.t.id, "exec-root");
  gateway_stream_ended (&c);
  assert_int_equal (file_owner ("builds/proj"), NESTED_UID);

  gw_containers_add_exec (&g.containers, "exec-user", "web", true);
  strcpy (c.x.t.id, "exec-user");
  gateway_stream_ended (&c);
  assert_int_equal (file_owner ("builds/proj"), POD_UID);
  assert_int_equal (chown (at ("builds/proj/file"), NESTED_UID, NESTED_UID), 0);
  gateway_stream_ended (&c); /* the exec was taken */
  assert_int_equal (file_owner ("builds/proj"), NESTED_UID);

  c.x.t.route = ROUTE_ATTACH;
  strcpy (c.x.t.id, "web");
  gateway_stream_ended (&c);
  assert_int_equal (file_owner ("builds/proj"), POD_UID);
  free (log_take ());
}

TEST_MAIN_FIXTURES (setup, teardown, hands_back_under_builds_only, when_nothing_is_handed_back,
                    failure_is_logged, stream_end_hands_back)
