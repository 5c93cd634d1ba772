#include "options.h"

#include <podsock/cmdline.h>
#include <podsock/parse.h>
#include <podsock/status.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[]
    = "Usage: podsock-probe [MODE] [OPTION]...\n"
      "Tell whether the engine behind the podsock socket answers, at the cost of a stat.\n"
      "\n"
      "Modes:\n"
      "  ready   (default) GET /_ping answers 200 \"OK\" within the timeout\n"
      "  live    the engine answers, or the sidecar is (re)starting it within its\n"
      "          backoff and a 30 s start allowance (read from the status file);\n"
      "          an engine that does not answer while the sidecar says running is hung\n"
      "  wait    block until ready, printing progress; for a job's before_script\n"
      "  status  engine version, storage driver, running containers, disk use\n"
      "\n"
      "Options:\n"
      "  -s, --socket PATH       the socket (default: PODSOCK_SOCKET, else DOCKER_HOST when\n"
      "                          it is a unix:// URL, else /sockets/podman.sock)\n"
      "  -t, --timeout TIME      ready, live, status: per-request timeout, a bare number in\n"
      "                          milliseconds (default 1000; status 5000); wait: overall\n"
      "                          deadline, a bare number in seconds (default 60).  A suffix\n"
      "                          ms or s overrides the unit.\n"
      "      --status-file PATH  live, status: the sidecar's status file (default:\n"
      "                          PODSOCK_STATUS_FILE, else " STATUS_FILE_DEFAULT ")\n"
      "      --json              status: print one JSON object\n"
      "  -q, --quiet             wait: no progress lines\n"
      "  -h, --help              show this help and exit\n"
      "  -V, --version           show the version and exit\n"
      "\n"
      "Exit status: 0 ok (ready, alive); 1 not ok (one line on stderr says why);\n"
      "2 usage or configuration error.\n";

enum
{
  OPT_STATUS_FILE = 256,
  OPT_JSON,
};

static const struct option long_options[] = {
  { "socket", required_argument, NULL, 's' },
  { "timeout", required_argument, NULL, 't' },
  { "quiet", no_argument, NULL, 'q' },
  { "status-file", required_argument, NULL, OPT_STATUS_FILE },
  { "json", no_argument, NULL, OPT_JSON },
  { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, 'V' },
  { NULL, 0, NULL, 0 },
};

int
probe_parse_duration (const char *s, long default_unit_ms, long *out_ms)
{
  char digits[32];
  size_t n = strspn (s, "0123456789");
  const char *suffix = s + n;
  long unit;
  uint64_t v;

  if (n == 0 || n >= sizeof digits)
    return -1;
  if (*suffix == '\0')
    unit = default_unit_ms;
  else if (strcmp (suffix, "ms") == 0)
    unit = 1;
  else if (strcmp (suffix, "s") == 0)
    unit = 1000;
  else
    return -1;
  memcpy (digits, s, n);
  digits[n] = '\0';
  /* At most a day: a longer probe is a mistake, and it keeps the product small. */
  if (parse_u64 (digits, 1, 86400000 / (uint64_t) unit, &v) < 0)
    return -1;
  *out_ms = (long) v * unit;
  return 0;
}

int
probe_socket_from_env (const char **out, podsock_error_t *err)
{
  const char *v = getenv ("PODSOCK_SOCKET");

  if (v && *v)
    {
      *out = v;
      return 0;
    }
  v = getenv ("DOCKER_HOST");
  if (v && *v)
    {
      if (strncmp (v, "unix://", 7) != 0 || v[7] != '/')
        return podsock_error_make (err, 0,
                                   "DOCKER_HOST=%s is not a unix:///path URL; give --socket or "
                                   "PODSOCK_SOCKET",
                                   v);
      *out = v + 7;
      return 0;
    }
  *out = "/sockets/podman.sock";
  return 0;
}

static int
parse_mode_word (const char *w, enum probe_mode *mode)
{
  if (strcmp (w, "ready") == 0)
    *mode = PROBE_READY;
  else if (strcmp (w, "wait") == 0)
    *mode = PROBE_WAIT;
  else if (strcmp (w, "live") == 0)
    *mode = PROBE_LIVE;
  else if (strcmp (w, "status") == 0)
    *mode = PROBE_STATUS;
  else
    return -1;
  return 0;
}

static long
default_timeout_ms (enum probe_mode mode)
{
  switch (mode)
    {
    case PROBE_WAIT:
      return 60000;
    case PROBE_STATUS:
      return 5000;
    default:
      return 1000;
    }
}

/* Flags that only one mode reads are refused elsewhere: a probe command
 * that says more than it does misleads whoever reads the pod spec. */
static int
check_mode_flags (const struct probe_options *o, const char *status_flag, podsock_error_t *err)
{
  if (o->json && o->mode != PROBE_STATUS)
    return podsock_error_make (err, 0, "--json applies to the status mode only");
  if (status_flag && o->mode != PROBE_LIVE && o->mode != PROBE_STATUS)
    return podsock_error_make (err, 0, "--status-file applies to the live and status modes only");
  if (status_flag && *status_flag == '\0')
    return podsock_error_make (err, 0, "--status-file is empty");
  return 0;
}

static int
finish (struct probe_options *o, const char *timeout, const char *socket_flag,
        const char *status_flag, podsock_error_t *err)
{
  long unit = o->mode == PROBE_WAIT ? 1000 : 1;

  if (check_mode_flags (o, status_flag, err) < 0)
    return -1;
  o->timeout_ms = default_timeout_ms (o->mode);
  if (timeout && probe_parse_duration (timeout, unit, &o->timeout_ms) < 0)
    return podsock_error_make (err, 0,
                               "--timeout '%s' is not a duration like 500, 500ms or 30s "
                               "(from 1 ms to a day)",
                               timeout);
  /* ready and wait read no more than they need: no status file path. */
  if (o->mode == PROBE_LIVE || o->mode == PROBE_STATUS)
    o->status_path = status_file_path (status_flag);
  if (socket_flag)
    {
      if (*socket_flag == '\0')
        return podsock_error_make (err, 0, "--socket is empty");
      o->socket_path = socket_flag;
      return 0;
    }
  return probe_socket_from_env (&o->socket_path, err);
}

int
probe_options_parse (int argc, char **argv, struct probe_options *o,
                     enum probe_parse_result *result, podsock_error_t *err)
{
  static const struct cmdline cmdline = { "podsock-probe", usage_text, ":s:t:qhV", long_options };
  const char *timeout = NULL, *socket_flag = NULL, *status_flag = NULL;
  int c, r;

  memset (o, 0, sizeof *o);
  *result = PROBE_PARSE_RUN;
  opterr = 0;
  optind = 1;
  /* GNU getopt permutes: the mode word may stand before or after options. */
  while ((r = cmdline_next (&cmdline, argc, argv, &c, NULL, err)) == CMDLINE_OTHER)
    {
      switch (c)
        {
        case 's':
          socket_flag = optarg;
          break;
        case 't':
          timeout = optarg;
          break;
        case 'q':
          o->quiet = 1;
          break;
        case OPT_STATUS_FILE:
          status_flag = optarg;
          break;
        case OPT_JSON:
          o->json = 1;
          break;
        default: /* getopt_long returns nothing else */
          abort ();
        }
    }
  if (r < 0)
    return -1;
  if (r == CMDLINE_EXIT)
    {
      *result = PROBE_PARSE_EXIT_OK;
      return 0;
    }
  if (optind < argc)
    {
      if (parse_mode_word (argv[optind], &o->mode) < 0)
        return podsock_error_make (
            err, 0, "unknown mode '%s' (ready, live, wait or status; try --help)", argv[optind]);
      if (cmdline_no_more_args (argc, argv, optind + 1, err) < 0)
        return -1;
    }
  return finish (o, timeout, socket_flag, status_flag, err);
}
