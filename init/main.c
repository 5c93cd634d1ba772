/* podsock-init: the init container that prepares the pod for the sidecar. */
#include <podsock/log.h>
#include <podsock/parse.h>
#include <podsock/sockdir.h>
#include <podsock/util.h>
#include <podsock/version.h>

#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: podsock-init [OPTION]...\n"
    "Prepare a job pod for podsock-sidecar: create and check the socket directory.\n"
    "\n"
    "  --socket-dir DIR        socket directory (PODSOCK_SOCKET_DIR, default /sockets)\n"
    "  --socket-dir-mode MODE  its octal mode (PODSOCK_SOCKET_DIR_MODE, default 2770)\n"
    "  --socket-group GROUP    its group, name or GID (PODSOCK_SOCKET_GROUP, default: keep\n"
    "                          the directory's group, which is the fsGroup in a pod that\n"
    "                          sets one)\n"
    "  --log-format FORMAT     json or text (PODSOCK_LOG_FORMAT, default json)\n"
    "  -h, --help              show this help and exit\n"
    "  -V, --version           show the version and exit\n"
    "\n"
    "Flags override environment variables, which override defaults.\n"
    "Exit status: 0 the pod is ready for the sidecar; 1 it is not (the log says why\n"
    "and what to change); 2 usage error.\n";

struct init_options
{
  struct sockdir_spec sockdir;
  enum podsock_log_format log_format;
};

enum
{
  OPT_SOCKET_DIR = 256,
  OPT_SOCKET_DIR_MODE,
  OPT_SOCKET_GROUP,
  OPT_LOG_FORMAT,
};

static int
set_option (struct init_options *o, int key, const char *what, const char *v,
            podsock_error_t *err)
{
  unsigned mode;
  uint64_t n;
  struct group *g;

  switch (key)
    {
    case OPT_SOCKET_DIR:
      if (*v != '/')
        return podsock_error_make (err, 0, "%s: '%s' must be an absolute path", what, v);
      o->sockdir.path = v;
      return 0;
    case OPT_SOCKET_DIR_MODE:
      if (parse_mode (v, &mode) < 0 || (mode & 0700) != 0700)
        return podsock_error_make (err, 0,
                                   "%s: '%s' is not an octal mode that lets the owner in "
                                   "(like 2770)",
                                   what, v);
      o->sockdir.mode = mode;
      return 0;
    case OPT_SOCKET_GROUP:
      if (parse_u64 (v, 0, UINT32_MAX - 1, &n) == 0)
        o->sockdir.gid = (gid_t) n;
      else if ((g = getgrnam (v)) != NULL)
        o->sockdir.gid = g->gr_gid;
      else
        return podsock_error_make (err, 0, "%s: no group '%s' (give a name or a numeric GID)",
                                   what, v);
      return 0;
    case OPT_LOG_FORMAT:
      if (podsock_log_format_parse (v, &o->log_format) < 0)
        return podsock_error_make (err, 0, "%s: log format '%s' is not json or text", what, v);
      return 0;
    }
  abort ();
}

static const struct option long_options[] = {
  { "socket-dir", required_argument, NULL, OPT_SOCKET_DIR },
  { "socket-dir-mode", required_argument, NULL, OPT_SOCKET_DIR_MODE },
  { "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
  { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
  { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, 'V' },
  { NULL, 0, NULL, 0 },
};

static const struct
{
  const char *name;
  int key;
} env_options[] = {
  { "PODSOCK_SOCKET_DIR", OPT_SOCKET_DIR },
  { "PODSOCK_SOCKET_DIR_MODE", OPT_SOCKET_DIR_MODE },
  { "PODSOCK_SOCKET_GROUP", OPT_SOCKET_GROUP },
  { "PODSOCK_LOG_FORMAT", OPT_LOG_FORMAT },
};

/* Returns 1 to run, 0 to exit successfully (help, version), -1 on error. */
static int
parse_options (int argc, char **argv, struct init_options *o, podsock_error_t *err)
{
  char what[64];
  int c;

  o->sockdir.path = "/sockets";
  o->sockdir.mode = 02770;
  o->sockdir.gid = (gid_t) -1;
  o->log_format = PODSOCK_LOG_JSON;
  for (size_t i = 0; i < ARRAY_SIZE (env_options); i++)
    {
      const char *v = getenv (env_options[i].name);
      if (v && set_option (o, env_options[i].key, env_options[i].name, v, err) < 0)
        return -1;
    }
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":hV", long_options, NULL)) != -1)
    {
      switch (c)
        {
        case 'h':
          fputs (usage_text, stdout);
          return 0;
        case 'V':
          printf ("podsock-init %s\n", PODSOCK_VERSION);
          return 0;
        case ':':
          return podsock_error_make (err, 0, "option '%s' needs a value (try --help)",
                                     argv[optind - 1]);
        case '?':
          return podsock_error_make (err, 0, "unknown option '%s' (try --help)",
                                     argv[optind - 1]);
        default:
          snprintf (what, sizeof what, "--%s", long_options[c - OPT_SOCKET_DIR].name);
          if (set_option (o, c, what, optarg, err) < 0)
            return -1;
        }
    }
  if (optind < argc)
    return podsock_error_make (err, 0, "unexpected argument '%s' (try --help)", argv[optind]);
  return 1;
}

static int
prepare_socket_dir (const struct init_options *o, podsock_error_t *err)
{
  struct sockdir_report r;
  char uid[16], gid[16], mode[16], stale[16];

  if (sockdir_prepare (&o->sockdir, &r, err) < 0)
    return -1;
  snprintf (uid, sizeof uid, "%u", (unsigned) r.uid);
  snprintf (gid, sizeof gid, "%u", (unsigned) r.gid);
  snprintf (mode, sizeof mode, "%04o", (unsigned) r.mode);
  snprintf (stale, sizeof stale, "%d", r.stale_removed);
  podsock_log_fields (PODSOCK_LOG_INFO, r.created ? "created socket directory" : "socket directory ready",
                      "path", o->sockdir.path, "uid", uid, "gid", gid, "mode", mode,
                      "stale_sockets_removed", stale, NULL);
  return 0;
}

int
main (int argc, char **argv)
{
  cleanup_error podsock_error_t err = NULL;
  struct init_options o;
  int r;

  podsock_log_setup ("podsock-init", STDOUT_FILENO, PODSOCK_LOG_TEXT, PODSOCK_LOG_INFO);
  r = parse_options (argc, argv, &o, &err);
  if (r < 0)
    {
      fprintf (stderr, "podsock-init: %s\n", err->msg);
      return 2;
    }
  if (r == 0)
    return 0;
  podsock_log_setup ("podsock-init", STDOUT_FILENO, o.log_format, PODSOCK_LOG_INFO);

  if (prepare_socket_dir (&o, &err) < 0)
    {
      log_error ("%s", err->msg);
      return 1;
    }
  log_info ("pod prepared for podsock-sidecar");
  return 0;
}
