#include "idfiles.h"

#include <podsock/fs.h>
#include <podsock/util.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DB_MAX (4 * 1024 * 1024)

/* The numeric third field of a passwd or group line, or -1. */
static int64_t
line_id (const char *line, size_t len)
{
  const char *p = line, *end = line + len;
  int64_t v = 0;

  for (int colons = 0; colons < 2; p++)
    {
      if (p == end)
        return -1;
      if (*p == ':')
        colons++;
    }
  if (p == end || *p < '0' || *p > '9')
    return -1;
  for (; p < end && *p >= '0' && *p <= '9'; p++)
    if ((v = v * 10 + (*p - '0')) > UINT32_MAX)
      return -1;
  return p < end && *p == ':' ? v : -1;
}

/* Finds the name of the entry for id, and whether name is taken by another. */
static void
scan_db (const char *db, uint64_t id, const char *want, char *name, size_t name_size, int *taken)
{
  size_t wlen = strlen (want);

  *taken = 0;
  name[0] = '\0';
  for (const char *l = db; *l;)
    {
      const char *nl = strchr (l, '\n');
      size_t len = nl ? (size_t) (nl - l) : strlen (l);
      const char *colon = memchr (l, ':', len);
      int64_t v = line_id (l, len);
      if (colon && v == (int64_t) id && name[0] == '\0' && (size_t) (colon - l) < name_size)
        snprintf (name, name_size, "%.*s", (int) (colon - l), l);
      else if (colon && (size_t) (colon - l) == wlen && memcmp (l, want, wlen) == 0)
        *taken = 1;
      l += len + (nl != NULL);
    }
}

/* Copies db, adding `entry` when the ID has none; returns the new text. */
static char *
db_with_entry (const char *db, const char *entry)
{
  size_t len = strlen (db);
  char *out = NULL;

  if (asprintf (&out, "%s%s%s", db, len && db[len - 1] != '\n' ? "\n" : "", entry) < 0)
    return NULL;
  return out;
}

static int
pick_name (const char *db, uint64_t id, char *name, size_t size, int *added)
{
  int taken;

  scan_db (db, id, "podsock", name, size, &taken);
  *added = name[0] == '\0';
  if (!*added)
    return 0;
  if (taken)
    snprintf (name, size, "podsock-%" PRIu64, id);
  else
    snprintf (name, size, "podsock");
  return 0;
}

static int
write_db (const char *dir, const char *file, const char *src, uint64_t id, const char *entry,
          int added, podsock_error_t *err)
{
  cleanup_free char *path = NULL, *text = NULL;

  if (asprintf (&path, "%s/%s", dir, file) < 0)
    return podsock_error_make (err, errno, "asprintf");
  if (added && (text = db_with_entry (src, entry)) == NULL)
    return podsock_error_make (err, errno, "%s entry for %" PRIu64, file, id);
  return fs_write_file_atomic (path, text ? text : src, err);
}

static int
write_subids (const char *dir, const char *file, const char *name, const struct idrange *r,
              size_t n, podsock_error_t *err)
{
  cleanup_free char *path = NULL, *text = NULL;
  size_t size = 0;
  FILE *f = open_memstream (&text, &size);

  if (f == NULL)
    return podsock_error_make (err, errno, "open_memstream");
  for (size_t i = 0; i < n; i++)
    fprintf (f, "%s:%" PRIu64 ":%" PRIu64 "\n", name, r[i].start, r[i].count);
  if (fclose (f) != 0)
    return podsock_error_make (err, errno, "%s text", file);
  if (asprintf (&path, "%s/%s", dir, file) < 0)
    return podsock_error_make (err, errno, "asprintf");
  return fs_write_file_atomic (path, text, err);
}

static int
subordinate (const char *map_path, uint64_t self, const struct idfiles_spec *spec,
             struct idrange *r, size_t *n, uint64_t *total, int *initial, podsock_error_t *err)
{
  struct idmap *map = calloc (1, sizeof *map);
  struct idmap_policy p = { self, spec->window_start, spec->window_count, 0 };

  if (map == NULL)
    return podsock_error_make (err, errno, "calloc");
  if (idmap_read (map_path, map, err) < 0)
    {
      free (map);
      return -1;
    }
  *initial = idmap_is_initial (map);
  *total = idmap_subordinate (map, &p, r, IDMAP_MAX_LINES * 2, n);
  free (map);
  return 0;
}

static bool
in_ranges (const struct idrange *r, size_t n, uint64_t id)
{
  for (size_t i = 0; i < n; i++)
    if (id >= r[i].start && id - r[i].start < r[i].count)
      return true;
  return false;
}

/* Is id mapped in our own namespace (where newgidmap looks it up)? */
static bool
id_mapped (const char *map_path, uint64_t id)
{
  cleanup_error podsock_error_t err = NULL;
  struct idmap *map = calloc (1, sizeof *map);
  bool mapped = false;

  if (map && idmap_read (map_path, map, &err) == 0)
    for (size_t i = 0; i < map->n && !mapped; i++)
      mapped = id >= map->line[i].inside && id - map->line[i].inside < map->line[i].count;
  free (map);
  return mapped;
}

/* The pod's other groups, each a one-ID range after the subordinate ones
 * (podman maps the ranges in file order). */
static void
add_groups (const struct idfiles_spec *spec, struct idrange *gr, size_t max,
             struct idfiles_report *r)
{
  for (size_t i = 0; i < spec->n_groups && r->gid_ranges < max; i++)
    {
      uint64_t g = spec->groups[i];
      if (g == spec->gid || in_ranges (gr, r->gid_ranges, g) || !id_mapped (spec->gid_map, g))
        continue;
      gr[r->gid_ranges++] = (struct idrange){ g, 1 };
      r->groups_added++; /* not in r->gids: that counts the subordinate block */
    }
}

static int
write_identity (const struct idfiles_spec *spec, struct idfiles_report *r, podsock_error_t *err)
{
  cleanup_free char *passwd = NULL, *group = NULL, *pw_line = NULL, *gr_line = NULL;

  if (fs_read_file (spec->passwd_src, DB_MAX, &passwd, NULL, err) < 0
      || fs_read_file (spec->group_src, DB_MAX, &group, NULL, err) < 0)
    return -1;
  pick_name (passwd, spec->uid, r->user, sizeof r->user, &r->user_added);
  pick_name (group, spec->gid, r->group, sizeof r->group, &r->group_added);
  if (asprintf (&pw_line, "%s:x:%u:%u:podsock:%s:/bin/sh\n", r->user, (unsigned) spec->uid,
                (unsigned) spec->gid, spec->home)
          < 0
      || asprintf (&gr_line, "%s:x:%u:\n", r->group, (unsigned) spec->gid) < 0)
    return podsock_error_make (err, errno, "asprintf");
  if (write_db (spec->out_dir, "passwd", passwd, spec->uid, pw_line, r->user_added, err) < 0
      || write_db (spec->out_dir, "group", group, spec->gid, gr_line, r->group_added, err) < 0)
    return -1;
  return 0;
}

int
idfiles_write (const struct idfiles_spec *spec, struct idfiles_report *r, podsock_error_t *err)
{
  struct idrange ur[IDMAP_MAX_LINES * 2], gr[IDMAP_MAX_LINES * 2];
  int initial_g;

  memset (r, 0, sizeof *r);
  if (subordinate (spec->uid_map, spec->uid, spec, ur, &r->uid_ranges, &r->uids, &r->initial_ns,
                   err)
          < 0
      || subordinate (spec->gid_map, spec->gid, spec, gr, &r->gid_ranges, &r->gids, &initial_g, err)
             < 0)
    return -1;
  add_groups (spec, gr, IDMAP_MAX_LINES * 2, r);
  if (fs_mkdir_p (spec->out_dir, 0755, err) < 0)
    return podsock_error_prefix (err, "ID files directory (mount an emptyDir there)");
  if (write_identity (spec, r, err) < 0)
    return podsock_error_prefix (err, "identity files in %s", spec->out_dir);
  if (write_subids (spec->out_dir, "subuid", r->user, ur, r->uid_ranges, err) < 0
      || write_subids (spec->out_dir, "subgid", r->user, gr, r->gid_ranges, err) < 0)
    return podsock_error_prefix (err, "subordinate ID files in %s", spec->out_dir);
  return 0;
}
