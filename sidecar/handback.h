/* Ownership hand-back: files that a non-root user of a nested container
 * wrote into a bind mount belong to a subordinate ID (container uid 1234 is
 * 101233 outside), which the job's user can neither change nor delete
 * (podman #1386, gitlab-runner #2221).  Inside the engine's user namespace
 * the pod user is root and may chown them to container root, which is the
 * pod user outside.  See docs/ownership.md for the cost and when to call. */
#ifndef PODSOCK_HANDBACK_H
#define PODSOCK_HANDBACK_H

#include <podsock/error.h>
#include <stdint.h>
#include <sys/types.h>

struct handback_spec
{
  const char *dir;  /* the tree, e.g. /builds/group/project */
  uint64_t sub_min; /* IDs (as the walker sees them) of nested users: */
  uint64_t sub_max; /*   [sub_min, sub_max], inclusive */
  uid_t to_uid;     /* usually 0:0, container root = the pod user outside */
  gid_t to_gid;
  int widen; /* give group and others the owner's permission bits, as the
              * runner's umask 0000 does, on what is handed back and on what
              * belongs to to_uid: another UID (the job's) can then read,
              * write and delete it */
};

struct handback_report
{
  uint64_t scanned;  /* entries looked at */
  uint64_t chowned;  /* entries handed back */
  uint64_t widened;  /* entries whose mode was widened */
  uint64_t foreign;  /* entries of IDs not mapped here (the job's own): left alone */
  uint64_t other_fs; /* mount points below dir: not entered */
  uint64_t failed;   /* entries that could not be changed (vanished, EPERM...) */
};

/* Walks dir without following symlinks or crossing into another file system
 * and hands back every entry owned (uid or gid) by a subordinate ID.  Runs
 * in the calling process's user namespace.  Fails only when dir itself
 * cannot be opened; per-entry problems are counted in report->failed. */
int handback_tree (const struct handback_spec *spec, struct handback_report *report,
                   podsock_error_t *err);

/* The rootless engine's pause process (its user namespace lives as long as
 * it does): RUNTIME_DIR/libpod/tmp/pause.pid, RUNTIME_DIR being podman's
 * XDG_RUNTIME_DIR. */
int handback_pause_pid (const char *runtime_dir, pid_t *pid, podsock_error_t *err);

/* Forks a child that joins the user namespace of pid (setns: the pod user
 * owns it, so it gets full capabilities there), takes the subordinate range
 * from that namespace's uid_map (every mapped ID but 0), hands dir back to
 * 0:0 there and reports the counts.  Blocks until the child is done. */
int handback_in_userns (pid_t pid, const char *dir, int widen, struct handback_report *report,
                        podsock_error_t *err);

/* Root of the pod's user namespace (hostUsers: false) runs containers
 * without a namespace of their own: everything in dir goes to the owner of
 * dir itself, the job's project directory. */
int handback_to_owner (const char *dir, struct handback_report *r, podsock_error_t *err);

/* dir handed back the way the pod needs: handback_to_owner() as root of a
 * hostUsers: false pod, else handback_in_userns() in the engine's user
 * namespace (its pause process under run_dir). */
int handback_dir (const char *dir, const char *run_dir, int root_in_userns,
                  struct handback_report *r, podsock_error_t *err);

#endif
