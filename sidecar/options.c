#include "options.h"

#include <podsock/parse.h>
#include <podsock/version.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "Usage: podsock-sidecar [OPTION]...\n"
    "Serve a rootless Podman engine's Docker-compatible API on a unix socket.\n"
    "\n"
    "The sidecar binds the socket itself, starts `podman system service` with the\n"
    "socket handed over by systemd socket activation, supervises it, and stops it\n"
    "on SIGTERM or SIGINT.\n"
    "\n"
    "  -s, --socket PATH        client socket (PODSOCK_SOCKET, default /sockets/podman.sock)\n"
    "      --socket-mode MODE   octal permissions of the socket (PODSOCK_SOCKET_MODE, 0660)\n"
    "      --socket-group GROUP group name or GID of the socket (PODSOCK_SOCKET_GROUP,\n"
    "                           default: the sidecar's group)\n"
    "      --storage DIR        image and container storage (PODSOCK_STORAGE,\n"
    "                           default /var/lib/podsock/storage)\n"
    "      --runtime-dir DIR    runtime state (PODSOCK_RUNTIME_DIR, default /run/podsock);\n"
    "                           podman's XDG_RUNTIME_DIR is DIR/engine, emptied at start\n"
    "      --podman PATH        podman binary (PODSOCK_PODMAN, default podman)\n"
    "      --grace SECONDS      shutdown grace before SIGKILL (PODSOCK_GRACE, default 10)\n"
    "      --log-format FORMAT  json or text (PODSOCK_LOG_FORMAT, default json)\n"
    "      --log-level LEVEL    debug, info, warn or error (PODSOCK_LOG_LEVEL, default info)\n"
    "      --check              probe what this pod allows, print the report as JSON and\n"
    "                           exit: 0 when an engine can run, 1 when none can\n"
    "  -h, --help               show this help and exit\n"
    "  -V, --version            show the version and exit\n"
    "\n"
    "Flags override environment variables, which override defaults.\n"
    "\n"
    "Exit status: podman's exit status; 128+N when podman was killed by signal N;\n"
    "1 when set-up failed; 2 on a usage error; 127 when podman cannot be executed.\n";

enum
{
  OPT_SOCKET_MODE = 256,
  OPT_SOCKET_GROUP,
  OPT_STORAGE,
  OPT_RUNTIME_DIR,
  OPT_PODMAN,
  OPT_GRACE,
  OPT_LOG_FORMAT,
  OPT_LOG_LEVEL,
  OPT_CHECK,
};

static const struct option long_options[] = {
  { "socket", required_argument, NULL, 's' },
  { "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
  { "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
  { "storage", required_argument, NULL, OPT_STORAGE },
  { "runtime-dir", required_argument, NULL, OPT_RUNTIME_DIR },
  { "podman", required_argument, NULL, OPT_PODMAN },
  { "grace", required_argument, NULL, OPT_GRACE },
  { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
  { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
  { "check", no_argument, NULL, OPT_CHECK },
  { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, 'V' },
  { NULL, 0, NULL, 0 },
};

static int
set_group (struct sidecar_options *o, const char *what, const char *v, podsock_error_t *err)
{
  uint64_t n;
  struct group *g;

  if (parse_u64 (v, 0, UINT32_MAX - 1, &n) == 0)
    {
      o->socket_gid = (gid_t) n;
      return 0;
    }
  g = getgrnam (v);
  if (g == NULL)
    return podsock_error_make (err, 0, "%s: no group '%s' (give a group name or a numeric GID)",
                               what, v);
  o->socket_gid = g->gr_gid;
  return 0;
}

/* Applies one setting, from the environment (what = variable) or a flag. */
static int
set_option (struct sidecar_options *o, int key, const char *what, const char *v,
            podsock_error_t *err)
{
  uint64_t n;

  switch (key)
    {
    case 's':
      if (*v != '/')
        return podsock_error_make (err, 0, "%s: socket path '%s' must be absolute", what, v);
      o->socket_path = v;
      return 0;
    case OPT_SOCKET_MODE:
      if (parse_mode (v, &o->socket_mode) < 0 || (o->socket_mode & ~0777u) != 0)
        return podsock_error_make (err, 0, "%s: '%s' is not an octal mode like 0660", what, v);
      return 0;
    case OPT_SOCKET_GROUP:
      return set_group (o, what, v, err);
    case OPT_STORAGE:
    case OPT_RUNTIME_DIR:
      if (*v != '/')
        return podsock_error_make (err, 0, "%s: directory '%s' must be absolute", what, v);
      if (key == OPT_STORAGE)
        o->storage_dir = v;
      else
        o->runtime_dir = v;
      return 0;
    case OPT_PODMAN:
      if (*v == '\0')
        return podsock_error_make (err, 0, "%s: podman path is empty", what);
      o->podman = v;
      return 0;
    case OPT_GRACE:
      if (parse_u64 (v, 0, 3600, &n) < 0)
        return podsock_error_make (err, 0, "%s: '%s' is not a number of seconds from 0 to 3600",
                                   what, v);
      o->grace_seconds = (unsigned) n;
      return 0;
    case OPT_LOG_FORMAT:
      if (podsock_log_format_parse (v, &o->log_format) < 0)
        return podsock_error_make (err, 0, "%s: log format '%s' is not json or text", what, v);
      return 0;
    case OPT_LOG_LEVEL:
      if (podsock_log_level_parse (v, &o->log_level) < 0)
        return podsock_error_make (err, 0,
                                   "%s: log level '%s' is not debug, info, warn or error", what,
                                   v);
      return 0;
    default:
      abort ();
    }
}

static const struct
{
  const char *name;
  int key;
} env_options[] = {
  { "PODSOCK_SOCKET", 's' },
  { "PODSOCK_SOCKET_MODE", OPT_SOCKET_MODE },
  { "PODSOCK_SOCKET_GROUP", OPT_SOCKET_GROUP },
  { "PODSOCK_STORAGE", OPT_STORAGE },
  { "PODSOCK_RUNTIME_DIR", OPT_RUNTIME_DIR },
  { "PODSOCK_PODMAN", OPT_PODMAN },
  { "PODSOCK_GRACE", OPT_GRACE },
  { "PODSOCK_LOG_FORMAT", OPT_LOG_FORMAT },
  { "PODSOCK_LOG_LEVEL", OPT_LOG_LEVEL },
};

static const char *
option_name (int key)
{
  for (const struct option *lo = long_options; lo->name; lo++)
    if (lo->val == key)
      return lo->name;
  return "?";
}

static void
set_defaults (struct sidecar_options *o)
{
  o->socket_path = "/sockets/podman.sock";
  o->socket_mode = 0660;
  o->socket_gid = (gid_t) -1;
  o->storage_dir = "/var/lib/podsock/storage";
  o->runtime_dir = "/run/podsock";
  o->podman = "podman";
  o->grace_seconds = 10;
  o->log_format = PODSOCK_LOG_JSON;
  o->log_level = PODSOCK_LOG_INFO;
  o->check = 0;
}

int
sidecar_options_parse (int argc, char **argv, struct sidecar_options *o,
                       enum sidecar_parse_result *result, podsock_error_t *err)
{
  char what[64];
  int c;

  set_defaults (o);
  for (size_t i = 0; i < sizeof env_options / sizeof env_options[0]; i++)
    {
      const char *v = getenv (env_options[i].name);
      if (v != NULL && set_option (o, env_options[i].key, env_options[i].name, v, err) < 0)
        return -1;
    }

  *result = SIDECAR_PARSE_RUN;
  opterr = 0;
  optind = 1;
  while ((c = getopt_long (argc, argv, ":s:hV", long_options, NULL)) != -1)
    {
      switch (c)
        {
        case 'h':
          fputs (usage_text, stdout);
          *result = SIDECAR_PARSE_EXIT_OK;
          return 0;
        case 'V':
          printf ("podsock-sidecar %s\n", PODSOCK_VERSION);
          *result = SIDECAR_PARSE_EXIT_OK;
          return 0;
        case OPT_CHECK:
          o->check = 1;
          break;
        case ':':
          return podsock_error_make (err, 0, "option '%s' needs a value (try --help)",
                                     argv[optind - 1]);
        case '?':
          return podsock_error_make (err, 0, "unknown option '%s' (try --help)",
                                     argv[optind - 1]);
        default:
          snprintf (what, sizeof what, "--%s", option_name (c));
          if (set_option (o, c, what, optarg, err) < 0)
            return -1;
        }
    }
  if (optind < argc)
    return podsock_error_make (err, 0, "unexpected argument '%s' (try --help)", argv[optind]);
  return 0;
}
