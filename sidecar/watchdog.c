#include "watchdog.h"
#include "api.h"

#include <podsock/fs.h>
#include <podsock/log.h>
#include <podsock/util.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define API_TIMEOUT_MS 60000

/* nftw has no user pointer: the walk's state lives here, in the child. */
static struct
{
  uint64_t bytes;
  ino_t *seen;
  size_t n_seen, cap_seen;
} walk;

static int
seen_before (ino_t ino)
{
  for (size_t i = 0; i < walk.n_seen; i++)
    if (walk.seen[i] == ino)
      return 1;
  if (walk.n_seen == walk.cap_seen)
    {
      size_t cap = walk.cap_seen ? walk.cap_seen * 2 : 256;
      ino_t *grown = realloc (walk.seen, cap * sizeof *grown);
      if (grown == NULL)
        return 0;
      walk.seen = grown;
      walk.cap_seen = cap;
    }
  walk.seen[walk.n_seen++] = ino;
  return 0;
}

static int
add_entry (const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void) path;
  (void) type;
  (void) ftw;
  /* Hard links (vfs and overlay share some) count once. */
  if (st->st_nlink > 1 && !S_ISDIR (st->st_mode) && seen_before (st->st_ino))
    return 0;
  walk.bytes += (uint64_t) st->st_blocks * 512;
  return 0;
}

uint64_t
watchdog_disk_usage (const char *dir)
{
  walk.bytes = 0;
  walk.n_seen = 0;
  nftw (dir, add_entry, 64, FTW_PHYS | FTW_MOUNT);
  return walk.bytes;
}

/* Files inside images belong to subordinate IDs, some in 0700 directories:
 * only inside the engine's user namespace can the walk read them all. */
static void
join_engine_userns (const char *run_dir)
{
  char path[4096], *text = NULL;
  podsock_error_t err = NULL;
  int fd;

  snprintf (path, sizeof path, "%s/libpod/tmp/pause.pid", run_dir);
  if (fs_read_file (path, 32, &text, NULL, &err) < 0)
    {
      podsock_error_free (&err);
      return;
    }
  snprintf (path, sizeof path, "/proc/%ld/ns/user", strtol (text, NULL, 10));
  free (text);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && setns (fd, CLONE_NEWUSER) < 0)
    log_debug ("watchdog: cannot join the engine's user namespace: %m");
  if (fd >= 0)
    close (fd);
}

static int
above (const struct watchdog_params *p, uint64_t used, unsigned pct)
{
  return used > p->cfg->storage_limit_bytes / 100 * pct;
}

static void
prune_dangling (const struct watchdog_params *p, struct watchdog_result *r)
{
  static const char *const calls[] = { "/containers/prune", "/images/prune", "/build/prune" };
  for (size_t i = 0; i < ARRAY_SIZE (calls); i++)
    {
      cleanup_error podsock_error_t err = NULL;
      cleanup_free char *body = NULL;
      long st = api_post (p->api_socket, calls[i], API_TIMEOUT_MS, &body, 1 << 20, &err);
      if (st == 200 && i == 0 && body)
        {
          cJSON *j = cJSON_Parse (body);
          const cJSON *del = cJSON_GetObjectItemCaseSensitive (j, "ContainersDeleted");
          r->containers_pruned += (unsigned) cJSON_GetArraySize (del);
          cJSON_Delete (j);
        }
    }
}

struct image
{
  char id[72];
  double created;
};

static int
by_created (const void *a, const void *b)
{
  double x = ((const struct image *) a)->created, y = ((const struct image *) b)->created;
  return x < y ? -1 : x > y;
}

/* Images no container uses, oldest first: the engine does not record when
 * an image was last used, so its age stands in for "least recently used". */
static size_t
unused_images (const struct watchdog_params *p, struct image **out)
{
  cleanup_free char *ibody = NULL, *cbody = NULL;
  cleanup_error podsock_error_t err = NULL;
  cJSON *images, *containers, *it;
  size_t n = 0;

  *out = NULL;
  if (api_get (p->api_socket, "/images/json", API_TIMEOUT_MS, &ibody, 16 << 20, &err) != 200
      || api_get (p->api_socket, "/containers/json?all=true", API_TIMEOUT_MS, &cbody, 16 << 20,
                  &err)
             != 200)
    return 0;
  images = cJSON_Parse (ibody);
  containers = cJSON_Parse (cbody);
  *out = xcalloc ((size_t) cJSON_GetArraySize (images) + 1, sizeof **out);
  cJSON_ArrayForEach (it, images)
  {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive (it, "Id");
    const cJSON *created = cJSON_GetObjectItemCaseSensitive (it, "Created");
    int used = 0;
    const cJSON *c;
    if (!cJSON_IsString (id) || *out == NULL)
      continue;
    cJSON_ArrayForEach (c, containers)
    {
      const cJSON *iid = cJSON_GetObjectItemCaseSensitive (c, "ImageID");
      if (cJSON_IsString (iid) && strstr (id->valuestring, iid->valuestring))
        used = 1;
    }
    if (used)
      continue;
    snprintf ((*out)[n].id, sizeof (*out)[n].id, "%s", id->valuestring);
    (*out)[n].created = cJSON_IsNumber (created) ? created->valuedouble : 0;
    n++;
  }
  cJSON_Delete (images);
  cJSON_Delete (containers);
  if (n > 1)
    qsort (*out, n, sizeof **out, by_created);
  return n;
}

static void
prune_lru (const struct watchdog_params *p, struct watchdog_result *r)
{
  struct image *imgs = NULL;
  size_t n = unused_images (p, &imgs);

  for (size_t i = 0; i < n && above (p, r->used_after, p->cfg->low_watermark_pct); i++)
    {
      cleanup_error podsock_error_t err = NULL;
      const char *id = strncmp (imgs[i].id, "sha256:", 7) == 0 ? imgs[i].id + 7 : imgs[i].id;
      if (api_delete_image (p->api_socket, id, API_TIMEOUT_MS, &err) == 200)
        r->images_removed++;
      r->used_after = watchdog_disk_usage (p->graphroot);
    }
  free (imgs);
}

static void __attribute__ ((noreturn)) run_round (const struct watchdog_params *p, int fd)
{
  struct watchdog_result r = { 0 };

  join_engine_userns (p->run_dir);
  r.used_before = r.used_after = watchdog_disk_usage (p->graphroot);
  if (p->cfg->storage_limit_bytes && p->cfg->prune != CONFIG_PRUNE_OFF
      && above (p, r.used_before, p->cfg->high_watermark_pct))
    {
      r.pruned = 1;
      prune_dangling (p, &r);
      r.used_after = watchdog_disk_usage (p->graphroot);
      if (p->cfg->prune == CONFIG_PRUNE_LRU && above (p, r.used_after, p->cfg->low_watermark_pct))
        prune_lru (p, &r);
    }
  if (write (fd, &r, sizeof r) != (ssize_t) sizeof r)
    _exit (1);
  _exit (0);
}

pid_t
watchdog_start_round (const struct watchdog_params *p, const sigset_t *child_mask, int *result_fd)
{
  int fds[2];
  pid_t pid;

  if (pipe2 (fds, O_CLOEXEC) < 0)
    return -1;
  pid = fork ();
  if (pid < 0)
    {
      close (fds[0]);
      close (fds[1]);
      return -1;
    }
  if (pid == 0)
    {
      close (fds[0]);
      sigprocmask (SIG_SETMASK, child_mask, NULL);
      run_round (p, fds[1]);
    }
  close (fds[1]);
  *result_fd = fds[0];
  return pid;
}

int
watchdog_read_result (int fd, struct watchdog_result *r)
{
  return TEMP_FAILURE_RETRY (read (fd, r, sizeof *r)) == (ssize_t) sizeof *r ? 0 : -1;
}
