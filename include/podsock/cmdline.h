/* What the three binaries' command lines have in common: --help, --version,
 * and the words getopt_long leaves over. */
#ifndef PODSOCK_CMDLINE_H
#define PODSOCK_CMDLINE_H

#include <podsock/error.h>

enum cmdline_common
{
  CMDLINE_OTHER = 0, /* not a common option: the caller's own */
  CMDLINE_EXIT = 1,  /* --help or --version printed: the caller exits 0 */
  CMDLINE_END = 2,   /* cmdline_next(): no option left */
};

struct option;

/* One binary's command line, for cmdline_next(). */
struct cmdline
{
  const char *prog;                  /* named by --version */
  const char *usage;                 /* printed by --help */
  const char *short_options;         /* beginning with ':' */
  const struct option *long_options; /* for getopt_long */
};

/* Handles C as getopt_long returned it (with opterr 0 and the short options
 * beginning with ':'): 'h' prints USAGE, 'V' prints "PROG VERSION", both on
 * stdout; a missing value (':') or an unknown option ('?') is an error that
 * names the option.  Returns enum cmdline_common, or -1 with *err filled. */
int cmdline_common_option (int c, char **argv, const char *prog, const char *usage,
                           podsock_error_t *err);

/* The next option of argv that is the caller's own: getopt_long (the caller
 * has set opterr to 0 and optind to 1 before the first call), then
 * cmdline_common_option().  Returns CMDLINE_OTHER with the option in *c (and,
 * when idx is not NULL, getopt_long's long option index in *idx),
 * CMDLINE_EXIT after --help or --version, CMDLINE_END when no option is left,
 * or -1 with *err filled. */
int cmdline_next (const struct cmdline *cl, int argc, char **argv, int *c, int *idx,
                  podsock_error_t *err);

/* -1 with *err filled when argv[first] exists: the command takes no more
 * arguments; else 0. */
int cmdline_no_more_args (int argc, char **argv, int first, podsock_error_t *err);

#endif
