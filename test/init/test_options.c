/* init/options.c: podsock-init's flags, PODSOCK_* variables and defaults,
 * in that order of precedence, and an answer naming the fix for each bad
 * value. */
#include "options.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <podsock/util.h>

#include "testutil.h"

#define MAX_ARGS 8

static const char *const env_names[] = { "PODSOCK_SOCKET_DIR",
                                         "PODSOCK_SOCKET_DIR_MODE",
                                         "PODSOCK_SOCKET_GROUP",
                                         "PODSOCK_LOG_FORMAT",
                                         "PODSOCK_IDS_DIR",
                                         "PODSOCK_HOME",
                                         "PODSOCK_SUBIDS",
                                         "PODSOCK_STORAGE",
                                         "PODSOCK_STORAGE_SHARED",
                                         "PODSOCK_BUILDS_DIR",
                                         "HOSTNAME",
                                         "POD_NAME",
                                         "PODSOCK_POD_ID" };

static int
clean_env (void **state)
{
  (void) state;
  for (size_t i = 0; i < sizeof env_names / sizeof env_names[0]; i++)
    unsetenv (env_names[i]);
  return 0;
}

/* Parses "podsock-init" followed by the NULL-terminated args. */
static int
parse (struct init_options *o, podsock_error_t *err, const char *const *args)
{
  char *argv[MAX_ARGS + 2] = { (char *) "podsock-init" };
  int argc = 1;

  while (args && args[argc - 1])
    {
      assert_true (argc <= MAX_ARGS);
      argv[argc] = (char *) args[argc - 1];
      argc++;
    }
  return init_options_parse (argc, argv, o, err);
}

static void
assert_same_string (const char *got, const char *want, const char *what)
{
  if (got == want || (got && want && strcmp (got, want) == 0))
    return;
  fail_msg ("%s: '%s', want '%s'", what, got ? got : "(null)", want ? want : "(null)");
}

/* Every field of got is want's. */
static void
assert_options (const struct init_options *got, const struct init_options *want)
{
  assert_same_string (got->sockdir.path, want->sockdir.path, "socket dir");
  assert_int_equal (got->sockdir.mode, want->sockdir.mode);
  assert_int_equal (got->sockdir.gid, want->sockdir.gid);
  assert_same_string (got->ids_dir, want->ids_dir, "ids dir");
  assert_same_string (got->home, want->home, "home");
  assert_int_equal (got->subid_start, want->subid_start);
  assert_int_equal (got->subid_count, want->subid_count);
  assert_same_string (got->storage, want->storage, "storage");
  assert_int_equal (got->storage_given, want->storage_given);
  assert_int_equal (got->storage_mode, want->storage_mode);
  assert_same_string (got->pod_id, want->pod_id, "pod id");
  assert_same_string (got->builds_dir, want->builds_dir, "builds dir");
  assert_int_equal (got->log_format, want->log_format);
}

static const struct init_options defaults_want
    = { .sockdir = { .path = "/sockets", .mode = 02770, .gid = (gid_t) -1 },
        .home = "/home/podsock",
        .subid_start = 100000,
        .subid_count = 65536,
        .storage = "/var/lib/podsock/storage",
        .storage_mode = STORAGEDIR_AUTO,
        .builds_dir = "/builds",
        .log_format = PODSOCK_LOG_JSON };

static void
want_first_flags (struct init_options *w)
{
  w->sockdir = (struct sockdir_spec){ .path = "/s", .mode = 0750, .gid = 1234 };
  w->ids_dir = "/ids";
  w->subid_start = 200000;
  w->subid_count = 1000;
  w->storage = "/st";
  w->storage_given = 1;
  w->storage_mode = STORAGEDIR_SHARED;
  w->log_format = PODSOCK_LOG_TEXT;
}

static void
want_other_flags (struct init_options *w)
{
  w->home = "/h";
  w->pod_id = "job-1";
  w->builds_dir = "/b";
}

/* The options parsed from args are the defaults changed by want (NULL: the
 * defaults). */
struct options_case
{
  const char *args[MAX_ARGS + 1];
  void (*want) (struct init_options *w);
};

/* The defaults, and every flag with its value (as --flag=value and as
 * --flag value). */
static const struct options_case options_cases[] = {
  { { NULL }, NULL },
  { { "--socket-dir=/s", "--socket-dir-mode=0750", "--socket-group=1234", "--ids-out=/ids",
      "--subids=200000:1000", "--storage=/st", "--storage-shared", "--log-format=text" },
    want_first_flags },
  { { "--home", "/h", "--pod-id", "job-1", "--builds", "/b" }, want_other_flags },
};

static void
defaults_and_flags (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (options_cases); i++)
    {
      struct init_options o;
      cleanup_error podsock_error_t err = NULL;

      struct init_options want = defaults_want;

      print_message ("case %zu\n", i);
      if (options_cases[i].want)
        options_cases[i].want (&want);
      assert_int_equal (parse (&o, &err, options_cases[i].args), 1);
      assert_options (&o, &want);
    }
}

/* Flags win over the environment, which wins over the defaults; the socket
 * group may be a name. */
static void
environment_and_precedence (void **state)
{
  static const char *const flag[] = { "--socket-dir", "/from-flag", NULL };
  struct init_options o;
  cleanup_error podsock_error_t err = NULL;
  (void) state;

  setenv ("PODSOCK_SOCKET_DIR", "/from-env", 1);
  setenv ("PODSOCK_STORAGE", "/env-storage", 1);
  setenv ("PODSOCK_STORAGE_SHARED", "writer", 1);
  setenv ("PODSOCK_SOCKET_GROUP", "root", 1);
  assert_int_equal (parse (&o, &err, NULL), 1);
  assert_string_equal (o.sockdir.path, "/from-env");
  assert_string_equal (o.storage, "/env-storage");
  assert_true (o.storage_given);
  assert_int_equal (o.storage_mode, STORAGEDIR_WRITER);
  assert_int_equal (o.sockdir.gid, 0);
  assert_int_equal (parse (&o, &err, flag), 1);
  assert_string_equal (o.sockdir.path, "/from-flag");
}

/* The pod id: PODSOCK_POD_ID, else POD_NAME, else a HOSTNAME that is a pod
 * name; an empty one is skipped. */
static void
pod_id_sources (void **state)
{
  static const char *const steps[][3] = {
    /* variable set (and kept for the next steps), value, the pod id then */
    { "HOSTNAME", "Not_A_Pod.Name!", NULL },
    { "HOSTNAME", "runner-abc-1", "runner-abc-1" },
    { "POD_NAME", "pod-from-downward-api", "pod-from-downward-api" },
    { "PODSOCK_POD_ID", "", "pod-from-downward-api" },
    { "PODSOCK_POD_ID", "ours", "ours" },
  };
  struct init_options o;
  cleanup_error podsock_error_t err = NULL;
  (void) state;

  for (size_t i = 0; i < ARRAY_SIZE (steps); i++)
    {
      setenv (steps[i][0], steps[i][1], 1);
      assert_int_equal (parse (&o, &err, NULL), 1);
      assert_same_string (o.pod_id, steps[i][2], steps[i][1]);
    }
}

/* Every bad input, from a flag or the environment, and what its answer
 * says. */
static const struct
{
  const char *env, *value; /* env NULL: value is one argument */
  const char *says;
} bad_inputs[] = {
  { NULL, "--socket-dir=sockets", "--socket-dir: 'sockets' must be an absolute path" },
  { NULL, "--socket-dir-mode=0077", "not an octal mode that lets the owner in" },
  { NULL, "--socket-dir-mode=abc", "--socket-dir-mode: 'abc' is not an octal mode" },
  { NULL, "--socket-group=no-such-group-here", "no group 'no-such-group-here'" },
  { NULL, "--log-format=xml", "log format 'xml' is not json or text" },
  { NULL, "--ids-out=ids", "--ids-out: 'ids' must be an absolute path" },
  { NULL, "--home=home", "--home: 'home' must be an absolute path" },
  { NULL, "--subids=100000", "'100000' is not START:COUNT" },
  { NULL, "--subids=0:10", "with START above 0" },
  { NULL, "--subids=4294967000:1000", "START+COUNT below 2^32" },
  { NULL, "--subids=1:x", "is not START:COUNT" },
  { NULL, "--storage=st", "--storage: 'st' must be an absolute path" },
  { NULL, "--pod-id=Bad_Id", "--pod-id" },
  { NULL, "--pod-id=", "--pod-id: pod id '' must have 1 to 253 characters" },
  { NULL, "--builds=b", "--builds: 'b' must be an absolute path" },
  { NULL, "--nope", "unknown option '--nope' (try --help)" },
  { NULL, "--home", "option '--home' needs a value (try --help)" },
  { NULL, "extra", "unexpected argument 'extra' (try --help)" },
  { "PODSOCK_STORAGE_SHARED", "sometimes", "PODSOCK_STORAGE_SHARED" },
  { "PODSOCK_SOCKET_DIR", "rel", "PODSOCK_SOCKET_DIR: 'rel' must be an absolute path" },
  { "PODSOCK_SUBIDS", "1:", "PODSOCK_SUBIDS: '1:' is not START:COUNT" },
  { "PODSOCK_POD_ID", "UPPER", "PODSOCK_POD_ID" },
};

static void
bad_inputs_are_refused (void **state)
{
  (void) state;
  for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++)
    {
      const char *args[] = { bad_inputs[i].env ? NULL : bad_inputs[i].value, NULL };
      struct init_options o;
      cleanup_error podsock_error_t err = NULL;

      clean_env (NULL);
      if (bad_inputs[i].env)
        setenv (bad_inputs[i].env, bad_inputs[i].value, 1);
      if (parse (&o, &err, args) != -1 || strstr (err->msg, bad_inputs[i].says) == NULL)
        fail_msg ("%s: error '%s' does not say '%s'", bad_inputs[i].value,
                  err ? err->msg : "(none)", bad_inputs[i].says);
    }
}

/* A path longer than 2048 characters is refused, one of 2048 is not. */
static void
path_length_limit (void **state)
{
  char arg[2100] = "--builds=/";
  const char *args[] = { arg, NULL };
  struct init_options o;
  cleanup_error podsock_error_t err = NULL;
  (void) state;

  memset (arg + 10, 'a', 2047);
  assert_int_equal (parse (&o, &err, args), 1);
  assert_int_equal (strlen (o.builds_dir), 2048);
  strcat (arg, "a");
  assert_int_equal (parse (&o, &err, args), -1);
  assert_non_null (strstr (err->msg, "longer than 2048"));
}

/* --help and --version: 0, exit successfully. */
static void
help_and_version_exit_zero (void **state)
{
  static const char *const help[] = { "--help", NULL }, *const version[] = { "-V", NULL };
  struct init_options o;
  cleanup_error podsock_error_t err = NULL;
  (void) state;

  assert_int_equal (parse (&o, &err, help), 0);
  assert_int_equal (parse (&o, &err, version), 0);
  assert_null (err);
}

TEST_MAIN_FIXTURES (clean_env, NULL, defaults_and_flags, environment_and_precedence, pod_id_sources,
                    bad_inputs_are_refused, path_length_limit, help_and_version_exit_zero)
