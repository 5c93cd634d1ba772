/* The identity files the sidecar gets through subPath mounts: subuid,
 * subgid, passwd and group for the running UID and GID. */
#ifndef PODSOCK_INIT_IDFILES_H
#define PODSOCK_INIT_IDFILES_H

#include <podsock/error.h>
#include <podsock/idmap.h>
#include <stdint.h>
#include <sys/types.h>

struct idfiles_spec
{
  const char *out_dir;    /* written: subuid subgid passwd group */
  const char *passwd_src; /* the image's /etc/passwd, copied */
  const char *group_src;  /* the image's /etc/group, copied */
  const char *uid_map;    /* /proc/self/uid_map */
  const char *gid_map;    /* /proc/self/gid_map */
  const char *home;       /* HOME of a new entry: must be writable in the sidecar */
  uid_t uid;
  gid_t gid;
  uint64_t window_start; /* outside a user namespace: the block to hand out */
  uint64_t window_count;
  /* Other groups the builds tree can carry (the fsGroup, supplementary
   * groups): each is added to subgid as a one-ID range, so the engine's user
   * namespace maps it and the hand-back can chown what nested users wrote
   * with it (the kernel refuses to chown an inode whose group is unmapped). */
  const gid_t *groups;
  size_t n_groups;
};

struct idfiles_report
{
  char user[64];
  char group[64];
  int user_added; /* 0: the image has an entry for the UID, kept */
  int group_added;
  int initial_ns; /* no user namespace of our own */
  uint64_t uids;  /* subordinate IDs written */
  uint64_t gids;
  size_t uid_ranges;
  size_t gid_ranges;
  size_t groups_added; /* of spec->groups, how many got a range of their own */
};

int idfiles_write (const struct idfiles_spec *spec, struct idfiles_report *report,
                   podsock_error_t *err);

#endif
