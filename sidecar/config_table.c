/* The settings: each one's YAML section and key, its PODSOCK_* variable,
 * its type, its field in struct podsock_config, its range and an example
 * for messages.  docs/config.md describes them in the same order. */
#include "config_table.h"

#include <podsock/util.h>

#include <stdlib.h>
#include <string.h>

#define OFF(f) offsetof (struct podsock_config, f)

const struct setting config_settings[] = {
  { "socket", "path", "PODSOCK_SOCKET", T_PATH, OFF (socket_path), 0, 0, "/sockets/podman.sock" },
  { "socket", "mode", "PODSOCK_SOCKET_MODE", T_MODE, OFF (socket_mode), 0, 0777, "\"0660\"" },
  { "socket", "group", "PODSOCK_SOCKET_GROUP", T_GROUP, OFF (socket_gid), 0, 0, "1700" },
  { "paths", "runtimeDir", "PODSOCK_RUNTIME_DIR", T_PATH, OFF (runtime_dir), 0, 0, "/run/podsock" },
  { "paths", "buildsDir", "PODSOCK_BUILDS_DIR", T_PATH, OFF (builds_dir), 0, 0, "/builds" },
  { "paths", "handBack", "PODSOCK_HANDBACK", T_BOOL, OFF (handback), 0, 0, "true" },
  { "paths", "statusFile", "PODSOCK_STATUS_FILE", T_PATH, OFF (status_file), 0, 0,
    "/run/podsock/status.json" },
  { "storage", "dir", "PODSOCK_STORAGE", T_PATH, OFF (storage_dir), 0, 0,
    "/var/lib/podsock/storage" },
  { "storage", "drivers", "PODSOCK_STORAGE_DRIVERS", T_DRIVERS, OFF (drivers), 0, 0,
    "[overlay, fuse-overlayfs, vfs]" },
  { "storage", "sizeLimit", "PODSOCK_STORAGE_SIZE_LIMIT", T_SIZE, OFF (storage_limit_bytes), 0,
    UINT64_MAX, "20Gi" },
  { "storage", "prune", "PODSOCK_PRUNE", T_PRUNE, OFF (prune), 0, 0, "lru" },
  { "storage", "highWatermark", "PODSOCK_HIGH_WATERMARK", T_UNSIGNED, OFF (high_watermark_pct), 1,
    100, "85" },
  { "storage", "lowWatermark", "PODSOCK_LOW_WATERMARK", T_UNSIGNED, OFF (low_watermark_pct), 0, 99,
    "70" },
  { "storage", "pruneInterval", "PODSOCK_PRUNE_INTERVAL", T_SECONDS, OFF (prune_interval_seconds),
    1, 86400, "60s" },
  { "storage", "shared", "PODSOCK_STORAGE_SHARED", T_SHARED, OFF (storage_shared), 0, 0, "auto" },
  { "engine", "podman", "PODSOCK_PODMAN", T_STRING, OFF (podman), 0, 0, "podman" },
  { "engine", "memoryMax", "PODSOCK_ENGINE_MEMORY_MAX", T_SIZE, OFF (engine_memory_max_bytes), 0,
    UINT64_MAX, "2Gi" },
  { "engine", "pidsMax", "PODSOCK_ENGINE_PIDS_MAX", T_COUNT, OFF (engine_pids_max), 0, UINT32_MAX,
    "4096" },
  { "engine", "nofile", "PODSOCK_ENGINE_NOFILE", T_COUNT, OFF (engine_nofile), 0, 1 << 30,
    "1048576" },
  { "engine", "nproc", "PODSOCK_ENGINE_NPROC", T_COUNT, OFF (engine_nproc), 0, UINT32_MAX, "4096" },
  { "engine", "restartMax", "PODSOCK_RESTART_MAX", T_UNSIGNED, OFF (restart_max), 0, 1000, "5" },
  { "engine", "restartWindow", "PODSOCK_RESTART_WINDOW", T_SECONDS, OFF (restart_window_seconds), 1,
    86400, "60s" },
  { "containers", "memory", "PODSOCK_CONTAINER_MEMORY", T_SIZE, OFF (container_memory_bytes), 0,
    UINT64_MAX, "1Gi" },
  { "containers", "pids", "PODSOCK_CONTAINER_PIDS", T_COUNT, OFF (container_pids), 0, UINT32_MAX,
    "1024" },
  { "registries", "mirrors", NULL, T_MIRRORS, OFF (mirrors), 0, 0,
    "[{registry: docker.io, location: mirror.example.com/dockerhub}]" },
  { "gateway", "enabled", "PODSOCK_GATEWAY", T_BOOL, OFF (gateway), 0, 0, "true" },
  { "gateway", "waitTimeout", "PODSOCK_GATEWAY_WAIT", T_SECONDS, OFF (gateway_wait_seconds), 0,
    3600, "60s" },
  { "gateway", "allowedBindSources", NULL, T_PATHLIST, OFF (allowed_bind_sources), 0, 0,
    "[/builds, /sockets/podman.sock]" },
  { "gateway", "allowPrivileged", "PODSOCK_ALLOW_PRIVILEGED", T_BOOL, OFF (allow_privileged), 0, 0,
    "false" },
  { "gateway", "allowLibpod", "PODSOCK_ALLOW_LIBPOD", T_BOOL, OFF (allow_libpod), 0, 0, "false" },
  { "gateway", "allowHostNamespaces", "PODSOCK_ALLOW_HOST_NAMESPACES", T_BOOL,
    OFF (allow_host_namespaces), 0, 0, "false" },
  { "gateway", "allowedCapabilities", "PODSOCK_ALLOWED_CAPABILITIES", T_WORDLIST,
    OFF (allowed_capabilities), 0, 0, "[CHOWN, NET_RAW, SYS_CHROOT]" },
  { "gateway", "allowedSecurityOpts", "PODSOCK_ALLOWED_SECURITY_OPTS", T_WORDLIST,
    OFF (allowed_security_opts), 0, 0, "[no-new-privileges, mask]" },
  { "gateway", "allowedDevices", "PODSOCK_ALLOWED_DEVICES", T_WORDLIST, OFF (allowed_devices), 0, 0,
    "[/dev/fuse]" },
  { "gateway", "allowedSysctls", "PODSOCK_ALLOWED_SYSCTLS", T_WORDLIST, OFF (allowed_sysctls), 0, 0,
    "[net.ipv4.ping_group_range]" },
  { "gateway", "defaultStopTimeout", "PODSOCK_DEFAULT_STOP_TIMEOUT", T_SECONDS,
    OFF (default_stop_timeout), 0, 3600, "10s" },
  { "hardening", "seccomp", "PODSOCK_SECCOMP", T_BOOL, OFF (seccomp), 0, 0, "true" },
  { "hardening", "dropCapabilities", "PODSOCK_DROP_CAPS", T_BOOL, OFF (drop_caps), 0, 0, "true" },
  { "log", "level", "PODSOCK_LOG_LEVEL", T_LOGLEVEL, OFF (log_level), 0, 0, "info" },
  { "log", "format", "PODSOCK_LOG_FORMAT", T_LOGFORMAT, OFF (log_format), 0, 0, "json" },
  { "shutdown", "grace", "PODSOCK_GRACE", T_SECONDS, OFF (grace_seconds), 0, 3600, "10s" },
};

_Static_assert(ARRAY_SIZE (config_settings) == CONFIG_N_SETTINGS,
               "CONFIG_N_SETTINGS counts config_settings");

const char *const config_driver_names[3] = { "overlay", "fuse-overlayfs", "vfs" };
const char *const config_prune_names[3] = { "off", "dangling", "lru" };
const char *const config_level_names[4] = { "debug", "info", "warn", "error" };
const char *const config_format_names[2] = { "json", "text" };

int
config_setting_index (const char *section, const char *key)
{
  for (size_t i = 0; i < CONFIG_N_SETTINGS; i++)
    if (strcmp (config_settings[i].section, section) == 0
        && strcmp (config_settings[i].key, key) == 0)
      return (int) i;
  abort ();
}

const struct setting *
config_setting_by_path (const char *path)
{
  for (size_t i = 0; i < CONFIG_N_SETTINGS; i++)
    {
      size_t n = strlen (config_settings[i].section);
      if (strncmp (path, config_settings[i].section, n) == 0 && path[n] == '.'
          && strcmp (path + n + 1, config_settings[i].key) == 0)
        return &config_settings[i];
    }
  return NULL;
}

const char *
config_driver_name (enum config_driver d)
{
  return (size_t) d < ARRAY_SIZE (config_driver_names) ? config_driver_names[d] : "?";
}

const char *
config_prune_name (enum config_prune p)
{
  return (size_t) p < ARRAY_SIZE (config_prune_names) ? config_prune_names[p] : "?";
}
