/* What this pod allows: each probe is a small function that records a
 * result, a reason and, for a limitation, the Kubernetes setting that would
 * lift it.  detect_choose() turns the facts into podman's configuration. */
#ifndef PODSOCK_SIDECAR_DETECT_H
#define PODSOCK_SIDECAR_DETECT_H

#include "config.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define DETECT_MAX_PROBES 16
#define DETECT_MAX_WARNINGS 8

struct detect_probe
{
  const char *name;
  int ok;
  char reason[384];
  char fix[384]; /* empty when ok or when nothing lifts it */
};

enum detect_idmode
{
  IDMODE_SUBUID,         /* newuidmap maps a subordinate range */
  IDMODE_ROOT_IN_USERNS, /* root of the pod's own user namespace (hostUsers: false) */
  IDMODE_SINGLE,         /* one ID only: ignore_chown_errors */
};

struct detect_report
{
  struct detect_probe probes[DETECT_MAX_PROBES];
  size_t n_probes;
  char warnings[DETECT_MAX_WARNINGS][384];
  size_t n_warnings;

  /* facts */
  uint64_t uid_count, gid_count; /* IDs in this container's uid_map/gid_map */
  int userns, newuidmap, root_in_userns, cgroup2, cgroup_delegated, fuse, tun, proc_fresh;
  int overlay, fuse_overlay, storage_writable;
  char storage_fs[32];
  char cgroup_path[256];
  char engine_version[32]; /* podman's, from `podman --version` ("" when unknown) */

  /* the choice */
  int can_run;
  enum config_driver driver;
  int network_host;
  int cgroups_enabled;
  int proc_bind;
  enum detect_idmode idmode;
  char why_not[512]; /* when !can_run */
};

/* Runs every probe against the storage directory (which must exist and be
 * ours) and chooses.  Never fails: what cannot be probed is a probe result. */
void detect_run (struct detect_report *r, const char *storage_dir, const enum config_driver *prefs,
                 size_t n_prefs);

const char *detect_driver_name (enum config_driver d);
const char *detect_idmode_name (enum detect_idmode m);

/* podman's version from `PODMAN --version` ("4.3.1") into out; 0, or -1
 * with *err when it cannot be run or said nothing readable. */
int detect_engine_version (const char *podman, char *out, size_t cap, podsock_error_t *err);

/* Does this podman have the fixes for CVE-2024-1753 and CVE-2024-9675
 * (podman 5.2.5 and later)? */
bool detect_engine_has_build_fixes (const char *version);

/* The whole report as JSON text, indented or on one line (caller frees). */
char *detect_report_json (const struct detect_report *r, int pretty);

#endif
