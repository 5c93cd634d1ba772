/* podsock-sidecar: PID 1 of the engine container.  An outline of steps, each
 * in its own file: options, signals, socket, engine, supervision. */
#include "cgroup.h"
#include "detect.h"
#include "engine.h"
#include "handback_watch.h"
#include "options.h"
#include "supervise.h"

#include "caps.h"
#include "gateway/gateway.h"
#include <podsock/fs.h>
#include <podsock/log.h>
#include <podsock/socket.h>
#include <podsock/storagedir.h>
#include <podsock/util.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Clients that connect before podman accepts wait here, not in ECONNREFUSED. */
#define LISTEN_BACKLOG 4096

static int
fail (podsock_error_t *err)
{
  log_error ("%s", (*err)->msg);
  podsock_error_free (err);
  return 1;
}

/* Set-up failed after the socket was bound: no socket may stay behind that
 * accepts connections nobody will answer. */
static int
fail_unbind (struct sidecar_options *opts, struct engine *e, podsock_error_t *err)
{
  unlink (opts->socket_path);
  engine_release (e);
  sidecar_options_free (opts);
  return fail (err);
}

static void
detect (struct detect_report *r, const struct sidecar_options *opts)
{
  detect_run (r, opts->storage_dir, opts->cfg.drivers, opts->cfg.n_drivers);
}

/* Capabilities podman does not need leave the bounding set before it starts
 * (possible only with CAP_SETPCAP: root of a hostUsers: false pod; a
 * non-root pod's bounding set is the one Kubernetes gave). */
static void
drop_capabilities (const struct sidecar_options *opts)
{
  cleanup_error podsock_error_t err = NULL;
  struct caps_result cr = { 0 };

  if (!opts->cfg.drop_caps)
    return;
  if (hardening_caps_drop (&cr, &err) < 0)
    log_warn ("capabilities: %s", err->msg);
  else if (cr.can_drop)
    podsock_log_fields (PODSOCK_LOG_INFO, "dropped capabilities from the bounding set",
                        "bounding", cr.bounding, NULL);
  else if (cr.extra && *cr.extra)
    podsock_log_fields (PODSOCK_LOG_WARN,
                        "cannot drop capabilities (no CAP_SETPCAP); the pod grants more than "
                        "podman needs: drop them in the securityContext",
                        "bounding", cr.bounding, "extra", cr.extra, NULL);
  else
    podsock_log_fields (PODSOCK_LOG_DEBUG, "bounding set as the pod gave it", "bounding",
                        cr.bounding, NULL);
  caps_result_free (&cr);
}

/* The graphroot inside the storage volume, found as podsock-init found it:
 * the volume itself when it is ours, a directory of ours inside a volume
 * root the kubelet owns, or this pod's own directory on a shared volume
 * (whose images in STORAGE/shared podman then reads as well), or the shared
 * image store itself in the writer pod (storage.shared, PODSOCK_STORAGE_SHARED
 * =writer, set on init and sidecar alike).  Only "writer" changes the
 * sidecar's answer: init's "true" made STORAGE/shared, which "auto" finds. */
/* engine.memoryMax and engine.pidsMax, in a cgroup subtree of the engine's
 * own when the pod's cgroup is delegated.  Nested containers then run
 * without cgroups of their own, inside that subtree, so that the limits hold
 * them too.  Never fatal: without limits podman runs as before. */
static void
setup_engine_cgroup (struct engine_cgroup *cg, struct engine *engine, struct detect_report *r,
                     const struct podsock_config *cfg)
{
  cleanup_error podsock_error_t err = NULL;

  if (cfg->engine_memory_max_bytes == 0 && cfg->engine_pids_max == 0)
    return;
  if (!r->cgroup_delegated)
    {
      podsock_log_fields (PODSOCK_LOG_WARN, "engine limits not applied", "settings",
                          "engine.memoryMax, engine.pidsMax", "reason",
                          "the pod's cgroup is not delegated (cgroup.subtree_control not "
                          "writable); the container's own resources.limits still hold podman",
                          NULL);
      return;
    }
  if (engine_cgroup_setup (cg, "/sys/fs/cgroup", r->cgroup_path, cfg, &err) < 0)
    {
      log_warn ("engine cgroup: %s; podman runs without cgroup limits of its own", err->msg);
      engine_cgroup_release (cg);
      return;
    }
  engine->cgroup_procs = cg->procs;
  if (cg->memory_applied || cg->pids_applied)
    {
      r->cgroups_enabled = 0;
      log_info ("nested containers run without cgroups of their own, inside the engine's "
                "subtree, so that its limits hold them");
    }
}

static int
find_graphroot (struct sidecar_options *opts, struct storagedir_layout *layout, int *lock_fd,
                podsock_error_t *err)
{
  char host[256] = "";
  const char *pod = getenv ("POD_NAME");
  enum storagedir_mode mode
      = opts->cfg.storage_shared == STORAGEDIR_WRITER ? STORAGEDIR_WRITER : STORAGEDIR_AUTO;

  if (pod == NULL || *pod == '\0')
    pod = getenv ("HOSTNAME");
  if ((pod == NULL || *pod == '\0') && gethostname (host, sizeof host - 1) == 0)
    pod = host;
  if (storagedir_layout (opts->storage_dir, mode, pod ? pod : "", layout, err) < 0)
    return -1;
  if (layout->shared)
    {
      *lock_fd = storagedir_hold_lock (layout, err);
      if (*lock_fd < 0)
        return -1;
      podsock_log_fields (PODSOCK_LOG_INFO, "shared storage volume", "graphroot",
                          layout->graphroot, "image_store",
                          layout->writer ? "this graphroot (writer)" : layout->imagestore, NULL);
    }
  opts->storage_dir = layout->graphroot;
  return 0;
}

/* --check: the report on stdout, nothing started, nothing bound. */
static int
run_check (const struct sidecar_options *opts)
{
  cleanup_error podsock_error_t err = NULL;
  cleanup_free char *json = NULL;
  struct detect_report r;

  if (fs_mkdir_p (opts->storage_dir, 0700, &err) < 0
      || fs_make_private_dir (opts->storage_dir, &err) < 0)
    log_warn ("storage directory: %s", err->msg);
  detect (&r, opts);
  json = detect_report_json (&r, 1);
  puts (json);
  return r.can_run ? 0 : 1;
}

/* One line per decision, and each limitation with what would lift it. */
static void
log_report (const struct detect_report *r)
{
  for (size_t i = 0; i < r->n_probes; i++)
    {
      const struct detect_probe *p = &r->probes[i];
      if (p->ok || !p->fix[0])
        podsock_log_fields (PODSOCK_LOG_DEBUG, "probe", "probe", p->name, "ok",
                            p->ok ? "true" : "false", "reason", p->reason, NULL);
      else
        podsock_log_fields (PODSOCK_LOG_INFO, "limitation", "probe", p->name, "reason",
                            p->reason, "kubernetes", p->fix, NULL);
    }
  for (size_t i = 0; i < r->n_warnings; i++)
    log_warn ("%s", r->warnings[i]);
  if (r->can_run)
    podsock_log_fields (PODSOCK_LOG_INFO, "engine configuration chosen", "storage_driver",
                        detect_driver_name (r->driver), "network",
                        r->network_host ? "host" : "private", "cgroups",
                        r->cgroups_enabled ? "enabled" : "disabled", "proc",
                        r->proc_bind ? "bind" : "fresh", "id_mapping",
                        detect_idmode_name (r->idmode), "storage_filesystem", r->storage_fs,
                        NULL);
}

/* With the gateway (the default), clients talk to the gateway on the pod's
 * socket and podman serves a private one in its runtime directory, also
 * bound here and handed over by socket activation, so that it too stays
 * open while podman restarts. */
static int
start_gateway (struct gateway **gw, struct engine *e, const struct sidecar_options *opts,
               const struct detect_report *r, int client_fd, int *engine_fd,
               podsock_error_t *err)
{
  struct podsock_config const *c = &opts->cfg;
  struct gateway_options go = {
    .wait_seconds = c->gateway_wait_seconds,
    /* With tun, slirp4netns per container: podman's rootless bridge would
     * need a writable /proc/sys (ip_forward), which a pod does not have. */
    .rewrite_network = 1,
    .network_target = r->network_host ? "host" : "slirp4netns",
    .default_memory_bytes = c->container_memory_bytes,
    .default_pids = c->container_pids,
    .allowed_bind_sources = (const char *const *) c->allowed_bind_sources,
    .allow_privileged = c->allow_privileged,
  };

  if (asprintf (&e->private_socket, "%s/podman.sock", e->run_dir) < 0)
    return podsock_error_make (err, errno, "asprintf");
  *engine_fd = socket_bind_listen (e->private_socket, 0600, (gid_t) -1, LISTEN_BACKLOG, err);
  if (*engine_fd < 0)
    return podsock_error_prefix (err, "engine socket");
  e->api_socket = e->private_socket;
  go.engine_socket = e->private_socket;
  if (gateway_start (gw, client_fd, &go, err) < 0)
    return podsock_error_prefix (err, "gateway");
  podsock_log_fields (PODSOCK_LOG_INFO, "gateway serving the socket", "engine_socket",
                      e->private_socket, "network_rewrite",
                      r->network_host ? "host" : "slirp4netns",
                      NULL);
  return 0;
}

int
main (int argc, char **argv)
{
  cleanup_error podsock_error_t err = NULL;
  struct sidecar_options opts;
  enum sidecar_parse_result parsed;
  struct engine engine = { .out_fd = -1 };
  struct detect_report report;
  struct engine_cgroup cgroup = { 0 };
  struct gateway *gateway = NULL;
  struct storagedir_layout layout;
  cleanup_close int lock_fd = -1;
  int engine_fd;
  ino_t socket_ino = 0;
  cleanup_close int listen_fd = -1;
  cleanup_close int sigfd = -1;
  sigset_t child_mask;
  int status;

  podsock_log_setup ("podsock-sidecar", STDOUT_FILENO, PODSOCK_LOG_TEXT, PODSOCK_LOG_INFO);
  if (sidecar_options_parse (argc, argv, &opts, &parsed, &err) < 0)
    {
      fprintf (stderr, "podsock-sidecar: %s\n", err->msg);
      return 2;
    }
  if (parsed == SIDECAR_PARSE_EXIT_OK)
    return 0;
  podsock_log_setup ("podsock-sidecar", STDOUT_FILENO, opts.log_format, opts.log_level);
  if (opts.check)
    {
      /* The report goes to stdout; logs must not mix into the JSON. */
      podsock_log_setup ("podsock-sidecar", STDERR_FILENO, opts.log_format, opts.log_level);
      int rc;
      if (find_graphroot (&opts, &layout, &lock_fd, &err) < 0)
        log_warn ("storage: %s", err->msg);
      rc = run_check (&opts);
      sidecar_options_free (&opts);
      return rc;
    }

  /* Orphans (conmon, the pause process) must come to us when we are not
   * PID 1 of the container. */
  if (getpid () != 1 && prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    log_warn ("cannot become a child subreaper: %m; orphaned conmon processes will not be reaped");

  sigfd = supervise_block_signals (&child_mask, &err);
  if (sigfd < 0)
    return fail (&err);

  /* Bind first: the socket exists within milliseconds of start. */
  listen_fd = socket_bind_listen (opts.socket_path, opts.socket_mode, opts.socket_gid,
                                  LISTEN_BACKLOG, &err);
  if (listen_fd < 0)
    return fail (&err);
  log_info ("listening on %s", opts.socket_path);
  {
    struct stat st;
    if (stat (opts.socket_path, &st) == 0)
      socket_ino = st.st_ino;
  }

  if (find_graphroot (&opts, &layout, &lock_fd, &err) < 0)
    {
      podsock_error_prefix (&err, "storage");
      return fail_unbind (&opts, &engine, &err);
    }
  engine.image_store = layout.shared && !layout.writer ? layout.imagestore : NULL;
  if (engine_prepare_dirs (&engine, &opts, &err) < 0)
    return fail_unbind (&opts, &engine, &err);
  detect (&report, &opts);
  log_report (&report);
  if (!report.can_run)
    {
      cleanup_free char *json = detect_report_json (&report, 0);
      podsock_log_fields (PODSOCK_LOG_ERROR, "no engine can run in this pod", "why",
                          report.why_not, "report", json, NULL);
      podsock_error_make (&err, 0, "giving up: %s (the limitations above say what to change)",
                          report.why_not);
      return fail_unbind (&opts, &engine, &err);
    }
  setup_engine_cgroup (&cgroup, &engine, &report, &opts.cfg);
  drop_capabilities (&opts);
  engine_fd = listen_fd;
  if (opts.cfg.gateway
      && start_gateway (&gateway, &engine, &opts, &report, listen_fd, &engine_fd, &err) < 0)
    return fail_unbind (&opts, &engine, &err);
  if (engine_configure (&engine, &report, &err) < 0
      || engine_start (&engine, engine_fd, &child_mask, &err) < 0)
    {
      if (gateway)
        gateway_stop (gateway);
      return fail_unbind (&opts, &engine, &err);
    }
  log_info ("started podman (pid %d)", (int) engine.pid);
  {
    struct handback_watch_params hp = { .api_socket = engine.api_socket,
                                        .run_dir = engine.run_dir,
                                        .builds_dir = opts.cfg.builds_dir,
                                        .root_in_userns = report.root_in_userns };
    if (opts.cfg.handback && handback_watch_start (&hp, &child_mask) < 0)
      log_warn ("cannot start the ownership hand-back watcher: %m; files that nested non-root "
                "users write under %s stay theirs",
                opts.cfg.builds_dir);
  }

  {
    cleanup_free char *status_file = NULL;
    struct watchdog_params wd = { .storage_dir = opts.storage_dir,
                                  .api_socket = engine.api_socket,
                                  .run_dir = engine.run_dir,
                                  .limit_bytes = opts.storage_limit_bytes,
                                  .high_pct = opts.high_watermark_pct,
                                  .low_pct = opts.low_watermark_pct,
                                  .prune = opts.prune };
    struct supervise_params sp = { .sigfd = sigfd,
                                   .listen_fd = engine_fd,
                                   .gateway = gateway,
                                   .socket_path = opts.socket_path,
                                   .socket_ino = socket_ino,
                                   .child_mask = &child_mask,
                                   .grace_seconds = opts.grace_seconds,
                                   .restart_max = opts.restart_max,
                                   .restart_window_seconds = opts.restart_window_seconds,
                                   .driver = detect_driver_name (report.driver),
                                   .watchdog = &wd,
                                   .watchdog_interval_seconds = opts.prune_interval_seconds };
    if (opts.cfg.status_file && *opts.cfg.status_file)
      sp.status_file = opts.cfg.status_file;
    else if (asprintf (&status_file, "%s/status.json", opts.runtime_dir) > 0)
      sp.status_file = status_file;
    status = supervise_run (&engine, &sp);
  }

  if (gateway)
    gateway_stop (gateway);
  /* No socket that nobody serves: clients get ENOENT, not a hang. */
  unlink (opts.socket_path);
  engine_release (&engine);
  engine_cgroup_release (&cgroup);
  log_info ("exiting with status %d", status);
  sidecar_options_free (&opts);
  return status;
}
