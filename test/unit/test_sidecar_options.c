#include "options.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
  assert_string_equal (o.socket_path, "/sockets/podman.sock");
  assert_int_equal (o.socket_mode, 0660);
  assert_string_equal (o.storage_dir, "/var/lib/podsock/storage");
  assert_string_equal (o.runtime_dir, "/run/podsock");
  assert_int_equal (o.grace_seconds, 10);
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
  assert_string_equal (o.socket_path, "/x/flag.sock");
  assert_int_equal (o.grace_seconds, 3);
  assert_int_equal (o.socket_mode, 0600);
}

/* Each bad input gives an error that names the flag or variable. */
static void
bad_values_name_their_source (void **state)
{
  struct
  {
    char *flag, *value, *expect;
  } cases[] = {
    { "--socket", "relative.sock", "--socket: socket path 'relative.sock' must be absolute" },
    { "--socket-mode", "0999", "--socket-mode: '0999' is not an octal mode" },
    { "--socket-mode", "4770", "--socket-mode: '4770' is not an octal mode" },
    { "--socket-group", "no-such-group-xyz", "--socket-group: no group 'no-such-group-xyz'" },
    { "--storage", "var/lib", "--storage: directory 'var/lib' must be absolute" },
    { "--grace", "-1", "--grace: '-1' is not a number of seconds" },
    { "--grace", "3601", "--grace: '3601' is not a number of seconds" },
    { "--log-format", "xml", "--log-format: log format 'xml' is not json or text" },
    { "--log-level", "loud", "--log-level: log level 'loud'" },
    { "--podman", "", "--podman: podman path is empty" },
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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup (defaults, clear_env),
    cmocka_unit_test_setup (flags_override_env, clear_env),
    cmocka_unit_test_setup (bad_values_name_their_source, clear_env),
    cmocka_unit_test_setup (bad_env_names_the_variable, clear_env),
    cmocka_unit_test_setup (unknown_and_missing_arguments, clear_env),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
