/* sidecar/config_yaml.c: the YAML loader.  Every refusal names
 * FILE:LINE:COLUMN, the setting, the cause and what to write; YAML's own
 * spellings (quotes, block scalars, tags, anchors, nulls) mean what they
 * mean to any YAML reader; a file replaces lists whole; the file reader
 * stops at 1 MiB.  (test_config.c covers the basic errors of each type.) */
#include "config.h"
#include "config_table.h"
#include <podsock/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testdir.h"
#include "testutil.h"

/* Loads text over fresh defaults into *c; 0 or -1 with *err. */
static int
load_fresh (struct podsock_config *c, const char *text, podsock_error_t *err)
{
  config_defaults (c);
  return config_load_string (c, "t.yaml", text, strlen (text), err);
}

/* Text, and the whole message its refusal must carry. */
static const struct refusal
{
  const char *text, *want;
} refusals[] = {
  { "registries:\n  mirrors:\n    - docker.io\n",
    "t.yaml:3:7: registries.mirrors: expected a mapping, found a single value; write e.g. "
    "{registry: docker.io, location: mirror.example.com/dockerhub}" },
  { "registries: {mirrors: [{registry: a, registry: b, location: c}]}\n",
    "t.yaml:1:38: registries.mirrors: 'registry' is given twice; keep one" },
  { "registries: {mirrors: [{registry: a, location: \"a b\"}]}\n",
    "t.yaml:1:48: registries.mirrors: 'a b' is not a registry host[/path]; write e.g. "
    "mirror.example.com" },
  { "registries: {mirrors: [{registry: \"\", location: x}]}\n",
    "t.yaml:1:35: registries.mirrors: '' is not a registry host[/path]; write e.g. "
    "mirror.example.com" },
  { "registries: {mirrors: [{[x]: y}]}\n",
    "t.yaml:1:25: registries.mirrors: expected a single value, found a list; write e.g. "
    "registry" },
  { "registries: {mirrors: [{location: x}]}\n",
    "t.yaml:1:24: registries.mirrors: a mirror needs both registry and location; write e.g. "
    "{registry: docker.io, location: mirror.example.com/dockerhub}" },
  { "gateway:\n  allowedCapabilities: [\"A,B\"]\n",
    "t.yaml:2:25: gateway.allowedCapabilities: entry 'A,B' is empty or holds a comma; write one entry per list item, e.g. [A, B]" },
  { "gateway:\n  allowedCapabilities: [CHOWN, '']\n",
    "t.yaml:2:32: gateway.allowedCapabilities: entry '' is empty or holds a comma; write one entry per list item, e.g. [A, B]" },
  { "gateway: {allowedSysctls: [[a]]}\n",
    "t.yaml:1:28: gateway.allowedSysctls: expected a single value, found a list; write e.g. "
    "[net.ipv4.ping_group_range]" },
  { "gateway: {allowedDevices: {a: b}}\n",
    "t.yaml:1:27: gateway.allowedDevices: expected a list, found a mapping; write e.g. "
    "[/dev/fuse]" },
  { "gateway:\n  allowedBindSources:\n    - /b\n    - ../x\n",
    "t.yaml:4:7: gateway.allowedBindSources: path '../x' must be absolute; write a path that "
    "starts with /" },
  { "storage:\n  drivers: [overlay, [vfs]]\n",
    "t.yaml:2:22: storage.drivers: expected a single value, found a list; write e.g. overlay" },
  { "gateway: {enabled: true, enabled: false}\n",
    "t.yaml:1:26: gateway.enabled: key 'enabled' is given twice (first at line 1); keep one" },
  { "hardening: {seccomp: true, apparmor: x}\n",
    "t.yaml:1:28: hardening.apparmor: unknown key; the keys of hardening are seccomp, "
    "dropCapabilities" },
  { "log: {[a]: b}\n", "t.yaml:1:7: log: expected a single value, found a list; write e.g. a key "
                       "name" },
  { "log: {\"le\\0vel\": info}\n", "t.yaml:1:7: log: the value contains a NUL character; remove "
                                   "it" },
  { "storage: {lowWatermark: 90}\n",
    "t.yaml:1:25: storage.lowWatermark: the low watermark (90%) must be below the high "
    "watermark (85%); write e.g. highWatermark: 85 and lowWatermark: 70" },
  { "log: {level: info}\n---\n", "t.yaml:2:1: a second YAML document; the configuration is one "
                                 "document: remove the '---' line and merge the settings" },
  { "log:\n\tlevel: info\n", "t.yaml:2:1: malformed YAML: found character that cannot start any "
                             "token while scanning for the next token; fix the syntax there" },
  { "shutdown: {grace: *nowhere}\n", "t.yaml:1:19: malformed YAML: found undefined alias; fix "
                                     "the syntax there" },
  { "socket: {mode: !!int 0660, path: &p /s}\nengine: {podman: *p}\nsocket2: {}\n",
    "t.yaml:3:1: socket2: unknown key; the sections are socket, paths, storage, engine, "
    "containers, registries, gateway, hardening, log, shutdown" },
};

static void
expect_refusal (const struct refusal *r)
{
  struct podsock_config c;
  podsock_error_t err = NULL;

  if (load_fresh (&c, r->text, &err) == 0)
    fail_msg ("accepted:\n%s", r->text);
  if (strcmp (err->msg, r->want) != 0)
    fail_msg ("for:\n%s\ngot:  %s\nwant: %s", r->text, err->msg, r->want);
  podsock_error_free (&err);
  config_free (&c); /* a half-loaded configuration frees cleanly (ASan) */
}

static void
refusals_name_place_cause_and_fix (void **state)
{
  (void) state;
  for (const struct refusal *r = refusals; r < refusals + ARRAY_SIZE (refusals); r++)
    expect_refusal (r);
}

/* A list of n items "- x" under gateway.KEY, or n mirrors. */
static char *
list_of (const char *key, size_t n)
{
  char *text = xasprintf ("%s:\n  %s:\n", strcmp (key, "mirrors") ? "gateway" : "registries", key);
  for (size_t i = 0; i < n; i++)
    {
      char *more = strcmp (key, "mirrors")
                       ? xasprintf ("%s    - e%zu\n", text, i)
                       : xasprintf ("%s    - {registry: r%zu, location: l}\n", text, i);
      free (text);
      text = more;
    }
  return text;
}

/* 64 entries load; 65 are refused at the list, naming the limit. */
static void
lists_stop_at_64 (void **state)
{
  static const struct
  {
    const char *key, *want;
  } lists[] = {
    { "allowedSysctls", "t.yaml:3:5: gateway.allowedSysctls: more than 64 entries; keep at most 64" },
    { "mirrors", "t.yaml:3:5: registries.mirrors: more than 64 mirrors; keep one per registry" },
  };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (lists); i++)
    {
      struct podsock_config c;
      podsock_error_t err = NULL;
      char *ok = list_of (lists[i].key, CONFIG_MAX_LIST), *over = list_of (lists[i].key, 65);

      if (load_fresh (&c, ok, &err) < 0)
        fail_msg ("%s: %s", lists[i].key, err->msg);
      config_free (&c);
      assert_int_equal (load_fresh (&c, over, &err), -1);
      assert_string_equal (err->msg, lists[i].want);
      podsock_error_free (&err);
      config_free (&c);
      free (ok);
      free (over);
    }
}

/* YAML's other ways to write a value load as the plain one does: both
 * configurations print the same. */
static const struct spelling
{
  const char *yaml, *plain;
} spellings[] = {
  { "socket: {mode: '0600'}\n", "socket: {mode: 0600}\n" },
  { "socket:\n  mode: \"0600\"  # quoted\n", "socket: {mode: 0600}\n" },
  { "engine:\n  podman: >-\n    /opt/my\n    podman\n", "engine: {podman: /opt/my podman}\n" },
  { "engine:\n  podman: |-\n    /opt/p\n", "engine: {podman: /opt/p}\n" },
  { "log: {level: !!str warn}\n", "log: {level: warn}\n" },
  { "paths: {buildsDir: &b /w}\nstorage: {dir: *b}\n",
    "paths: {buildsDir: /w}\nstorage: {dir: /w}\n" },
  { "storage:\n  drivers:\n  - vfs\n  - fuse-overlayfs\n",
    "storage: {drivers: [vfs, fuse-overlayfs]}\n" },
  { "containers: {memory: \"1.5Gi\"}\n", "containers: {memory: 1536Mi}\n" },
  { "shutdown: {grace: 0}\n", "shutdown: {grace: 0s}\n" },
  { "log:\n", "{}\n" },
  { "log: {level: info}\n...\n", "{}\n" },
  { "gateway:\n  allowedCapabilities:\n  - CHOWN\n", "gateway: {allowedCapabilities: [CHOWN]}\n" },
};

static char *
printed_after_load (const char *yaml)
{
  struct podsock_config c;
  podsock_error_t err = NULL;
  char *text;

  if (load_fresh (&c, yaml, &err) < 0)
    fail_msg ("%s: %s", yaml, err->msg);
  text = config_to_yaml (&c);
  config_free (&c);
  return text;
}

static void
yaml_spellings_mean_the_plain_value (void **state)
{
  (void) state;
  for (const struct spelling *sp = spellings; sp < spellings + ARRAY_SIZE (spellings); sp++)
    {
      cleanup_free char *a = printed_after_load (sp->yaml), *b = printed_after_load (sp->plain);
      if (strcmp (a, b) != 0)
        fail_msg ("%s loads otherwise than %s:\n%s", sp->yaml, sp->plain, a);
    }
}

/* A group set earlier is reset to the sidecar's own by each YAML null. */
static void
group_nulls_reset_the_group (void **state)
{
  static const char *const nulls[]
      = { "socket: {group: null}\n", "socket: {group: ~}\n", "socket:\n  group:\n" };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (nulls); i++)
    {
      struct podsock_config c;
      podsock_error_t err = NULL;
      config_defaults (&c);
      c.socket_gid = 1700;
      if (config_load_string (&c, "t.yaml", nulls[i], strlen (nulls[i]), &err) < 0)
        fail_msg ("%s: %s", nulls[i], err->msg);
      assert_int_equal (c.socket_gid, (gid_t) -1);
      config_free (&c);
    }
}

/* A second load (a later source) keeps what it does not name and replaces
 * lists whole: a file's capability list is the list, not an addition. */
static void
later_loads_replace_lists_whole (void **state)
{
  const char *first = "gateway: {allowedCapabilities: [CHOWN, KILL]}\n"
                      "registries: {mirrors: [{registry: a.io, location: m.io/a}]}\n"
                      "log: {level: debug}\n";
  const char *second = "gateway: {allowedCapabilities: [NET_ADMIN]}\n"
                       "registries: {mirrors: []}\n"
                       "storage: {drivers: [vfs]}\n";
  struct podsock_config c;
  podsock_error_t err = NULL;
  (void) state;
  assert_int_equal (load_fresh (&c, first, &err), 0);
  assert_int_equal (c.n_mirrors, 1);
  assert_int_equal (config_load_string (&c, "u.yaml", second, strlen (second), &err), 0);
  assert_string_equal (c.allowed_capabilities[0], "NET_ADMIN");
  assert_null (c.allowed_capabilities[1]);
  assert_int_equal (c.n_mirrors, 0);
  assert_int_equal (c.n_drivers, 1);
  assert_int_equal (c.drivers[0], CONFIG_DRIVER_VFS);
  assert_int_equal (c.log_level, PODSOCK_LOG_DEBUG); /* not named the second time */
  assert_int_equal (c.bind_sources_derived, 1);      /* allowedBindSources never named */
  config_free (&c);
}

/* A file of exactly 1 MiB (comments, then one setting) loads; one byte
 * more is refused with the limit named; a device and an empty file are
 * refused with their own reasons. */
static void
file_size_limit_and_kinds (void **state)
{
  const size_t mib = 1024 * 1024;
  const char *tail = "log: {level: warn}\n";
  char *text = xmalloc (mib + 2);
  struct podsock_config c;
  podsock_error_t err = NULL;
  (void) state;
  memset (text, '#', mib);
  for (size_t i = 79; i < mib; i += 80)
    text[i] = '\n';
  text[mib - strlen (tail) - 1] = '\n'; /* end the comment before the setting */
  strcpy (text + mib - strlen (tail), tail);
  testdir_put ("full.yaml", text);
  config_defaults (&c);
  if (config_load_file (&c, path_in (testdir, "full.yaml"), &err) < 0)
    fail_msg ("%s", err->msg);
  assert_int_equal (c.log_level, PODSOCK_LOG_WARN);
  strcpy (text + mib, "\n");
  testdir_put ("over.yaml", text);
  assert_int_equal (config_load_file (&c, path_in (testdir, "over.yaml"), &err), -1);
  assert_non_null (
      strstr (err->msg, "over.yaml is larger than 1 MiB; it holds settings, not data"));
  podsock_error_free (&err);
  assert_int_equal (config_load_file (&c, "/dev/null", &err), -1);
  assert_string_equal (err->msg, "configuration /dev/null is not a regular file; give a YAML file");
  podsock_error_free (&err);
  testdir_put ("empty.yaml", "");
  assert_int_equal (config_load_file (&c, path_in (testdir, "empty.yaml"), &err), -1);
  assert_non_null (strstr (err->msg, "empty.yaml:1:1: the configuration is empty; write at least "
                                     "one setting, e.g. log: {level: info}"));
  podsock_error_free (&err);
  config_free (&c);
  free (text);
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, refusals_name_place_cause_and_fix,
                    lists_stop_at_64, yaml_spellings_mean_the_plain_value,
                    group_nulls_reset_the_group, later_loads_replace_lists_whole,
                    file_size_limit_and_kinds)
