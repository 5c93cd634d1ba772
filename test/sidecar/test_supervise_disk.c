/* sidecar/supervise_disk.c: when a disk watchdog round starts (in its real
 * child), and what its result does to the supervisor and the status file. */
#include "supervisor.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "../common/testdir.h"
#include "../common/testutil.h"
#include "supervfix.h"

enum
{
  NO_WATCHDOG,
  NO_LIMIT,
  ROUND_RUNNING,
  STOPPING,
  NO_ENGINE,
  TOO_SOON,
  DUE,
};

static const char *const conditions[]
    = { "no watchdog", "no size limit",      "a round running",
        "stopping",    "podman not running", "the last round too recent",
        "due" };

/* The fixture with a watchdog over testdir/g, limit 1 MiB, in condition c. */
static void
arrange (struct fixture *f, struct watchdog_params *w, int c)
{
  fixture_init (f);
  f->cfg.storage_limit_bytes = c == NO_LIMIT ? 0 : 1 << 20;
  f->cfg.high_watermark_pct = 90;
  f->cfg.low_watermark_pct = 70;
  *w = (struct watchdog_params){ &f->cfg, path_in (testdir, "g"), "/nonexistent.sock", testdir };
  f->p.watchdog = c == NO_WATCHDOG ? NULL : w;
  f->s.watcher = c == ROUND_RUNNING ? 1 : 0;
  f->s.stopping = c == STOPPING;
  f->e.pid = c == NO_ENGINE ? 0 : spawn ("exec sleep 30");
  f->s.last_round_ms = c == TOO_SOON ? monotonic_now_ms () - 4000 : 0;
}

/* A round starts only when due; its result comes back through the pipe
 * into the supervisor and the status file. */
static void
round_starts_only_when_due (void **state)
{
  (void) state;
  assert_int_equal (mkdir (path_in (testdir, "g"), 0755), 0);
  testdir_put ("g/layer", "bytes");
  for (int c = NO_WATCHDOG; c <= DUE; c++)
    {
      struct fixture f;
      struct watchdog_params w;
      pid_t watcher;
      arrange (&f, &w, c);
      supervisor_start_disk_round (&f.s);
      watcher = f.s.watcher;
      if ((c == DUE) != (watcher > 0 && f.s.watch_fd >= 0) || (c != DUE && watcher > 1))
        fail_msg ("%s: watcher %d, fd %d", conditions[c], (int) watcher, f.s.watch_fd);
      if (c == DUE)
        {
          struct podsock_status st;
          assert_true (f.s.last_round_ms > 0);
          wait_exited (watcher);
          supervisor_finish_disk_round (&f.s);
          assert_int_equal (f.s.watch_fd, -1);
          assert_int_equal (f.s.disk.used_after, watchdog_disk_usage (w.graphroot));
          assert_false (f.s.disk.pruned);
          assert_int_equal (f.s.last_prune_ms, 0);
          st = fixture_status (&f);
          assert_int_equal (st.disk_used_bytes, (int64_t) f.s.disk.used_after);
          assert_int_equal (st.disk_limit_bytes, 1 << 20);
          assert_int_equal (waitpid (watcher, NULL, 0), watcher);
        }
      fixture_release (&f);
    }
}

/* A round that pruned: when is recorded; a round without result changes
 * nothing but closes its pipe. */
static void
finished_rounds (void **state)
{
  struct watchdog_result r = { .used_before = 3 << 20, .used_after = 2 << 20, .pruned = 1 };
  struct fixture f;
  struct watchdog_params w;
  int fds[2];
  int64_t before = realtime_now_ms ();
  (void) state;
  arrange (&f, &w, DUE);
  assert_int_equal (pipe (fds), 0);
  assert_int_equal (write (fds[1], &r, sizeof r), (ssize_t) sizeof r);
  f.s.watch_fd = fds[0];
  supervisor_finish_disk_round (&f.s);
  assert_true (f.s.last_prune_ms >= before);
  assert_int_equal (f.s.disk.used_before, 3 << 20);
  assert_int_equal (fixture_status (&f).last_prune_ms, f.s.last_prune_ms);
  assert_int_equal (fixture_status (&f).disk_used_bytes, 2 << 20);
  assert_int_equal (f.s.watch_fd, -1);
  close (fds[1]);
  assert_int_equal (pipe (fds), 0);
  close (fds[1]);
  f.s.watch_fd = fds[0];
  f.s.last_prune_ms = 0;
  supervisor_finish_disk_round (&f.s);
  assert_int_equal (f.s.last_prune_ms, 0);
  assert_int_equal (f.s.disk.used_after, 2 << 20);
  assert_int_equal (f.s.watch_fd, -1);
  fixture_release (&f);
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, round_starts_only_when_due, finished_rounds)
