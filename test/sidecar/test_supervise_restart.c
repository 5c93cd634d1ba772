/* sidecar/supervise_restart.c: the backoff between restarts of podman, the
 * restart window, giving up, and no restart once stopping. */
#include "supervisor.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../common/testdir.h"
#include "../common/testutil.h"
#include "supervfix.h"

/* Restarts so far in the window -> the delay before the next one. */
static const struct
{
  unsigned before;
  long delay_ms;
} backoff[] = {
  { 0, 500 }, { 1, 1000 }, { 2, 2000 }, { 3, 4000 }, { 4, 8000 }, { 5, 16000 }, { 9, 16000 },
};

static void
backoff_doubles_up_to_16_s (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (backoff); i++)
    {
      struct fixture f;
      struct podsock_status st;
      int64_t now;
      long left;
      fixture_init (&f);
      f.cfg.restart_max = 100;
      f.s.window_restarts = backoff[i].before;
      f.s.exit_status = 3;
      now = realtime_now_ms ();
      supervisor_schedule_restart (&f.s);
      left = timer_left_ms (f.s.restartfd);
      if (left > backoff[i].delay_ms || left < backoff[i].delay_ms - 200)
        fail_msg ("after %u restarts: next in %ld ms, expected %ld", backoff[i].before, left,
                  backoff[i].delay_ms);
      assert_true (f.s.restart_pending);
      assert_false (f.s.gave_up);
      assert_int_equal (f.s.window_restarts, backoff[i].before + 1);
      st = fixture_status (&f);
      assert_int_equal (st.state, PODSOCK_STATE_RESTARTING);
      /* The probe's liveness allows the backoff and 30 s of start-up. */
      assert_true (st.backoff_until_ms >= now + backoff[i].delay_ms + 30000);
      assert_true (st.backoff_until_ms <= realtime_now_ms () + backoff[i].delay_ms + 30000);
      fixture_release (&f);
    }
}

/* restart_max (5) crashes within the window (60 s) end the sidecar; older
 * ones do not count, a new window starts. */
static const struct
{
  const char *what;
  unsigned before;   /* restarts so far in the window */
  long window_age_s; /* when the window started */
  int gave_up;
  unsigned after; /* restarts in the window afterwards */
  long delay_ms;  /* until the next start, 0: none */
} windows[] = {
  { "the fifth restart", 4, 30, 0, 5, 8000 },
  { "the sixth crash within 60 s", 5, 30, 1, 5, 0 },
  { "a crash after the window", 5, 61, 0, 1, 500 },
};

static void
restart_window (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (windows); i++)
    {
      struct fixture f;
      struct podsock_status st;
      long left;
      fixture_init (&f);
      f.s.window_restarts = windows[i].before;
      f.s.window_start_ms = monotonic_now_ms () - windows[i].window_age_s * 1000;
      f.s.exit_status = 2;
      supervisor_schedule_restart (&f.s);
      left = timer_left_ms (f.s.restartfd);
      st = fixture_status (&f);
      if (f.s.gave_up != windows[i].gave_up || f.s.restart_pending == windows[i].gave_up
          || f.s.window_restarts != windows[i].after || left > windows[i].delay_ms
          || left < windows[i].delay_ms - 200)
        fail_msg ("%s: gave up %d, %u in the window, next in %ld ms", windows[i].what, f.s.gave_up,
                  f.s.window_restarts, left);
      assert_int_equal (st.state,
                        windows[i].gave_up ? PODSOCK_STATE_FAILED : PODSOCK_STATE_RESTARTING);
      if (windows[i].gave_up)
        assert_string_equal (st.reason, "podman exited with status 2 and has crashed 6 times "
                                        "within 60 s; giving up (its output above says why)");
      fixture_release (&f);
    }
}

static void
no_restart_while_stopping (void **state)
{
  struct fixture f;
  (void) state;
  fixture_init (&f);
  f.s.restart_pending = 1;
  f.s.stopping = 1;
  supervisor_restart_engine (&f.s);
  assert_false (f.s.restart_pending);
  assert_int_equal (f.e.pid, 0);
  assert_int_equal (f.s.restarts, 0);
  assert_int_equal (f.e.out_fd, -1);
  fixture_release (&f);
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, backoff_doubles_up_to_16_s, restart_window,
                    no_restart_while_stopping)
