#include "options.h"

#include <podsock/cmdline.h>
#include <podsock/parse.h>
#include <podsock/util.h>

#include <getopt.h>
#include <grp.h>
#include <stdbool.h>
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

/* getopt_long's value for settings[i]'s flag: OPT_SETTING + i. */
#define OPT_SETTING 256

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
set_socket_dir (struct init_options *o, const char *what, const char *v, podsock_error_t *err)
{
  return absolute_path (what, v, &o->sockdir.path, err);
}

static int
set_socket_dir_mode (struct init_options *o, const char *what, const char *v,
                     podsock_error_t *err)
{
  unsigned mode;

  if (parse_mode (v, &mode) < 0 || (mode & 0700) != 0700)
    return podsock_error_make (err, 0,
                               "%s: '%s' is not an octal mode that lets the owner in (like 2770)",
                               what, v);
  o->sockdir.mode = mode;
  return 0;
}

static int
set_log_format (struct init_options *o, const char *what, const char *v, podsock_error_t *err)
{
  if (podsock_log_format_parse (v, &o->log_format) < 0)
    return podsock_error_make (err, 0, "%s: log format '%s' is not json or text", what, v);
  return 0;
}

static int
set_ids_dir (struct init_options *o, const char *what, const char *v, podsock_error_t *err)
{
  return absolute_path (what, v, &o->ids_dir, err);
}

static int
set_home (struct init_options *o, const char *what, const char *v, podsock_error_t *err)
{
  return absolute_path (what, v, &o->home, err);
}

static int
set_storage (struct init_options *o, const char *what, const char *v, podsock_error_t *err)
{
  o->storage_given = 1;
  return absolute_path (what, v, &o->storage, err);
}

/* --storage-shared takes no value: it means "true". */
static int
set_storage_shared_flag (struct init_options *o, const char *what, const char *v,
                         podsock_error_t *err)
{
  (void) what;
  (void) v;
  (void) err;
  o->storage_mode = STORAGEDIR_SHARED;
  return 0;
}

static int
set_pod_id (struct init_options *o, const char *what, const char *v, podsock_error_t *err)
{
  if (storagedir_check_pod_id (v, err) < 0)
    return podsock_error_prefix (err, "%s", what);
  o->pod_id = v;
  return 0;
}

/* An empty variable is one not set: the name before it in line decides. */
static int
set_pod_id_from_env (struct init_options *o, const char *what, const char *v,
                     podsock_error_t *err)
{
  return *v == '\0' ? 0 : set_pod_id (o, what, v, err);
}

/* A hostname that is no pod name (a developer's machine) is no error until
 * a shared volume needs the pod id. */
static int
set_pod_id_from_hostname (struct init_options *o, const char *what, const char *v,
                          podsock_error_t *err)
{
  if (storagedir_check_pod_id (v, NULL) < 0)
    return 0;
  return set_pod_id (o, what, v, err);
}

static int
set_builds_dir (struct init_options *o, const char *what, const char *v, podsock_error_t *err)
{
  return absolute_path (what, v, &o->builds_dir, err);
}

typedef int (*init_setter) (struct init_options *o, const char *what, const char *v,
                            podsock_error_t *err);

/* Each setting once: its flag (NULL: none), its variable (NULL: none), how
 * it is set, and whether the flag stands alone.  Variables are read in
 * this order, so of the pod id's three names the last one set wins: ours,
 * then the downward API's usual POD_NAME, then the hostname (a pod's
 * hostname is its name unless spec.hostname is set). */
static const struct init_setting
{
  const char *flag, *env;
  init_setter set;
  bool alone;
} settings[] = {
  { "socket-dir", "PODSOCK_SOCKET_DIR", set_socket_dir, false },
  { "socket-dir-mode", "PODSOCK_SOCKET_DIR_MODE", set_socket_dir_mode, false },
  { "socket-group", "PODSOCK_SOCKET_GROUP", set_socket_group, false },
  { "log-format", "PODSOCK_LOG_FORMAT", set_log_format, false },
  { "ids-out", "PODSOCK_IDS_DIR", set_ids_dir, false },
  { "home", "PODSOCK_HOME", set_home, false },
  { "subids", "PODSOCK_SUBIDS", set_subids, false },
  { "storage", "PODSOCK_STORAGE", set_storage, false },
  { "storage-shared", NULL, set_storage_shared_flag, true },
  { NULL, "PODSOCK_STORAGE_SHARED", set_storage_shared, false },
  { "builds", "PODSOCK_BUILDS_DIR", set_builds_dir, false },
  { NULL, "HOSTNAME", set_pod_id_from_hostname, false },
  { NULL, "POD_NAME", set_pod_id_from_env, false },
  { NULL, "PODSOCK_POD_ID", set_pod_id_from_env, false },
  { "pod-id", NULL, set_pod_id, false },
};

/* getopt_long's table: the settings' flags (their index in settings as the
 * value), --help and --version. */
static const struct option *
long_options (void)
{
  static struct option table[ARRAY_SIZE (settings) + 3];
  size_t n = 0;

  if (table[0].name)
    return table;
  for (size_t i = 0; i < ARRAY_SIZE (settings); i++)
    if (settings[i].flag)
      table[n++] = (struct option){ settings[i].flag,
                                    settings[i].alone ? no_argument : required_argument, NULL,
                                    OPT_SETTING + (int) i };
  table[n++] = (struct option){ "help", no_argument, NULL, 'h' };
  table[n] = (struct option){ "version", no_argument, NULL, 'V' };
  return table;
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
  for (size_t i = 0; i < ARRAY_SIZE (settings); i++)
    {
      const char *v = settings[i].env ? getenv (settings[i].env) : NULL;
      if (v && settings[i].set (o, settings[i].env, v, err) < 0)
        return -1;
    }
  return 0;
}

int
init_options_parse (int argc, char **argv, struct init_options *o, podsock_error_t *err)
{
  const struct cmdline cmdline = { "podsock-init", usage_text, ":hV", long_options () };
  const struct init_setting *st;
  char what[64];
  int c, r;

  set_defaults (o);
  if (parse_env (o, err) < 0)
    return -1;
  opterr = 0;
  optind = 1;
  while ((r = cmdline_next (&cmdline, argc, argv, &c, NULL, err)) == CMDLINE_OTHER)
    {
      st = &settings[c - OPT_SETTING];
      snprintf (what, sizeof what, "--%s", st->flag);
      if (st->set (o, what, optarg, err) < 0)
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
