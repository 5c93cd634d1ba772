#include "options.h"

#include <podsock/cmdline.h>
#include <podsock/parse.h>
#include <podsock/util.h>

#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[]
    = "Usage: podsock-init [OPTION]...\n"
      "Prepare a job pod for podsock-sidecar: identity files, socket directory, storage,\n"
      "and a check of the shared build directory.\n"
      "\n"
      "  --ids-out DIR           write subuid, subgid, passwd and group for the running UID\n"
      "                          into DIR (PODSOCK_IDS_DIR; default: write none)\n"
      "  --home DIR              HOME of the passwd entry added for the running UID\n"
      "                          (PODSOCK_HOME, default /home/podsock)\n"
      "  --subids START:COUNT    outside a user namespace, the block of IDs to hand out\n"
      "                          (PODSOCK_SUBIDS, default 100000:65536)\n"
      "  --socket-dir DIR        socket directory (PODSOCK_SOCKET_DIR, default /sockets)\n"
      "  --socket-dir-mode MODE  its octal mode (PODSOCK_SOCKET_DIR_MODE, default 2770)\n"
      "  --socket-group GROUP    its group, name or GID (PODSOCK_SOCKET_GROUP, default: keep\n"
      "                          the directory's group, which is the fsGroup in a pod that\n"
      "                          sets one)\n"
      "  --storage DIR           storage volume (PODSOCK_STORAGE, default\n"
      "                          /var/lib/podsock/storage)\n"
      "  --storage-shared        the volume is a cache shared by several pods: each gets its\n"
      "                          own graphroot below DIR/pods and reads DIR/shared\n"
      "                          (PODSOCK_STORAGE_SHARED=auto|true|false|writer, default auto:\n"
      "                          shared when DIR/shared exists; writer: this pod's graphroot\n"
      "                          is DIR/shared, the store the others read)\n"
      "  --pod-id ID             this pod's name (PODSOCK_POD_ID, else POD_NAME, else HOSTNAME)\n"
      "  --builds DIR            the runner's builds directory (PODSOCK_BUILDS_DIR, default\n"
      "                          /builds): warn when it is not a volume here\n"
      "  --log-format FORMAT     json or text (PODSOCK_LOG_FORMAT, default json)\n"
      "  -h, --help              show this help and exit\n"
      "  -V, --version           show the version and exit\n"
      "\n"
      "Flags override environment variables, which override defaults.\n"
      "Exit status: 0 the pod is ready for the sidecar; 1 it is not (the log says why\n"
      "and what to change); 2 usage error.\n";

enum
{
  OPT_SOCKET_DIR = 256,
  OPT_SOCKET_DIR_MODE,
  OPT_SOCKET_GROUP,
  OPT_LOG_FORMAT,
  OPT_IDS_OUT,
  OPT_HOME,
  OPT_SUBIDS,
  OPT_STORAGE,
  OPT_STORAGE_SHARED,
  OPT_POD_ID,
  OPT_BUILDS,
  OPT_STORAGE_SHARED_ENV, /* env only: takes a value */
};

static const struct option long_options[] = {
  { "socket-dir", required_argument, NULL, OPT_SOCKET_DIR },
  { "socket-dir-mode", required_argument, NULL, OPT_SOCKET_DIR_MODE },
  { "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
  { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
  { "ids-out", required_argument, NULL, OPT_IDS_OUT },
  { "home", required_argument, NULL, OPT_HOME },
  { "subids", required_argument, NULL, OPT_SUBIDS },
  { "storage", required_argument, NULL, OPT_STORAGE },
  { "storage-shared", no_argument, NULL, OPT_STORAGE_SHARED },
  { "pod-id", required_argument, NULL, OPT_POD_ID },
  { "builds", required_argument, NULL, OPT_BUILDS },
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
  { "PODSOCK_IDS_DIR", OPT_IDS_OUT },
  { "PODSOCK_HOME", OPT_HOME },
  { "PODSOCK_SUBIDS", OPT_SUBIDS },
  { "PODSOCK_STORAGE", OPT_STORAGE },
  { "PODSOCK_STORAGE_SHARED", OPT_STORAGE_SHARED_ENV },
  { "PODSOCK_BUILDS_DIR", OPT_BUILDS },
  /* The pod id: ours first, then the downward API's usual name, then the
   * hostname (a pod's hostname is its name unless spec.hostname is set). */
  { "HOSTNAME", OPT_POD_ID },
  { "POD_NAME", OPT_POD_ID },
  { "PODSOCK_POD_ID", OPT_POD_ID },
};

static int
absolute_path (const char *what, const char *v, const char **out, podsock_error_t *err)
{
  if (*v != '/')
    return podsock_error_make (err, 0, "%s: '%s' must be an absolute path", what, v);
  if (strlen (v) > 2048)
    return podsock_error_make (err, 0, "%s: path longer than 2048 characters", what);
  *out = v;
  return 0;
}

static int
set_subids (struct init_options *o, const char *what, const char *v, podsock_error_t *err)
{
  cleanup_free char *copy = strdup (v);
  char *colon = copy ? strchr (copy, ':') : NULL;
  uint64_t start, count;

  if (colon)
    *colon = '\0';
  if (colon == NULL || parse_u64 (copy, 1, UINT32_MAX - 1, &start) < 0
      || parse_u64 (colon + 1, 1, UINT32_MAX - 1, &count) < 0 || start + count > UINT32_MAX)
    return podsock_error_make (err, 0,
                               "%s: '%s' is not START:COUNT (like 100000:65536) with START "
                               "above 0 and START+COUNT below 2^32",
                               what, v);
  o->subid_start = start;
  o->subid_count = count;
  return 0;
}

static int
set_storage_shared (struct init_options *o, const char *what, const char *v, podsock_error_t *err)
{
  if (storagedir_mode_parse (v, &o->storage_mode, err) < 0)
    return podsock_error_prefix (err, "%s", what);
  return 0;
}

static int
set_socket_group (struct init_options *o, const char *what, const char *v, podsock_error_t *err)
{
  struct group *g;
  uint64_t n;

  if (parse_u64 (v, 0, UINT32_MAX - 1, &n) == 0)
    o->sockdir.gid = (gid_t) n;
  else if ((g = getgrnam (v)) != NULL)
    o->sockdir.gid = g->gr_gid;
  else
    return podsock_error_make (err, 0, "%s: no group '%s' (give a name or a numeric GID)", what, v);
  return 0;
}

static int
set_option (struct init_options *o, int key, const char *what, const char *v, podsock_error_t *err)
{
  unsigned mode;

  switch (key)
    {
    case OPT_SOCKET_DIR:
      return absolute_path (what, v, &o->sockdir.path, err);
    case OPT_SOCKET_DIR_MODE:
      if (parse_mode (v, &mode) < 0 || (mode & 0700) != 0700)
        return podsock_error_make (err, 0,
                                   "%s: '%s' is not an octal mode that lets the owner in "
                                   "(like 2770)",
                                   what, v);
      o->sockdir.mode = mode;
      return 0;
    case OPT_SOCKET_GROUP:
      return set_socket_group (o, what, v, err);
    case OPT_LOG_FORMAT:
      if (podsock_log_format_parse (v, &o->log_format) < 0)
        return podsock_error_make (err, 0, "%s: log format '%s' is not json or text", what, v);
      return 0;
    case OPT_IDS_OUT:
      return absolute_path (what, v, &o->ids_dir, err);
    case OPT_HOME:
      return absolute_path (what, v, &o->home, err);
    case OPT_SUBIDS:
      return set_subids (o, what, v, err);
    case OPT_STORAGE:
      o->storage_given = 1;
      return absolute_path (what, v, &o->storage, err);
    case OPT_STORAGE_SHARED:
      o->storage_mode = STORAGEDIR_SHARED;
      return 0;
    case OPT_STORAGE_SHARED_ENV:
      return set_storage_shared (o, what, v, err);
    case OPT_POD_ID:
      if (storagedir_check_pod_id (v, err) < 0)
        return podsock_error_prefix (err, "%s", what);
      o->pod_id = v;
      return 0;
    case OPT_BUILDS:
      return absolute_path (what, v, &o->builds_dir, err);
    }
  abort ();
}

static void
set_defaults (struct init_options *o)
{
  memset (o, 0, sizeof *o);
  o->sockdir.path = "/sockets";
  o->sockdir.mode = 02770;
  o->sockdir.gid = (gid_t) -1;
  o->home = "/home/podsock";
  o->subid_start = 100000;
  o->subid_count = 65536;
  o->storage = "/var/lib/podsock/storage";
  o->storage_mode = STORAGEDIR_AUTO;
  o->builds_dir = "/builds";
  o->log_format = PODSOCK_LOG_JSON;
}

static int
parse_env (struct init_options *o, podsock_error_t *err)
{
  for (size_t i = 0; i < ARRAY_SIZE (env_options); i++)
    {
      const char *v = getenv (env_options[i].name);
      if (v == NULL || (*v == '\0' && env_options[i].key == OPT_POD_ID))
        continue;
      /* A hostname that is no pod name (a developer's machine) is no error
       * until a shared volume needs the pod id. */
      if (strcmp (env_options[i].name, "HOSTNAME") == 0 && storagedir_check_pod_id (v, NULL) < 0)
        continue;
      if (set_option (o, env_options[i].key, env_options[i].name, v, err) < 0)
        return -1;
    }
  return 0;
}

int
init_options_parse (int argc, char **argv, struct init_options *o, podsock_error_t *err)
{
  static const struct cmdline cmdline = { "podsock-init", usage_text, ":hV", long_options };
  char what[64];
  int c, idx, r;

  set_defaults (o);
  if (parse_env (o, err) < 0)
    return -1;
  opterr = 0;
  optind = 1;
  while ((r = cmdline_next (&cmdline, argc, argv, &c, &idx, err)) == CMDLINE_OTHER)
    {
      snprintf (what, sizeof what, "--%s", long_options[idx].name);
      if (set_option (o, c, what, optarg, err) < 0)
        return -1;
    }
  if (r < 0)
    return -1;
  if (r == CMDLINE_EXIT)
    return 0;
  if (cmdline_no_more_args (argc, argv, optind, err) < 0)
    return -1;
  return 1;
}
