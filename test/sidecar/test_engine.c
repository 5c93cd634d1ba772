/* sidecar/engine.c: the directories it prepares, the containers.conf and
 * storage.conf it writes for each detection report and podman version, the
 * environment and command line podman gets, podman's version from dpkg's
 * database, and the stale pause.pid it removes.  Starting podman itself is
 * exercised by the integration tests (integration.*, image.pod.*). */
#include "engine.h"

#include "config.h"
#include <podsock/fs.h>
#include <podsock/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

#include "testdir.h"

/* One engine on the scratch directory: runtime_dir and storage inside it. */
struct fixture
{
  struct podsock_config cfg;
  struct detect_report r;
  struct engine e;
  char graphroot[128];
};

static struct fixture *
fixture_new (int gateway)
{
  struct fixture *f = calloc (1, sizeof *f);
  podsock_error_t err = NULL;

  assert_non_null (f);
  config_defaults (&f->cfg);
  free (f->cfg.runtime_dir);
  f->cfg.runtime_dir = strdup (path_in (testdir, "run"));
  /* No podman here: the version comes from the report, or stays unknown. */
  free (f->cfg.podman);
  f->cfg.podman = strdup (path_in (testdir, "no-such-podman"));
  f->cfg.seccomp = 0;
  f->cfg.gateway = gateway;
  snprintf (f->graphroot, sizeof f->graphroot, "%s", path_in (testdir, "storage/graph"));
  engine_init (&f->e, &f->cfg, f->graphroot, NULL);
  if (engine_prepare_dirs (&f->e, &err) < 0)
    fail_msg ("%s", err->msg);
  f->r.can_run = 1;
  f->r.driver = CONFIG_DRIVER_OVERLAY;
  f->r.idmode = IDMODE_SUBUID;
  f->r.network_host = 1;
  return f;
}

static void
fixture_free (struct fixture *f)
{
  engine_release (&f->e);
  config_free (&f->cfg);
  free (f);
}

/* engine_configure, and the text of containers.conf (or storage.conf). */
static char *
configure (struct fixture *f, const char *which)
{
  podsock_error_t err = NULL;
  char *text = NULL;

  if (engine_configure (&f->e, &f->r, &err) < 0)
    fail_msg ("%s", err->msg);
  if (fs_read_file (strcmp (which, "storage") == 0 ? f->e.storage_conf : f->e.containers_conf,
                    1 << 16, &text, NULL, &err)
      < 0)
    fail_msg ("%s", err->msg);
  return text;
}

static void
mkdirs (const char *rel)
{
  podsock_error_t err = NULL;
  if (fs_mkdir_p (path_in (testdir, rel), 0700, &err) < 0)
    fail_msg ("%s", err->msg);
}

static void
assert_has (const char *text, const char *want)
{
  if (strstr (text, want) == NULL)
    fail_msg ("missing '%s' in:\n%s", want, text);
}

static void
assert_lacks (const char *text, const char *unwanted)
{
  if (strstr (text, unwanted) != NULL)
    fail_msg ("unexpected '%s' in:\n%s", unwanted, text);
}

/* The lines every engine gets, whatever the pod allows. */
static void
assert_common_engine_lines (const struct fixture *f, const char *text)
{
  char tmp[256];

  assert_has (text, "log_driver = \"k8s-file\"\n");
  assert_has (text, "[engine]\ncgroup_manager = \"cgroupfs\"\n");
  assert_has (text, "events_logger = \"file\"\n");
  assert_has (text, "exit_command_delay = 5\n");
  assert_has (text, "runtime = \"crun\"\n");
  snprintf (tmp, sizeof tmp, "tmp_dir = \"%s/libpod/tmp\"\n", f->e.run_dir);
  assert_has (text, tmp);
}

/* containers.conf per podman version and pod: the network mode (podman 5
 * gets pasta and netavark with tun; 4.3 keeps slirp4netns and may run CNI,
 * so no backend is forced; no tun is host on both), /proc and cgroups. */
static const struct
{
  const char *version; /* "": none found (the configured podman does not exist) */
  int network_host, proc_bind, cgroups;
  const char *mode;
  const char *has[4];
  const char *lacks[4];
} conf_cases[] = {
  { "4.3.1", 0, 0, 0, "slirp4netns",
    { "# podman 4.3.1\n", "[containers]\nnetns = \"slirp4netns\"\n", "cgroups = \"disabled\"\n" },
    { "[network]", "pasta", "volumes" } },
  { "5.4.2", 0, 0, 0, "pasta",
    { "[containers]\nnetns = \"pasta\"\n",
      "[network]\nnetwork_backend = \"netavark\"\ndefault_rootless_network_cmd = \"pasta\"\n" },
    { "slirp4netns" } },
  { "4.3.1", 1, 0, 0, "host", { "[containers]\nnetns = \"host\"\n" }, { "[network]" } },
  { "5.4.2", 1, 0, 0, "host",
    { "[containers]\nnetns = \"host\"\n", "network_backend = \"netavark\"\n" } },
  { "6.0.0", 1, 0, 0, "host",
    { "[containers]\nnetns = \"host\"\n", "network_backend = \"netavark\"\n" } },
  { "", 0, 0, 0, "slirp4netns",
    { "# podman version unknown\n", "netns = \"slirp4netns\"\n" }, { "[network]" } },
  { "5.4.2", 1, 1, 1, "host",
    { "cgroups = \"enabled\"\n", "volumes = [\"/proc:/proc\"]\n" },
    { "seccomp_profile", "keyring" } },
};

static void
containers_conf_per_engine_and_pod (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (conf_cases); i++)
    {
      struct fixture *f = fixture_new (1);
      char *text;
      strcpy (f->r.engine_version, conf_cases[i].version);
      f->r.network_host = conf_cases[i].network_host;
      f->r.proc_bind = conf_cases[i].proc_bind;
      f->r.cgroups_enabled = conf_cases[i].cgroups;
      text = configure (f, "containers");
      for (size_t k = 0; k < ARRAY_SIZE (conf_cases[i].has) && conf_cases[i].has[k]; k++)
        assert_has (text, conf_cases[i].has[k]);
      for (size_t k = 0; k < ARRAY_SIZE (conf_cases[i].lacks) && conf_cases[i].lacks[k]; k++)
        assert_lacks (text, conf_cases[i].lacks[k]);
      assert_common_engine_lines (f, text);
      assert_string_equal (engine_network_mode (&f->r), conf_cases[i].mode);
      assert_string_equal (f->r.engine_version, conf_cases[i].version);
      free (text);
      fixture_free (f);
    }
  assert_int_equal (engine_major (""), 0);
  assert_int_equal (engine_major ("garbage"), 0);
  assert_int_equal (engine_major ("10.1"), 10);
}

/* The deny list is written next to the configuration and named in it. */
static void
seccomp_profile_named (void **state)
{
  struct fixture *f = fixture_new (1);
  char *text, want[256];
  struct stat st;
  (void) state;
  f->cfg.seccomp = 1;
  strcpy (f->r.engine_version, "4.3.1");
  text = configure (f, "containers");
  assert_non_null (f->e.seccomp_profile);
  assert_int_equal (stat (f->e.seccomp_profile, &st), 0);
  snprintf (want, sizeof want, "seccomp_profile = \"%s/podsock/seccomp.json\"\n", f->e.run_dir);
  assert_has (text, want);
  /* keyring = false exactly when the filter is loaded on podman itself. */
  if (f->e.seccomp.filter)
    assert_has (text, "keyring = false\n");
  else
    assert_lacks (text, "keyring");
  free (text);
  fixture_free (f);
}

static void
storage_conf_per_driver (void **state)
{
  const enum config_driver drivers[]
      = { CONFIG_DRIVER_OVERLAY, CONFIG_DRIVER_FUSE_OVERLAY, CONFIG_DRIVER_VFS };
  const char *names[] = { "overlay", "overlay", "vfs" };
  (void) state;
  for (size_t i = 0; i < 3; i++)
    {
      struct fixture *f = fixture_new (1);
      char *text, want[512];
      f->r.driver = drivers[i];
      text = configure (f, "storage");
      snprintf (want, sizeof want, "[storage]\ndriver = \"%s\"\ngraphroot = \"%s\"\n", names[i],
                f->graphroot);
      assert_has (text, want);
      snprintf (want, sizeof want, "runroot = \"%s/containers\"\n", f->e.run_dir);
      assert_has (text, want);
      snprintf (want, sizeof want, "rootless_storage_path = \"%s\"\n", f->graphroot);
      assert_has (text, want);
      if (drivers[i] == CONFIG_DRIVER_FUSE_OVERLAY)
        {
          assert_has (text, "mount_program = \"/usr/bin/fuse-overlayfs\"\n");
          assert_has (text, "mountopt = \"nodev,fsync=0\"\n");
        }
      else
        {
          assert_lacks (text, "mount_program");
          assert_has (text, "mountopt = \"nodev\"\n");
        }
      assert_lacks (text, "ignore_chown_errors");
      assert_lacks (text, "additionalimagestores");
      free (text);
      fixture_free (f);
    }
}

/* Single-ID mapping: chown errors ignored by both drivers; a shared image
 * store read besides the graphroot. */
static void
storage_conf_single_id_and_image_store (void **state)
{
  struct fixture *f = fixture_new (1);
  char *text, want[256];
  (void) state;
  f->e.image_store = path_in (testdir, "storage/shared");
  f->r.idmode = IDMODE_SINGLE;
  text = configure (f, "storage");
  snprintf (want, sizeof want, "additionalimagestores = [\"%s\"]\n", f->e.image_store);
  assert_has (text, want);
  assert_has (text, "mountopt = \"nodev\"\nignore_chown_errors = \"true\"\n");
  assert_has (text, "[storage.options.vfs]\nignore_chown_errors = \"true\"\n");
  free (text);
  fixture_free (f);
}

static const char *
env_get (char **env, const char *name)
{
  size_t n = strlen (name);
  for (; *env; env++)
    if (strncmp (*env, name, n) == 0 && (*env)[n] == '=')
      return *env + n + 1;
  return NULL;
}

/* podman's environment: its own runtime directory and configuration; no
 * socket activation variables of ours; USER swapped in single-ID mode. */
static void
environment_for_podman (void **state)
{
  struct fixture *f;
  char *text;
  (void) state;
  setenv ("LISTEN_FDS", "7", 1);
  setenv ("CONTAINERS_CONF", "/etc/elsewhere.conf", 1);
  setenv ("PODSOCK_TEST_KEEP", "kept", 1);
  setenv ("HOME", path_in (testdir, "no-such-home"), 1);
  f = fixture_new (1);
  f->r.idmode = IDMODE_SINGLE;
  text = configure (f, "containers");
  assert_string_equal (env_get (f->e.env, "XDG_RUNTIME_DIR"), f->e.run_dir);
  assert_string_equal (env_get (f->e.env, "CONTAINERS_CONF"), f->e.containers_conf);
  assert_string_equal (env_get (f->e.env, "CONTAINERS_STORAGE_CONF"), f->e.storage_conf);
  assert_string_equal (env_get (f->e.env, "PODSOCK_TEST_KEEP"), "kept");
  assert_string_equal (env_get (f->e.env, "USER"), "podsock-single-id");
  assert_null (env_get (f->e.env, "LISTEN_FDS"));
  /* HOME unusable: one of ours in the runtime directory, made. */
  assert_non_null (f->e.home);
  assert_string_equal (env_get (f->e.env, "HOME"), f->e.home);
  assert_int_equal (access (f->e.home, W_OK), 0);
  unsetenv ("LISTEN_FDS");
  unsetenv ("CONTAINERS_CONF");
  unsetenv ("PODSOCK_TEST_KEEP");
  free (text);
  fixture_free (f);
}

static void
command_line (void **state)
{
  struct fixture *f = fixture_new (1);
  char *argv[ENGINE_ARGV_MAX], *text, want[256];
  (void) state;
  text = configure (f, "containers");
  engine_build_argv (&f->e, argv);
  assert_string_equal (argv[0], f->cfg.podman);
  assert_string_equal (argv[1], "system");
  assert_string_equal (argv[2], "service");
  assert_string_equal (argv[3], "--time=0");
  assert_string_equal (argv[4], "--runtime-flag");
  snprintf (want, sizeof want, "root=%s/crun", f->e.run_dir);
  assert_string_equal (argv[5], want);
  assert_null (argv[6]);
  free (text);
  fixture_free (f);
}

/* The runtime directory starts empty and private; the storage directory
 * exists and is ours; the API socket is private behind the gateway. */
static void
dirs_prepared (void **state)
{
  struct fixture *f = fixture_new (1);
  podsock_error_t err = NULL;
  struct stat st;
  char want[256];
  (void) state;
  snprintf (want, sizeof want, "%s/engine", f->cfg.runtime_dir);
  assert_string_equal (f->e.run_dir, want);
  assert_int_equal (stat (f->e.run_dir, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0700);
  assert_int_equal (stat (f->graphroot, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0700);
  snprintf (want, sizeof want, "%s/podman.sock", f->e.run_dir);
  assert_string_equal (f->e.api_socket, want);
  assert_true (f->e.api_socket_private);
  /* A stale pause.pid of a killed sidecar does not survive a new start. */
  mkdirs ("run/engine/libpod/tmp");
  testdir_put ("run/engine/libpod/tmp/pause.pid", "12345");
  chmod (f->e.run_dir, 0755);
  engine_release (&f->e);
  engine_init (&f->e, &f->cfg, f->graphroot, NULL);
  f->cfg.gateway = 0;
  if (engine_prepare_dirs (&f->e, &err) < 0)
    fail_msg ("%s", err->msg);
  assert_int_equal (access (path_in (f->e.run_dir, "libpod"), F_OK), -1);
  assert_int_equal (stat (f->e.run_dir, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0700);
  /* Without the gateway podman serves the clients' socket itself. */
  assert_string_equal (f->e.api_socket, f->cfg.socket_path);
  assert_false (f->e.api_socket_private);
  fixture_free (f);
}

/* A runtime directory that cannot be made: the error says what to mount. */
static void
unusable_runtime_dir (void **state)
{
  struct podsock_config cfg;
  struct engine e;
  podsock_error_t err = NULL;
  (void) state;
  config_defaults (&cfg);
  testdir_put ("file", "x");
  free (cfg.runtime_dir);
  cfg.runtime_dir = strdup (path_in (testdir, "file"));
  engine_init (&e, &cfg, path_in (testdir, "graph"), NULL);
  assert_int_equal (engine_prepare_dirs (&e, &err), -1);
  assert_non_null (strstr (err->msg, "mount a writable emptyDir at"));
  podsock_error_free (&err);
  engine_release (&e);
  config_free (&cfg);
}

static void
stale_pause_pid_removed (void **state)
{
  struct fixture *f = fixture_new (1);
  podsock_error_t err = NULL;
  char pid[32];
  (void) state;
  assert_int_equal (engine_clean_stale_state (&f->e, &err), 0); /* none yet */
  mkdirs ("run/engine/libpod/tmp");
  testdir_put ("run/engine/libpod/tmp/pause.pid", "2147483000");
  assert_int_equal (engine_clean_stale_state (&f->e, &err), 0);
  assert_int_equal (access (path_in (f->e.run_dir, "libpod/tmp/pause.pid"), F_OK), -1);
  /* A live pause process stays. */
  snprintf (pid, sizeof pid, "%d", (int) getpid ());
  testdir_put ("run/engine/libpod/tmp/pause.pid", pid);
  assert_int_equal (engine_clean_stale_state (&f->e, &err), 0);
  assert_int_equal (access (path_in (f->e.run_dir, "libpod/tmp/pause.pid"), F_OK), 0);
  fixture_free (f);
}

/* dpkg's database as Debian writes it: the podman paragraph after one whose
 * name starts the same, an epoch, a removed package. */
static const char status_text[]
    = "Package: podman-docker\nStatus: install ok installed\nVersion: 9.9.9\n\n"
      "Package: podman\nStatus: install ok installed\nPriority: optional\n"
      "Version: 5.4.2+ds1-2+b2\nDepends: conmon\n\n"
      "Package: zz\nStatus: install ok installed\nVersion: 1.0\n";

static void
version_from_dpkg (void **state)
{
  char out[32];
  (void) state;
  mkdirs ("dpkg/info");
  testdir_put ("dpkg/status", status_text);
  testdir_put ("dpkg/info/podman.list", "/.\n/usr\n/usr/bin\n/usr/bin/podman\n");
  assert_int_equal (
      engine_version_from_dpkg (path_in (testdir, "dpkg"), "/usr/bin/podman", out, sizeof out), 0);
  assert_string_equal (out, "5.4.2");
  /* A podman the package does not own (installed by hand elsewhere). */
  assert_int_equal (engine_version_from_dpkg (path_in (testdir, "dpkg"), "/usr/local/bin/podman",
                                              out, sizeof out),
                    -1);
  /* An epoch; and a package removed with its configuration kept. */
  testdir_put ("dpkg/status", "Package: podman\nStatus: install ok installed\n"
                              "Version: 2:4.3.1+ds1-8+deb12u1\n");
  assert_int_equal (
      engine_version_from_dpkg (path_in (testdir, "dpkg"), "/usr/bin/podman", out, sizeof out), 0);
  assert_string_equal (out, "4.3.1");
  testdir_put ("dpkg/status", "Package: podman\nStatus: deinstall ok config-files\n"
                              "Version: 4.3.1+ds1-8\n");
  assert_int_equal (
      engine_version_from_dpkg (path_in (testdir, "dpkg"), "/usr/bin/podman", out, sizeof out), -1);
  /* No database at all (not a Debian image). */
  assert_int_equal (
      engine_version_from_dpkg (path_in (testdir, "nodpkg"), "/usr/bin/podman", out, sizeof out),
      -1);
}

/* The report's version wins; engine_configure does not ask again. */
static void
version_in_report_kept (void **state)
{
  struct fixture *f = fixture_new (1);
  char *text;
  (void) state;
  strcpy (f->r.engine_version, "5.0.0");
  engine_detect_version (&f->cfg, &f->r);
  assert_string_equal (f->r.engine_version, "5.0.0");
  text = configure (f, "containers");
  assert_has (text, "# podman 5.0.0\n");
  free (text);
  fixture_free (f);
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, containers_conf_per_engine_and_pod,
                    seccomp_profile_named, storage_conf_per_driver,
                    storage_conf_single_id_and_image_store, environment_for_podman, command_line,
                    dirs_prepared, unusable_runtime_dir, stale_pause_pid_removed, version_from_dpkg,
                    version_in_report_kept)
