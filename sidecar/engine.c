#include "engine.h"
#include "storage.h"

#include <podsock/fs.h>
#include <podsock/log.h>
#include <podsock/util.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ------------------------------------------------ the engine's version --- */

/* The dpkg paragraph of one package in status text: its Version when its
 * Status is "install ok installed", as the upstream version ("1:5.4.2+ds1-2"
 * -> "5.4.2").  0, or -1 when the package is not installed there. */
static int
dpkg_installed_version (const char *status, const char *package, char *out, size_t cap)
{
  cleanup_free char *head = xasprintf ("Package: %s\n", package);
  const char *p = status;

  while ((p = strstr (p, head)) != NULL)
    {
      const char *end, *v, *st;
      size_t n;
      if (p != status && p[-1] != '\n')
        {
          p++;
          continue;
        }
      end = strstr (p, "\n\n");
      if (end == NULL)
        end = p + strlen (p);
      st = strstr (p, "\nStatus: install ok installed\n");
      v = strstr (p, "\nVersion: ");
      if (st == NULL || st >= end || v == NULL || v >= end)
        return -1;
      v += 10;
      if (strchr (v, ':') && strchr (v, ':') < strchr (v, '\n'))
        v = strchr (v, ':') + 1; /* an epoch */
      n = strspn (v, "0123456789.");
      if (n == 0 || n >= cap)
        return -1;
      memcpy (out, v, n);
      out[n] = '\0';
      return 0;
    }
  return -1;
}

int
engine_version_from_dpkg (const char *admindir, const char *podman_path, char *out, size_t cap)
{
  cleanup_free char *list_path = xasprintf ("%s/info/podman.list", admindir);
  cleanup_free char *status_path = xasprintf ("%s/status", admindir);
  cleanup_free char *list = NULL, *status = NULL, *line = xasprintf ("\n%s\n", podman_path);
  podsock_error_t rerr = NULL;

  out[0] = '\0';
  /* The file list says the package owns this binary: a podman installed
   * by other means over or beside it is not the package's. */
  if (fs_read_file (list_path, 1 << 20, &list, NULL, &rerr) < 0
      || fs_read_file (status_path, 16 << 20, &status, NULL, &rerr) < 0)
    {
      podsock_error_free (&rerr);
      return -1;
    }
  if (strncmp (list, line + 1, strlen (line + 1)) != 0 && strstr (list, line) == NULL)
    return -1;
  return dpkg_installed_version (status, "podman", out, cap);
}

/* cfg->podman as execvpe finds it, resolved ("podman" -> "/usr/bin/podman"). */
static char *
podman_path (const char *podman)
{
  const char *path = getenv ("PATH");
  cleanup_free char *copy = NULL;
  char *save = NULL;

  if (strchr (podman, '/'))
    return realpath (podman, NULL);
  copy = xstrdup (path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (char *dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      cleanup_free char *cand = xasprintf ("%s/%s", dir, podman);
      if (access (cand, X_OK) == 0)
        return realpath (cand, NULL);
    }
  return NULL;
}

int
engine_major (const char *version)
{
  unsigned major = 0;

  return version && sscanf (version, "%u.", &major) == 1 ? (int) major : 0;
}

const char *
engine_network_mode (const struct detect_report *r)
{
  if (r->network_host)
    return "host";
  return engine_major (r->engine_version) >= 5 ? "pasta" : "slirp4netns";
}

static long
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* podman's version before podman runs: what it writes depends on it.
 * `podman --version` costs a Go start-up on the way to the first answer
 * (35 to 50 ms on an idle 2-core machine here, about 200 ms under load), so
 * the package database is read first (0.1 to 0.3 ms, 2 to 3 ms on a cold
 * cache); the binary answers only where no package owns it. */
void
engine_detect_version (const struct podsock_config *cfg, struct detect_report *r)
{
  cleanup_error podsock_error_t err = NULL;
  cleanup_free char *path = NULL;
  long start = now_us ();
  const char *source = "dpkg";
  char took[32];

  if (r->engine_version[0])
    return;
  path = podman_path (cfg->podman);
  if (path == NULL
      || engine_version_from_dpkg ("/var/lib/dpkg", path, r->engine_version,
                                   sizeof r->engine_version)
             < 0)
    {
      source = "podman --version";
      if (detect_engine_version (cfg->podman, r->engine_version, sizeof r->engine_version, &err)
          < 0)
        {
          log_warn ("engine version: %s; writing the configuration that podman 4 and 5 both read",
                    err->msg);
          return;
        }
    }
  snprintf (took, sizeof took, "%.3f", (double) (now_us () - start) / 1000.0);
  podsock_log_fields (PODSOCK_LOG_DEBUG, "engine version", "podman", r->engine_version, "from",
                      source, "ms", took, NULL);
}

/* exec sessions through the Docker API: podman keeps each exec's conmon for
 * exit_command_delay (300 s by default, "to mimic Docker's exec cleanup")
 * before the session is removed, so a job that execs often piles them up.
 * Clients read the exit code right after the stream ends (the docker CLI,
 * testcontainers), well within this. */
#define EXEC_CLEANUP_DELAY_S 5

/* The [containers] netns and the [network] table for this engine.  podman 4
 * (4.3: CNI or netavark, whichever is installed; no pasta default) keeps
 * slirp4netns with tun.  podman 5 has only netavark and makes pasta its
 * rootless default (slirp4netns is deprecated there): pasta for the
 * containers' own networks and for the rootless network namespace of
 * user-defined networks, both needing /dev/net/tun.  pasta forwards
 * published ports itself (slirp4netns needs rootlessport), and podman 5.3+
 * gives containers host.containers.internal (169.254.1.2, pasta's
 * --map-guest-addr) to reach the pod's address, where the other containers'
 * ports are published. */
static char *
network_conf (const struct detect_report *r, char **network_table)
{
  const char *mode = engine_network_mode (r);

  if (engine_major (r->engine_version) >= 5)
    *network_table = xasprintf ("\n[network]\n"
                                "network_backend = \"netavark\"\n"
                                "default_rootless_network_cmd = \"%s\"\n",
                                r->network_host ? "pasta" : mode);
  else
    *network_table = xstrdup ("");
  return xasprintf ("netns = \"%s\"\n", mode);
}

/* containers.conf from what the pod allows and which podman runs.  The
 * pod's network namespace is already private, so "host" costs no isolation
 * from other pods; journald does not exist in a pod, hence k8s-file and
 * file. */
static int
write_containers_conf (struct engine *e, const struct detect_report *r, podsock_error_t *err)
{
  cleanup_free char *text = NULL, *network_table = NULL;
  cleanup_free char *netns = network_conf (r, &network_table);

  text = xasprintf ("# Written by podsock-sidecar from its detection report; do not edit.\n"
                    "# podman %s\n"
                    "[containers]\n"
                    "%s"
                    "cgroups = \"%s\"\n"
                    "log_driver = \"k8s-file\"\n"
                    "%s"
                    "%s%s%s"
                    "%s"
                    "\n"
                    "[engine]\n"
                    "cgroup_manager = \"cgroupfs\"\n"
                    "events_logger = \"file\"\n"
                    "exit_command_delay = %d\n"
                    /* Root of a pod's user namespace (hostUsers: false) would
                     * use /run/libpod, not writable in a pod. */
                    "tmp_dir = \"%s/libpod/tmp\"\n"
                    "runtime = \"crun\"\n"
                    "%s",
                    r->engine_version[0] ? r->engine_version : "version unknown", netns,
                    r->cgroups_enabled ? "enabled" : "disabled",
                    /* A fresh proc cannot be mounted under a masked /proc. */
                    r->proc_bind ? "volumes = [\"/proc:/proc\"]\n" : "",
                    e->seccomp_profile ? "seccomp_profile = \"" : "",
                    e->seccomp_profile ? e->seccomp_profile : "", e->seccomp_profile ? "\"\n" : "",
                    /* Under the filter crun cannot create a session keyring
                     * (keyctl is denied): "create keyring: Operation not
                     * permitted".  Containers then share the engine's. */
                    e->seccomp.filter ? "keyring = false\n" : "", EXEC_CLEANUP_DELAY_S, e->run_dir,
                    network_table);
  return fs_write_file_atomic (e->containers_conf, text, err);
}

static int
write_storage_conf (struct engine *e, const struct detect_report *r, podsock_error_t *err)
{
  cleanup_free char *text = NULL;
  const char *ignore_chown = r->idmode == IDMODE_SINGLE ? "ignore_chown_errors = \"true\"\n" : "";
  int fuse = r->driver == CONFIG_DRIVER_FUSE_OVERLAY;

  text = xasprintf ("# Written by podsock-sidecar from its detection report; do not edit.\n"
                    "[storage]\n"
                    "driver = \"%s\"\n"
                    "graphroot = \"%s\"\n"
                    "runroot = \"%s/containers\"\n"
                    /* Rootless podman ignores graphroot from a system-wide file. */
                    "rootless_storage_path = \"%s\"\n"
                    "\n"
                    "[storage.options]\n"
                    "%s%s%s"
                    "\n"
                    "[storage.options.overlay]\n"
                    "%s"
                    "mountopt = \"%s\"\n"
                    "%s"
                    "\n"
                    "[storage.options.vfs]\n"
                    "%s",
                    r->driver == CONFIG_DRIVER_VFS ? "vfs" : "overlay", e->graphroot, e->run_dir,
                    e->graphroot, e->image_store ? "additionalimagestores = [\"" : "",
                    e->image_store ? e->image_store : "", e->image_store ? "\"]\n" : "",
                    fuse ? "mount_program = \"/usr/bin/fuse-overlayfs\"\n" : "",
                    fuse ? "nodev,fsync=0" : "nodev", ignore_chown, ignore_chown);
  return fs_write_file_atomic (e->storage_conf, text, err);
}

/* Rootless podman keeps a pause process pid, locks and a libpod database in
 * the runtime directory; left over from a killed sidecar they make it fail
 * with "invalid internal status" (see CONTEXT.md), so start from empty. */
static int
prepare_dirs (struct engine *e, podsock_error_t *err)
{
  const char *home = getenv ("HOME");

  /* A directory of our own below runtime_dir, which is often an emptyDir
   * that root owns; emptying it cannot touch anything else. */
  e->run_dir = xasprintf ("%s/engine", e->cfg->runtime_dir);
  if (fs_mkdir_p (e->run_dir, 0700, err) < 0 || fs_empty_dir (e->run_dir, err) < 0)
    return podsock_error_prefix (err, "runtime directory (mount a writable emptyDir at %s)",
                                 e->cfg->runtime_dir);
  if (chmod (e->run_dir, 0700) < 0)
    return podsock_error_make (err, errno, "runtime directory: chmod %s", e->run_dir);
  if (fs_mkdir_p (e->graphroot, 0700, err) < 0)
    return podsock_error_prefix (err, "storage directory");
  if (fs_make_private_dir (e->graphroot, err) < 0)
    return podsock_error_prefix (err, "storage directory");
  if (access (e->graphroot, W_OK | X_OK) < 0)
    return podsock_error_make (err, errno,
                               "storage directory %s is not writable by uid %u; run podsock-init "
                               "first or give the volume to this user (fsGroup)",
                               e->graphroot, (unsigned) getuid ());
  /* Podman writes below $HOME; pods often have none or a read-only one. */
  if (home == NULL || access (home, W_OK | X_OK) < 0)
    {
      e->home = xasprintf ("%s/home", e->run_dir);
      if (fs_mkdir_p (e->home, 0700, err) < 0)
        return podsock_error_prefix (err, "home directory");
    }
  return 0;
}

/* Podman looks subordinate ranges up under $USER first.  Where newuidmap
 * cannot work, a name with no ranges makes it map the one UID it has
 * instead of failing on newuidmap. */
#define SINGLE_ID_USER "podsock-single-id"

static void
build_env (struct engine *e, const struct detect_report *r)
{
  size_t n = 0, i = 0;
  int single = r->idmode == IDMODE_SINGLE;
  const char *drop[] = { "LISTEN_FDS=",
                         "LISTEN_PID=",
                         "LISTEN_FDNAMES=",
                         "XDG_RUNTIME_DIR=",
                         "CONTAINERS_CONF=",
                         "CONTAINERS_STORAGE_CONF=",
                         "HOME=",
                         single ? "USER=" : "LISTEN_FDS=",
                         NULL };

  while (environ[n])
    n++;
  e->env = xcalloc (n + 9, sizeof *e->env);
  for (size_t k = 0; k < n; k++)
    {
      int keep = 1;
      for (const char **d = drop; *d; d++)
        if (strncmp (environ[k], *d, strlen (*d)) == 0)
          keep = 0;
      if (keep || (strncmp (environ[k], "HOME=", 5) == 0 && e->home == NULL))
        e->env[i++] = xstrdup (environ[k]);
    }
  e->env[i++] = xasprintf ("XDG_RUNTIME_DIR=%s", e->run_dir);
  e->env[i++] = xasprintf ("CONTAINERS_CONF=%s", e->containers_conf);
  e->env[i++] = xasprintf ("CONTAINERS_STORAGE_CONF=%s", e->storage_conf);
  if (e->home)
    e->env[i++] = xasprintf ("HOME=%s", e->home);
  if (single)
    e->env[i++] = xasprintf ("USER=%s", SINGLE_ID_USER);
  /* Two slots stay for LISTEN_FDS and LISTEN_PID, filled in the child. */
}

/* The deny list (docs/hardening.md) reaches every nested container through
 * containers.conf's seccomp_profile, which crun loads inside the user
 * namespace.  Loading it on podman itself as well needs CAP_SYS_ADMIN or
 * no_new_privs, which would break newuidmap: only where it is allowed. */
static int
prepare_seccomp (struct engine *e, const char *confdir, podsock_error_t *err)
{
  if (!e->cfg->seccomp)
    return 0;
  e->seccomp_profile = xasprintf ("%s/seccomp.json", confdir);
  if (hardening_seccomp_write_profile (SECCOMP_BASE_PROFILE, e->seccomp_profile, err) < 0)
    return -1;
  if (seccomp_can_load () && seccomp_prepare (&e->seccomp, err) < 0)
    return -1;
  log_info ("seccomp: deny list in %s for nested containers%s", e->seccomp_profile,
            e->seccomp.filter ? ", and loaded on podman" : "");
  return 0;
}

void
engine_init (struct engine *e, const struct podsock_config *cfg, const char *graphroot,
             const char *image_store)
{
  *e = (struct engine){
    .cfg = cfg, .graphroot = graphroot, .image_store = image_store, .out_fd = -1
  };
}

int
engine_prepare_dirs (struct engine *e, podsock_error_t *err)
{
  if (prepare_dirs (e, err) < 0)
    return -1;
  /* Behind the gateway podman serves a socket of its own; the sidecar binds
   * it (sidecar/main.c) and hands it over like the clients' socket. */
  e->api_socket_private = e->cfg->gateway;
  e->api_socket = e->api_socket_private ? xasprintf ("%s/podman.sock", e->run_dir)
                                        : xstrdup (e->cfg->socket_path);
  return 0;
}

int
engine_configure (struct engine *e, struct detect_report *r, podsock_error_t *err)
{
  cleanup_free char *confdir = xasprintf ("%s/podsock", e->run_dir);
  char delay[16];

  engine_detect_version (e->cfg, r);
  if (storage_reconcile_driver (e->graphroot, r, err) < 0)
    return podsock_error_prefix (err, "storage directory");
  if (fs_mkdir_p (confdir, 0700, err) < 0)
    return -1;
  e->runtime_root = xasprintf ("root=%s/crun", e->run_dir);
  e->containers_conf = xasprintf ("%s/containers.conf", confdir);
  e->storage_conf = xasprintf ("%s/storage.conf", confdir);
  if (prepare_seccomp (e, confdir, err) < 0)
    return podsock_error_prefix (err, "seccomp");
  if (write_containers_conf (e, r, err) < 0 || write_storage_conf (e, r, err) < 0)
    return podsock_error_prefix (err, "write podman configuration");
  build_env (e, r);
  snprintf (delay, sizeof delay, "%d", EXEC_CLEANUP_DELAY_S);
  podsock_log_fields (PODSOCK_LOG_INFO, "podman configuration written", "engine",
                      r->engine_version[0] ? r->engine_version : "unknown", "network_mode",
                      engine_network_mode (r), "exec_cleanup_delay_s", delay, "containers_conf",
                      e->containers_conf, NULL);
  return 0;
}

/* engine.nofile and engine.nproc: limits for podman and all it starts.
 * Failing to set one is not fatal (the hard limit may be lower); podman
 * starts with what it has. */
static void
set_engine_rlimits (const struct podsock_config *c)
{
  struct rlimit rl;

  if (c->engine_nofile > 0)
    {
      rl.rlim_cur = rl.rlim_max = (rlim_t) c->engine_nofile;
      setrlimit (RLIMIT_NOFILE, &rl);
    }
  if (c->engine_nproc > 0)
    {
      rl.rlim_cur = rl.rlim_max = (rlim_t) c->engine_nproc;
      setrlimit (RLIMIT_NPROC, &rl);
    }
}

/* crun keeps its state in /run/crun when it runs as root (root of a
 * hostUsers: false pod), not writable in a pod; rootless it uses
 * XDG_RUNTIME_DIR/crun, the same directory. */
void
engine_build_argv (const struct engine *e, char *argv[ENGINE_ARGV_MAX])
{
  char *const args[ENGINE_ARGV_MAX] = { e->cfg->podman,   "system",        "service", "--time=0",
                                        "--runtime-flag", e->runtime_root, NULL };

  memcpy (argv, args, sizeof args);
}

/* In the child between fork and exec: only async-signal-safe calls. */
static void __attribute__ ((noreturn))
exec_podman (struct engine *e, int listen_fd, int out_w, const sigset_t *child_mask)
{
  char listen_pid[32], *argv[ENGINE_ARGV_MAX];
  size_t n = 0;
  int devnull, lfd, ofd;

  engine_build_argv (e, argv);
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  sigprocmask (SIG_SETMASK, child_mask, NULL);
  /* Into the engine's cgroup leaf, where its limits are (sidecar/cgroup.h). */
  if (e->cgroup_procs)
    {
      int cfd = open (e->cgroup_procs, O_WRONLY | O_CLOEXEC);
      if (cfd < 0 || write (cfd, "0", 1) != 1)
        _exit (125);
      close (cfd);
    }
  set_engine_rlimits (e->cfg);
  /* Move everything above fd 3 first, so that the dup2s below cannot
   * clobber each other whatever numbers the fds had. */
  lfd = fcntl (listen_fd, F_DUPFD_CLOEXEC, 10);
  ofd = fcntl (out_w, F_DUPFD_CLOEXEC, 10);
  devnull = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (lfd < 0 || ofd < 0 || devnull < 0 || dup2 (devnull, 0) < 0 || dup2 (ofd, 1) < 0
      || dup2 (ofd, 2) < 0 || dup2 (lfd, 3) < 0)
    _exit (127);

  while (e->env[n])
    n++;
  e->env[n++] = "LISTEN_FDS=1";
  /* LISTEN_PID must name the process that execs, i.e. this one. */
  {
    char digits[16];
    int d = 0;
    pid_t p = getpid ();
    do
      digits[d++] = (char) ('0' + p % 10);
    while ((p /= 10) > 0);
    memcpy (listen_pid, "LISTEN_PID=", 11);
    for (int k = 0; k < d; k++)
      listen_pid[11 + k] = digits[d - 1 - k];
    listen_pid[11 + d] = '\0';
  }
  e->env[n++] = listen_pid;
  e->env[n] = NULL;
  /* Last, so that nothing above runs under the filter. */
  if (e->seccomp.filter && seccomp_install_prepared (&e->seccomp) < 0)
    _exit (126);
  execvpe (e->cfg->podman, argv, e->env);
  _exit (errno == ENOENT ? 127 : 126);
}

int
engine_start (struct engine *e, int listen_fd, const sigset_t *child_mask, podsock_error_t *err)
{
  int pipefd[2];
  pid_t pid;

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return podsock_error_make (err, errno, "pipe");
  pid = fork ();
  if (pid < 0)
    {
      close (pipefd[0]);
      close (pipefd[1]);
      return podsock_error_make (err, errno, "fork");
    }
  if (pid == 0)
    exec_podman (e, listen_fd, pipefd[1], child_mask);
  close (pipefd[1]);
  if (e->out_fd >= 0)
    close (e->out_fd);
  e->out_fd = pipefd[0];
  e->pid = pid;
  return 0;
}

int
engine_clean_stale_state (struct engine *e, podsock_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/libpod/tmp/pause.pid", e->run_dir);
  cleanup_free char *text = NULL;
  podsock_error_t rerr = NULL;
  long pid;

  if (fs_read_file (path, 32, &text, NULL, &rerr) < 0)
    {
      podsock_error_free (&rerr);
      return 0; /* no pause process yet */
    }
  pid = strtol (text, NULL, 10);
  if (pid > 0 && (kill ((pid_t) pid, 0) == 0 || errno == EPERM))
    return 0;
  log_warn ("removing stale %s (pause process %ld is gone)", path, pid);
  if (unlink (path) < 0 && errno != ENOENT)
    return podsock_error_make (err, errno, "remove %s", path);
  return 0;
}

void
engine_release (struct engine *e)
{
  if (e->env)
    for (char **p = e->env; *p; p++)
      free (*p);
  free (e->env);
  if (e->api_socket_private && e->api_socket)
    unlink (e->api_socket);
  free (e->api_socket);
  free (e->run_dir);
  free (e->seccomp_profile);
  if (e->seccomp.filter)
    seccomp_prepared_free (&e->seccomp);
  free (e->runtime_root);
  free (e->containers_conf);
  free (e->storage_conf);
  free (e->home);
  if (e->out_fd >= 0)
    close (e->out_fd);
  memset (e, 0, sizeof *e);
  e->out_fd = -1;
}
