/* sidecar/gateway/containers.c: the table of the containers the gateway let
 * the engine create: lookups as docker makes them, the bind sources recorded
 * at create, AutoRemove, the removal a create of the same name waits for,
 * exec instances, and the lock under threads. */
#include "gateway/containers.h"
#include "strv.h"
#include <podsock/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

#define ID_A "aaaa1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777bbbb8888"
#define ID_B "aaaa9999bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777bbbb8888"

static struct gw_containers table;

static int
table_setup (void **state)
{
  (void) state;
  gw_containers_init (&table);
  return 0;
}

static int
table_teardown (void **state)
{
  (void) state;
  gw_containers_free (&table);
  return 0;
}

/* Two containers: ID_A named a, ID_B named b, with their AutoRemove. */
static void
add_two (const char *a, bool a_rm, const char *b, bool b_rm)
{
  gw_containers_add (&table, ID_A, a, NULL, a_rm);
  gw_containers_add (&table, ID_B, b, NULL, b_rm);
}

/* Docker's lookup order: full id, name (a name recorded with the engine's
 * leading '/' is found without it; a ref, a path segment, has none), then
 * an id prefix of 4 characters or more; exec entries are no containers. */
struct lookup
{
  const char *ref;
  bool known;
  const char *id; /* which entry it finds */
};

static void
lookups (void **state)
{
  static const struct lookup cases[] = {
    { ID_A, true, ID_A },   { ID_B, true, ID_B },   { "web", true, ID_A },   { "/web", true, ID_A },
    { "db", true, ID_B },   { "/db", false, NULL }, { "aaaa9", true, ID_B }, { "aaa", false, NULL },
    { "", false, NULL },    { "we", false, NULL },  { "bbbb", false, NULL }, { "!e1", false, NULL },
    { "job", false, NULL },
  };
  (void) state;

  add_two ("/web", false, "db", false);
  gw_containers_add_exec (&table, "e1", "job", true);
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      char id[72] = "";
      char **src = gw_containers_sources (&table, cases[i].ref, id);

      if (gw_containers_known (&table, cases[i].ref) != cases[i].known
          || (src != NULL) != cases[i].known)
        fail_msg ("'%s': known is not %d", cases[i].ref, cases[i].known);
      if (cases[i].id)
        assert_string_equal (id, cases[i].id);
      strv_free (src);
    }
  /* A prefix both share: the newest entry, as the table is newest first. */
  assert_true (gw_containers_known (&table, "aaaa"));
}

/* The sources are copied at create: what the caller does with its list
 * later changes nothing; no list reads as an empty one. */
static void
sources_are_copied (void **state)
{
  char s1[] = "/builds/job", s2[] = "/tmp/cache";
  const char *sources[] = { s1, s2, NULL };
  char **got;
  (void) state;

  gw_containers_add (&table, ID_A, "web", sources, false);
  gw_containers_add (&table, ID_B, "", NULL, false);
  s1[1] = 'X';
  got = gw_containers_sources (&table, "web", NULL);
  assert_non_null (got);
  assert_string_equal (got[0], "/builds/job");
  assert_string_equal (got[1], "/tmp/cache");
  assert_null (got[2]);
  strv_free (got);
  got = gw_containers_sources (&table, ID_B, NULL);
  assert_non_null (got);
  assert_null (got[0]);
  strv_free (got);
  /* An empty name is no name: nothing is found by "". */
  assert_false (gw_containers_known (&table, ""));
}

/* The flags: AutoRemove as created, removing, attached and started. */
static void
flags (void **state)
{
  (void) state;

  add_two ("rm", true, "keep", false);
  assert_true (gw_containers_auto_remove (&table, "rm"));
  assert_true (gw_containers_auto_remove (&table, ID_A));
  assert_false (gw_containers_auto_remove (&table, "keep"));
  assert_false (gw_containers_auto_remove (&table, "unknown"));

  assert_false (gw_containers_is_removing (&table, ID_A));
  gw_containers_set_removing (&table, "rm");
  gw_containers_set_removing (&table, "unknown"); /* no entry: nothing */
  assert_true (gw_containers_is_removing (&table, ID_A));
  assert_false (gw_containers_is_removing (&table, ID_B));

  assert_false (gw_containers_first_run (&table, "keep"));
  gw_containers_set_attached (&table, "keep");
  assert_true (gw_containers_first_run (&table, "keep"));
  gw_containers_set_started (&table, "keep");
  assert_false (gw_containers_first_run (&table, "keep"));
  gw_containers_set_started (&table, "rm");
  gw_containers_set_attached (&table, "rm");
  assert_false (gw_containers_first_run (&table, "rm"));
  assert_false (gw_containers_first_run (&table, "unknown"));
  assert_true (gw_containers_started (&table, "rm"));
  assert_false (gw_containers_started (&table, "unknown"));
}

/* An exit recorded from conmon's file is kept until the next start is
 * asked (-1), per container, and found by any ref. */
static void
exits_are_recorded_until_the_next_start (void **state)
{
  int code = -2;
  (void) state;
  add_two ("keep", false, "rm", true);
  assert_false (gw_containers_exit (&table, ID_A, &code));
  gw_containers_set_exit (&table, ID_A, 137);
  gw_containers_set_exit (&table, "unknown", 3); /* no entry: nothing */
  assert_true (gw_containers_exit (&table, "keep", &code));
  assert_int_equal (code, 137);
  assert_false (gw_containers_exit (&table, ID_B, &code));
  gw_containers_set_exit (&table, ID_B, 0);
  assert_true (gw_containers_exit (&table, "rm", &code));
  assert_int_equal (code, 0);
  gw_containers_set_exit (&table, ID_A, -1);
  assert_false (gw_containers_exit (&table, ID_A, &code));
  assert_false (gw_containers_exit (&table, "unknown", &code));
}

/* The last GW_GONE_MAX removed containers that had exited keep their
 * status, by full id only (a wait under way reads it after the removal). */
static void
exits_outlive_the_removal (void **state)
{
  char id[72];
  int code = -2;
  (void) state;
  add_two ("done", false, "never-ran", false);
  gw_containers_set_exit (&table, ID_A, 127);
  gw_containers_remove (&table, "done");
  gw_containers_remove (&table, "never-ran");
  assert_true (gw_containers_exit (&table, ID_A, &code));
  assert_int_equal (code, 127);
  assert_false (gw_containers_exit (&table, "done", &code));
  assert_false (gw_containers_exit (&table, "aaaa1111", &code));
  assert_false (gw_containers_exit (&table, ID_B, &code));
  for (int i = 0; i < GW_GONE_MAX; i++)
    {
      snprintf (id, sizeof id, "%064d", i);
      gw_containers_add (&table, id, "", NULL, false);
      gw_containers_set_exit (&table, id, i);
      gw_containers_remove (&table, id);
    }
  assert_false (gw_containers_exit (&table, ID_A, &code)); /* pushed out */
  assert_true (gw_containers_exit (&table, id, &code));
  assert_int_equal (code, GW_GONE_MAX - 1);
}

/* Readable now (and reset by reading it)? */
static bool
woken (int fd)
{
  uint64_t n;
  return read (fd, &n, sizeof n) == (ssize_t) sizeof n;
}

/* Exit waits are woken by the container's exit, attach, start and
 * removal, not by another container's; unwatching wakes
 * gw_containers_wait_unwatched; an unknown container or a full list gives
 * no watch. */
static void
watchers_are_woken (void **state)
{
  int fds[GW_WATCHERS_MAX], other;
  long t0;
  (void) state;
  add_two ("web", false, "db", false);
  for (int i = 0; i < GW_WATCHERS_MAX; i++)
    assert_true ((fds[i] = gw_containers_watch_exit (&table, "web")) >= 0);
  assert_int_equal (gw_containers_watch_exit (&table, "web"), -1);
  assert_int_equal (gw_containers_watch_exit (&table, "unknown"), -1);
  other = gw_containers_watch_exit (&table, "db");
  assert_false (woken (fds[0]));
  gw_containers_set_exit (&table, "db", 1);
  assert_false (woken (fds[0]));
  assert_true (woken (other));
  gw_containers_set_exit (&table, "web", 127);
  assert_true (woken (fds[0]) && woken (fds[GW_WATCHERS_MAX - 1]));
  gw_containers_set_exit (&table, "web", -1); /* a start asked: nothing to read yet */
  assert_false (woken (fds[0]));
  gw_containers_set_started (&table, "web");
  assert_true (woken (fds[1]));
  t0 = monotonic_now_ms ();
  gw_containers_wait_unwatched (&table, "web", 60);
  assert_true (monotonic_now_ms () - t0 >= 55);
  for (int i = 1; i < GW_WATCHERS_MAX; i++)
    gw_containers_unwatch_exit (&table, "web", fds[i]);
  gw_containers_remove (&table, "web");
  assert_true (woken (fds[0]));
  gw_containers_unwatch_exit (&table, "web", fds[0]); /* gone: only closed */
  t0 = monotonic_now_ms ();
  gw_containers_wait_unwatched (&table, "web", 5000);
  assert_true (monotonic_now_ms () - t0 < 2500);
  gw_containers_unwatch_exit (&table, "db", other);
  gw_containers_unwatch_exit (&table, "db", -1);
}

/* Remove forgets the entry (by any ref); an unknown ref changes nothing. */
static void
remove_forgets (void **state)
{
  (void) state;

  add_two ("web", true, "db", false);
  gw_containers_remove (&table, "nothing");
  assert_int_equal (table.n, 2);
  gw_containers_remove (&table, "aaaa1");
  assert_false (gw_containers_known (&table, "web"));
  assert_false (gw_containers_auto_remove (&table, ID_A));
  assert_true (gw_containers_known (&table, "db"));
  assert_int_equal (table.n, 1);
  gw_containers_remove (&table, "db");
  assert_int_equal (table.n, 0);
  assert_null (table.head);
}

/* A job that never removes its containers: the oldest go past the limit. */
static void
oldest_go_past_the_limit (void **state)
{
  char id[32];
  (void) state;

  for (int i = 0; i <= GW_CONTAINERS_MAX; i++)
    {
      snprintf (id, sizeof id, "id%08d", i);
      gw_containers_add (&table, id, NULL, NULL, false);
    }
  assert_int_equal (table.n, GW_CONTAINERS_MAX);
  assert_false (gw_containers_known (&table, "id00000000"));
  assert_true (gw_containers_known (&table, "id00000001"));
  snprintf (id, sizeof id, "id%08d", GW_CONTAINERS_MAX);
  assert_true (gw_containers_known (&table, id));
}

/* Exec instances: taken once, with the container and the user flag. */
static void
exec_instances (void **state)
{
  char out[256] = "unchanged";
  (void) state;

  gw_containers_add_exec (&table, "e-other", "web", true);
  gw_containers_add_exec (&table, "e-root", "db", false);
  assert_false (gw_containers_known (&table, "web"));
  assert_int_equal (gw_containers_take_exec (&table, "e-unknown", out), 0);
  assert_string_equal (out, "unchanged");
  assert_int_equal (gw_containers_take_exec (&table, "e-other", out), 1);
  assert_string_equal (out, "web");
  assert_int_equal (gw_containers_take_exec (&table, "e-other", out), 0);
  assert_int_equal (gw_containers_take_exec (&table, "e-root", out), 0);
  assert_string_equal (out, "db");
  assert_int_equal (table.n, 0);
}

struct delayed_remove
{
  const char *ref;
  useconds_t after_us;
};

static void *
remove_later (void *arg)
{
  const struct delayed_remove *d = arg;
  usleep (d->after_us);
  gw_containers_remove (&table, d->ref);
  return NULL;
}

/* A create of a name that is being removed waits for the removal, on
 * another thread; it gives up at its timeout; other names do not wait. */
static void
wait_name_waits_for_the_removal (void **state)
{
  struct delayed_remove d = { ID_A, 100000 };
  pthread_t th;
  long t0;
  (void) state;

  add_two ("/web", true, "db", true);
  gw_containers_set_removing (&table, "web");
  t0 = monotonic_now_ms ();
  assert_true (gw_containers_wait_name (&table, "db", 5000));
  assert_true (gw_containers_wait_name (&table, "other", 5000));
  assert_true (monotonic_now_ms () - t0 < 2500); /* no wait: they would take 5 s */

  t0 = monotonic_now_ms ();
  assert_false (gw_containers_wait_name (&table, "web", 60));
  assert_true (monotonic_now_ms () - t0 >= 55);

  assert_int_equal (pthread_create (&th, NULL, remove_later, &d), 0);
  t0 = monotonic_now_ms ();
  assert_true (gw_containers_wait_name (&table, "/web", 5000));
  assert_true (monotonic_now_ms () - t0 >= 90);
  assert_true (monotonic_now_ms () - t0 < 4000);
  pthread_join (th, NULL);
  assert_false (gw_containers_known (&table, "web"));
}

#define THREADS 4
#define PER_THREAD 300

static void *
add_and_remove (void *arg)
{
  int base = (int) (intptr_t) arg;
  char id[32], name[32];

  for (int i = 0; i < PER_THREAD; i++)
    {
      snprintf (id, sizeof id, "t%d-id-%06d", base, i);
      snprintf (name, sizeof name, "t%d-%d", base, i);
      gw_containers_add (&table, id, name, NULL, i % 2);
      gw_containers_set_removing (&table, name);
      if (i % 3 == 0)
        gw_containers_remove (&table, name);
    }
  return NULL;
}

/* Threads adding, marking and removing at once: every entry is counted and
 * found once (run it under ASan/TSan to see the lock at work). */
static void
threads_share_the_table (void **state)
{
  pthread_t th[THREADS];
  size_t want = 0;
  (void) state;

  for (intptr_t i = 0; i < THREADS; i++)
    assert_int_equal (pthread_create (&th[i], NULL, add_and_remove, (void *) i), 0);
  for (int i = 0; i < THREADS; i++)
    pthread_join (th[i], NULL);
  for (int i = 0; i < PER_THREAD; i++)
    want += i % 3 != 0;
  assert_int_equal (table.n, want * THREADS);
  assert_true (gw_containers_is_removing (&table, "t2-id-000001"));
  assert_true (gw_containers_auto_remove (&table, "t3-1"));
  assert_false (gw_containers_known (&table, "t0-3"));
}

TEST_MAIN_FIXTURES (table_setup, table_teardown, lookups, sources_are_copied, flags, remove_forgets,
                    oldest_go_past_the_limit, exec_instances, wait_name_waits_for_the_removal,
                    threads_share_the_table, exits_are_recorded_until_the_next_start,
                    exits_outlive_the_removal, watchers_are_woken)
