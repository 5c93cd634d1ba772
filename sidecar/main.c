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

/* Everything main() sets up, in the order it does. */
struct sidecar
{
  struct sidecar_options opts;
  struct storagedir_layout layout;
  const char *graphroot; /* layout.graphroot, or storage.dir when none was found */
  int lock_fd;           /* the pod's lock on a shared storage volume */
  int sigfd;
  sigset_t child_mask; /* what children get back before exec */
  int listen_fd;       /* the clients' socket */
  ino_t socket_ino;    /* its inode as bound */
  int engine_fd;       /* what podman gets: listen_fd, or its own socket behind the gateway */
  struct detect_report report;
  struct engine engine;
  struct engine_cgroup cgroup;
  struct gateway *gateway;
};

/* Closes and frees what is left; the last step on every path out. */
static void
sidecar_release (struct sidecar *sc)
{
  if (sc->lock_fd >= 0)
    close (sc->lock_fd);
  if (sc->listen_fd >= 0)
    close (sc->listen_fd);
  if (sc->sigfd >= 0)
    close (sc->sigfd);
  sidecar_options_free (&sc->opts);
}

static int
fail (struct sidecar *sc, podsock_error_t *err)
{
  log_error ("%s", (*err)->msg);
  podsock_error_free (err);
  sidecar_release (sc);
  return 1;
}

/* Set-up failed after the socket was bound: no socket may stay behind that
 * accepts connections nobody will answer. */
static int
fail_unbind (struct sidecar *sc, podsock_error_t *err)
{
  if (sc->gateway)
    gateway_stop (sc->gateway);
  unlink (sc->opts.cfg.socket_path);
  engine_release (&sc->engine);
  return fail (sc, err);
}

/* The configuration, and the log as it asks.  Returns the exit status when
 * there is nothing to run (--help, --version, --print-config, an error), or
 * -1 to go on. */
static int
parse_options (struct sidecar *sc, int argc, char **argv)
{
  cleanup_error podsock_error_t err = NULL;
  enum sidecar_parse_result parsed;

  podsock_log_setup ("podsock-sidecar", STDOUT_FILENO, PODSOCK_LOG_TEXT, PODSOCK_LOG_INFO);
  if (sidecar_options_parse (argc, argv, &sc->opts, &parsed, &err) < 0)
    {
      fprintf (stderr, "podsock-sidecar: %s\n", err->msg);
      return 2;
    }
  if (parsed == SIDECAR_PARSE_EXIT_OK)
    return 0;
  /* With --check the report goes to stdout; logs must not mix into the JSON. */
  podsock_log_setup ("podsock-sidecar", sc->opts.check ? STDERR_FILENO : STDOUT_FILENO,
                     sc->opts.cfg.log_format, sc->opts.cfg.log_level);
  return -1;
}

/* Capabilities podman does not need leave the bounding set before it starts
 * (possible only with CAP_SETPCAP: root of a hostUsers: false pod; a
 * non-root pod's bounding set is the one Kubernetes gave). */
static void
drop_capabilities (const struct podsock_config *cfg)
{
  cleanup_error podsock_error_t err = NULL;
  struct caps_result cr = { 0 };

  if (!cfg->drop_caps)
    return;
  if (hardening_caps_drop (&cr, &err) < 0)
    log_warn ("capabilities: %s", err->msg);
  else if (cr.can_drop)
    podsock_log_fields (PODSOCK_LOG_INFO, "dropped capabilities from the bounding set", "bounding",
                        cr.bounding, NULL);
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

/* The graphroot inside the storage volume, found as podsock-init found it:
 * the volume itself when it is ours, a directory of ours inside a volume
 * root the kubelet owns, or this pod's own directory on a shared volume
 * (whose images in STORAGE/shared podman then reads as well), or the shared
 * image store itself in the writer pod (storage.shared, PODSOCK_STORAGE_SHARED
 * =writer, set on init and sidecar alike).  Only "writer" changes the
 * sidecar's answer: init's "true" made STORAGE/shared, which "auto" finds. */
static int
find_graphroot (struct sidecar *sc, podsock_error_t *err)
{
  char host[256] = "";
  const char *pod = getenv ("POD_NAME");
  const struct podsock_config *cfg = &sc->opts.cfg;
  struct storagedir_layout *layout = &sc->layout;
  enum storagedir_mode mode
      = cfg->storage_shared == STORAGEDIR_WRITER ? STORAGEDIR_WRITER : STORAGEDIR_AUTO;

  sc->graphroot = cfg->storage_dir;
  if (pod == NULL || *pod == '\0')
    pod = getenv ("HOSTNAME");
  if ((pod == NULL || *pod == '\0') && gethostname (host, sizeof host - 1) == 0)
    pod = host;
  if (storagedir_layout (cfg->storage_dir, mode, pod ? pod : "", layout, err) < 0)
    return -1;
  if (layout->shared)
    {
      sc->lock_fd = storagedir_hold_lock (layout, err);
      if (sc->lock_fd < 0)
        return -1;
      podsock_log_fields (PODSOCK_LOG_INFO, "shared storage volume", "graphroot", layout->graphroot,
                          "image_store",
                          layout->writer ? "this graphroot (writer)" : layout->imagestore, NULL);
    }
  sc->graphroot = layout->graphroot;
  return 0;
}

static void
detect (struct sidecar *sc)
{
  detect_run (&sc->report, sc->graphroot, sc->opts.cfg.drivers, sc->opts.cfg.n_drivers);
}

/* --check: the report on stdout, nothing started, nothing bound. */
static int
run_check (struct sidecar *sc)
{
  cleanup_error podsock_error_t err = NULL;
  cleanup_free char *json = NULL;
  int rc;

  if (find_graphroot (sc, &err) < 0)
    log_warn ("storage: %s", err->msg);
  podsock_error_free (&err);
  if (fs_mkdir_p (sc->graphroot, 0700, &err) < 0 || fs_make_private_dir (sc->graphroot, &err) < 0)
    log_warn ("storage directory: %s", err->msg);
  detect (sc);
  if (detect_engine_version (sc->opts.cfg.podman, sc->report.engine_version,
                             sizeof sc->report.engine_version, &err)
      < 0)
    log_warn ("engine version: %s", err->msg);
  json = detect_report_json (&sc->report, 1);
  puts (json);
  rc = sc->report.can_run ? 0 : 1;
  sidecar_release (sc);
  return rc;
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
        podsock_log_fields (PODSOCK_LOG_INFO, "limitation", "probe", p->name, "reason", p->reason,
                            "kubernetes", p->fix, NULL);
    }
  for (size_t i = 0; i < r->n_warnings; i++)
    log_warn ("%s", r->warnings[i]);
  if (r->can_run)
    podsock_log_fields (
        PODSOCK_LOG_INFO, "engine configuration chosen", "storage_driver",
        detect_driver_name (r->driver), "network", r->network_host ? "host" : "private", "cgroups",
        r->cgroups_enabled ? "enabled" : "disabled", "proc", r->proc_bind ? "bind" : "fresh",
        "id_mapping", detect_idmode_name (r->idmode), "storage_filesystem", r->storage_fs,
        "network_mode", engine_network_mode (r), "engine",
        r->engine_version[0] ? r->engine_version : "unknown", NULL);
}

/* Orphans (conmon, the pause process) must come to us when we are not
 * PID 1 of the container. */
static void
become_subreaper (void)
{
  if (getpid () != 1 && prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    log_warn ("cannot become a child subreaper: %m; orphaned conmon processes will not be reaped");
}

/* Signals first, then the socket: it exists within milliseconds of start. */
static int
bind_client_socket (struct sidecar *sc, podsock_error_t *err)
{
  const struct podsock_config *cfg = &sc->opts.cfg;
  struct stat st;

  sc->sigfd = supervise_block_signals (&sc->child_mask, err);
  if (sc->sigfd < 0)
    return -1;
  sc->listen_fd = socket_bind_listen (cfg->socket_path, cfg->socket_mode, cfg->socket_gid,
                                      LISTEN_BACKLOG, err);
  if (sc->listen_fd < 0)
    return -1;
  log_info ("listening on %s", cfg->socket_path);
  if (stat (cfg->socket_path, &st) == 0)
    sc->socket_ino = st.st_ino;
  sc->engine_fd = sc->listen_fd;
  return 0;
}

/* The storage, podman's directories, and what the pod allows. */
static int
prepare_engine (struct sidecar *sc, podsock_error_t *err)
{
  const struct storagedir_layout *layout = &sc->layout;

  if (find_graphroot (sc, err) < 0)
    return podsock_error_prefix (err, "storage");
  engine_init (&sc->engine, &sc->opts.cfg, sc->graphroot,
               layout->shared && !layout->writer ? layout->imagestore : NULL);
  if (engine_prepare_dirs (&sc->engine, err) < 0)
    return -1;
  detect (sc);
  engine_detect_version (&sc->opts.cfg, &sc->report);
  log_report (&sc->report);
  if (!sc->report.can_run)
    {
      cleanup_free char *json = detect_report_json (&sc->report, 0);
      podsock_log_fields (PODSOCK_LOG_ERROR, "no engine can run in this pod", "why",
                          sc->report.why_not, "report", json, NULL);
      return podsock_error_make (err, 0, "giving up: %s (the limitations above say what to change)",
                                 sc->report.why_not);
    }
  return 0;
}

/* With the gateway (the default), clients talk to the gateway on the pod's
 * socket and podman serves a private one in its runtime directory
 * (engine.api_socket), also bound here and handed over by socket
 * activation, so that it too stays open while podman restarts. */
static int
start_gateway (struct sidecar *sc, podsock_error_t *err)
{
  const struct podsock_config *c = &sc->opts.cfg;
  const struct detect_report *r = &sc->report;
  struct gateway_options go = {
    .engine_socket = sc->engine.api_socket,
    .wait_seconds = c->gateway_wait_seconds,
    /* With tun, slirp4netns (podman 4) or pasta (podman 5) per container:
     * podman's rootless bridge would need a writable /proc/sys
     * (ip_forward), which a pod does not have. */
    .rewrite_network = 1,
    .network_target = engine_network_mode (r),
    .default_memory_bytes = c->container_memory_bytes,
    .default_pids = c->container_pids,
    .allowed_bind_sources = (const char *const *) c->allowed_bind_sources,
    .allow_privileged = c->allow_privileged,
    .allow_libpod = c->allow_libpod,
    .allow_host_namespaces = c->allow_host_namespaces,
    .allowed_capabilities = (const char *const *) c->allowed_capabilities,
    .allowed_security_opts = (const char *const *) c->allowed_security_opts,
    .allowed_devices = (const char *const *) c->allowed_devices,
    .allowed_sysctls = (const char *const *) c->allowed_sysctls,
    .default_stop_timeout = c->default_stop_timeout,
    /* The gateway hands back before it answers (docs/ownership.md). */
    .handback = c->handback,
    .builds_dir = c->builds_dir,
    .engine_run_dir = sc->engine.run_dir,
    .root_in_userns = r->root_in_userns,
  };
  cleanup_free char *hosts = xasprintf ("%s/hosts", c->runtime_dir);

  go.hosts_file = hosts;

  if (!c->gateway)
    return 0;
  sc->engine_fd = socket_bind_listen (sc->engine.api_socket, 0600, (gid_t) -1, LISTEN_BACKLOG, err);
  if (sc->engine_fd < 0)
    return podsock_error_prefix (err, "engine socket");
  if (gateway_start (&sc->gateway, sc->listen_fd, &go, err) < 0)
    return podsock_error_prefix (err, "gateway");
  podsock_log_fields (PODSOCK_LOG_INFO, "gateway serving the socket", "engine_socket",
                      sc->engine.api_socket, "network_rewrite", engine_network_mode (r), NULL);
  return 0;
}

/* Limits and hardening, the gateway, podman's configuration, then podman. */
static int
start_engine (struct sidecar *sc, podsock_error_t *err)
{
  setup_engine_cgroup (&sc->cgroup, &sc->engine, &sc->report, &sc->opts.cfg);
  drop_capabilities (&sc->opts.cfg);
  if (start_gateway (sc, err) < 0 || engine_configure (&sc->engine, &sc->report, err) < 0
      || engine_start (&sc->engine, sc->engine_fd, &sc->child_mask, err) < 0)
    return -1;
  log_info ("started podman (pid %d)", (int) sc->engine.pid);
  return 0;
}

static bool
gateway_knows (void *g, const char *id)
{
  return gateway_knows_container (g, id);
}

static void
gateway_died (void *g, const char *id)
{
  gateway_container_died (g, id);
}

/* Files that nested non-root users write under the builds directory go
 * back to the job's user (paths.handBack): the gateway does it before it
 * answers; the follower of the engine's events for containers that end on
 * their own, from the gateway's record of their bind sources. */
static void
start_handback_watch (struct sidecar *sc)
{
  const struct podsock_config *cfg = &sc->opts.cfg;
  struct handback_watch_params hp = { .api_socket = sc->engine.api_socket,
                                      .run_dir = sc->engine.run_dir,
                                      .builds_dir = cfg->builds_dir,
                                      .root_in_userns = sc->report.root_in_userns,
                                      .known = sc->gateway ? gateway_knows : NULL,
                                      .died = sc->gateway ? gateway_died : NULL,
                                      .data = sc->gateway };

  if (cfg->handback && handback_watch_start (&hp, &sc->child_mask) < 0)
    log_warn ("cannot start the ownership hand-back watcher: %m; files that nested non-root "
              "users write under %s stay theirs",
              cfg->builds_dir);
}

/* Until podman has exited for good; returns the sidecar's exit status. */
static int
supervise (struct sidecar *sc)
{
  struct watchdog_params wd = { .cfg = &sc->opts.cfg,
                                .graphroot = sc->graphroot,
                                .api_socket = sc->engine.api_socket,
                                .run_dir = sc->engine.run_dir };
  struct supervise_params sp = { .cfg = &sc->opts.cfg,
                                 .sigfd = sc->sigfd,
                                 .listen_fd = sc->engine_fd,
                                 .child_mask = &sc->child_mask,
                                 .driver = detect_driver_name (sc->report.driver),
                                 .watchdog = &wd,
                                 .gateway = sc->gateway,
                                 .socket_ino = sc->socket_ino };

  return supervise_run (&sc->engine, &sp);
}

static void
shut_down (struct sidecar *sc, int status)
{
  handback_watch_stop (); /* it reads the engine's paths and calls into the gateway */
  if (sc->gateway)
    gateway_stop (sc->gateway);
  /* No socket that nobody serves: clients get ENOENT, not a hang. */
  unlink (sc->opts.cfg.socket_path);
  engine_release (&sc->engine);
  engine_cgroup_release (&sc->cgroup);
  log_info ("exiting with status %d", status);
  sidecar_release (sc);
}

int
main (int argc, char **argv)
{
  cleanup_error podsock_error_t err = NULL;
  struct sidecar sc = {
    .lock_fd = -1, .sigfd = -1, .listen_fd = -1, .engine_fd = -1, .engine = { .out_fd = -1 }
  };
  int status;

  status = parse_options (&sc, argc, argv);
  if (status >= 0)
    return status;
  if (sc.opts.check)
    return run_check (&sc);
  become_subreaper ();
  if (bind_client_socket (&sc, &err) < 0)
    return fail (&sc, &err);
  if (prepare_engine (&sc, &err) < 0 || start_engine (&sc, &err) < 0)
    return fail_unbind (&sc, &err);
  start_handback_watch (&sc);
  status = supervise (&sc);
  shut_down (&sc, status);
  return status;
}
