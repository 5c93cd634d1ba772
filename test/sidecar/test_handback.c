/* sidecar/handback.c: the tree walk, run as root here (the engine's user
 * namespace gives the pod user the same powers over its mapped IDs).  The
 * real thing with podman: test/init/handback_nested.sh. */
#include "handback.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static char top[64];

static int
setup (void **state)
{
  (void) state;
  strcpy (top, "/tmp/podsock-handback-XXXXXX");
  return mkdtemp (top) ? 0 : -1;
}

static int
teardown (void **state)
{
  char cmd[256];
  (void) state;
  snprintf (cmd, sizeof cmd, "umount '%s/tree/mnt' 2>/dev/null; rm -rf '%s'", top, top);
  return system (cmd) == 0 ? 0 : -1;
}

static void
make (const char *rel, mode_t mode, uid_t uid, gid_t gid, int dir)
{
  char path[256];
  int fd;
  snprintf (path, sizeof path, "%s/%s", top, rel);
  if (dir)
    assert_int_equal (mkdir (path, mode), 0);
  else
    {
      fd = open (path, O_CREAT | O_WRONLY | O_CLOEXEC, mode);
      assert_true (fd >= 0);
      close (fd);
    }
  assert_int_equal (lchown (path, uid, gid), 0);
  assert_int_equal (chmod (path, mode), 0);
}

static struct stat
st_of (const char *rel)
{
  char path[256];
  struct stat st;
  snprintf (path, sizeof path, "%s/%s", top, rel);
  assert_int_equal (lstat (path, &st), 0);
  return st;
}

static void
hands_back_subordinate_entries (void **state)
{
  struct handback_spec spec = { NULL, 100000, 165535, 1500, 1500, 1 };
  struct handback_report r;
  podsock_error_t err = NULL;
  char tree[128], link[256];
  (void) state;
  if (geteuid () != 0)
    skip ();
  snprintf (tree, sizeof tree, "%s/tree", top);
  spec.dir = tree;
  make ("tree", 0777, 1600, 1700, 1);         /* the project dir: the job's */
  make ("tree/out", 0700, 101233, 101233, 1); /* container uid 1234, private */
  make ("tree/out/data.txt", 0600, 101233, 101233, 0);
  make ("tree/out/run.sh", 04750, 101233, 101233, 0); /* setuid: dropped by chown */
  make ("tree/root.txt", 0644, 1500, 1500, 0);        /* container root: only widened */
  make ("tree/job.txt", 0600, 1600, 1700, 0);         /* the job's own: untouched */
  make ("outside.txt", 0600, 101233, 101233, 0);      /* reached only through a symlink */
  snprintf (link, sizeof link, "%s/tree/out/link", top);
  assert_int_equal (symlink ("../../outside.txt", link), 0);
  assert_int_equal (lchown (link, 101233, 101233), 0);

  assert_int_equal (handback_tree (&spec, &r, &err), 0);
  assert_int_equal (r.scanned, 6);
  assert_int_equal (r.chowned, 4); /* out, data.txt, run.sh, link */
  assert_int_equal (r.failed, 0);
  assert_int_equal (st_of ("tree/out").st_uid, 1500);
  assert_int_equal (st_of ("tree/out").st_mode & 07777, 0777);
  assert_int_equal (st_of ("tree/out/data.txt").st_mode & 07777, 0666);
  assert_int_equal (st_of ("tree/out/run.sh").st_mode & 07777, 0777);
  assert_int_equal (st_of ("tree/out/link").st_uid, 1500);
  assert_int_equal (st_of ("tree/root.txt").st_mode & 07777, 0666);
  assert_int_equal (st_of ("tree/job.txt").st_uid, 1600);
  assert_int_equal (st_of ("tree/job.txt").st_mode & 07777, 0600);
  assert_int_equal (st_of ("tree").st_uid, 1600);
  /* The symlink's target is not followed. */
  assert_int_equal (st_of ("outside.txt").st_uid, 101233);
  assert_int_equal (st_of ("outside.txt").st_mode & 07777, 0600);
  /* Twice: nothing more to do. */
  assert_int_equal (handback_tree (&spec, &r, &err), 0);
  assert_int_equal (r.chowned, 0);
  assert_int_equal (r.widened, 0);
}

static void
does_not_cross_file_systems (void **state)
{
  char tree[128], cmd[1024];
  (void) state;
  if (geteuid () != 0)
    skip ();
  snprintf (tree, sizeof tree, "%s/tree", top);
  make ("tree", 0777, 1600, 1700, 1);
  make ("tree/mnt", 0755, 0, 0, 1);
  snprintf (cmd, sizeof cmd,
            "unshare --mount sh -c \"mount -t tmpfs t '%s/mnt' && touch '%s/mnt/f' && chown "
            "101000 '%s/mnt/f' && '/proc/%d/exe' --walk '%s'\"",
            tree, tree, tree, (int) getpid (), tree);
  /* The walk itself runs in the child that sees the mount: */
  assert_int_equal (system (cmd), 0);
}

static void
bad_pause_pid_and_missing_dir (void **state)
{
  struct handback_spec spec = { "/nonexistent/tree", 1, 65536, 0, 0, 1 };
  struct handback_report r;
  podsock_error_t err = NULL;
  char rt[128], cmd[512];
  pid_t pid;
  (void) state;
  assert_int_equal (handback_tree (&spec, &r, &err), -1);
  assert_non_null (strstr (err->msg, "/nonexistent/tree"));
  assert_int_equal (handback_pause_pid ("/nonexistent", &pid, &err), -1);
  assert_non_null (strstr (err->msg, "has podman started"));
  snprintf (rt, sizeof rt, "%s/rt", top);
  snprintf (cmd, sizeof cmd, "mkdir -p '%s/libpod/tmp' && printf 12x > '%s/libpod/tmp/pause.pid'",
            rt, rt);
  assert_int_equal (system (cmd), 0);
  assert_int_equal (handback_pause_pid (rt, &pid, &err), -1);
  assert_non_null (strstr (err->msg, "not a process id"));
  snprintf (cmd, sizeof cmd, "printf 4242 > '%s/libpod/tmp/pause.pid'", rt);
  assert_int_equal (system (cmd), 0);
  assert_int_equal (handback_pause_pid (rt, &pid, &err), 0);
  assert_int_equal (pid, 4242);
  /* No such process: the child cannot join its namespace. */
  assert_int_equal (handback_in_userns (999999999, top, 1, &r, &err), -1);
  assert_non_null (strstr (err->msg, "join the user namespace of process 999999999"));
  podsock_error_free (&err);
}

/* Helper mode for does_not_cross_file_systems: walk and check counts. */
static int
walk_mode (const char *tree)
{
  struct handback_spec spec = { tree, 100000, 165535, 1500, 1500, 1 };
  struct handback_report r;
  podsock_error_t err = NULL;
  if (handback_tree (&spec, &r, &err) < 0)
    return 2;
  /* mnt is seen but not entered: f keeps its owner. */
  return r.other_fs == 1 && r.chowned == 0 ? 0 : 1;
}

int
main (int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (hands_back_subordinate_entries, setup, teardown),
    cmocka_unit_test_setup_teardown (does_not_cross_file_systems, setup, teardown),
    cmocka_unit_test_setup_teardown (bad_pause_pid_and_missing_dir, setup, teardown),
  };
  if (argc == 3 && strcmp (argv[1], "--walk") == 0)
    return walk_mode (argv[2]);
  return cmocka_run_group_tests (tests, NULL, NULL);
}
