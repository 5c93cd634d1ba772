#include "options.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static int
parse (int argc, char **argv, struct sidecar_options *o, podsock_error_t *err)
{
  enum sidecar_parse_result r;
  return sidecar_options_parse (argc, argv, o, &r, err);
}

static int
clear_env (void **state)
{
  (void) state;
  unsetenv ("PODSOCK_SOCKET");
  unsetenv ("PODSOCK_GRACE");
  unsetenv ("PODSOCK_SOCKET_MODE");
  unsetenv ("PODSOCK_CONFIG");
  unsetenv ("PODSOCK_LOG_LEVEL");
  return 0;
}

static void
defaults (void **state)
{
  char *argv[] = { "podsock-sidecar", NULL };
  struct sidecar_options o;
  podsock_error_t err = NULL;
  (void) state;
  assert_int_equal (parse (1, argv, &o, &err), 0);
  assert_string_equal (o.cfg.socket_path, "/sockets/podman.sock");
  assert_int_equal (o.cfg.socket_mode, 0660);
  assert_string_equal (o.cfg.storage_dir, "/var/lib/podsock/storage");
  assert_string_equal (o.cfg.runtime_dir, "/run/podsock");
  assert_int_equal (o.cfg.grace_seconds, 10);
  assert_int_equal (o.check, 0);
  assert_null (o.config_path);
  sidecar_options_free (&o);
}

static void
flags_override_env (void **state)
{
  char *argv[] = { "podsock-sidecar", "--socket", "/x/flag.sock", "--grace=3", NULL };
  struct sidecar_options o;
  podsock_error_t err = NULL;
  (void) state;
  setenv ("PODSOCK_SOCKET", "/x/env.sock", 1);
  setenv ("PODSOCK_GRACE", "7", 1);
  setenv ("PODSOCK_SOCKET_MODE", "0600", 1);
  assert_int_equal (parse (4, argv, &o, &err), 0);
  assert_string_equal (o.cfg.socket_path, "/x/flag.sock");
  assert_int_equal (o.cfg.grace_seconds, 3);
  assert_int_equal (o.cfg.socket_mode, 0600);
  sidecar_options_free (&o);
}

/* Each bad input gives an error that names the flag or variable. */
static void
bad_values_name_their_source (void **state)
{
  struct
  {
    char *flag, *value, *expect;
  } cases[] = {
    { "--socket", "relative.sock", "--socket: socket.path: path 'relative.sock' must be absolute" },
    { "--socket-mode", "0999", "--socket-mode: socket.mode: '0999' is not an octal mode" },
    { "--socket-mode", "4770", "--socket-mode: socket.mode: '4770' is not an octal mode" },
    { "--socket-group", "no-such-group-xyz",
      "--socket-group: socket.group: no group 'no-such-group-xyz'" },
    { "--storage", "var/lib", "--storage: storage.dir: path 'var/lib' must be absolute" },
    { "--grace", "-1", "--grace: shutdown.grace: '-1' is not a duration" },
    { "--grace", "3601", "--grace: shutdown.grace: '3601' is out of range" },
    { "--log-format", "xml", "--log-format: log.format: 'xml' is not one of json or text" },
    { "--log-level", "loud", "--log-level: log.level: 'loud' is not one of" },
    { "--podman", "", "--podman: engine.podman: the value is empty" },
  };
  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      char *argv[] = { "podsock-sidecar", cases[i].flag, cases[i].value, NULL };
      struct sidecar_options o;
      podsock_error_t err = NULL;
      assert_int_equal (parse (3, argv, &o, &err), -1);
      if (strstr (err->msg, cases[i].expect) == NULL)
        fail_msg ("case %zu: got '%s', want '%s'", i, err->msg, cases[i].expect);
      podsock_error_free (&err);
    }
}

static void
bad_env_names_the_variable (void **state)
{
  char *argv[] = { "podsock-sidecar", NULL };
  struct sidecar_options o;
  podsock_error_t err = NULL;
  (void) state;
  setenv ("PODSOCK_GRACE", "soon", 1);
  assert_int_equal (parse (1, argv, &o, &err), -1);
  assert_non_null (strstr (err->msg, "PODSOCK_GRACE: 'soon'"));
  podsock_error_free (&err);
}

static void
unknown_and_missing_arguments (void **state)
{
  char *a1[] = { "podsock-sidecar", "--frobnicate", NULL };
  char *a2[] = { "podsock-sidecar", "--socket", NULL };
  char *a3[] = { "podsock-sidecar", "extra", NULL };
  struct sidecar_options o;
  podsock_error_t err = NULL;
  (void) state;
  assert_int_equal (parse (2, a1, &o, &err), -1);
  assert_non_null (strstr (err->msg, "unknown option '--frobnicate'"));
  assert_int_equal (parse (2, a2, &o, &err), -1);
  assert_non_null (strstr (err->msg, "needs a value"));
  assert_int_equal (parse (2, a3, &o, &err), -1);
  assert_non_null (strstr (err->msg, "unexpected argument 'extra'"));
  podsock_error_free (&err);
}

static char *
write_temp (const char *text)
{
  static char path[64];
  int fd;
  strcpy (path, "/tmp/test-options-XXXXXX");
  fd = mkstemp (path);
  assert_true (fd >= 0);
  assert_int_equal (write (fd, text, strlen (text)), (ssize_t) strlen (text));
  close (fd);
  return path;
}

/* defaults < file < environment < flags, each layer over the one before. */
static void
precedence (void **state)
{
  char *file = write_temp ("log: {level: debug, format: text}\n"
                           "shutdown: {grace: 20s}\n"
                           "socket: {path: /file.sock, mode: \"0600\"}\n");
  char *argv[] = { "podsock-sidecar", "--config", file, "--socket=/flag.sock", NULL };
  struct sidecar_options o;
  podsock_error_t err = NULL;
  (void) state;
  setenv ("PODSOCK_LOG_LEVEL", "warn", 1);
  setenv ("PODSOCK_SOCKET", "/env.sock", 1);
  if (parse (4, argv, &o, &err) < 0)
    fail_msg ("%s", err->msg);
  assert_string_equal (o.config_path, file);
  assert_int_equal (o.cfg.log_format, PODSOCK_LOG_TEXT); /* file over default */
  assert_int_equal (o.cfg.grace_seconds, 20);            /* file over default */
  assert_int_equal (o.cfg.socket_mode, 0600);            /* file over default */
  assert_int_equal (o.cfg.log_level, PODSOCK_LOG_WARN);  /* env over file */
  assert_string_equal (o.cfg.socket_path, "/flag.sock"); /* flag over env over file */
  assert_string_equal (o.cfg.socket_path, "/flag.sock");
  sidecar_options_free (&o);
  unlink (file);
}

static void
config_from_environment_and_set_flag (void **state)
{
  char *file = write_temp ("storage: {sizeLimit: 1Gi}\n");
  char *argv[] = {
    "podsock-sidecar", "--set", "storage.lowWatermark=90", "--set", "storage.highWatermark=95",
    "--check",         NULL
  };
  struct sidecar_options o;
  podsock_error_t err = NULL;
  (void) state;
  setenv ("PODSOCK_CONFIG", file, 1);
  if (parse (6, argv, &o, &err) < 0)
    fail_msg ("%s", err->msg);
  assert_true (o.cfg.storage_limit_bytes == 1ULL << 30);
  assert_int_equal (o.cfg.low_watermark_pct, 90);
  assert_int_equal (o.cfg.high_watermark_pct, 95);
  assert_int_equal (o.check, 1);
  sidecar_options_free (&o);
  unlink (file);
}

static void
config_errors (void **state)
{
  char *file = write_temp ("log:\n  level: loud\n");
  char *a1[] = { "podsock-sidecar", "--config", file, NULL };
  char *a2[] = { "podsock-sidecar", "--config", "/nonexistent.yaml", NULL };
  char *a3[] = { "podsock-sidecar", "--set", "nokey", NULL };
  char *a4[] = { "podsock-sidecar", "--set", "storage.lowWatermark=99", NULL };
  char want[256];
  struct sidecar_options o;
  podsock_error_t err = NULL;
  (void) state;
  assert_int_equal (parse (3, a1, &o, &err), -1);
  snprintf (want, sizeof want,
            "%s:2:10: log.level: 'loud' is not one of debug, info, warn or error", file);
  assert_string_equal (err->msg, want);
  assert_int_equal (parse (3, a2, &o, &err), -1);
  assert_non_null (strstr (err->msg, "cannot open configuration /nonexistent.yaml"));
  assert_int_equal (parse (3, a3, &o, &err), -1);
  assert_string_equal (err->msg,
                       "--set: 'nokey' is not KEY=VALUE; write e.g. --set storage.sizeLimit=20Gi");
  assert_int_equal (parse (3, a4, &o, &err), -1);
  assert_non_null (strstr (err->msg, "flags: the low watermark (99%) must be below"));
  podsock_error_free (&err);
  unlink (file);
}

/* --help does not read a broken file: help must always work. */
static void
help_ignores_config (void **state)
{
  char *argv[] = { "podsock-sidecar", "--config", "/nonexistent.yaml", "--help", NULL };
  struct sidecar_options o;
  enum sidecar_parse_result r;
  podsock_error_t err = NULL;
  FILE *saved = stdout;
  (void) state;
  stdout = fopen ("/dev/null", "w");
  assert_int_equal (sidecar_options_parse (4, argv, &o, &r, &err), 0);
  fclose (stdout);
  stdout = saved;
  assert_int_equal (r, SIDECAR_PARSE_EXIT_OK);
  sidecar_options_free (&o);
}

/* --runtime-dir moves the status file with it, unless the status file is set. */
static void
runtime_dir_moves_status_file (void **state)
{
  char *moved[] = { "podsock-sidecar", "--runtime-dir", "/x/run", NULL };
  char *set[] = {
    "podsock-sidecar", "--runtime-dir", "/x/run", "--set", "paths.statusFile=/y/status.json", NULL
  };
  struct sidecar_options o;
  podsock_error_t err = NULL;
  (void) state;
  unsetenv ("PODSOCK_STATUS_FILE");
  unsetenv ("PODSOCK_RUNTIME_DIR");
  assert_int_equal (parse (3, moved, &o, &err), 0);
  assert_string_equal (o.cfg.runtime_dir, "/x/run");
  assert_string_equal (o.cfg.status_file, "/x/run/status.json");
  sidecar_options_free (&o);
  assert_int_equal (parse (5, set, &o, &err), 0);
  assert_string_equal (o.cfg.status_file, "/y/status.json");
  sidecar_options_free (&o);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup (defaults, clear_env),
    cmocka_unit_test_setup (flags_override_env, clear_env),
    cmocka_unit_test_setup (bad_values_name_their_source, clear_env),
    cmocka_unit_test_setup (bad_env_names_the_variable, clear_env),
    cmocka_unit_test_setup (unknown_and_missing_arguments, clear_env),
    cmocka_unit_test_setup (precedence, clear_env),
    cmocka_unit_test_setup (config_from_environment_and_set_flag, clear_env),
    cmocka_unit_test_setup (config_errors, clear_env),
    cmocka_unit_test_setup (help_ignores_config, clear_env),
    cmocka_unit_test_setup (runtime_dir_moves_status_file, clear_env),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
