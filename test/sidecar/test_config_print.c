/* sidecar/config_print.c: --print-config's text.  Each type is printed in
 * the form the loader reads (sizes in their largest whole unit, modes as
 * quoted octal, durations in seconds, null for no group), strings are
 * quoted so that any text survives, and printing what was loaded from the
 * print gives the same text again. */
#include "config.h"
#include "config_table.h"
#include "strv.h"
#include <podsock/util.h>

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

/* The line "  KEY: ..." of text under "SECTION:", without its newline;
 * NULL when there is none.  Free it. */
static char *
printed_line (const char *text, const char *path)
{
  const char *dot = strchr (path, '.');
  cleanup_free char *head = xasprintf ("\n%.*s:\n", (int) (dot - path), path);
  cleanup_free char *key = xasprintf ("\n  %s: ", dot + 1);
  const char *sec = strstr (text, head), *line, *end;

  if (sec == NULL)
    return NULL;
  line = strstr (sec + 1, key);
  end = line ? strchr (line + 1, '\n') : NULL;
  return end ? xstrndup (line + 1, (size_t) (end - line - 1)) : NULL;
}

/* config_to_yaml of c, loaded into fresh defaults, must print the same;
 * returns the text (free it) and leaves the loaded copy in *back. */
static char *
print_and_reload (const struct podsock_config *c, struct podsock_config *back)
{
  char *text = config_to_yaml (c), *again;
  podsock_error_t err = NULL;

  assert_non_null (text);
  config_defaults (back);
  if (config_load_string (back, "printed.yaml", text, strlen (text), &err) < 0)
    fail_msg ("the print does not load back: %s\n%s", err->msg, text);
  again = config_to_yaml (back);
  assert_string_equal (again, text);
  free (again);
  return text;
}

/* One setting of each type set from text, and what it prints as after
 * "KEY: " (the lists the environment cannot set: odd_strings_... below). */
static const struct form
{
  enum setting_type type;
  const char *path, *value, *printed;
} forms[] = {
  { T_SIZE, "storage.sizeLimit", "1536", "1536" },
  { T_SIZE, "storage.sizeLimit", "1024Ki", "1Mi" },
  { T_SIZE, "storage.sizeLimit", "3Gi", "3Gi" },
  { T_SIZE, "storage.sizeLimit", "1G", "1000000000" },
  { T_SIZE, "storage.sizeLimit", "1Ei", "1Ei" },
  { T_SIZE, "storage.sizeLimit", "2048Pi", "2Ei" },
  { T_SIZE, "storage.sizeLimit", "0", "0" },
  { T_SIZE, "engine.memoryMax", "1536Mi", "1536Mi" },
  { T_MODE, "socket.mode", "7", "\"0007\"" },
  { T_MODE, "socket.mode", "0640", "\"0640\"" },
  { T_GROUP, "socket.group", "", "null" },
  { T_GROUP, "socket.group", "0", "0" },
  { T_SECONDS, "shutdown.grace", "1m30s", "90s" },
  { T_SECONDS, "gateway.waitTimeout", "0", "0s" },
  { T_UNSIGNED, "storage.highWatermark", "090", "90" },
  { T_COUNT, "engine.pidsMax", "4294967295", "4294967295" },
  { T_BOOL, "hardening.seccomp", "false", "false" },
  { T_LOGLEVEL, "log.level", "warn", "warn" },
  { T_LOGFORMAT, "log.format", "text", "text" },
  { T_PRUNE, "storage.prune", "off", "off" },
  { T_SHARED, "storage.shared", "writer", "writer" },
  { T_DRIVERS, "storage.drivers", "fuse-overlayfs", "[fuse-overlayfs]" },
  { T_WORDLIST, "gateway.allowedSysctls", "", "[]" },
  { T_WORDLIST, "gateway.allowedDevices", "/dev/fuse,/dev/kvm", "[\"/dev/fuse\", \"/dev/kvm\"]" },
  { T_PATH, "paths.buildsDir", "/b x/y", "\"/b x/y\"" },
  { T_STRING, "engine.podman", "/a\"b\\c", "\"/a\\\"b\\\\c\"" },
  { T_STRING, "engine.podman", "tab\there", "\"tab\\x09here\"" },
  { T_STRING, "engine.podman", "del\x7f", "\"del\\x7f\"" },
  { T_STRING, "engine.podman", "grüß #1: x", "\"grüß #1: x\"" },
};

/* f's value, set on the defaults, prints as f->printed and loads back. */
static void
expect_form (const struct form *f)
{
  struct podsock_config c, back;
  podsock_error_t err = NULL;
  cleanup_free char *text = NULL, *line = NULL, *want = NULL;

  assert_int_equal (config_setting_by_path (f->path)->type, f->type);
  config_defaults (&c);
  if (config_set (&c, f->path, f->value, &err) < 0)
    fail_msg ("%s=%s: %s", f->path, f->value, err->msg);
  text = print_and_reload (&c, &back);
  line = printed_line (text, f->path);
  want = xasprintf ("  %s: %s", strchr (f->path, '.') + 1, f->printed);
  if (line == NULL || strcmp (line, want) != 0)
    fail_msg ("%s=%s printed '%s', want '%s'", f->path, f->value, line ? line : "(none)", want);
  config_free (&back);
  config_free (&c);
}

static void
each_type_prints_in_its_form (void **state)
{
  (void) state;
  for (const struct form *f = forms; f < forms + ARRAY_SIZE (forms); f++)
    expect_form (f);
  /* every type a value can be set in has a row */
  for (enum setting_type t = T_PATH; t <= T_MIRRORS; t++)
    {
      bool covered = t == T_PATHLIST || t == T_MIRRORS;
      for (size_t i = 0; i < ARRAY_SIZE (forms) && !covered; i++)
        covered = forms[i].type == t;
      if (!covered)
        fail_msg ("no row prints a setting of type %d", (int) t);
    }
}

/* The header, then every section once, each key once, in the table's order. */
static void
layout_follows_the_table (void **state)
{
  struct podsock_config c;
  char *text;
  const char *at;
  (void) state;
  config_defaults (&c);
  text = config_to_yaml (&c);
  assert_non_null (text);
  assert_true (
      strncmp (text, "# podsock-sidecar effective configuration (see docs/config.md)\n", 63) == 0);
  at = text;
  for (size_t i = 0; i < CONFIG_N_SETTINGS; i++)
    {
      cleanup_free char *key = xasprintf ("\n  %s: ", config_settings[i].key);
      if (i == 0 || strcmp (config_settings[i - 1].section, config_settings[i].section) != 0)
        {
          cleanup_free char *head = xasprintf ("\n%s:\n", config_settings[i].section);
          const char *h = strstr (at, head);
          if (h == NULL)
            fail_msg ("section %s missing or out of order", config_settings[i].section);
          assert_null (strstr (h + 1, head)); /* printed once */
          at = h + 1;
        }
      at = strstr (at, key);
      if (at == NULL)
        fail_msg ("%s.%s missing or out of order", config_settings[i].section,
                  config_settings[i].key);
      at++;
    }
  assert_int_equal (text[strlen (text) - 1], '\n');
  free (text);
  config_free (&c);
}

/* A path made of every printable and control byte but NUL, and UTF-8,
 * goes through quoting and back unchanged; so do list entries and mirrors
 * with YAML's special characters. */
static void
odd_strings_survive_the_round_trip (void **state)
{
  static const char *const devices[] = { "/dev/a b", "/dev/#x", "/dev/[y]", "/dev/{z}: w", NULL };
  struct podsock_config c, back;
  char every[256], *text;
  size_t n = 0;
  (void) state;
  every[n++] = '/';
  for (int b = 1; b < 0x80; b++)
    every[n++] = (char) b;
  strcpy (every + n, "ü€🚀");
  config_defaults (&c);
  free (c.podman);
  c.podman = xstrdup (every);
  strv_free (c.allowed_devices);
  c.allowed_devices = strv_dup (devices);
  c.mirrors = xcalloc (2, sizeof *c.mirrors);
  c.n_mirrors = 2;
  c.mirrors[0] = (struct config_mirror){ xstrdup ("docker.io"), xstrdup ("m.example:5000/hub") };
  c.mirrors[1] = (struct config_mirror){ xstrdup ("[::1]:5000"), xstrdup ("m.example/#&*!") };
  text = print_and_reload (&c, &back);
  assert_string_equal (back.podman, every);
  for (size_t i = 0; devices[i]; i++)
    assert_string_equal (back.allowed_devices[i], devices[i]);
  assert_int_equal (back.n_mirrors, 2);
  assert_string_equal (back.mirrors[1].registry, "[::1]:5000");
  assert_string_equal (back.mirrors[1].location, "m.example/#&*!");
  free (text);
  config_free (&back);
  config_free (&c);
}

/* The largest values each numeric type holds print and load back. */
static void
extremes_round_trip (void **state)
{
  struct podsock_config c, back;
  char *text;
  (void) state;
  config_defaults (&c);
  c.storage_limit_bytes = UINT64_MAX;
  c.engine_memory_max_bytes = UINT64_MAX - 1023; /* a whole number of Ki */
  c.engine_nofile = 1 << 30;
  c.container_pids = UINT32_MAX;
  c.restart_window_seconds = 86400;
  c.socket_mode = 0;
  c.socket_gid = 0;
  c.low_watermark_pct = 0;
  c.high_watermark_pct = 1;
  text = print_and_reload (&c, &back);
  assert_true (back.storage_limit_bytes == UINT64_MAX);
  assert_true (back.engine_memory_max_bytes == UINT64_MAX - 1023);
  assert_non_null (strstr (text, "  memoryMax: 18014398509481983Ki\n"));
  assert_true (back.engine_nofile == 1 << 30);
  assert_true (back.container_pids == UINT32_MAX);
  assert_int_equal (back.socket_mode, 0);
  assert_int_equal (back.socket_gid, 0);
  assert_int_equal (back.low_watermark_pct, 0);
  assert_int_equal (back.high_watermark_pct, 1);
  free (text);
  config_free (&back);
  config_free (&c);
}

TEST_MAIN (each_type_prints_in_its_form, layout_follows_the_table,
           odd_strings_survive_the_round_trip, extremes_round_trip)
