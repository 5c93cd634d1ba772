/* The configuration file: YAML (a ConfigMap) read over the defaults.  Unknown
 * keys, wrong types and out-of-range values are errors that name
 * "FILE:LINE:COLUMN: section.key" and what to write instead. */
#include "config.h"
#include "config_table.h"
#include "strv.h"
#include <podsock/fs.h>
#include <podsock/util.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define CONFIG_MAX_FILE (1024 * 1024)

struct loader
{
  yaml_document_t *doc;
  const char *name;
  struct podsock_config *c;
  yaml_mark_t marks[CONFIG_N_SETTINGS];
  int seen[CONFIG_N_SETTINGS];
};

static const char *
node_kind (const yaml_node_t *n)
{
  switch (n->type)
    {
    case YAML_SCALAR_NODE:
      return "a single value";
    case YAML_SEQUENCE_NODE:
      return "a list";
    case YAML_MAPPING_NODE:
      return "a mapping";
    default:
      return "nothing";
    }
}

/* Prefixes "FILE:LINE:COLUMN: PATH: " to the message in *err. */
static int
located (struct loader *l, const yaml_node_t *n, const char *path, podsock_error_t *err)
{
  return podsock_error_prefix (err, "%s:%zu:%zu: %s", l->name, n->start_mark.line + 1,
                               n->start_mark.column + 1, path);
}

static int fail_at (struct loader *l, const yaml_node_t *n, const char *path, podsock_error_t *err,
                    const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));

static int
fail_at (struct loader *l, const yaml_node_t *n, const char *path, podsock_error_t *err,
         const char *fmt, ...)
{
  char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = xvasprintf (fmt, ap);
  va_end (ap);
  podsock_error_make (err, 0, "%s", msg);
  free (msg);
  return located (l, n, path, err);
}

static int
scalar_text (struct loader *l, const yaml_node_t *n, const char *path, const char *example,
             const char **out, podsock_error_t *err)
{
  *out = "";
  if (n->type != YAML_SCALAR_NODE)
    return fail_at (l, n, path, err, "expected a single value, found %s; write e.g. %s",
                    node_kind (n), example);
  if (strlen ((const char *) n->data.scalar.value) != n->data.scalar.length)
    return fail_at (l, n, path, err, "the value contains a NUL character; remove it");
  *out = (const char *) n->data.scalar.value;
  return 0;
}

static int
load_drivers (struct loader *l, const yaml_node_t *n, const char *path, podsock_error_t *err)
{
  enum config_driver list[ARRAY_SIZE (l->c->drivers)];
  size_t count = 0;
  yaml_node_item_t *it;

  if (n->type != YAML_SEQUENCE_NODE)
    return fail_at (l, n, path, err, "expected a list, found %s; write e.g. %s: %s", node_kind (n),
                    "drivers", "[overlay, vfs]");
  for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
    {
      yaml_node_t *item = yaml_document_get_node (l->doc, *it);
      const char *v;
      if (scalar_text (l, item, path, "overlay", &v, err) < 0)
        return -1;
      if (config_drivers_add (list, &count, v, err) < 0)
        return located (l, item, path, err);
    }
  if (count == 0)
    return fail_at (l, n, path, err, "the list is empty; write e.g. [overlay, vfs]");
  memcpy (l->c->drivers, list, count * sizeof *list);
  l->c->n_drivers = count;
  return 0;
}

/* A list of words (capabilities, option keys, device paths, sysctls), or
 * of absolute paths (paths: allowedBindSources). */
static int
load_list (struct loader *l, const yaml_node_t *n, const char *path, char ***field,
           const char *example, bool paths, podsock_error_t *err)
{
  size_t count = 0, cap;
  char **list;
  yaml_node_item_t *it;

  if (n->type != YAML_SEQUENCE_NODE)
    return fail_at (l, n, path, err, "expected a list%s, found %s; write e.g. %s",
                    paths ? " of absolute paths" : "", node_kind (n), example);
  cap = (size_t) (n->data.sequence.items.top - n->data.sequence.items.start);
  if (cap > CONFIG_MAX_LIST)
    return fail_at (l, n, path, err, "more than %d entries; keep at most %d", CONFIG_MAX_LIST, CONFIG_MAX_LIST);
  list = xcalloc (cap + 1, sizeof (char *));
  for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
    {
      yaml_node_t *item = yaml_document_get_node (l->doc, *it);
      const char *v;
      if (scalar_text (l, item, path, example, &v, err) < 0)
        return strv_free (list), -1;
      if (paths && *v != '/')
        {
          strv_free (list);
          return fail_at (l, item, path, err,
                          "path '%s' must be absolute; write a path that starts with /", v);
        }
      if (*v == '\0' || strchr (v, ','))
        {
          strv_free (list);
          return fail_at (l, item, path, err,
                          "entry '%s' is empty or holds a comma; write one entry per list "
                          "item, e.g. [A, B]",
                          v);
        }
      list[count++] = xstrdup (v);
    }
  strv_free (*field);
  *field = list;
  return 0;
}

static int
load_mirror (struct loader *l, const yaml_node_t *n, const char *path, struct config_mirror *m,
             podsock_error_t *err)
{
  const char *example = "{registry: docker.io, location: mirror.example.com/dockerhub}";
  yaml_node_pair_t *p;

  if (n->type != YAML_MAPPING_NODE)
    return fail_at (l, n, path, err, "expected a mapping, found %s; write e.g. %s", node_kind (n),
                    example);
  for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
    {
      yaml_node_t *k = yaml_document_get_node (l->doc, p->key);
      yaml_node_t *v = yaml_document_get_node (l->doc, p->value);
      const char *key, *val;
      char **field;
      if (scalar_text (l, k, path, "registry", &key, err) < 0)
        return -1;
      if (strcmp (key, "registry") == 0)
        field = &m->registry;
      else if (strcmp (key, "location") == 0)
        field = &m->location;
      else
        return fail_at (l, k, path, err, "unknown key '%s'; a mirror has registry and location",
                        key);
      if (*field != NULL)
        return fail_at (l, k, path, err, "'%s' is given twice; keep one", key);
      if (scalar_text (l, v, path, "docker.io", &val, err) < 0)
        return -1;
      if (*val == '\0' || strpbrk (val, " \t\n\"'\\") != NULL)
        return fail_at (l, v, path, err,
                        "'%s' is not a registry host[/path]; write e.g. mirror.example.com", val);
      *field = xstrdup (val);
    }
  if (m->registry == NULL || m->location == NULL)
    return fail_at (l, n, path, err, "a mirror needs both registry and location; write e.g. %s",
                    example);
  return 0;
}

static int
load_mirrors (struct loader *l, const yaml_node_t *n, const char *path, podsock_error_t *err)
{
  struct podsock_config *c = l->c;
  size_t cap;
  yaml_node_item_t *it;

  if (n->type != YAML_SEQUENCE_NODE)
    return fail_at (l, n, path, err, "expected a list of mirrors, found %s; write e.g. %s",
                    node_kind (n), "[{registry: docker.io, location: mirror.example.com}]");
  cap = (size_t) (n->data.sequence.items.top - n->data.sequence.items.start);
  if (cap > CONFIG_MAX_LIST)
    return fail_at (l, n, path, err, "more than %d mirrors; keep one per registry",
                    CONFIG_MAX_LIST);
  config_mirrors_free (c);
  c->mirrors = xcalloc (cap ? cap : 1, sizeof *c->mirrors);
  for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
    {
      yaml_node_t *item = yaml_document_get_node (l->doc, *it);
      c->n_mirrors++;
      if (load_mirror (l, item, path, &c->mirrors[c->n_mirrors - 1], err) < 0)
        return -1;
    }
  return 0;
}

static int
load_setting (struct loader *l, size_t idx, const yaml_node_t *v, const char *path,
              podsock_error_t *err)
{
  const struct setting *s = &config_settings[idx];
  const char *text;

  l->marks[idx] = v->start_mark;
  l->seen[idx] = 1;
  switch (s->type)
    {
    case T_DRIVERS:
      return load_drivers (l, v, path, err);
    case T_PATHLIST:
      if (load_list (l, v, path, SETTING_FIELD (l->c, s, char **), s->example, true, err) < 0)
        return -1;
      l->c->bind_sources_derived = 0;
      return 0;
    case T_WORDLIST:
      return load_list (l, v, path, SETTING_FIELD (l->c, s, char **), s->example, false, err);
    case T_MIRRORS:
      return load_mirrors (l, v, path, err);
    default:
      break;
    }
  if (scalar_text (l, v, path, s->example, &text, err) < 0)
    return -1;
  if (config_setting_set (l->c, s, text, err) < 0)
    return located (l, v, path, err);
  return 0;
}

static void
known_keys (const char *section, char *buf, size_t size)
{
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < CONFIG_N_SETTINGS && used < size; i++)
    {
      const char *name = section ? config_settings[i].key : config_settings[i].section;
      if (section && strcmp (config_settings[i].section, section) != 0)
        continue;
      if (!section && i > 0 && strcmp (config_settings[i - 1].section, name) == 0)
        continue;
      used += (size_t) snprintf (buf + used, size - used, "%s%s", used ? ", " : "", name);
    }
}

/* A mapping's keys: scalars, each once. */
static int
check_key (struct loader *l, const yaml_node_pair_t *start, const yaml_node_pair_t *p,
           const char *section, const char **key, podsock_error_t *err)
{
  yaml_node_t *k = yaml_document_get_node (l->doc, p->key);
  char path[128];

  if (scalar_text (l, k, section ? section : "(top level)", "a key name", key, err) < 0)
    return -1;
  if (section)
    snprintf (path, sizeof path, "%s.%s", section, *key);
  else
    snprintf (path, sizeof path, "%s", *key);
  for (const yaml_node_pair_t *q = start; q < p; q++)
    {
      yaml_node_t *prev = yaml_document_get_node (l->doc, q->key);
      if (prev->type == YAML_SCALAR_NODE && strcmp ((char *) prev->data.scalar.value, *key) == 0)
        return fail_at (l, k, path, err, "key '%s' is given twice (first at line %zu); keep one",
                        *key, prev->start_mark.line + 1);
    }
  return 0;
}

static int
load_section (struct loader *l, const char *section, const yaml_node_t *n, podsock_error_t *err)
{
  char path[128], keys[512];
  yaml_node_pair_t *p;

  if (n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0
      && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
    return 0; /* "log:" with nothing under it */
  if (n->type != YAML_MAPPING_NODE)
    return fail_at (l, n, section, err,
                    "expected a mapping of settings, found %s; write the "
                    "keys indented under '%s:'",
                    node_kind (n), section);
  for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
    {
      const char *key;
      size_t i;
      if (check_key (l, n->data.mapping.pairs.start, p, section, &key, err) < 0)
        return -1;
      snprintf (path, sizeof path, "%s.%s", section, key);
      for (i = 0; i < CONFIG_N_SETTINGS; i++)
        if (strcmp (config_settings[i].section, section) == 0
            && strcmp (config_settings[i].key, key) == 0)
          break;
      if (i == CONFIG_N_SETTINGS)
        {
          known_keys (section, keys, sizeof keys);
          return fail_at (l, yaml_document_get_node (l->doc, p->key), path, err,
                          "unknown key; the keys of %s are %s", section, keys);
        }
      if (load_setting (l, i, yaml_document_get_node (l->doc, p->value), path, err) < 0)
        return -1;
    }
  return 0;
}

static int
section_known (const char *name)
{
  for (size_t i = 0; i < CONFIG_N_SETTINGS; i++)
    if (strcmp (config_settings[i].section, name) == 0)
      return 1;
  return 0;
}

static int
load_root (struct loader *l, const yaml_node_t *root, podsock_error_t *err)
{
  char keys[256];
  yaml_node_pair_t *p;

  if (root->type != YAML_MAPPING_NODE)
    return fail_at (l, root, "(top level)", err,
                    "expected a mapping of sections, found %s; write e.g. log: {level: info}",
                    node_kind (root));
  for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++)
    {
      const char *key;
      if (check_key (l, root->data.mapping.pairs.start, p, NULL, &key, err) < 0)
        return -1;
      if (!section_known (key))
        {
          known_keys (NULL, keys, sizeof keys);
          return fail_at (l, yaml_document_get_node (l->doc, p->key), key, err,
                          "unknown key; the sections are %s", keys);
        }
      if (load_section (l, key, yaml_document_get_node (l->doc, p->value), err) < 0)
        return -1;
    }
  return 0;
}

static int
parser_error (const char *name, yaml_parser_t *parser, podsock_error_t *err)
{
  return podsock_error_make (err, 0, "%s:%zu:%zu: malformed YAML: %s%s%s; fix the syntax there",
                             name, parser->problem_mark.line + 1, parser->problem_mark.column + 1,
                             parser->problem ? parser->problem : "unknown problem",
                             parser->context ? " " : "", parser->context ? parser->context : "");
}

/* A second document after the first is an error: which one would win? */
static int
check_single_document (const char *name, yaml_parser_t *parser, podsock_error_t *err)
{
  yaml_document_t doc;
  yaml_node_t *root;
  int r = 0;

  if (!yaml_parser_load (parser, &doc))
    return parser_error (name, parser, err);
  root = yaml_document_get_root_node (&doc);
  if (root != NULL)
    r = podsock_error_make (err, 0,
                            "%s:%zu:%zu: a second YAML document; the configuration is one "
                            "document: remove the '---' line and merge the settings",
                            name, doc.start_mark.line + 1, doc.start_mark.column + 1);
  yaml_document_delete (&doc);
  return r;
}

static int
load_document (struct loader *l, yaml_parser_t *parser, podsock_error_t *err)
{
  yaml_node_t *root = yaml_document_get_root_node (l->doc);
  int idx;

  if (root == NULL)
    return podsock_error_make (err, 0,
                               "%s:1:1: the configuration is empty; write at least one "
                               "setting, e.g. log: {level: info}",
                               l->name);
  if (load_root (l, root, err) < 0 || check_single_document (l->name, parser, err) < 0)
    return -1;
  idx = config_cross_check (l->c, err);
  if (idx < 0)
    return 0;
  if (!l->seen[idx])
    idx = config_setting_index ("storage", "highWatermark");
  return podsock_error_prefix (err, "%s:%zu:%zu: %s.%s", l->name, l->marks[idx].line + 1,
                               l->marks[idx].column + 1, config_settings[idx].section,
                               config_settings[idx].key);
}

int
config_load_string (struct podsock_config *c, const char *name, const char *text, size_t len,
                    podsock_error_t *err)
{
  yaml_parser_t parser;
  yaml_document_t doc;
  struct loader l = { .doc = &doc, .name = name, .c = c };
  int r;

  if (!yaml_parser_initialize (&parser))
    abort (); /* libyaml fails here only when out of memory */
  yaml_parser_set_input_string (&parser, (const unsigned char *) text, len);
  if (!yaml_parser_load (&parser, &doc))
    {
      r = parser_error (name, &parser, err);
      yaml_parser_delete (&parser);
      return r;
    }
  r = load_document (&l, &parser, err);
  yaml_document_delete (&doc);
  yaml_parser_delete (&parser);
  return r;
}

int
config_load_file (struct podsock_config *c, const char *path, podsock_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  cleanup_free char *buf = NULL;
  ssize_t len;
  struct stat st;

  if (fd < 0)
    return podsock_error_make (err, errno,
                               "cannot open configuration %s (check the ConfigMap mount, or "
                               "point --config or PODSOCK_CONFIG at the file)",
                               path);
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    return podsock_error_make (err, 0, "configuration %s is not a regular file; give a YAML file",
                               path);
  buf = xmalloc (CONFIG_MAX_FILE + 1);
  len = fs_read_fd (fd, buf, CONFIG_MAX_FILE);
  if (len < 0)
    return podsock_error_make (err, errno, "read configuration %s", path);
  if ((size_t) len > CONFIG_MAX_FILE)
    return podsock_error_make (err, 0,
                               "configuration %s is larger than 1 MiB; it holds settings, "
                               "not data",
                               path);
  return config_load_string (c, path, buf, (size_t) len, err);
}
