/* Probes of user namespaces and ID mapping: can a user namespace be made,
 * how many IDs the pod has, and can newuidmap map subordinate ranges. */
#include "detect_probes.h"

#include <podsock/fs.h>
#include <podsock/util.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t
count_ids (const char *path, int *identity_full)
{
  cleanup_file FILE *f = fopen (path, "re");
  unsigned long long inside, outside, count;
  uint64_t total = 0;

  *identity_full = 0;
  if (f == NULL)
    return 0;
  while (fscanf (f, "%llu %llu %llu", &inside, &outside, &count) == 3)
    {
      total += count;
      if (inside == 0 && outside == 0 && count == 4294967295ULL)
        *identity_full = 1;
    }
  return total;
}

/* In the test child: exit status 0 or the errno of the failure. */
static int
child_userns (void *arg)
{
  struct ids *ids = arg;
  return detect_enter_own_userns (ids->uid, ids->gid) < 0 ? errno : 0;
}

void
detect_userns (struct detect_report *r)
{
  struct ids ids = { getuid (), getgid () };
  cleanup_error podsock_error_t err = NULL;
  int full_uid, full_gid, e = 0;

  r->uid_count = count_ids ("/proc/self/uid_map", &full_uid);
  r->gid_count = count_ids ("/proc/self/gid_map", &full_gid);
  r->root_in_userns = getuid () == 0 && !full_uid;
  probe_add (r, "pod_user_namespace", 1, NULL,
             r->root_in_userns ? "running as root of a user namespace with %llu UIDs and %llu "
                                 "GIDs (hostUsers: false)"
                               : "uid_map gives %llu UIDs, gid_map %llu GIDs",
             (unsigned long long) r->uid_count, (unsigned long long) r->gid_count);

  if (detect_in_child (child_userns, &ids, &err) < 0)
    e = err->status;
  r->userns = e == 0;
  if (r->userns)
    probe_add (r, "user_namespaces", 1, NULL, "a new user namespace can be created");
  else if (e == ENOSPC)
    probe_add (r, "user_namespaces", 0, "raise the node's sysctl user.max_user_namespaces above 0",
               "cannot create a user namespace: user.max_user_namespaces is 0 (ENOSPC)");
  else
    probe_add (r, "user_namespaces", 0,
               "set securityContext.seccompProfile.type: Unconfined (or a Localhost profile "
               "that allows unshare/clone with CLONE_NEWUSER) and appArmorProfile Unconfined",
               "cannot create a user namespace (%s): the seccomp or AppArmor profile forbids it "
               "(\"cannot clone: Operation not permitted\")",
               strerror (e));
}

static int
bounding_has (cap_value_t cap)
{
  return prctl (PR_CAPBSET_READ, cap, 0, 0, 0) == 1;
}

/* Can `path` gain cap when executed: a file capability, or setuid root
 * (which then also needs CAP_DAC_OVERRIDE to open another process's map). */
static const char *
helper_privilege (const char *path, cap_value_t cap, int *ok)
{
  struct stat st;
  cap_t caps;

  *ok = 0;
  if (stat (path, &st) < 0)
    return "missing";
  caps = cap_get_file (path);
  if (caps)
    {
      cap_flag_value_t eff = CAP_CLEAR, perm = CAP_CLEAR;
      cap_get_flag (caps, cap, CAP_EFFECTIVE, &eff);
      cap_get_flag (caps, cap, CAP_PERMITTED, &perm);
      cap_free (caps);
      if (eff == CAP_SET && perm == CAP_SET)
        {
          *ok = bounding_has (cap);
          return "file capabilities";
        }
    }
  if ((st.st_mode & S_ISUID) && st.st_uid == 0)
    {
      *ok = bounding_has (cap) && bounding_has (CAP_DAC_OVERRIDE);
      return "setuid root";
    }
  return "no privilege (neither file capabilities nor setuid)";
}

static int
has_subid_range (const char *file, const char *user, uid_t id)
{
  cleanup_file FILE *f = fopen (file, "re");
  char line[512];
  char idstr[16];

  if (f == NULL)
    return 0;
  snprintf (idstr, sizeof idstr, "%u", (unsigned) id);
  while (fgets (line, sizeof line, f))
    {
      char *colon = strchr (line, ':');
      if (colon == NULL)
        continue;
      *colon = '\0';
      if ((user && strcmp (line, user) == 0) || strcmp (line, idstr) == 0)
        return 1;
    }
  return 0;
}

void
detect_newuidmap (struct detect_report *r)
{
  struct passwd *pw = getpwuid (getuid ());
  const char *user = pw ? pw->pw_name : NULL;
  int uok, gok, nnp = prctl (PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
  const char *ukind = helper_privilege ("/usr/bin/newuidmap", CAP_SETUID, &uok);
  const char *gkind = helper_privilege ("/usr/bin/newgidmap", CAP_SETGID, &gok);
  int ranges = has_subid_range ("/etc/subuid", user, getuid ())
               && has_subid_range ("/etc/subgid", user, getuid ());

  if (r->root_in_userns)
    {
      probe_add (r, "newuidmap", 1, NULL,
                 "not needed: root of the pod's user namespace maps IDs itself");
      return;
    }
  r->newuidmap = uok && gok && !nnp && ranges;
  if (r->newuidmap)
    probe_add (r, "newuidmap", 1, NULL,
               "newuidmap (%s) and newgidmap (%s) can map %s's subordinate IDs", ukind, gkind,
               user ? user : "this UID");
  else if (nnp)
    probe_add (r, "newuidmap", 0,
               "set securityContext.allowPrivilegeEscalation: true, or use hostUsers: false",
               "newuidmap cannot raise CAP_SETUID: no_new_privs is set "
               "(allowPrivilegeEscalation: false)");
  else if (!uok || !gok)
    probe_add (r, "newuidmap", 0,
               "add capabilities SETUID and SETGID (capabilities: {drop: [ALL], add: [SETUID, "
               "SETGID]}) and use an image whose newuidmap/newgidmap carry file capabilities",
               "newuidmap (%s) / newgidmap (%s) cannot gain CAP_SETUID/CAP_SETGID: %s", ukind,
               gkind,
               !bounding_has (CAP_SETUID) || !bounding_has (CAP_SETGID)
                   ? "CAP_SETUID/CAP_SETGID are not in the bounding set"
                   : "a setuid-root helper also needs CAP_DAC_OVERRIDE in the bounding set");
  else
    probe_add (r, "newuidmap", 0,
               "run podsock-init first: it writes /etc/subuid and /etc/subgid for this UID",
               "no subordinate ID range for %s (uid %u) in /etc/subuid and /etc/subgid",
               user ? user : "a user without passwd entry", (unsigned) getuid ());
}
