/* The storage directory: podman's graphroot on an emptyDir or a
 * PersistentVolumeClaim, private to one pod or a cache shared by many.
 *
 * Path contract (init prepares it, the sidecar uses it):
 *   private (default):  graphroot = STORAGE when the running UID owns it (or is
 *                       root), else STORAGE/graphroot: a volume root made by
 *                       the kubelet (root-owned, fsGroup) cannot become ours
 *   shared cache:       graphroot = STORAGE/pods/POD_ID   (this pod's, 0700)
 *                       additionalimagestores = ["STORAGE/shared"]
 *                       STORAGE/pods/POD_ID.lock  held (flock) while the pod runs
 *                       STORAGE/trash/            graphroots of dead pods, to delete
 *   shared, writer:     graphroot = STORAGE/shared   (the image store itself, 0755)
 *                       STORAGE/shared.lock        held (flock) while the writer runs:
 *                       one writer at a time; what it pulls, loads or builds
 *                       is what the other pods see
 * A volume is shared when STORAGE/shared exists (init creates it when asked
 * with --storage-shared), so the sidecar finds the mode without a flag: it
 * calls storagedir_layout() with the same arguments as init and gets the same
 * answer.  All pods that share a volume run as the same UID with the same
 * subordinate ranges (layers in the shared store belong to those IDs). */
#ifndef PODSOCK_STORAGEDIR_H
#define PODSOCK_STORAGEDIR_H

#include <podsock/error.h>
#include <stddef.h>

enum storagedir_mode
{
  STORAGEDIR_AUTO, /* shared when STORAGE/shared exists */
  STORAGEDIR_PRIVATE,
  STORAGEDIR_SHARED,
  STORAGEDIR_WRITER, /* the pod that fills STORAGE/shared */
};

#define STORAGEDIR_POD_ID_MAX 253

struct storagedir_layout
{
  int shared;
  int writer; /* graphroot is the shared image store */
  char graphroot[4096];
  char imagestore[4096]; /* "" when not shared */
  char lock[4096];       /* "" when not shared */
};

struct storagedir_report
{
  int created;     /* the graphroot did not exist */
  int stale_moved; /* graphroots of dead pods moved to trash */
  int stale_live;  /* other pods' graphroots whose lock is held */
};

/* The pod id from a pod name (POD_NAME or HOSTNAME): a DNS subdomain,
 * lowercase letters, digits, '-' and '.', 1 to 253 characters. */
int storagedir_check_pod_id (const char *id, podsock_error_t *err);

/* "auto", "true" (or "1"), "false" (or "0") or "writer"
 * (PODSOCK_STORAGE_SHARED), for init and sidecar alike; the caller puts the
 * setting's name in front of the error. */
int storagedir_mode_parse (const char *value, enum storagedir_mode *out, podsock_error_t *err);

/* The word storagedir_mode_parse reads for mode. */
const char *storagedir_mode_name (enum storagedir_mode mode);

/* Computes the layout (no file-system change but the check for
 * STORAGE/shared in STORAGEDIR_AUTO mode).  pod_id may be NULL when the
 * volume is private. */
int storagedir_layout (const char *storage, enum storagedir_mode mode, const char *pod_id,
                       struct storagedir_layout *out, podsock_error_t *err);

/* Init: creates the directories with the running UID as owner, the graphroot
 * private (0700, own group, no setgid: see fs_make_private_dir), the shared
 * image store 0755; refuses a directory the running UID does not own, with
 * the fix; moves graphroots of dead pods (lock not held) to STORAGE/trash. */
int storagedir_prepare (const struct storagedir_layout *layout, const char *storage,
                        struct storagedir_report *report, podsock_error_t *err);

/* Sidecar: takes the pod's lock (shared mode) and returns its fd, to keep
 * open (O_CLOEXEC) while podman runs; 0 when the volume is private. */
int storagedir_hold_lock (const struct storagedir_layout *layout, podsock_error_t *err);

#endif
