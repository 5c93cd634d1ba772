/* podsock-init: the init container that prepares the pod for the sidecar.
 * One named step per concern; each checks or creates what it owns and is
 * idempotent, so running init twice gives the same pod. */
#include "buildsdir.h"
#include "idfiles.h"
#include "options.h"

#include <podsock/log.h>
#include "sockdir.h"
#include <podsock/storagedir.h>
#include <podsock/util.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
warn_few_ids (const char *kind, uint64_t n)
{
  if (n == 0)
    log_warn ("no subordinate %s IDs: this container owns a single ID, so podman runs in "
              "single-ID mode: container root works, but images with files of other users "
              "(most of them) fail with \"potentially insufficient UIDs or GIDs\"; give the pod "
              "a user namespace (hostUsers: false, 65536 IDs) or more IDs",
              kind);
  else if (n < IDMAP_USEFUL_COUNT - 2)
    log_warn ("only %" PRIu64 " subordinate %s IDs: images with files owned by IDs of %" PRIu64
              " or more fail with \"potentially insufficient UIDs or GIDs\"; give the pod at "
              "least 65536 IDs (hostUsers: false)",
              n, kind, n + 1);
}

/* The groups the builds tree can carry besides ours: the supplementary
 * ones (the fsGroup; on OpenShift the primary GID is 0) and the group of
 * the builds directory itself. */
static size_t
pod_groups (const struct init_options *o, gid_t *out, size_t max)
{
  int n = getgroups ((int) max - 1, out);
  struct stat st;

  if (n < 0)
    n = 0;
  if (o->builds_dir && stat (o->builds_dir, &st) == 0)
    out[n++] = st.st_gid;
  return (size_t) n;
}

static int
write_id_files (const struct init_options *o, podsock_error_t *err)
{
  gid_t groups[64];
  struct idfiles_spec spec = { .out_dir = o->ids_dir,
                               .passwd_src = "/etc/passwd",
                               .group_src = "/etc/group",
                               .uid_map = "/proc/self/uid_map",
                               .gid_map = "/proc/self/gid_map",
                               .home = o->home,
                               .uid = getuid (),
                               .gid = getgid (),
                               .window_start = o->subid_start,
                               .window_count = o->subid_count };
  struct idfiles_report r;
  char uids[24], gids[24], uid[16], added[16];

  spec.groups = groups;
  spec.n_groups = pod_groups (o, groups, sizeof groups / sizeof *groups);

  if (o->ids_dir == NULL)
    {
      log_info ("no --ids-out: the sidecar uses the image's /etc/subuid and /etc/passwd");
      return 0;
    }
  if (idfiles_write (&spec, &r, err) < 0)
    return -1;
  snprintf (uids, sizeof uids, "%" PRIu64, r.uids);
  snprintf (gids, sizeof gids, "%" PRIu64, r.gids);
  snprintf (uid, sizeof uid, "%u", (unsigned) spec.uid);
  snprintf (added, sizeof added, "%zu", r.groups_added);
  podsock_log_fields (PODSOCK_LOG_INFO, "wrote identity files", "dir", o->ids_dir, "user", r.user,
                      "uid", uid, "user_added", r.user_added ? "true" : "false", "subordinate_uids",
                      uids, "subordinate_gids", gids, "user_namespace",
                      r.initial_ns ? "none (initial)" : "own", "pod_groups_mapped", added, NULL);
  warn_few_ids ("user", r.uids);
  warn_few_ids ("group", r.gids);
  return 0;
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
  podsock_log_fields (
      PODSOCK_LOG_INFO, r.created ? "created socket directory" : "socket directory ready", "path",
      o->sockdir.path, "uid", uid, "gid", gid, "mode", mode, "stale_sockets_removed", stale, NULL);
  if (!(r.mode & 02000) && r.gid == getgid ())
    log_warn ("socket directory %s has no fsGroup (group %u is the pod user's own): a build "
              "container running as another UID cannot use the socket; set the pod's fsGroup "
              "or --socket-group",
              o->sockdir.path, (unsigned) r.gid);
  return 0;
}

/* Without --storage, a default whose parent does not exist is no volume of
 * this pod: podsock-init run by hand, or a chart that does not mount one. */
static int
default_storage_absent (const struct init_options *o)
{
  cleanup_free char *parent = strdup (o->storage);
  char *slash = parent ? strrchr (parent, '/') : NULL;
  struct stat st;

  if (o->storage_given || slash == NULL)
    return 0;
  *slash = '\0';
  return lstat (*parent ? parent : "/", &st) < 0 && errno == ENOENT;
}

static int
prepare_storage (const struct init_options *o, podsock_error_t *err)
{
  struct storagedir_layout l;
  struct storagedir_report r;
  char moved[16], live[16];

  if (default_storage_absent (o))
    {
      log_info ("no storage volume at %s (no --storage given): left to the sidecar", o->storage);
      return 0;
    }

  if (storagedir_layout (o->storage, o->storage_mode, o->pod_id, &l, err) < 0
      || storagedir_prepare (&l, o->storage, &r, err) < 0)
    return -1;
  snprintf (moved, sizeof moved, "%d", r.stale_moved);
  snprintf (live, sizeof live, "%d", r.stale_live);
  podsock_log_fields (PODSOCK_LOG_INFO, "storage ready", "graphroot", l.graphroot,
                      "shared_image_store",
                      l.writer   ? "this graphroot (writer)"
                      : l.shared ? l.imagestore
                                 : "none",
                      "created", r.created ? "true" : "false", "dead_pods_moved_to_trash", moved,
                      "other_live_pods", live, NULL);
  return 0;
}

static int
check_builds_dir (const struct init_options *o, podsock_error_t *err)
{
  cleanup_free char *warning = NULL;
  int r = buildsdir_check (o->builds_dir, "/proc/self/mountinfo", &warning, err);

  if (r < 0)
    return -1;
  if (r > 0)
    log_warn ("%s", warning);
  else
    podsock_log_fields (PODSOCK_LOG_INFO, "builds directory is a volume", "path", o->builds_dir,
                        NULL);
  return 0;
}

int
main (int argc, char **argv)
{
  cleanup_error podsock_error_t err = NULL;
  struct init_options o;
  int r;

  podsock_log_setup ("podsock-init", STDOUT_FILENO, PODSOCK_LOG_TEXT, PODSOCK_LOG_INFO);
  r = init_options_parse (argc, argv, &o, &err);
  if (r < 0)
    {
      fprintf (stderr, "podsock-init: %s\n", err->msg);
      return 2;
    }
  if (r == 0)
    return 0;
  podsock_log_setup ("podsock-init", STDOUT_FILENO, o.log_format, PODSOCK_LOG_INFO);

  if (write_id_files (&o, &err) < 0 || prepare_socket_dir (&o, &err) < 0
      || prepare_storage (&o, &err) < 0 || check_builds_dir (&o, &err) < 0)
    {
      log_error ("%s", err->msg);
      return 1;
    }
  log_info ("pod prepared for podsock-sidecar");
  return 0;
}
