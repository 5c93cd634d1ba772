/* sidecar/options.c: the command line over the environment over the file
 * over the defaults, and an error that names its source for each bad input. */
#include "options.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

/* What the last parse gave; release frees both after each test. */
static struct sidecar_options o;
static enum sidecar_parse_result result;
static podsock_error_t err;

/* Parses "podsock-sidecar ARG..." (the arguments NULL-terminated) into o. */
static int
parse (const char *arg, ...)
{
  char *argv[16] = { "podsock-sidecar" };
  int argc = 1;
  va_list ap;

  va_start (ap, arg);
  for (; arg; arg = va_arg (ap, const char *))
    {
      assert_true (argc < 15);
      argv[argc++] = (char *) arg;
    }
  va_end (ap);
  sidecar_options_free (&o);
  podsock_error_free (&err);
  return sidecar_options_parse (argc, argv, &o, &result, &err);
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

static int
release (void **state)
{
  (void) state;
  sidecar_options_free (&o);
  podsock_error_free (&err);
  return 0;
}

static void
defaults (void **state)
{
  (void) state;
  assert_int_equal (parse (NULL), 0);
  assert_string_equal (o.cfg.socket_path, "/sockets/podman.sock");
  assert_int_equal (o.cfg.socket_mode, 0660);
  assert_string_equal (o.cfg.storage_dir, "/var/lib/podsock/storage");
  assert_string_equal (o.cfg.runtime_dir, "/run/podsock");
  assert_int_equal (o.cfg.grace_seconds, 10);
  assert_int_equal (o.check, 0);
  assert_null (o.config_path);
}

static void
flags_override_env (void **state)
{
  (void) state;
  setenv ("PODSOCK_SOCKET", "/x/env.sock", 1);
  setenv ("PODSOCK_GRACE", "7", 1);
  setenv ("PODSOCK_SOCKET_MODE", "0600", 1);
  assert_int_equal (parse ("--socket", "/x/flag.sock", "--grace=3", NULL), 0);
  assert_string_equal (o.cfg.socket_path, "/x/flag.sock");
  assert_int_equal (o.cfg.grace_seconds, 3);
  assert_int_equal (o.cfg.socket_mode, 0600);
}

/* Each bad input gives an error that names the flag or variable. */
static void
bad_values_name_their_source (void **state)
{
  static const struct
  {
    const char *flag, *value, *expect;
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
      assert_int_equal (parse (cases[i].flag, cases[i].value, NULL), -1);
      if (strstr (err->msg, cases[i].expect) == NULL)
        fail_msg ("case %zu: got '%s', want '%s'", i, err->msg, cases[i].expect);
    }
}

static void
bad_env_names_the_variable (void **state)
{
  (void) state;
  setenv ("PODSOCK_GRACE", "soon", 1);
  assert_int_equal (parse (NULL), -1);
  assert_non_null (strstr (err->msg, "PODSOCK_GRACE: 'soon'"));
}

static void
unknown_and_missing_arguments (void **state)
{
  (void) state;
  assert_int_equal (parse ("--frobnicate", NULL), -1);
  assert_non_null (strstr (err->msg, "unknown option '--frobnicate'"));
  assert_int_equal (parse ("--socket", NULL), -1);
  assert_non_null (strstr (err->msg, "needs a value"));
  assert_int_equal (parse ("extra", NULL), -1);
  assert_non_null (strstr (err->msg, "unexpected argument 'extra'"));
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
  (void) state;
  setenv ("PODSOCK_LOG_LEVEL", "warn", 1);
  setenv ("PODSOCK_SOCKET", "/env.sock", 1);
  if (parse ("--config", file, "--socket=/flag.sock", NULL) < 0)
    fail_msg ("%s", err->msg);
  assert_string_equal (o.config_path, file);
  assert_int_equal (o.cfg.log_format, PODSOCK_LOG_TEXT); /* file over default */
  assert_int_equal (o.cfg.grace_seconds, 20);            /* file over default */
  assert_int_equal (o.cfg.socket_mode, 0600);            /* file over default */
  assert_int_equal (o.cfg.log_level, PODSOCK_LOG_WARN);  /* env over file */
  assert_string_equal (o.cfg.socket_path, "/flag.sock"); /* flag over env over file */
  unlink (file);
}

static void
config_from_environment_and_set_flag (void **state)
{
  char *file = write_temp ("storage: {sizeLimit: 1Gi}\n");
  (void) state;
  setenv ("PODSOCK_CONFIG", file, 1);
  if (parse ("--set", "storage.lowWatermark=90", "--set", "storage.highWatermark=95", "--check",
             NULL)
      < 0)
    fail_msg ("%s", err->msg);
  assert_true (o.cfg.storage_limit_bytes == 1ULL << 30);
  assert_int_equal (o.cfg.low_watermark_pct, 90);
  assert_int_equal (o.cfg.high_watermark_pct, 95);
  assert_int_equal (o.check, 1);
  unlink (file);
}

static void
config_errors (void **state)
{
  char *file = write_temp ("log:\n  level: loud\n");
  char want[256];
  (void) state;
  assert_int_equal (parse ("--config", file, NULL), -1);
  snprintf (want, sizeof want,
            "%s:2:10: log.level: 'loud' is not one of debug, info, warn or error", file);
  assert_string_equal (err->msg, want);
  assert_int_equal (parse ("--config", "/nonexistent.yaml", NULL), -1);
  assert_non_null (strstr (err->msg, "cannot open configuration /nonexistent.yaml"));
  assert_int_equal (parse ("--set", "nokey", NULL), -1);
  assert_string_equal (err->msg,
                       "--set: 'nokey' is not KEY=VALUE; write e.g. --set storage.sizeLimit=20Gi");
  assert_int_equal (parse ("--set", "storage.lowWatermark=99", NULL), -1);
  assert_non_null (strstr (err->msg, "flags: the low watermark (99%) must be below"));
  unlink (file);
}

/* --help does not read a broken file: help must always work. */
static void
help_ignores_config (void **state)
{
  FILE *saved = stdout;
  int rc;
  (void) state;
  stdout = fopen ("/dev/null", "w");
  rc = parse ("--config", "/nonexistent.yaml", "--help", NULL);
  fclose (stdout);
  stdout = saved;
  assert_int_equal (rc, 0);
  assert_int_equal (result, SIDECAR_PARSE_EXIT_OK);
}

/* --runtime-dir moves the status file with it, unless the status file is set. */
static void
runtime_dir_moves_status_file (void **state)
{
  (void) state;
  unsetenv ("PODSOCK_STATUS_FILE");
  unsetenv ("PODSOCK_RUNTIME_DIR");
  assert_int_equal (parse ("--runtime-dir", "/x/run", NULL), 0);
  assert_string_equal (o.cfg.runtime_dir, "/x/run");
  assert_string_equal (o.cfg.status_file, "/x/run/status.json");
  assert_int_equal (
      parse ("--runtime-dir", "/x/run", "--set", "paths.statusFile=/y/status.json", NULL), 0);
  assert_string_equal (o.cfg.status_file, "/y/status.json");
}

TEST_MAIN_FIXTURES (clear_env, release, defaults, flags_override_env, bad_values_name_their_source,
                    bad_env_names_the_variable, unknown_and_missing_arguments, precedence,
                    config_from_environment_and_set_flag, config_errors, help_ignores_config,
                    runtime_dir_moves_status_file)
