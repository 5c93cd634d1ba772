/* sidecar/config_table.c: the settings table itself (names, variables,
 * examples, ranges, fields), its lookups, and the setters it feeds with
 * values at and past each boundary. */
#include "config.h"
#include "config_table.h"
#include <podsock/util.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

/* Every row is complete: a section and key, an example, a PODSOCK_*
 * variable unless it is a list the environment cannot carry, and a field
 * inside struct podsock_config. */
static void
every_setting_is_complete (void **state)
{
  (void) state;
  for (size_t i = 0; i < CONFIG_N_SETTINGS; i++)
    {
      const struct setting *s = &config_settings[i];
      assert_non_null (s->section);
      assert_non_null (s->key);
      assert_non_null (s->example);
      assert_true (s->section[0] && s->key[0] && s->example[0]);
      assert_null (strpbrk (s->key, ". "));
      assert_true (s->offset < sizeof (struct podsock_config));
      assert_true (s->min <= s->max);
      if (s->env == NULL)
        {
          if (s->type != T_MIRRORS && s->type != T_PATHLIST)
            fail_msg ("%s.%s has no environment variable", s->section, s->key);
          continue;
        }
      if (strncmp (s->env, "PODSOCK_", 8) != 0
          || strspn (s->env, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != strlen (s->env))
        fail_msg ("%s.%s: variable '%s' is not PODSOCK_UPPER_CASE", s->section, s->key, s->env);
    }
}

/* No two rows share a path, a variable or a field; a section's rows stand
 * together (the printer writes each section header once: a section split in
 * two would print a YAML key twice, which the loader refuses). */
static void
names_and_fields_are_unique (void **state)
{
  (void) state;
  for (size_t i = 0; i < CONFIG_N_SETTINGS; i++)
    for (size_t j = i + 1; j < CONFIG_N_SETTINGS; j++)
      {
        const struct setting *a = &config_settings[i], *b = &config_settings[j];
        int same_section = strcmp (a->section, b->section) == 0;
        if (same_section && strcmp (a->key, b->key) == 0)
          fail_msg ("%s.%s is listed twice", a->section, a->key);
        if (a->env && b->env && strcmp (a->env, b->env) == 0)
          fail_msg ("%s is used by rows %zu and %zu", a->env, i, j);
        if (a->offset == b->offset)
          fail_msg ("%s.%s and %s.%s share a field", a->section, a->key, b->section, b->key);
        if (same_section && j > i + 1 && strcmp (config_settings[j - 1].section, a->section) != 0)
          fail_msg ("section %s is split (rows %zu and %zu)", a->section, i, j);
      }
}

/* Each example, written under its section in a file, loads: the examples
 * are what error messages tell users to write. */
static void
every_example_loads (void **state)
{
  (void) state;
  for (size_t i = 0; i < CONFIG_N_SETTINGS; i++)
    {
      const struct setting *s = &config_settings[i];
      struct podsock_config c;
      podsock_error_t err = NULL;
      char *text = xasprintf ("%s:\n  %s: %s\n", s->section, s->key, s->example);

      config_defaults (&c);
      if (config_load_string (&c, "example.yaml", text, strlen (text), &err) < 0)
        fail_msg ("the example of %s.%s does not load: %s", s->section, s->key, err->msg);
      free (text);
      config_free (&c);
    }
}

/* Every path finds its own row, and only the exact spelling does. */
static void
lookups_find_exact_paths_only (void **state)
{
  static const char *const misses[] = { "",
                                        "storage",
                                        "storage.",
                                        ".sizeLimit",
                                        "sizeLimit",
                                        "storage.sizelimit",
                                        "Storage.sizeLimit",
                                        "storage.sizeLimit ",
                                        "storage..sizeLimit",
                                        "storage.sizeLimitX",
                                        "storagex.sizeLimit",
                                        "storage.sizeLimit.x",
                                        "storage/sizeLimit",
                                        "log.level\n" };
  (void) state;
  for (size_t i = 0; i < CONFIG_N_SETTINGS; i++)
    {
      const struct setting *s = &config_settings[i];
      char path[128];
      snprintf (path, sizeof path, "%s.%s", s->section, s->key);
      assert_ptr_equal (config_setting_by_path (path), s);
      assert_int_equal (config_setting_index (s->section, s->key), (int) i);
    }
  for (size_t i = 0; i < ARRAY_SIZE (misses); i++)
    if (config_setting_by_path (misses[i]) != NULL)
      fail_msg ("'%s' found a setting", misses[i]);
}

/* config_setting_index is for names the code spells; an unknown one is a
 * programming error and aborts (in a child here). */
static void
index_of_unknown_setting_aborts (void **state)
{
  int st = 0;
  pid_t pid;
  (void) state;
  pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      int fd = open ("/dev/null", O_WRONLY);
      dup2 (fd, 2); /* ASan's or libc's abort report is not ours to show */
      config_setting_index ("storage", "sizelimit");
      _exit (0);
    }
  assert_int_equal (waitpid (pid, &st, 0), pid);
  assert_true (WIFSIGNALED (st));
  assert_int_equal (WTERMSIG (st), SIGABRT);
}

static void
enum_names_and_out_of_range (void **state)
{
  (void) state;
  assert_string_equal (config_driver_name (CONFIG_DRIVER_OVERLAY), "overlay");
  assert_string_equal (config_driver_name (CONFIG_DRIVER_FUSE_OVERLAY), "fuse-overlayfs");
  assert_string_equal (config_driver_name (CONFIG_DRIVER_VFS), "vfs");
  assert_string_equal (config_driver_name ((enum config_driver) 3), "?");
  assert_string_equal (config_driver_name ((enum config_driver) - 1), "?");
  assert_string_equal (config_prune_name (CONFIG_PRUNE_OFF), "off");
  assert_string_equal (config_prune_name (CONFIG_PRUNE_DANGLING), "dangling");
  assert_string_equal (config_prune_name (CONFIG_PRUNE_LRU), "lru");
  assert_string_equal (config_prune_name ((enum config_prune) 3), "?");
  assert_string_equal (config_prune_name ((enum config_prune) - 1), "?");
}

/* Per setting: a value at the end of its range (or of its form) that
 * passes, the first one past it, and what the refusal of that one says. */
static const struct
{
  const char *path, *last_ok, *first_bad, *want;
} boundaries[] = {
  { "storage.highWatermark", "1", "0", "'0' is out of range; write a whole number from 1 to 100" },
  { "storage.lowWatermark", "99", "100",
    "'100' is out of range; write a whole number from 0 to 99" },
  { "engine.restartMax", "1000", "1001", "from 0 to 1000" },
  { "engine.nofile", "1073741824", "1073741825", "'1073741825' is out of range" },
  { "engine.pidsMax", "4294967295", "4294967296", "from 0 to 4294967295" },
  { "engine.nproc", "4294967295", "18446744073709551616", "is not a whole number; write e.g." },
  { "engine.restartWindow", "1s", "86401s", "from 1 to 86400" },
  { "gateway.waitTimeout", "1h", "1h0m1s", "'1h0m1s' is out of range" },
  { "gateway.defaultStopTimeout", "1000ms", "1500ms", "not a whole number of seconds" },
  { "socket.mode", "0777", "4755", "'4755' is not an octal mode like 0660" },
  { "socket.mode", "0", "0o660", "is not an octal mode" },
  { "socket.group", "4294967294", "4294967295", "no group '4294967295'; give a group name" },
  { "socket.group", "", "-1", "no group '-1'" },
  { "containers.memory", "1.5Ki", "1KiB", "'1KiB' is not a size such as 500Mi" },
  { "hardening.seccomp", "true", "True", "'True' is not a boolean; write true or false" },
  { "storage.prune", "lru", "LRU", "'LRU' is not one of off, dangling or lru" },
  { "log.level", "warn", "warning", "'warning' is not one of debug, info, warn or error" },
  { "storage.shared", "writer", "Writer", "is not one of auto, true, false, writer" },
  { "paths.statusFile", "/s.json", "status.json", "path 'status.json' must be absolute" },
  { "engine.podman", "p", "", "the value is empty; write e.g. podman" },
  { "storage.drivers", "overlay,,vfs", ",,", "no storage driver given" },
  { "storage.drivers", "vfs", "Overlay", "unknown storage driver 'Overlay'" },
  { "gateway.allowedBindSources", NULL, "/x", "this setting takes a list; set it in the file" },
  { "engine.podman", "p\xc3\xa9", "p\xc3", "the value is not valid UTF-8; write it in UTF-8" },
  { "paths.statusFile", "/\xf4\x8f\xbf\xbf", "/\xed\xa0\x80", "not valid UTF-8" },
  { "socket.group", "", "\xc0\xae", "not valid UTF-8" },
};

/* Sets path to value on fresh defaults: 0, or -1 with the message in *msg
 * (free it). */
static int
try_set (const char *path, const char *value, char **msg)
{
  const struct setting *s = config_setting_by_path (path);
  struct podsock_config c;
  podsock_error_t err = NULL;
  int r;

  if (s == NULL)
    fail_msg ("no setting %s", path);
  config_defaults (&c);
  r = config_setting_set (&c, s, value, &err);
  *msg = r < 0 ? xstrdup (err->msg) : NULL;
  podsock_error_free (&err);
  config_free (&c);
  return r;
}

static void
setters_at_the_boundaries (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (boundaries); i++)
    {
      const char *path = boundaries[i].path;
      cleanup_free char *ok_msg = NULL, *bad_msg = NULL;

      if (boundaries[i].last_ok && try_set (path, boundaries[i].last_ok, &ok_msg) < 0)
        fail_msg ("%s=%s refused: %s", path, boundaries[i].last_ok, ok_msg);
      if (try_set (path, boundaries[i].first_bad, &bad_msg) == 0)
        fail_msg ("%s=%s accepted", path, boundaries[i].first_bad);
      if (strstr (bad_msg, boundaries[i].want) == NULL)
        fail_msg ("%s=%s: '%s' lacks '%s'", path, boundaries[i].first_bad, bad_msg,
                  boundaries[i].want);
    }
}

/* What an accepted value sets, read back from the field. */
static void
setters_store_what_they_read (void **state)
{
  struct podsock_config c;
  podsock_error_t err = NULL;
  (void) state;
  config_defaults (&c);
  assert_int_equal (config_set (&c, "socket.mode", "0777", &err), 0);
  assert_int_equal (c.socket_mode, 0777);
  assert_int_equal (config_set (&c, "socket.group", "4294967294", &err), 0);
  assert_int_equal (c.socket_gid, 4294967294u);
  assert_int_equal (config_set (&c, "socket.group", "", &err), 0);
  assert_int_equal (c.socket_gid, (gid_t) -1);
  assert_int_equal (config_set (&c, "containers.memory", "1.5Ki", &err), 0);
  assert_true (c.container_memory_bytes == 1536);
  assert_int_equal (config_set (&c, "gateway.waitTimeout", "1h", &err), 0);
  assert_int_equal (c.gateway_wait_seconds, 3600);
  assert_int_equal (config_set (&c, "storage.drivers", "vfs,,overlay", &err), 0);
  assert_int_equal (c.n_drivers, 2);
  assert_int_equal (c.drivers[0], CONFIG_DRIVER_VFS);
  assert_int_equal (c.drivers[1], CONFIG_DRIVER_OVERLAY);
  assert_int_equal (config_set (&c, "gateway.allowedDevices", "/dev/fuse,,/dev/net/tun", &err), 0);
  assert_string_equal (c.allowed_devices[0], "/dev/fuse");
  assert_string_equal (c.allowed_devices[1], "/dev/net/tun");
  assert_null (c.allowed_devices[2]);
  assert_int_equal (config_set (&c, "gateway.allowedCapabilities", "", &err), 0);
  assert_null (c.allowed_capabilities[0]);
  config_free (&c);
}

/* A refused value leaves the whole configuration as it was (socket.mode
 * was stored before its check; a driver list was half written over the
 * old one): the printed configuration is the same before and after. */
static const struct
{
  const char *path, *set, *refused;
} kept[] = {
  { "socket.mode", "0640", "1777" },
  { "storage.drivers", "overlay,fuse-overlayfs,vfs", "vfs,zfs" },
  { "storage.drivers", "vfs", "overlay,overlay" },
  { "engine.podman", "podman", "p\xff" },
};

static void
refusals_keep_the_old_value (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (kept); i++)
    {
      struct podsock_config c;
      podsock_error_t err = NULL;
      config_defaults (&c);
      if (config_set (&c, kept[i].path, kept[i].set, &err) < 0)
        fail_msg ("%s=%s refused: %s", kept[i].path, kept[i].set, err->msg);
      cleanup_free char *before = config_to_yaml (&c);
      if (config_set (&c, kept[i].path, kept[i].refused, &err) == 0)
        fail_msg ("%s=%s accepted", kept[i].path, kept[i].refused);
      podsock_error_free (&err);
      cleanup_free char *after = config_to_yaml (&c);
      if (strcmp (before, after) != 0)
        fail_msg ("%s=%s changed the configuration:\n%s\n---\n%s", kept[i].path,
                  kept[i].refused, before, after);
      config_free (&c);
    }
}

/* A word list of 64 entries is the most; 65 is refused. */
static void
word_lists_stop_at_the_limit (void **state)
{
  char words[65 * 4 + 1] = "";
  struct podsock_config c;
  podsock_error_t err = NULL;
  (void) state;
  config_defaults (&c);
  for (int i = 0; i < CONFIG_MAX_LIST; i++)
    strcat (words, i ? ",c" : "c");
  assert_int_equal (config_set (&c, "gateway.allowedSysctls", words, &err), 0);
  assert_non_null (c.allowed_sysctls[CONFIG_MAX_LIST - 1]);
  assert_null (c.allowed_sysctls[CONFIG_MAX_LIST]);
  strcat (words, ",c");
  assert_int_equal (config_set (&c, "gateway.allowedSysctls", words, &err), -1);
  assert_string_equal (err->msg, "gateway.allowedSysctls: more than 64 entries; keep at most 64");
  assert_non_null (c.allowed_sysctls[CONFIG_MAX_LIST - 1]); /* the old list stays */
  podsock_error_free (&err);
  config_free (&c);
}

TEST_MAIN (every_setting_is_complete, names_and_fields_are_unique, every_example_loads,
           lookups_find_exact_paths_only, index_of_unknown_setting_aborts,
           enum_names_and_out_of_range, setters_at_the_boundaries, setters_store_what_they_read,
           word_lists_stop_at_the_limit, refusals_keep_the_old_value)
