/* lib/storagedir.c: layout, ownership, the shared cache volume. */
#include <podsock/storagedir.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "testdir.h"

static void
pod_ids (void **state)
{
  podsock_error_t err = NULL;
  (void) state;
  assert_int_equal (storagedir_check_pod_id ("runner-abc-project-1-concurrent-0-x1y2", &err), 0);
  assert_int_equal (storagedir_check_pod_id ("", &err), -1);
  assert_int_equal (storagedir_check_pod_id (NULL, &err), -1);
  assert_int_equal (storagedir_check_pod_id ("../etc", &err), -1);
  assert_int_equal (storagedir_check_pod_id ("a/b", &err), -1);
  assert_int_equal (storagedir_check_pod_id ("Upper", &err), -1);
  assert_int_equal (storagedir_check_pod_id (".hidden", &err), -1);
  assert_non_null (strstr (err->msg, "POD_NAME"));
  podsock_error_free (&err);
}

static void
private_volume (void **state)
{
  struct storagedir_layout l;
  struct storagedir_report r;
  podsock_error_t err = NULL;
  char storage[128];
  struct stat st;
  (void) state;
  snprintf (storage, sizeof storage, "%s/storage", testdir);
  assert_int_equal (storagedir_layout (storage, STORAGEDIR_AUTO, NULL, &l, &err), 0);
  assert_false (l.shared);
  assert_string_equal (l.graphroot, storage);
  assert_int_equal (storagedir_prepare (&l, storage, &r, &err), 0);
  assert_true (r.created);
  assert_int_equal (stat (storage, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0700);
  assert_int_equal (st.st_uid, geteuid ());
  /* Again: same result. */
  assert_int_equal (storagedir_prepare (&l, storage, &r, &err), 0);
  assert_false (r.created);
  assert_int_equal (storagedir_hold_lock (&l, &err), 0);
}

static void
shared_volume (void **state)
{
  struct storagedir_layout a, b, again;
  struct storagedir_report r;
  podsock_error_t err = NULL;
  char path[256];
  struct stat st;
  int fd;
  (void) state;
  assert_int_equal (storagedir_layout (testdir, STORAGEDIR_SHARED, NULL, &a, &err), -1);
  assert_non_null (strstr (err->msg, "POD_NAME"));
  podsock_error_free (&err);
  assert_int_equal (storagedir_layout (testdir, STORAGEDIR_SHARED, "pod-a", &a, &err), 0);
  assert_int_equal (storagedir_prepare (&a, testdir, &r, &err), 0);
  snprintf (path, sizeof path, "%s/pods/pod-a", testdir);
  assert_string_equal (a.graphroot, path);
  snprintf (path, sizeof path, "%s/shared", testdir);
  assert_string_equal (a.imagestore, path);
  assert_int_equal (stat (path, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0755);
  /* Pod b finds the mode by itself: STORAGE/shared exists. */
  assert_int_equal (storagedir_layout (testdir, STORAGEDIR_AUTO, "pod-b", &b, &err), 0);
  assert_true (b.shared);
  fd = storagedir_hold_lock (&a, &err);
  assert_true (fd > 0);
  /* A second holder of the same pod's lock is refused (another process:
   * flock locks belong to the open file description). */
  if (fork () == 0)
    _exit (storagedir_hold_lock (&a, NULL) < 0 ? 0 : 1);
  {
    int st2;
    wait (&st2);
    assert_int_equal (WEXITSTATUS (st2), 0);
  }
  assert_int_equal (storagedir_prepare (&b, testdir, &r, &err), 0);
  assert_int_equal (r.stale_live, 1);
  assert_int_equal (r.stale_moved, 0);
  close (fd);
  /* a's lock is free now, but a was prepared just now: not stale yet. */
  assert_int_equal (storagedir_prepare (&b, testdir, &r, &err), 0);
  assert_int_equal (r.stale_moved, 0);
  /* Two hours later a is stale and goes to trash; b stays. */
  {
    char cmd[4300];
    snprintf (cmd, sizeof cmd, "touch -d '2 hours ago' '%s'", a.lock);
    assert_int_equal (system (cmd), 0);
  }
  assert_int_equal (storagedir_prepare (&b, testdir, &r, &err), 0);
  assert_int_equal (r.stale_moved, 1);
  assert_int_equal (stat (a.graphroot, &st), -1);
  assert_int_equal (stat (b.graphroot, &st), 0);
  snprintf (path, sizeof path, "test -n \"$(ls -d '%s'/trash/pod-a.*)\"", testdir);
  assert_int_equal (system (path), 0);
  assert_int_equal (storagedir_layout (testdir, STORAGEDIR_AUTO, "pod-b", &again, &err), 0);
  assert_string_equal (again.graphroot, b.graphroot);
}

/* The writer pod: its graphroot is the shared image store, one at a time. */
static void
writer_volume (void **state)
{
  struct storagedir_layout w, reader;
  struct storagedir_report r;
  podsock_error_t err = NULL;
  enum storagedir_mode mode;
  char path[256];
  struct stat st;
  int fd;
  (void) state;
  assert_int_equal (storagedir_mode_parse ("writer", &mode, &err), 0);
  assert_int_equal (mode, STORAGEDIR_WRITER);
  assert_string_equal (storagedir_mode_name (mode), "writer");
  assert_int_equal (storagedir_mode_parse ("auto", &mode, &err), 0);
  assert_int_equal (mode, STORAGEDIR_AUTO);
  assert_int_equal (storagedir_mode_parse ("1", &mode, &err), 0);
  assert_string_equal (storagedir_mode_name (mode), "true");
  assert_int_equal (storagedir_mode_parse ("yes", &mode, &err), -1);
  assert_string_equal (err->msg, "'yes' is not one of auto, true, false, writer");
  podsock_error_free (&err);

  /* No pod name needed: the writer's graphroot is STORAGE/shared. */
  assert_int_equal (storagedir_layout (testdir, STORAGEDIR_WRITER, NULL, &w, &err), 0);
  assert_true (w.shared && w.writer);
  snprintf (path, sizeof path, "%s/shared", testdir);
  assert_string_equal (w.graphroot, path);
  assert_string_equal (w.imagestore, "");
  snprintf (path, sizeof path, "%s/shared.lock", testdir);
  assert_string_equal (w.lock, path);
  /* An fsGroup volume: the store must not inherit the setgid bit. */
  assert_int_equal (chmod (testdir, 02777), 0);
  assert_int_equal (storagedir_prepare (&w, testdir, &r, &err), 0);
  assert_true (r.created);
  assert_int_equal (stat (w.graphroot, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0755);
  /* Readers find the store and read it beside their own graphroots. */
  assert_int_equal (storagedir_layout (testdir, STORAGEDIR_AUTO, "pod-r", &reader, &err), 0);
  assert_true (reader.shared && !reader.writer);
  assert_string_equal (reader.imagestore, w.graphroot);
  /* A second writer while the first runs: init and sidecar refuse it. */
  fd = storagedir_hold_lock (&w, &err);
  assert_true (fd > 0);
  if (fork () == 0)
    {
      podsock_error_t e2 = NULL;
      int ok = storagedir_hold_lock (&w, &e2) < 0 && strstr (e2->msg, "one writer pod at a time");
      _exit (ok ? 0 : 1);
    }
  {
    int st2;
    wait (&st2);
    assert_int_equal (WEXITSTATUS (st2), 0);
  }
  if (fork () == 0)
    {
      podsock_error_t e2 = NULL;
      int ok
          = storagedir_prepare (&w, testdir, &r, &e2) < 0 && strstr (e2->msg, "another pod writes");
      _exit (ok ? 0 : 1);
    }
  {
    int st2;
    wait (&st2);
    assert_int_equal (WEXITSTATUS (st2), 0);
  }
  close (fd);
  assert_int_equal (storagedir_prepare (&w, testdir, &r, &err), 0);
  assert_false (r.created);
}

static void
refuses_foreign_directory (void **state)
{
  struct storagedir_layout l;
  struct storagedir_report r;
  podsock_error_t err = NULL;
  char storage[128];
  (void) state;
  if (geteuid () != 0)
    skip ();
  snprintf (storage, sizeof storage, "%s/storage", testdir);
  assert_int_equal (mkdir (storage, 0700), 0);
  assert_int_equal (chown (storage, 4321, 4321), 0);
  assert_int_equal (chmod (testdir, 0755), 0);
  /* As uid 1234 (a child), the directory of uid 4321 is refused. */
  if (fork () == 0)
    {
      if (setresgid (1234, 1234, 1234) < 0 || setresuid (1234, 1234, 1234) < 0)
        _exit (3);
      if (storagedir_layout (storage, STORAGEDIR_PRIVATE, NULL, &l, &err) < 0)
        _exit (4);
      /* Not ours: the graphroot is a directory of ours inside it... which
       * we cannot create in a 0700 directory of someone else. */
      if (storagedir_prepare (&l, storage, &r, &err) == 0)
        _exit (5);
      _exit (strstr (err->msg, "not writable by uid 1234") && strstr (err->msg, "fsGroup") ? 0 : 6);
    }
  {
    int st;
    wait (&st);
    assert_int_equal (WEXITSTATUS (st), 0);
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (pod_ids),
    cmocka_unit_test_setup_teardown (private_volume, testdir_setup, testdir_teardown),
    cmocka_unit_test_setup_teardown (shared_volume, testdir_setup, testdir_teardown),
    cmocka_unit_test_setup_teardown (writer_volume, testdir_setup, testdir_teardown),
    cmocka_unit_test_setup_teardown (refuses_foreign_directory, testdir_setup, testdir_teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
