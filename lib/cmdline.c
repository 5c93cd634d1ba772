#include <podsock/cmdline.h>
#include <podsock/version.h>

#include <getopt.h>
#include <stdio.h>

int
cmdline_common_option (int c, char **argv, const char *prog, const char *usage,
                       podsock_error_t *err)
{
  switch (c)
    {
    case 'h':
      fputs (usage, stdout);
      return CMDLINE_EXIT;
    case 'V':
      printf ("%s %s\n", prog, PODSOCK_VERSION);
      return CMDLINE_EXIT;
    case ':':
      return podsock_error_make (err, 0, "option '%s' needs a value (try --help)",
                                 argv[optind - 1]);
    case '?':
      return podsock_error_make (err, 0, "unknown option '%s' (try --help)", argv[optind - 1]);
    default:
      return CMDLINE_OTHER;
    }
}

int
cmdline_next (const struct cmdline *cl, int argc, char **argv, int *c, int *idx,
              podsock_error_t *err)
{
  *c = getopt_long (argc, argv, cl->short_options, cl->long_options, idx);
  if (*c == -1)
    return CMDLINE_END;
  return cmdline_common_option (*c, argv, cl->prog, cl->usage, err);
}

int
cmdline_no_more_args (int argc, char **argv, int first, podsock_error_t *err)
{
  if (first < argc)
    return podsock_error_make (err, 0, "unexpected argument '%s' (try --help)", argv[first]);
  return 0;
}
