/* sidecar/watchdog.c: what the disk watchdog measures, and a round's
 * decisions (in its real child, over the tiny HTTP peer of httppeer.h):
 * nothing below the high watermark, the dangling prunes above it, then
 * unused images oldest first. */
#include "watchdog.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../common/testdir.h"
#include "../common/testutil.h"
#include "httppeer.h"

/* testdir/rel; two may be used in one call. */
static char *
path_of (const char *rel)
{
  static char p[2][256];
  static int next;
  next = !next;
  snprintf (p[next], sizeof p[next], "%.63s/%.180s", testdir, rel);
  return p[next];
}

static uint64_t
blocks_of (const char *rel)
{
  struct stat st;
  assert_int_equal (lstat (path_of (rel), &st), 0);
  return (uint64_t) st.st_blocks * 512;
}

/* Each inode once, links not followed, holes not counted. */
static void
disk_usage_counts_blocks (void **state)
{
  char data[65536];
  uint64_t expect;
  int fd;
  (void) state;
  memset (data, 'x', sizeof data);
  assert_int_equal (mkdir (path_of ("g"), 0755), 0);
  fd = open (path_of ("g/layer"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  assert_int_equal (write (fd, data, sizeof data), (ssize_t) sizeof data);
  assert_int_equal (fsync (fd), 0);
  close (fd);
  assert_int_equal (link (path_of ("g/layer"), path_of ("g/hardlink")), 0);
  assert_int_equal (symlink ("/usr", path_of ("g/usr")), 0);
  fd = open (path_of ("g/sparse"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  assert_int_equal (ftruncate (fd, 1 << 30), 0);
  close (fd);
  expect = blocks_of ("g") + blocks_of ("g/layer") + blocks_of ("g/usr") + blocks_of ("g/sparse");
  assert_true (blocks_of ("g/layer") >= sizeof data);
  assert_int_equal (watchdog_disk_usage (path_of ("g")), expect);
  assert_true (expect < (1 << 20));
  assert_int_equal (watchdog_disk_usage (path_of ("absent")), 0);
}

#define HEX_OLD "1111111111111111111111111111111111111111111111111111111111111111"
#define HEX_MID "2222222222222222222222222222222222222222222222222222222222222222"
#define HEX_NEW "3333333333333333333333333333333333333333333333333333333333333333"
#define IMG_USED "sha256:4444444444444444444444444444444444444444444444444444444444444444"

static const struct peer_route engine_answers[] = {
  { "POST", "/containers/prune", 200, "{\"ContainersDeleted\":[\"c1\",\"c2\",\"c3\"]}" },
  { "POST", "/images/prune", 200, "{}" },
  { "POST", "/build/prune", 200, "{}" },
  { "GET", "/images/json", 200,
    "[{\"Id\":\"sha256:" HEX_NEW "\",\"Created\":300},{\"Id\":\"" IMG_USED "\",\"Created\":50},"
    "{\"Id\":\"sha256:" HEX_OLD "\",\"Created\":100},{\"Id\":\"sha256:" HEX_MID
    "\",\"Created\":200}]" },
  { "GET", "/containers/json", 200, "[{\"ImageID\":\"" IMG_USED "\"}]" },
  { "DELETE", "/images/" HEX_MID, 409, "{\"message\":\"in use\"}" },
  { "DELETE", "/images/", 200, "[]" },
};

static const struct round_case
{
  const char *what;
  uint64_t limit_factor_pct; /* the limit, as a share of what the graphroot uses */
  enum config_prune prune;
  int pruned;
  unsigned containers, images;
  const char *asked; /* the peer's log, in order */
} rounds[] = {
  { "below the high watermark", 1000, CONFIG_PRUNE_LRU, 0, 0, 0, "" },
  { "prune off: only measured", 1, CONFIG_PRUNE_OFF, 0, 0, 0, "" },
  { "dangling only", 1, CONFIG_PRUNE_DANGLING, 1, 3, 0,
    "POST /containers/prune length=0\nPOST /images/prune length=0\nPOST /build/prune "
    "length=0\n" },
  { "then unused images, oldest first", 1, CONFIG_PRUNE_LRU, 1, 3, 2,
    "POST /containers/prune length=0\nPOST /images/prune length=0\nPOST /build/prune "
    "length=0\nGET /images/json length=-1\nGET /containers/json?all=true length=-1\n"
    "DELETE /images/" HEX_OLD " length=-1\nDELETE /images/" HEX_MID " length=-1\n"
    "DELETE /images/" HEX_NEW " length=-1\n" },
};

static void
run_case (const struct round_case *c, uint64_t used)
{
  struct podsock_config cfg = { 0 };
  struct peer peer;
  struct watchdog_params p = { &cfg, NULL, NULL, testdir };
  struct watchdog_result r;
  sigset_t mask;
  char *asked;
  int fd;
  pid_t pid;

  cfg.storage_limit_bytes = used * c->limit_factor_pct / 100;
  cfg.high_watermark_pct = 90;
  cfg.low_watermark_pct = 70;
  cfg.prune = c->prune;
  p.graphroot = path_of ("g");
  peer_start (&peer, testdir, engine_answers, sizeof engine_answers / sizeof engine_answers[0]);
  p.api_socket = peer.sock;
  sigprocmask (SIG_SETMASK, NULL, &mask);
  pid = watchdog_start_round (&p, &mask, &fd);
  assert_true (pid > 0);
  assert_int_equal (watchdog_read_result (fd, &r), 0);
  assert_int_equal (waitpid (pid, NULL, 0), pid);
  close (fd);
  asked = peer_requests (&peer);
  peer_stop (&peer);
  if (r.pruned != c->pruned || strcmp (asked, c->asked) != 0)
    fail_msg ("%s: pruned %d, asked\n%s", c->what, r.pruned, asked);
  free (asked);
  assert_int_equal (r.used_before, used);
  assert_int_equal (r.used_after, used);
  assert_int_equal (r.containers_pruned, c->containers);
  assert_int_equal (r.images_removed, c->images);
}

static void
rounds_table (void **state)
{
  uint64_t used;
  (void) state;
  assert_int_equal (mkdir (path_of ("g"), 0755), 0);
  testdir_put ("g/layer", "some bytes of a layer");
  used = watchdog_disk_usage (path_of ("g"));
  assert_true (used > 0);
  for (size_t i = 0; i < sizeof rounds / sizeof rounds[0]; i++)
    run_case (&rounds[i], used);
}

static void
short_result_is_an_error (void **state)
{
  struct watchdog_result r;
  int fds[2];
  (void) state;
  assert_int_equal (pipe (fds), 0);
  assert_int_equal (write (fds[1], "abc", 3), 3);
  close (fds[1]);
  assert_int_equal (watchdog_read_result (fds[0], &r), -1);
  close (fds[0]);
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, disk_usage_counts_blocks, rounds_table,
                    short_result_is_an_error)
