/* lib/cmdline.c: what the three binaries' command lines share: --help and
 * --version on stdout, the caller's own options passed on, and errors that
 * name the option and point at --help. */
#include <podsock/cmdline.h>
#include <podsock/util.h>
#include <podsock/version.h>

#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

static const struct option long_options[] = {
  { "name", required_argument, NULL, 'n' },
  { "flag", no_argument, NULL, 'f' },
  { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, 'V' },
  { NULL, 0, NULL, 0 },
};

static const struct cmdline cl
    = { "podsock-test", "Usage: podsock-test [OPTION]...\n", ":hVn:f", long_options };

/* What one call of cmdline_next returned, and what it printed. */
struct step
{
  int r, c, idx;
  char out[256];
};

/* Runs cmdline_next over argv (NULL-terminated) into steps[] until it
 * returns something else than CMDLINE_OTHER; stdout goes to a temporary
 * file that is read back.  Returns how many steps. */
static size_t
run (char **argv, struct step *steps, size_t max, podsock_error_t *err)
{
  int argc = 0, saved = dup (STDOUT_FILENO);
  FILE *tmp = tmpfile ();
  size_t n = 0, len;

  while (argv[argc])
    argc++;
  assert_non_null (tmp);
  fflush (stdout);
  dup2 (fileno (tmp), STDOUT_FILENO);
  opterr = 0;
  optind = 1;
  do
    {
      assert_true (n < max);
      steps[n].idx = -1;
      steps[n].r = cmdline_next (&cl, argc, argv, &steps[n].c, &steps[n].idx, err);
    }
  while (steps[n++].r == CMDLINE_OTHER);
  fflush (stdout);
  dup2 (saved, STDOUT_FILENO);
  close (saved);
  rewind (tmp);
  len = fread (steps[n - 1].out, 1, sizeof steps[n - 1].out - 1, tmp);
  steps[n - 1].out[len] = '\0';
  fclose (tmp);
  return n;
}

#define ARGV(...) ((char *[]){ "podsock-test", __VA_ARGS__, NULL })

static void
own_options_are_passed_on (void **state)
{
  struct step s[8];
  cleanup_error podsock_error_t err = NULL;
  (void) state;

  assert_int_equal (run (ARGV ("--name", "x", "-f", "word"), s, 8, &err), 3);
  assert_int_equal (s[0].r, CMDLINE_OTHER);
  assert_int_equal (s[0].c, 'n');
  assert_int_equal (s[0].idx, 0);
  assert_int_equal (s[1].c, 'f');
  assert_int_equal (s[2].r, CMDLINE_END);
  assert_string_equal (s[2].out, "");
  /* The word left over is the caller's to refuse. */
  assert_int_equal (cmdline_no_more_args (5, ARGV ("--name", "x", "-f", "word"), optind, &err), -1);
  assert_string_equal (err->msg, "unexpected argument 'word' (try --help)");
  assert_int_equal (cmdline_no_more_args (4, ARGV ("--name", "x", "-f"), 4, &err), 0);
}

/* --help prints the usage, --version "PROG VERSION", on stdout; both stop
 * the parse (what comes after is not read). */
static void
help_and_version (void **state)
{
  struct step s[4];
  cleanup_error podsock_error_t err = NULL;
  char want[128];
  (void) state;

  assert_int_equal (run (ARGV ("--help", "--nope"), s, 4, &err), 1);
  assert_int_equal (s[0].r, CMDLINE_EXIT);
  assert_string_equal (s[0].out, cl.usage);
  assert_int_equal (run (ARGV ("-f", "-V"), s, 4, &err), 2);
  assert_int_equal (s[1].r, CMDLINE_EXIT);
  snprintf (want, sizeof want, "podsock-test %s\n", PODSOCK_VERSION);
  assert_string_equal (s[1].out, want);
  assert_null (err);
}

/* Errors name the option as the user wrote it, print nothing, and point at
 * --help. */
struct bad_option
{
  char *arg;
  const char *says;
};

static void
errors_name_the_option (void **state)
{
  static const struct bad_option cases[] = {
    { "--nope", "unknown option '--nope' (try --help)" },
    { "-z", "unknown option '-z' (try --help)" },
    { "--name", "option '--name' needs a value (try --help)" },
    { "-n", "option '-n' needs a value (try --help)" },
    { "--flag=1", "unknown option '--flag=1' (try --help)" },
  };
  (void) state;

  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      struct step s[4];
      cleanup_error podsock_error_t err = NULL;

      assert_int_equal (run (ARGV (cases[i].arg), s, 4, &err), 1);
      assert_int_equal (s[0].r, -1);
      assert_string_equal (s[0].out, "");
      if (strcmp (err->msg, cases[i].says) != 0)
        fail_msg ("%s: '%s', want '%s'", cases[i].arg, err->msg, cases[i].says);
    }
}

/* cmdline_common_option on its own: the caller's letters are its own. */
static void
common_option_leaves_others (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  (void) state;

  assert_int_equal (cmdline_common_option ('n', ARGV ("-n", "x"), "p", "u", &err), CMDLINE_OTHER);
  assert_int_equal (cmdline_common_option (0, ARGV ("-n", "x"), "p", "u", &err), CMDLINE_OTHER);
  assert_null (err);
}

TEST_MAIN (own_options_are_passed_on, help_and_version, errors_name_the_option,
           common_option_leaves_others)
