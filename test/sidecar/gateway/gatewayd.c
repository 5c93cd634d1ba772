/* gatewayd: the gateway in front of an existing engine socket, for tests
 * and benchmarks before (and besides) the sidecar's own wiring.
 *
 *   gatewayd --listen PATH --engine PATH [--rewrite-network] [--wait S]
 *            [--allow-bind PREFIX]... [--no-privileged] [--memory BYTES]
 *            [--pids N] [--header-timeout S] [--unavailable REASON]
 *
 * Runs until SIGTERM or SIGINT. */
#include "gateway/gateway.h"
#include <podsock/log.h>
#include <podsock/socket.h>
#include <podsock/util.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ALLOW 32

static void
usage (void)
{
  fprintf (stderr, "usage: gatewayd --listen PATH --engine PATH [--rewrite-network] [--wait S]\n"
                   "  [--allow-bind PREFIX]... [--no-privileged] [--memory BYTES] [--pids N]\n"
                   "  [--header-timeout S] [--unavailable REASON]\n");
  exit (2);
}

static unsigned long long
number (const char *s, const char *opt)
{
  char *end;
  unsigned long long v;

  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno || end == s || *end)
    {
      fprintf (stderr, "gatewayd: %s wants a number, got '%s'\n", opt, s);
      exit (2);
    }
  return v;
}

/* The flags taking a number, and where each goes. */
enum number_flag
{
  FLAG_WAIT = 'w',
  FLAG_MEMORY = 'm',
  FLAG_PIDS = 'p',
  FLAG_HEADER_TIMEOUT = 't',
};

static void
set_number (struct gateway_options *o, int flag, const char *value)
{
  static const char *const names[] = {
    [FLAG_WAIT] = "--wait",
    [FLAG_MEMORY] = "--memory",
    [FLAG_PIDS] = "--pids",
    [FLAG_HEADER_TIMEOUT] = "--header-timeout",
  };
  unsigned long long v = number (value, names[flag]);

  if (flag == FLAG_WAIT)
    o->wait_seconds = (unsigned) v;
  else if (flag == FLAG_MEMORY)
    o->default_memory_bytes = v;
  else if (flag == FLAG_PIDS)
    o->default_pids = v;
  else
    o->header_timeout_seconds = (unsigned) v;
}

static void
parse_args (int argc, char **argv, struct gateway_options *o, const char **listen_path,
            const char **allow)
{
  static const struct option longopts[] = {
    { "listen", required_argument, NULL, 'l' },
    { "engine", required_argument, NULL, 'e' },
    { "rewrite-network", no_argument, NULL, 'n' },
    { "wait", required_argument, NULL, FLAG_WAIT },
    { "allow-bind", required_argument, NULL, 'b' },
    { "no-privileged", no_argument, NULL, 'P' },
    { "memory", required_argument, NULL, FLAG_MEMORY },
    { "pids", required_argument, NULL, FLAG_PIDS },
    { "header-timeout", required_argument, NULL, FLAG_HEADER_TIMEOUT },
    { "unavailable", required_argument, NULL, 'u' },
    { NULL, 0, NULL, 0 },
  };
  size_t n_allow = 0;
  int c;

  o->allow_privileged = 1;
  while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1)
    switch (c)
      {
      case 'l':
        *listen_path = optarg;
        break;
      case 'e':
        o->engine_socket = optarg;
        break;
      case 'u':
        o->unavailable_reason = optarg;
        break;
      case 'n':
        o->rewrite_network = 1;
        break;
      case 'P':
        o->allow_privileged = 0;
        break;
      case 'b':
        if (n_allow + 1 >= MAX_ALLOW)
          usage ();
        allow[n_allow++] = optarg;
        o->allowed_bind_sources = allow;
        break;
      case FLAG_WAIT:
      case FLAG_MEMORY:
      case FLAG_PIDS:
      case FLAG_HEADER_TIMEOUT:
        set_number (o, c, optarg);
        break;
      default:
        usage ();
      }
  if (*listen_path == NULL || o->engine_socket == NULL || optind != argc)
    usage ();
}

int
main (int argc, char **argv)
{
  cleanup_error podsock_error_t err = NULL;
  struct gateway_options o = { 0 };
  const char *allow[MAX_ALLOW] = { NULL };
  const char *listen_path = NULL;
  struct gateway *g = NULL;
  sigset_t set;
  int fd, sig;

  parse_args (argc, argv, &o, &listen_path, allow);
  podsock_log_setup ("gatewayd", STDERR_FILENO, PODSOCK_LOG_JSON, PODSOCK_LOG_INFO);
  sigemptyset (&set);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &set, NULL);
  fd = socket_bind_listen (listen_path, 0600, (gid_t) -1, 128, &err);
  if (fd < 0 || gateway_start (&g, fd, &o, &err) < 0)
    {
      fprintf (stderr, "gatewayd: %s\n", err->msg);
      return 1;
    }
  log_info ("listening on %s, engine %s", listen_path, o.engine_socket);
  sigdelset (&set, SIGPIPE);
  sigwait (&set, &sig);
  gateway_stop (g);
  close (fd);
  unlink (listen_path);
  log_info ("stopped");
  return 0;
}
