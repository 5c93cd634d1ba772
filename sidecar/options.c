/* The sidecar's command line.  Every setting lives in struct podsock_config
 * (sidecar/config.h); flags are shortcuts for `--set SECTION.KEY=VALUE`. */
#include "options.h"

#include <podsock/cmdline.h>
#include <podsock/util.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_text[]
    = "Usage: podsock-sidecar [OPTION]...\n"
      "Serve a rootless Podman engine's Docker-compatible API on a unix socket.\n"
      "\n"
      "The sidecar binds the socket itself, starts `podman system service` with the\n"
      "socket handed over by systemd socket activation, supervises it, and stops it\n"
      "on SIGTERM or SIGINT.\n"
      "\n"
      "  -c, --config FILE        YAML configuration (PODSOCK_CONFIG; default\n"
      "                           " SIDECAR_DEFAULT_CONFIG " when it exists)\n"
      "      --set KEY=VALUE      any setting by its YAML path, e.g. storage.sizeLimit=20Gi\n"
      "                           (repeatable; see docs/config.md)\n"
      "  -s, --socket PATH        client socket (PODSOCK_SOCKET, default /sockets/podman.sock)\n"
      "      --socket-mode MODE   octal permissions of the socket (PODSOCK_SOCKET_MODE, 0660)\n"
      "      --socket-group GROUP group name or GID of the socket (PODSOCK_SOCKET_GROUP,\n"
      "                           default: the sidecar's group)\n"
      "      --storage DIR        image and container storage (PODSOCK_STORAGE,\n"
      "                           default /var/lib/podsock/storage)\n"
      "      --runtime-dir DIR    runtime state (PODSOCK_RUNTIME_DIR, default /run/podsock);\n"
      "                           podman's XDG_RUNTIME_DIR is DIR/engine, emptied at start\n"
      "      --podman PATH        podman binary (PODSOCK_PODMAN, default podman)\n"
      "      --grace DURATION     shutdown grace before SIGKILL, e.g. 10 or 30s\n"
      "                           (PODSOCK_GRACE, default 10s)\n"
      "      --log-format FORMAT  json or text (PODSOCK_LOG_FORMAT, default json)\n"
      "      --log-level LEVEL    debug, info, warn or error (PODSOCK_LOG_LEVEL, default info)\n"
      "      --print-config       print the effective configuration as YAML and exit\n"
      "      --check              check the configuration and the pod, then exit\n"
      "  -h, --help               show this help and exit\n"
      "  -V, --version            show the version and exit\n"
      "\n"
      "Precedence: defaults < configuration file < PODSOCK_* environment < flags.\n"
      "\n"
      "Exit status: podman's exit status; 128+N when podman was killed by signal N;\n"
      "1 when set-up failed; 2 on a usage or configuration error; 127 when podman\n"
      "cannot be executed.\n";

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
  OPT_SET,
  OPT_PRINT_CONFIG,
  OPT_CHECK,
};

static const struct option long_options[] = {
  { "config", required_argument, NULL, 'c' },
  { "set", required_argument, NULL, OPT_SET },
  { "socket", required_argument, NULL, 's' },
  { "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
  { "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
  { "storage", required_argument, NULL, OPT_STORAGE },
  { "runtime-dir", required_argument, NULL, OPT_RUNTIME_DIR },
  { "podman", required_argument, NULL, OPT_PODMAN },
  { "grace", required_argument, NULL, OPT_GRACE },
  { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
  { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
  { "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
  { "check", no_argument, NULL, OPT_CHECK },
  { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, 'V' },
  { NULL, 0, NULL, 0 },
};

static const char short_options[] = ":c:s:hV";

/* Each shortcut flag and the setting it sets. */
static const struct
{
  int key;
  const char *path;
} flag_settings[] = {
  { 's', "socket.path" },
  { OPT_SOCKET_MODE, "socket.mode" },
  { OPT_SOCKET_GROUP, "socket.group" },
  { OPT_STORAGE, "storage.dir" },
  { OPT_RUNTIME_DIR, "paths.runtimeDir" },
  { OPT_PODMAN, "engine.podman" },
  { OPT_GRACE, "shutdown.grace" },
  { OPT_LOG_FORMAT, "log.format" },
  { OPT_LOG_LEVEL, "log.level" },
};

static const char *
option_name (int key)
{
  for (const struct option *lo = long_options; lo->name; lo++)
    if (lo->val == key)
      return lo->name;
  return "?";
}

static int
set_flag (struct sidecar_options *o, int key, const char *v, podsock_error_t *err)
{
  cleanup_free char *path = NULL;
  const char *eq;

  if (key == OPT_SET)
    {
      eq = strchr (v, '=');
      if (eq == NULL || eq == v)
        return podsock_error_make (err, 0,
                                   "--set: '%s' is not KEY=VALUE; write e.g. "
                                   "--set storage.sizeLimit=20Gi",
                                   v);
      path = xstrndup (v, (size_t) (eq - v));
      if (config_set (&o->cfg, path, eq + 1, err) < 0)
        return podsock_error_prefix (err, "--set");
      return 0;
    }
  for (size_t i = 0; i < ARRAY_SIZE (flag_settings); i++)
    if (flag_settings[i].key == key)
      {
        if (config_set (&o->cfg, flag_settings[i].path, v, err) < 0)
          return podsock_error_prefix (err, "--%s", option_name (key));
        return 0;
      }
  abort ();
}

/* First pass: what to do, and which file to read. */
static int
scan_actions (int argc, char **argv, struct sidecar_options *o, enum sidecar_parse_result *result,
              int *print_config, podsock_error_t *err)
{
  static const struct cmdline cmdline
      = { "podsock-sidecar", usage_text, short_options, long_options };
  int c, r;

  opterr = 0;
  optind = 1;
  while ((r = cmdline_next (&cmdline, argc, argv, &c, NULL, err)) == CMDLINE_OTHER)
    {
      switch (c)
        {
        case 'c':
          if (*optarg == '\0')
            return podsock_error_make (err, 0, "--config: the file name is empty; give a path");
          o->config_path = optarg;
          break;
        case OPT_PRINT_CONFIG:
          *print_config = 1;
          break;
        case OPT_CHECK:
          o->check = 1;
          break;
        default:
          break;
        }
    }
  if (r < 0)
    return -1;
  if (r == CMDLINE_EXIT)
    {
      *result = SIDECAR_PARSE_EXIT_OK;
      return 0;
    }
  return cmdline_no_more_args (argc, argv, optind, err);
}

/* Second pass, after the file and the environment: the flags win. */
static int
apply_flags (int argc, char **argv, struct sidecar_options *o, podsock_error_t *err)
{
  int c;

  optind = 1;
  while ((c = getopt_long (argc, argv, short_options, long_options, NULL)) != -1)
    {
      if (c == 'c' || c == OPT_PRINT_CONFIG || c == OPT_CHECK)
        continue;
      if (set_flag (o, c, optarg, err) < 0)
        return -1;
    }
  if (config_check (&o->cfg, err) < 0)
    return podsock_error_prefix (err, "flags");
  return 0;
}

static int
load_config_file (struct sidecar_options *o, podsock_error_t *err)
{
  const char *env = getenv ("PODSOCK_CONFIG");
  struct stat st;

  if (o->config_path == NULL && env != NULL && *env != '\0')
    o->config_path = env;
  if (o->config_path == NULL)
    {
      if (stat (SIDECAR_DEFAULT_CONFIG, &st) < 0 && errno == ENOENT)
        return 0;
      o->config_path = SIDECAR_DEFAULT_CONFIG;
    }
  return config_load_file (&o->cfg, o->config_path, err);
}

static int
print_config (const struct sidecar_options *o, podsock_error_t *err)
{
  cleanup_free char *text = config_to_yaml (&o->cfg);

  if (text == NULL)
    return podsock_error_make (err, errno, "print the configuration");
  if (o->config_path != NULL)
    printf ("# read from %s\n", o->config_path);
  fputs (text, stdout);
  if (fflush (stdout) != 0)
    return podsock_error_make (err, errno, "write the configuration to stdout");
  return 0;
}

static int
parse_all (int argc, char **argv, struct sidecar_options *o, enum sidecar_parse_result *result,
           podsock_error_t *err)
{
  int want_print = 0;

  if (scan_actions (argc, argv, o, result, &want_print, err) < 0)
    return -1;
  if (*result == SIDECAR_PARSE_EXIT_OK)
    return 0;
  if (load_config_file (o, err) < 0 || config_apply_env (&o->cfg, err) < 0
      || apply_flags (argc, argv, o, err) < 0)
    return -1;
  config_finalize (&o->cfg);
  if (want_print)
    {
      *result = SIDECAR_PARSE_EXIT_OK;
      return print_config (o, err);
    }
  return 0;
}

int
sidecar_options_parse (int argc, char **argv, struct sidecar_options *o,
                       enum sidecar_parse_result *result, podsock_error_t *err)
{
  memset (o, 0, sizeof *o);
  config_defaults (&o->cfg);
  *result = SIDECAR_PARSE_RUN;
  if (parse_all (argc, argv, o, result, err) < 0)
    {
      sidecar_options_free (o);
      return -1;
    }
  /* The caller exits: nothing left for it to free. */
  if (*result == SIDECAR_PARSE_EXIT_OK)
    sidecar_options_free (o);
  return 0;
}

void
sidecar_options_free (struct sidecar_options *o)
{
  config_free (&o->cfg);
}
