/* podsock-sidecar's configuration: defaults, then a YAML file (a ConfigMap),
 * then PODSOCK_* environment variables, then flags.  See docs/config.md.
 * Each setting has one field here, read where it is used.  config.c holds
 * the defaults, the environment and --set; config_yaml.c the file;
 * config_print.c --print-config; config_table.c the table they share. */
#ifndef PODSOCK_CONFIG_H
#define PODSOCK_CONFIG_H

#include <podsock/error.h>
#include <podsock/log.h>
#include <podsock/storagedir.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum config_driver
{
  CONFIG_DRIVER_OVERLAY,      /* native (kernel) overlay in the user namespace */
  CONFIG_DRIVER_FUSE_OVERLAY, /* overlay with mount_program = fuse-overlayfs */
  CONFIG_DRIVER_VFS,
};

enum config_prune
{
  CONFIG_PRUNE_OFF,      /* never prune; only report */
  CONFIG_PRUNE_DANGLING, /* stopped containers, dangling images, build cache */
  CONFIG_PRUNE_LRU,      /* and then least recently used images */
};

struct config_mirror
{
  char *registry; /* e.g. docker.io */
  char *location; /* e.g. mirror.example.com/dockerhub */
};

struct podsock_config
{
  /* socket */
  char *socket_path;
  unsigned socket_mode;
  gid_t socket_gid; /* (gid_t) -1: the sidecar's group */

  /* directories */
  char *storage_dir;
  char *runtime_dir;
  char *builds_dir;
  char *status_file; /* default: runtime_dir/status.json (config_finalize) */

  /* storage */
  enum config_driver drivers[3]; /* preference order */
  size_t n_drivers;
  uint64_t storage_limit_bytes; /* 0: unknown (no watchdog) */
  unsigned high_watermark_pct;  /* prune when use goes above this */
  unsigned low_watermark_pct;   /* ... down to this */
  enum config_prune prune;
  unsigned prune_interval_seconds;
  enum storagedir_mode storage_shared; /* the shared cache volume's role (init agrees) */

  /* the engine */
  char *podman;
  uint64_t engine_memory_max_bytes; /* cgroup v2 memory.max, 0: none */
  uint64_t engine_pids_max;         /* cgroup v2 pids.max, 0: none */
  uint64_t engine_nofile;           /* RLIMIT_NOFILE, 0: inherit */
  uint64_t engine_nproc;            /* RLIMIT_NPROC, 0: inherit */
  unsigned restart_max;             /* restarts within restart_window before giving up */
  unsigned restart_window_seconds;

  /* defaults for nested containers (the gateway applies them) */
  uint64_t container_memory_bytes; /* 0: none */
  uint64_t container_pids;         /* 0: none */

  struct config_mirror *mirrors;
  size_t n_mirrors;

  /* gateway */
  int gateway;                   /* 1: serve clients through the gateway */
  unsigned gateway_wait_seconds; /* how long requests wait for the engine */
  char **allowed_bind_sources;   /* path prefixes; NULL-terminated */
  int allow_privileged;
  int allow_libpod;              /* podman's own API, unchecked (docs/security.md) */
  int allow_host_namespaces;     /* PidMode/IpcMode/UsernsMode/CgroupnsMode host */
  char **allowed_capabilities;   /* CapAdd allow list; NULL-terminated */
  char **allowed_security_opts;  /* SecurityOpt keys */
  char **allowed_devices;        /* host device paths */
  char **allowed_sysctls;        /* sysctl names */
  unsigned default_stop_timeout; /* StopTimeout of creates that set none */

  /* hardening */
  int seccomp;   /* 1: install the deny filter */
  int handback;  /* 1: hand files nested users wrote under builds_dir back */
  int drop_caps; /* 1: drop unneeded capabilities from the bounding set */

  /* logs and shutdown */
  enum podsock_log_format log_format;
  enum podsock_log_level log_level;
  unsigned grace_seconds;

  /* 1 while allowed_bind_sources is the default [builds_dir, socket_path]:
   * config_finalize() then follows changes of those two settings. */
  int bind_sources_derived;
  /* 1 while status_file is the default runtime_dir/status.json. */
  int status_file_derived;
};

/* The engine's runroot is RUNTIME_DIR ENGINE_RUNROOT_TAIL (engine.c), and
 * podman's cleanup command accepts at most PODMAN_RUNROOT_MAX characters. */
#define ENGINE_RUNROOT_TAIL "/engine/containers"
#define PODMAN_RUNROOT_MAX 50

/* Fills every field with its default. */
void config_defaults (struct podsock_config *c);

/* Reads a YAML file over c.  Unknown keys, wrong types and out-of-range
 * values are errors naming "FILE:LINE:COLUMN: key: what is wrong". */
int config_load_file (struct podsock_config *c, const char *path, podsock_error_t *err);

/* Same for YAML text in memory (name is used in messages); for tests and fuzzing. */
int config_load_string (struct podsock_config *c, const char *name, const char *text, size_t len,
                        podsock_error_t *err);

/* Applies PODSOCK_* variables from the environment over c; errors name the variable. */
int config_apply_env (struct podsock_config *c, podsock_error_t *err);

/* The effective configuration as YAML text that config_load_string accepts
 * back (for --print-config).  Caller frees. */
char *config_to_yaml (const struct podsock_config *c);

void config_free (struct podsock_config *c);

/* Additions. */

/* Settles values derived from others (the default allowed bind sources
 * follow builds_dir and socket_path, the default status file runtime_dir).
 * Call once, after the last source. */
void config_finalize (struct podsock_config *c);

/* The checks between settings (low watermark below high); 0 or -1 with *err. */
int config_check (const struct podsock_config *c, podsock_error_t *err);

/* One setting by its YAML path ("storage.sizeLimit") from text, as from the
 * environment; for `--set` and tests.  Lists take "a,b" (storage.drivers
 * only); mirrors and allowedBindSources can only be set in the file.  The
 * checks between settings are left to config_check(). */
int config_set (struct podsock_config *c, const char *path, const char *value,
                podsock_error_t *err);

const char *config_driver_name (enum config_driver d);
const char *config_prune_name (enum config_prune p);

#endif
