/* sidecar/config*.c: good files, every kind of error with its exact message
 * and position, the environment, round trips, derived defaults (quantities
 * and durations: test/lib/test_parse.c). */
#include "config.h"
#include <podsock/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

/* The configuration under test and its error: each test starts from the
 * defaults (fresh) and release frees both. */
static struct podsock_config c;
static podsock_error_t err;

static int
fresh (void **state)
{
  (void) state;
  config_defaults (&c);
  err = NULL;
  return 0;
}

static int
release (void **state)
{
  (void) state;
  config_free (&c);
  podsock_error_free (&err);
  return 0;
}

/* Loads text over fresh defaults. */
static int
load (const char *text)
{
  config_free (&c);
  config_defaults (&c);
  podsock_error_free (&err);
  return config_load_string (&c, "t.yaml", text, strlen (text), &err);
}

/* Loads text, expects failure with exactly want as the message. */
static void
expect_error (const char *text, const char *want)
{
  if (load (text) == 0)
    fail_msg ("accepted:\n%s", text);
  if (strcmp (err->msg, want) != 0)
    fail_msg ("for:\n%s\ngot:  %s\nwant: %s", text, err->msg, want);
}

/* The settings both the defaults and the full file below fix: [0] the
 * documented defaults, [1] what full_file sets.  (The lists of drivers and
 * bind sources are checked apart.) */
static const struct podsock_config wants[] = {
  { .socket_path = "/sockets/podman.sock",
    .socket_mode = 0660,
    .socket_gid = (gid_t) -1,
    .storage_dir = "/var/lib/podsock/storage",
    .runtime_dir = "/run/podsock",
    .builds_dir = "/builds",
    .status_file = "/run/podsock/status.json",
    .n_drivers = 3,
    .drivers = { CONFIG_DRIVER_OVERLAY, CONFIG_DRIVER_FUSE_OVERLAY, CONFIG_DRIVER_VFS },
    .high_watermark_pct = 85,
    .low_watermark_pct = 70,
    .prune = CONFIG_PRUNE_LRU,
    .storage_shared = STORAGEDIR_AUTO,
    .gateway = 1,
    .gateway_wait_seconds = 60,
    .allowed_bind_sources = (char *[]){ "/builds", "/sockets/podman.sock", NULL },
    .allow_privileged = 0,
    .seccomp = 1,
    .drop_caps = 1,
    .log_level = PODSOCK_LOG_INFO,
    .log_format = PODSOCK_LOG_JSON,
    .grace_seconds = 10,
    .restart_max = 5,
    .restart_window_seconds = 60 },
  { .socket_path = "/s/p.sock",
    .socket_mode = 0600,
    .socket_gid = 1700,
    .storage_dir = "/st",
    .runtime_dir = "/r",
    .builds_dir = "/b",
    .status_file = "/r/s.json",
    .n_drivers = 2,
    .drivers = { CONFIG_DRIVER_VFS, CONFIG_DRIVER_OVERLAY },
    .high_watermark_pct = 90,
    .low_watermark_pct = 50,
    .prune = CONFIG_PRUNE_DANGLING,
    .storage_shared = STORAGEDIR_WRITER,
    .gateway = 0,
    .gateway_wait_seconds = 30,
    .allowed_bind_sources = (char *[]){ "/b", "/data", NULL },
    .allow_privileged = 1,
    .seccomp = 0,
    .drop_caps = 0,
    .log_level = PODSOCK_LOG_DEBUG,
    .log_format = PODSOCK_LOG_TEXT,
    .grace_seconds = 30,
    .restart_max = 3,
    .restart_window_seconds = 90 },
};

/* The fields expect_config compares: strings by text, the rest by value. */
#define TEXT(f) #f, offsetof(struct podsock_config, f), 0
#define VALUE(f) #f, offsetof(struct podsock_config, f), sizeof((struct podsock_config *) 0)->f
static const struct
{
  const char *name;
  size_t offset, size; /* size 0: a string */
} fields[] = {
  { TEXT (socket_path) },
  { VALUE (socket_mode) },
  { VALUE (socket_gid) },
  { TEXT (storage_dir) },
  { TEXT (runtime_dir) },
  { TEXT (builds_dir) },
  { TEXT (status_file) },
  { VALUE (n_drivers) },
  { VALUE (high_watermark_pct) },
  { VALUE (low_watermark_pct) },
  { VALUE (prune) },
  { VALUE (storage_shared) },
  { VALUE (gateway) },
  { VALUE (gateway_wait_seconds) },
  { VALUE (allow_privileged) },
  { VALUE (seccomp) },
  { VALUE (drop_caps) },
  { VALUE (log_level) },
  { VALUE (log_format) },
  { VALUE (grace_seconds) },
  { VALUE (restart_max) },
  { VALUE (restart_window_seconds) },
};

static void
expect_config (const struct podsock_config *got, const struct podsock_config *want)
{
  for (size_t i = 0; i < ARRAY_SIZE (fields); i++)
    {
      const char *g = (const char *) got + fields[i].offset;
      const char *w = (const char *) want + fields[i].offset;

      if (fields[i].size == 0 && strcmp (*(char *const *) g, *(char *const *) w) != 0)
        fail_msg ("%s: '%s', want '%s'", fields[i].name, *(char *const *) g, *(char *const *) w);
      if (fields[i].size && memcmp (g, w, fields[i].size) != 0)
        fail_msg ("%s differs from the expected value", fields[i].name);
    }
  for (size_t i = 0; i < want->n_drivers; i++)
    assert_int_equal (got->drivers[i], want->drivers[i]);
  for (size_t i = 0; want->allowed_bind_sources[i]; i++)
    assert_string_equal (got->allowed_bind_sources[i], want->allowed_bind_sources[i]);
  assert_null (got->allowed_bind_sources[2]);
}

static void
defaults_are_documented_ones (void **state)
{
  (void) state;
  expect_config (&c, &wants[0]);
  assert_int_equal (c.handback, 1);
  config_free (&c);
}

static const char full_file[] = "# every section\n"
                                "socket:\n"
                                "  path: /s/p.sock\n"
                                "  mode: 0600\n"
                                "  group: 1700\n"
                                "paths: {runtimeDir: /r, buildsDir: /b, statusFile: /r/s.json}\n"
                                "storage:\n"
                                "  dir: /st\n"
                                "  drivers: [vfs, overlay]\n"
                                "  sizeLimit: 20Gi\n"
                                "  highWatermark: 90\n"
                                "  lowWatermark: 50\n"
                                "  prune: dangling\n"
                                "  pruneInterval: 2m\n"
                                "  shared: writer\n"
                                "engine:\n"
                                "  podman: /usr/local/bin/podman\n"
                                "  memoryMax: 1.5Gi\n"
                                "  pidsMax: 4096\n"
                                "  nofile: 65536\n"
                                "  nproc: 2048\n"
                                "  restartMax: 3\n"
                                "  restartWindow: 1m30s\n"
                                "containers: {memory: 500M, pids: 512}\n"
                                "registries:\n"
                                "  mirrors:\n"
                                "    - registry: docker.io\n"
                                "      location: mirror.example.com/dockerhub\n"
                                "    - {registry: quay.io, location: q.example.com}\n"
                                "gateway:\n"
                                "  enabled: false\n"
                                "  waitTimeout: 30s\n"
                                "  allowedBindSources: [/b, /data]\n"
                                "  allowPrivileged: true\n"
                                "hardening: {seccomp: false, dropCapabilities: false}\n"
                                "log: {level: debug, format: text}\n"
                                "shutdown: {grace: 30}\n";

static void
full_file_loads (void **state)
{
  (void) state;
  if (load (full_file) < 0)
    fail_msg ("%s", err->msg);
  expect_config (&c, &wants[1]);
  assert_true (c.storage_limit_bytes == 20ULL << 30);
  assert_int_equal (c.prune_interval_seconds, 120);
  assert_string_equal (c.podman, "/usr/local/bin/podman");
  assert_true (c.engine_memory_max_bytes == 3ULL << 29);
  assert_true (c.engine_pids_max == 4096);
  assert_true (c.engine_nofile == 65536);
  assert_true (c.engine_nproc == 2048);
  assert_true (c.container_memory_bytes == 500000000ULL);
  assert_true (c.container_pids == 512);
  assert_int_equal (c.n_mirrors, 2);
  assert_string_equal (c.mirrors[0].registry, "docker.io");
  assert_string_equal (c.mirrors[0].location, "mirror.example.com/dockerhub");
  assert_string_equal (c.mirrors[1].registry, "quay.io");
  config_free (&c);
}

/* What the Helm chart ships (deploy/helm/podsock/values.yaml `config:`). */
static void
chart_default_is_valid (void **state)
{
  (void) state;
  if (load ("# podsock-sidecar configuration (YAML).\nlog:\n  # error | warn | info | debug\n"
            "  level: info\n\n")
      < 0)
    fail_msg ("%s", err->msg);
  assert_int_equal (c.log_level, PODSOCK_LOG_INFO);
  config_free (&c);
  assert_int_equal (load ("{}\n"), 0);
  config_free (&c);
  assert_int_equal (load ("log:\n"), 0);
  config_free (&c);
}

static void
syntax_and_structure_errors (void **state)
{
  (void) state;
  expect_error ("", "t.yaml:1:1: the configuration is empty; write at least one setting, e.g. "
                    "log: {level: info}");
  expect_error ("# only a comment\n", "t.yaml:1:1: the configuration is empty; write at least "
                                      "one setting, e.g. log: {level: info}");
  expect_error ("log: [\n", "t.yaml:2:1: malformed YAML: did not find expected node content "
                            "while parsing a flow node; fix the syntax there");
  expect_error ("log:\n  level: info\n level: x\n",
                "t.yaml:3:2: malformed YAML: did not find expected key while parsing a block "
                "mapping; fix the syntax there");
  expect_error ("log: {level: info}\n---\nlog: {level: debug}\n",
                "t.yaml:2:1: a second YAML document; the configuration is one document: remove "
                "the '---' line and merge the settings");
  expect_error ("- log\n", "t.yaml:1:1: (top level): expected a mapping of sections, found a "
                           "list; write e.g. log: {level: info}");
  expect_error ("log: info\n", "t.yaml:1:6: log: expected a mapping of settings, found a single "
                               "value; write the keys indented under 'log:'");
}

static void
unknown_and_duplicate_keys (void **state)
{
  (void) state;
  expect_error ("log: {level: info}\nlogs: {}\n",
                "t.yaml:2:1: logs: unknown key; the sections are socket, paths, storage, engine, "
                "containers, registries, gateway, hardening, log, shutdown");
  expect_error ("storage:\n  sizelimit: 1Gi\n",
                "t.yaml:2:3: storage.sizelimit: unknown key; the keys of storage are dir, "
                "drivers, sizeLimit, prune, highWatermark, lowWatermark, pruneInterval, shared");
  expect_error ("socket:\n  mode: 0600\n  mode: 0660\n",
                "t.yaml:3:3: socket.mode: key 'mode' is given twice (first at line 2); keep one");
  expect_error ("log: {level: info}\nlog: {format: text}\n",
                "t.yaml:2:1: log: key 'log' is given twice (first at line 1); keep one");
  expect_error ("registries:\n  mirrors:\n    - {registry: a.io, location: b.io, url: c}\n",
                "t.yaml:3:40: registries.mirrors: unknown key 'url'; a mirror has registry and "
                "location");
  expect_error ("{[a]: 1}\n", "t.yaml:1:2: (top level): expected a single value, found a list; "
                              "write e.g. a key name");
}

static void
wrong_types (void **state)
{
  (void) state;
  expect_error ("storage:\n  dir: {a: b}\n", "t.yaml:2:8: storage.dir: expected a single value, "
                                             "found a mapping; write e.g. "
                                             "/var/lib/podsock/storage");
  expect_error ("shutdown:\n  grace: [1]\n", "t.yaml:2:10: shutdown.grace: expected a single "
                                             "value, found a list; write e.g. 10s");
  expect_error ("storage:\n  drivers: overlay\n",
                "t.yaml:2:12: storage.drivers: expected a list, found a single value; write "
                "e.g. drivers: [overlay, vfs]");
  expect_error ("registries: {mirrors: {registry: a}}\n",
                "t.yaml:1:23: registries.mirrors: expected a list of mirrors, found a mapping; "
                "write e.g. [{registry: docker.io, location: mirror.example.com}]");
  expect_error ("gateway: {allowedBindSources: /builds}\n",
                "t.yaml:1:31: gateway.allowedBindSources: expected a list of absolute paths, "
                "found a single value; write e.g. [/builds, /sockets/podman.sock]");
  expect_error ("gateway: {enabled: yes}\n",
                "t.yaml:1:20: gateway.enabled: 'yes' is not a boolean; write true or false");
}

static void
bad_values (void **state)
{
  (void) state;
  expect_error ("socket: {mode: 0999}\n", "t.yaml:1:16: socket.mode: '0999' is not an octal "
                                          "mode like 0660 (at most 0777, no setuid, setgid or "
                                          "sticky bits)");
  expect_error ("socket: {mode: 1777}\n", "t.yaml:1:16: socket.mode: '1777' is not an octal "
                                          "mode like 0660 (at most 0777, no setuid, setgid or "
                                          "sticky bits)");
  expect_error ("socket: {path: rel.sock}\n",
                "t.yaml:1:16: socket.path: path 'rel.sock' must be absolute; write a path that "
                "starts with /, e.g. /sockets/podman.sock");
  expect_error ("socket: {group: no-such-group-xyz}\n",
                "t.yaml:1:17: socket.group: no group 'no-such-group-xyz'; give a group name from "
                "/etc/group or a numeric GID such as 1700");
  expect_error ("storage: {sizeLimit: 20GB}\n",
                "t.yaml:1:22: storage.sizeLimit: '20GB' is not a size such as 500Mi, 20Gi, 1G or "
                "a number of bytes; write e.g. 20Gi");
  expect_error ("storage: {sizeLimit: -1}\n",
                "t.yaml:1:22: storage.sizeLimit: '-1' is not a size such as 500Mi, 20Gi, 1G or a "
                "number of bytes; write e.g. 20Gi");
  expect_error ("storage: {highWatermark: 101}\n",
                "t.yaml:1:26: storage.highWatermark: '101' is out of range; write a whole "
                "number from 1 to 100");
  expect_error ("storage:\n  highWatermark: 80\n  lowWatermark: 80\n",
                "t.yaml:3:17: storage.lowWatermark: the low watermark (80%) must be below the "
                "high watermark (80%); write e.g. highWatermark: 85 and lowWatermark: 70");
  expect_error ("storage:\n  highWatermark: 60\n",
                "t.yaml:2:18: storage.highWatermark: the low watermark (70%) must be below the "
                "high watermark (60%); write e.g. highWatermark: 85 and lowWatermark: 70");
  /* podman's cleanup command refuses a runroot over 50 characters (issue 17). */
  expect_error ("paths: {runtimeDir: /run/podsock/a-runtime-directory-too-long}\n",
                "t.yaml:1:21: paths.runtimeDir: '/run/podsock/a-runtime-directory-too-long' is "
                "too long: podman's runroot "
                "/run/podsock/a-runtime-directory-too-long/engine/containers would be 59 "
                "characters, over the 50 its cleanup command accepts (containers would never be "
                "removed and docker run --rm would hang); use a directory of at most 32 "
                "characters, e.g. /run/podsock");
  expect_error ("storage: {drivers: [overlay, btrfs]}\n",
                "t.yaml:1:30: storage.drivers: unknown storage driver 'btrfs'; write overlay, "
                "fuse-overlayfs or vfs");
  expect_error ("storage: {drivers: [vfs, vfs]}\n", "t.yaml:1:26: storage.drivers: driver 'vfs' "
                                                    "is listed twice; name each driver once");
  expect_error ("storage: {drivers: []}\n",
                "t.yaml:1:20: storage.drivers: the list is empty; write e.g. [overlay, vfs]");
  expect_error ("storage: {prune: always}\n",
                "t.yaml:1:18: storage.prune: 'always' is not one of off, dangling or lru");
  expect_error ("storage: {shared: yes}\n",
                "t.yaml:1:19: storage.shared: 'yes' is not one of auto, true, false, writer");
  expect_error ("storage: {pruneInterval: 0s}\n",
                "t.yaml:1:26: storage.pruneInterval: '0s' is out of range; write a duration in "
                "whole seconds such as 30s, 2m or 1m30s from 1 to 86400");
  expect_error ("shutdown: {grace: 500ms}\n", "t.yaml:1:19: shutdown.grace: '500ms' is not a "
                                              "whole number of seconds; write e.g. 10s");
  expect_error ("shutdown: {grace: soon}\n",
                "t.yaml:1:19: shutdown.grace: 'soon' is not a duration in whole seconds such as "
                "30s, 2m or 1m30s; write e.g. 10s");
  expect_error ("shutdown: {grace: 2h}\n",
                "t.yaml:1:19: shutdown.grace: '2h' is out of range; write a duration in whole "
                "seconds such as 30s, 2m or 1m30s from 0 to 3600");
  expect_error ("engine: {podman: ''}\n",
                "t.yaml:1:18: engine.podman: the value is empty; write e.g. podman");
  expect_error ("engine: {restartMax: 5x}\n", "t.yaml:1:22: engine.restartMax: '5x' is not a "
                                              "whole number; write e.g. 5");
  expect_error ("log: {level: loud}\n",
                "t.yaml:1:14: log.level: 'loud' is not one of debug, info, warn or error");
  expect_error ("log: {format: xml}\n", "t.yaml:1:15: log.format: 'xml' is not one of json or "
                                        "text");
  expect_error ("registries:\n  mirrors:\n    - registry: docker.io\n",
                "t.yaml:3:7: registries.mirrors: a mirror needs both registry and location; "
                "write e.g. {registry: docker.io, location: mirror.example.com/dockerhub}");
  expect_error ("gateway: {allowedBindSources: [builds]}\n",
                "t.yaml:1:32: gateway.allowedBindSources: path 'builds' must be absolute; write "
                "a path that starts with /");
  expect_error ("log: {level: \"in\\0fo\"}\n",
                "t.yaml:1:14: log.level: the value contains a NUL character; remove it");
}

static void
clear_env (void)
{
  static const char *const vars[] = { "PODSOCK_SOCKET",
                                      "PODSOCK_SOCKET_MODE",
                                      "PODSOCK_STORAGE_DRIVERS",
                                      "PODSOCK_GRACE",
                                      "PODSOCK_STORAGE_SIZE_LIMIT",
                                      "PODSOCK_LOW_WATERMARK",
                                      "PODSOCK_HIGH_WATERMARK",
                                      "PODSOCK_SECCOMP",
                                      "PODSOCK_LOG_LEVEL" };
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    unsetenv (vars[i]);
}

static void
environment_overrides_file (void **state)
{
  (void) state;
  clear_env ();
  assert_int_equal (load ("log: {level: debug}\nshutdown: {grace: 5s}\n"), 0);
  setenv ("PODSOCK_LOG_LEVEL", "warn", 1);
  setenv ("PODSOCK_STORAGE_SIZE_LIMIT", "2Gi", 1);
  setenv ("PODSOCK_STORAGE_DRIVERS", "vfs,overlay", 1);
  setenv ("PODSOCK_SECCOMP", "false", 1);
  if (config_apply_env (&c, &err) < 0)
    fail_msg ("%s", err->msg);
  assert_int_equal (c.log_level, PODSOCK_LOG_WARN);
  assert_int_equal (c.grace_seconds, 5); /* from the file: not in the environment */
  assert_true (c.storage_limit_bytes == 2ULL << 30);
  assert_int_equal (c.n_drivers, 2);
  assert_int_equal (c.drivers[0], CONFIG_DRIVER_VFS);
  assert_int_equal (c.seccomp, 0);
  config_free (&c);
  clear_env ();
}

static void
environment_errors_name_the_variable (void **state)
{
  static const struct
  {
    const char *var, *value, *want;
  } cases[] = {
    { "PODSOCK_GRACE", "soon",
      "PODSOCK_GRACE: 'soon' is not a duration in whole seconds such as 30s, 2m or 1m30s; write "
      "e.g. 10s" },
    { "PODSOCK_SOCKET", "x.sock",
      "PODSOCK_SOCKET: path 'x.sock' must be absolute; write a path that starts with /, e.g. "
      "/sockets/podman.sock" },
    { "PODSOCK_STORAGE_DRIVERS", "overlay,zfs",
      "PODSOCK_STORAGE_DRIVERS: unknown storage driver 'zfs'; write overlay, fuse-overlayfs or "
      "vfs" },
    { "PODSOCK_STORAGE_DRIVERS", ",",
      "PODSOCK_STORAGE_DRIVERS: no storage driver given; write "
      "e.g. overlay,vfs" },
    { "PODSOCK_LOW_WATERMARK", "90",
      "environment (PODSOCK_HIGH_WATERMARK, PODSOCK_LOW_WATERMARK): the low watermark (90%) must "
      "be below the high watermark (85%); write e.g. highWatermark: 85 and lowWatermark: 70" },
  };
  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      clear_env ();
      config_free (&c);
      config_defaults (&c);
      setenv (cases[i].var, cases[i].value, 1);
      assert_int_equal (config_apply_env (&c, &err), -1);
      if (strcmp (err->msg, cases[i].want) != 0)
        fail_msg ("got '%s', want '%s'", err->msg, cases[i].want);
      podsock_error_free (&err);
      config_free (&c);
    }
  clear_env ();
}

/* config_to_yaml's text loads back to the same configuration. */
static void
round_trip (void **state)
{
  static const char *const inputs[] = {
    "{}\n",
    full_file,
    "socket: {group: null}\nengine: {podman: \"/odd path/with \\\"quotes\\\" \\\\ and\\ttab\"}\n"
    "storage: {sizeLimit: 1234567}\n"
    "registries: {mirrors: [{registry: 'docker.io', location: \"m.example/x:5000\"}]}\n",
  };
  (void) state;
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
    {
      struct podsock_config b;
      char *ya, *yb;
      if (load (inputs[i]) < 0)
        fail_msg ("input %zu: %s", i, err->msg);
      ya = config_to_yaml (&c);
      assert_non_null (ya);
      config_defaults (&b);
      if (config_load_string (&b, "t.yaml", ya, strlen (ya), &err) < 0)
        fail_msg ("input %zu: output does not load back: %s\n%s", i, err->msg, ya);
      yb = config_to_yaml (&b);
      assert_string_equal (ya, yb);
      assert_string_equal (c.podman, b.podman);
      assert_true (c.storage_limit_bytes == b.storage_limit_bytes);
      assert_int_equal (c.n_mirrors, b.n_mirrors);
      free (ya);
      free (yb);
      config_free (&b);
    }
}

static void
bind_sources_follow_paths_until_set (void **state)
{
  (void) state;
  assert_int_equal (config_set (&c, "paths.buildsDir", "/work", &err), 0);
  assert_int_equal (config_set (&c, "socket.path", "/s/d.sock", &err), 0);
  config_finalize (&c);
  assert_string_equal (c.allowed_bind_sources[0], "/work");
  assert_string_equal (c.allowed_bind_sources[1], "/s/d.sock");
  config_free (&c);

  assert_int_equal (load ("gateway: {allowedBindSources: [/data]}\n"), 0);
  assert_int_equal (config_set (&c, "paths.buildsDir", "/work", &err), 0);
  config_finalize (&c);
  assert_string_equal (c.allowed_bind_sources[0], "/data");
  assert_null (c.allowed_bind_sources[1]);
  config_free (&c);
}

static void
set_by_path (void **state)
{
  (void) state;
  assert_int_equal (config_set (&c, "storage.sizeLimit", "10Gi", &err), 0);
  assert_true (c.storage_limit_bytes == 10ULL << 30);
  assert_int_equal (config_set (&c, "storage.nope", "1", &err), -1);
  assert_string_equal (err->msg, "unknown setting 'storage.nope'; write SECTION.KEY as in "
                                 "docs/config.md, e.g. storage.sizeLimit");
  assert_int_equal (config_set (&c, "registries.mirrors", "x", &err), -1);
  assert_string_equal (err->msg,
                       "registries.mirrors: this setting takes a list; set it in the file");
  /* Both watermarks may move in any order; config_check() judges the end. */
  assert_int_equal (config_set (&c, "storage.lowWatermark", "90", &err), 0);
  assert_int_equal (config_check (&c, &err), -1);
  assert_int_equal (config_set (&c, "storage.highWatermark", "95", &err), 0);
  assert_int_equal (config_check (&c, &err), 0);
  podsock_error_free (&err);
  config_free (&c);
}

static void
load_file_errors (void **state)
{
  (void) state;
  assert_int_equal (config_load_file (&c, "/nonexistent/podsock.yaml", &err), -1);
  assert_string_equal (err->msg, "cannot open configuration /nonexistent/podsock.yaml (check the "
                                 "ConfigMap mount, or point --config or PODSOCK_CONFIG at the "
                                 "file): No such file or directory");
  assert_int_equal (config_load_file (&c, "/", &err), -1);
  assert_string_equal (err->msg, "configuration / is not a regular file; give a YAML file");
  podsock_error_free (&err);
  config_free (&c);
}

/* paths.statusFile defaults to RUNTIME_DIR/status.json, so that
 * --runtime-dir moves it; once set (file, environment, --set) it stays. */
static void
status_file_follows_runtime_dir_until_set (void **state)
{
  (void) state;
  clear_env ();
  assert_int_equal (config_set (&c, "paths.runtimeDir", "/x/run", &err), 0);
  config_finalize (&c);
  assert_string_equal (c.status_file, "/x/run/status.json");
  config_free (&c);

  assert_int_equal (load ("paths: {runtimeDir: /r}\n"), 0);
  config_finalize (&c);
  assert_string_equal (c.status_file, "/r/status.json");
  config_free (&c);

  assert_int_equal (load ("paths: {statusFile: /s/st.json}\n"), 0);
  assert_int_equal (config_set (&c, "paths.runtimeDir", "/x/run", &err), 0);
  config_finalize (&c);
  assert_string_equal (c.status_file, "/s/st.json");
  config_free (&c);

  config_defaults (&c);
  setenv ("PODSOCK_STATUS_FILE", "/e/st.json", 1);
  setenv ("PODSOCK_RUNTIME_DIR", "/e/run", 1);
  if (config_apply_env (&c, &err) < 0)
    fail_msg ("%s", err->msg);
  config_finalize (&c);
  assert_string_equal (c.runtime_dir, "/e/run");
  assert_string_equal (c.status_file, "/e/st.json");
  config_free (&c);
  unsetenv ("PODSOCK_STATUS_FILE");
  unsetenv ("PODSOCK_RUNTIME_DIR");
}

TEST_MAIN_FIXTURES (fresh, release, defaults_are_documented_ones, full_file_loads,
                    chart_default_is_valid, syntax_and_structure_errors, unknown_and_duplicate_keys,
                    wrong_types, bad_values, environment_overrides_file,
                    environment_errors_name_the_variable, round_trip,
                    bind_sources_follow_paths_until_set, status_file_follows_runtime_dir_until_set,
                    set_by_path, load_file_errors)
