#include <podsock/fs.h>
#include <podsock/idmap.h>
#include <podsock/util.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ID_LIMIT ((uint64_t) 1 << 32)

/* One decimal field; leading blanks are how the kernel pads the columns. */
static int
parse_field (const char **p, uint64_t *out)
{
  uint64_t v = 0;
  const char *s = *p;

  while (*s == ' ' || *s == '\t')
    s++;
  if (*s < '0' || *s > '9')
    return -1;
  for (; *s >= '0' && *s <= '9'; s++)
    {
      v = v * 10 + (uint64_t) (*s - '0');
      if (v > ID_LIMIT)
        return -1;
    }
  *p = s;
  *out = v;
  return 0;
}

static int
parse_line (const char *line, struct idmap_line *l)
{
  const char *p = line;

  if (parse_field (&p, &l->inside) < 0 || parse_field (&p, &l->outside) < 0
      || parse_field (&p, &l->count) < 0)
    return -1;
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p != '\0')
    return -1;
  /* (uid_t) -1 is never a valid ID: a range ends at 4294967295 at most. */
  if (l->count == 0 || l->inside + l->count > ID_LIMIT - 1 || l->outside + l->count > ID_LIMIT - 1)
    return -1;
  return 0;
}

static int
overlaps (const struct idmap *map, const struct idmap_line *l)
{
  for (size_t i = 0; i < map->n; i++)
    {
      const struct idmap_line *o = &map->line[i];
      if (l->inside < o->inside + o->count && o->inside < l->inside + l->count)
        return 1;
    }
  return 0;
}

int
idmap_parse (const char *text, const char *what, struct idmap *map, podsock_error_t *err)
{
  cleanup_free char *copy = strdup (text);
  char *save = NULL, *line;
  size_t lineno = 0;

  if (copy == NULL)
    return podsock_error_make (err, errno, "strdup");
  map->n = 0;
  for (line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      struct idmap_line l;
      lineno++;
      if (map->n == IDMAP_MAX_LINES)
        return podsock_error_make (err, 0, "%s: more than %d lines", what, IDMAP_MAX_LINES);
      if (parse_line (line, &l) < 0)
        return podsock_error_make (err, 0,
                                   "%s line %zu: '%s' is not 'INSIDE OUTSIDE COUNT' with "
                                   "COUNT >= 1 and every ID below 2^32",
                                   what, lineno, line);
      if (overlaps (map, &l))
        return podsock_error_make (err, 0, "%s line %zu: '%s' overlaps an earlier line", what,
                                   lineno, line);
      map->line[map->n++] = l;
    }
  if (map->n == 0)
    return podsock_error_make (err, 0,
                               "%s is empty: the user namespace has no ID mapping yet (the "
                               "container runtime must write it before the container starts)",
                               what);
  return 0;
}

int
idmap_is_initial (const struct idmap *map)
{
  return map->n == 1 && map->line[0].inside == 0 && map->line[0].outside == 0
         && map->line[0].count == ID_LIMIT - 1;
}

struct collector
{
  struct idrange *out;
  size_t max, n;
  uint64_t total, limit;
};

static void
collect (struct collector *c, uint64_t start, uint64_t end)
{
  uint64_t count;

  if (start >= end || (c->limit && c->total >= c->limit) || c->n == c->max)
    return;
  count = end - start;
  if (c->limit && count > c->limit - c->total)
    count = c->limit - c->total;
  if (c->n > 0 && c->out[c->n - 1].start + c->out[c->n - 1].count == start)
    c->out[c->n - 1].count += count;
  else
    c->out[c->n++] = (struct idrange){ start, count };
  c->total += count;
}

/* [start, end) without 0 and self. */
static void
collect_except (struct collector *c, uint64_t start, uint64_t end, uint64_t self)
{
  if (start == 0)
    start = 1;
  if (self >= start && self < end)
    {
      collect (c, start, self);
      collect (c, self + 1, end);
    }
  else
    collect (c, start, end);
}

static int
by_inside (const void *a, const void *b)
{
  const struct idmap_line *x = a, *y = b;
  return x->inside < y->inside ? -1 : x->inside > y->inside;
}

uint64_t
idmap_subordinate (const struct idmap *map, const struct idmap_policy *policy, struct idrange *out,
                   size_t max, size_t *n)
{
  struct idmap_line sorted[IDMAP_MAX_LINES];
  struct collector c = { out, max, 0, 0, policy->max_ids };
  int initial = idmap_is_initial (map);

  memcpy (sorted, map->line, map->n * sizeof sorted[0]);
  qsort (sorted, map->n, sizeof sorted[0], by_inside);
  for (size_t i = 0; i < map->n; i++)
    {
      uint64_t s = sorted[i].inside, e = sorted[i].inside + sorted[i].count;
      if (initial)
        {
          uint64_t ws = policy->window_start, we = ws + policy->window_count;
          /* Skipping self must not cost the block an ID. */
          if (policy->self >= ws && policy->self < we)
            we++;
          s = s > ws ? s : ws;
          e = e < we ? e : we;
        }
      collect_except (&c, s, e, policy->self);
    }
  *n = c.n;
  return c.total;
}

int
idmap_read (const char *path, struct idmap *map, podsock_error_t *err)
{
  cleanup_free char *text = NULL;

  if (fs_read_file (path, 64 * 1024, &text, NULL, err) < 0)
    return podsock_error_prefix (err, "ID mappings");
  return idmap_parse (text, path, map, err);
}
