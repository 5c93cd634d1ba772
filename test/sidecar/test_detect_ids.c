/* sidecar/detect_ids.c: can a user namespace be made, how many IDs the pod
 * has, can newuidmap map subordinate ranges; each case in a child made to
 * look like a pod that limits it (a filter, a sysctl, no_new_privs, a
 * reduced bounding set, another UID). */
#include "detect_probes.h"

#include <podsock/util.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <cmocka.h>

#include "../common/testutil.h"
#include "inchild.h"
#include "detectfix.h"

static void
run_ids (struct detect_report *r, const char *arg)
{
  (void) arg;
  detect_userns (r);
  detect_newuidmap (r);
}

/* hostUsers: false: root of a namespace that maps one ID. */
static int
own_userns (const char *arg)
{
  (void) arg;
  if (detect_enter_own_userns (getuid (), getgid ()) < 0)
    CHILD_FAIL ("enter a user namespace: %m");
  return 0;
}

/* The RuntimeDefault seccomp profile: unshare fails with EPERM. */
static int
deny_unshare (const char *arg)
{
  (void) arg;
  deny_syscall (SCMP_SYS (unshare));
  return 0;
}

/* user.max_user_namespaces = 0, set in a namespace of our own (the sysctl
 * is per user namespace, and its owner may lower it). */
static int
no_user_namespaces (const char *arg)
{
  FILE *f;
  (void) arg;
  own_userns (NULL);
  f = fopen ("/proc/sys/user/max_user_namespaces", "we");
  if (f == NULL || fputs ("0\n", f) < 0 || fclose (f) != 0)
    CHILD_FAIL ("lower user.max_user_namespaces: %m");
  return 0;
}

static int
no_new_privs (const char *arg)
{
  (void) arg;
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    CHILD_FAIL ("no_new_privs: %m");
  return 0;
}

/* capabilities: drop ALL without adding SETUID and SETGID back. */
static int
no_setuid_bound (const char *arg)
{
  (void) arg;
  if (prctl (PR_CAPBSET_DROP, CAP_SETUID, 0, 0, 0) < 0
      || prctl (PR_CAPBSET_DROP, CAP_SETGID, 0, 0, 0) < 0)
    CHILD_FAIL ("drop from the bounding set: %m");
  return 0;
}

/* Becomes arg: a user of /etc/subuid's first line, or "54321" (a UID
 * without passwd entry nor range). */
static int
become (const char *arg)
{
  char line[256] = "";
  struct passwd *pw = NULL;
  uid_t uid = 54321;
  FILE *f;
  if (strcmp (arg, "subuid") == 0)
    {
      f = fopen ("/etc/subuid", "re");
      if (f == NULL || fgets (line, sizeof line, f) == NULL || strchr (line, ':') == NULL)
        return -1; /* no subordinate ranges on this machine */
      fclose (f);
      *strchr (line, ':') = '\0';
      pw = getpwnam (line);
      if (pw == NULL)
        return -1;
      uid = pw->pw_uid;
    }
  if (setgroups (0, NULL) < 0 || setresgid (uid, uid, uid) < 0 || setresuid (uid, uid, uid) < 0)
    CHILD_FAIL ("become %u: %m", (unsigned) uid);
  return 0;
}

static const char uns_fix[] = "set securityContext.seccompProfile.type: Unconfined";

static const struct probe_case cases[] = {
  { "as the machine is", NULL, NULL, run_ids, "user_namespaces", 1,
    "a new user namespace can be created", "" },
  { "hostUsers: false", NULL, own_userns, run_ids, "pod_user_namespace", 1,
    "running as root of a user namespace with 1 UIDs and 1 GIDs (hostUsers: false)", "" },
  { "hostUsers: false needs no newuidmap", NULL, own_userns, run_ids, "newuidmap", 1,
    "not needed: root of the pod's user namespace maps IDs itself", "" },
  { "a seccomp profile forbids unshare", NULL, deny_unshare, run_ids, "user_namespaces", 0,
    "cannot create a user namespace (Operation not permitted): the seccomp or AppArmor profile "
    "forbids it",
    uns_fix },
  { "user.max_user_namespaces is 0", NULL, no_user_namespaces, run_ids, "user_namespaces", 0,
    "user.max_user_namespaces is 0 (ENOSPC)", "raise the node's sysctl user.max_user_namespaces" },
  { "allowPrivilegeEscalation: false", "subuid", no_new_privs, run_ids, "newuidmap", 0,
    "no_new_privs is set (allowPrivilegeEscalation: false)",
    "set securityContext.allowPrivilegeEscalation: true" },
  { "SETUID and SETGID dropped", NULL, no_setuid_bound, run_ids, "newuidmap", 0,
    "CAP_SETUID/CAP_SETGID are not in the bounding set", "add capabilities SETUID and SETGID" },
  { "a UID without subordinate IDs", "54321", become, run_ids, "newuidmap", 0,
    "no subordinate ID range for a user without passwd entry (uid 54321)",
    "run podsock-init first" },
  { "a user with subordinate IDs", "subuid", become, run_ids, "newuidmap", 1, "'s subordinate IDs",
    "" },
};

/* The ID counts from the maps: the machine's as they are. */
static void
ids_counted_from_the_maps (void **state)
{
  struct detect_report *r = calloc (1, sizeof *r);
  unsigned long long in, out, count, total = 0;
  FILE *f = fopen ("/proc/self/uid_map", "re");
  (void) state;
  assert_non_null (f);
  while (fscanf (f, "%llu %llu %llu", &in, &out, &count) == 3)
    total += count;
  fclose (f);
  detect_userns (r);
  assert_int_equal (r->uid_count, total);
  assert_string_equal (r->probes[0].name, "pod_user_namespace");
  assert_int_equal (r->root_in_userns, getuid () == 0 && total != 4294967295ULL);
  free (r);
}

static void
probes_table (void **state)
{
  (void) state;
  need_root ("the cases drop privileges and change IDs");
  probe_cases (cases, ARRAY_SIZE (cases));
}

TEST_MAIN (ids_counted_from_the_maps, probes_table)
