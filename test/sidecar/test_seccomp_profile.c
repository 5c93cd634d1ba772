/* sidecar/seccomp_profile.c: the deny list as a filter on this process (in
 * forked children: it cannot be undone), prepared for fork-and-exec, and
 * written into podman's seccomp profile. */
#include "seccomp_profile.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <linux/keyctl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "../common/testdir.h"
#include "../common/testutil.h"
#include "inchild.h"

static long
get_session_keyring (void)
{
  return syscall (SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
}

static void
every_denied_name_resolves (void **state)
{
  podsock_error_t err = NULL;
  size_t n;
  (void) state;
  if (seccomp_check_deny_list (&err) < 0)
    fail_msg ("%s", err->msg);
  assert_non_null (seccomp_deny_list (&n));
  assert_true (n >= 20);
}

static void
child_filter_denies_keyctl (const void *arg)
{
  podsock_error_t err = NULL;
  (void) arg;
  if (get_session_keyring () < 0 && errno == EPERM)
    CHILD_FAIL ("keyctl fails with EPERM before the filter: the test could not tell");
  if (hardening_seccomp_load (&err) < 0)
    CHILD_FAIL ("load: %s", err->msg);
  if (get_session_keyring () != -1 || errno != EPERM)
    CHILD_FAIL ("keyctl was not denied with EPERM (errno %d)", errno);
  if (syscall (SYS_reboot, 0, 0, 0, NULL) != -1 || errno != EPERM)
    CHILD_FAIL ("reboot was not denied with EPERM");
  if (getppid () <= 0 || access ("/", R_OK) != 0)
    CHILD_FAIL ("an allowed call failed");
  /* The filter must not have set no_new_privs: newuidmap needs its file
   * capabilities. */
  if (prctl (PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
    CHILD_FAIL ("no_new_privs was set");
}

static void
filter_denies_with_eperm (void **state)
{
  (void) state;
  need_root ("loading a filter without no_new_privs needs CAP_SYS_ADMIN");
  in_child (child_filter_denies_keyctl, NULL);
}

static void
child_load_without_sys_admin (const void *arg)
{
  podsock_error_t err = NULL;
  (void) arg;
  clear_effective ();
  if (hardening_seccomp_load (&err) == 0)
    CHILD_FAIL ("loaded without CAP_SYS_ADMIN or no_new_privs");
  if (err->status != EACCES || strstr (err->msg, "through the seccomp profile instead") == NULL)
    CHILD_FAIL ("unexpected error: %d %s", err->status, err->msg);
  if (get_session_keyring () < 0 && errno == EPERM)
    CHILD_FAIL ("a filter was installed after all");
}

static void
load_without_sys_admin_explains (void **state)
{
  (void) state;
  need_root ("needs an effective set to clear");
  in_child (child_load_without_sys_admin, NULL);
}

/* The fork-and-exec path: compiled in the parent, installed in the child
 * with one system call. */
static void
child_prepared_filter (const void *arg)
{
  struct seccomp_prepared p;
  podsock_error_t err = NULL;
  (void) arg;
  if (!seccomp_can_load ())
    CHILD_FAIL ("root without CAP_SYS_ADMIN?");
  if (seccomp_prepare (&p, &err) < 0)
    CHILD_FAIL ("prepare: %s", err->msg);
  if (p.len < 10)
    CHILD_FAIL ("filter of %u instructions", p.len);
  if (seccomp_install_prepared (&p) < 0)
    CHILD_FAIL ("install: %m");
  seccomp_prepared_free (&p);
  if (get_session_keyring () != -1 || errno != EPERM)
    CHILD_FAIL ("keyctl was not denied with EPERM (errno %d)", errno);
  if (prctl (PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
    CHILD_FAIL ("no_new_privs was set");
}

static void
prepared_filter_denies_with_eperm (void **state)
{
  (void) state;
  need_root ("installing a filter without no_new_privs needs CAP_SYS_ADMIN");
  in_child (child_prepared_filter, NULL);
}

static void
child_prepared_without_sys_admin (const void *arg)
{
  struct seccomp_prepared p;
  podsock_error_t err = NULL;
  (void) arg;
  if (seccomp_prepare (&p, &err) < 0)
    CHILD_FAIL ("prepare: %s", err->msg);
  clear_effective ();
  if (seccomp_can_load ())
    CHILD_FAIL ("seccomp_can_load says yes without CAP_SYS_ADMIN");
  if (seccomp_install_prepared (&p) != -1 || errno != EACCES)
    CHILD_FAIL ("install without CAP_SYS_ADMIN: errno %d", errno);
  /* With no_new_privs already set (not by podsock) a filter may go on. */
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || !seccomp_can_load ())
    CHILD_FAIL ("seccomp_can_load says no under no_new_privs");
  if (seccomp_install_prepared (&p) < 0 || get_session_keyring () != -1 || errno != EPERM)
    CHILD_FAIL ("the filter did not deny keyctl under no_new_privs");
  seccomp_prepared_free (&p);
}

static void
prepared_without_sys_admin_fails (void **state)
{
  (void) state;
  need_root ("needs an effective set to clear");
  in_child (child_prepared_without_sys_admin, NULL);
}

static cJSON *
read_json (const char *rel)
{
  char *text = testdir_get (rel);
  cJSON *j = cJSON_Parse (text);
  free (text);
  assert_non_null (j);
  return j;
}

static int
rule_names_denied (const cJSON *rule)
{
  size_t n;
  const char *const *deny = seccomp_deny_list (&n);
  const cJSON *name;
  cJSON_ArrayForEach (name, cJSON_GetObjectItem (rule, "names"))
  {
    for (size_t i = 0; i < n; i++)
      if (strcmp (name->valuestring, deny[i]) == 0)
        return 1;
  }
  return 0;
}

/* base into testdir/out.json, read back. */
static cJSON *
write_profile (const char *base)
{
  char out[128];
  podsock_error_t err = NULL;
  snprintf (out, sizeof out, "%s/out.json", testdir);
  if (hardening_seccomp_write_profile (base, out, &err) < 0)
    fail_msg ("%s", err->msg);
  return read_json ("out.json");
}

/* The first rule is the deny list; no later rule names a denied call. */
static const cJSON *
check_deny_rule_first (const cJSON *j)
{
  const cJSON *rules = cJSON_GetObjectItem (j, "syscalls"), *first, *rule;
  size_t n;
  int i = 0;
  first = cJSON_GetArrayItem (rules, 0);
  seccomp_deny_list (&n);
  assert_string_equal (cJSON_GetObjectItem (first, "action")->valuestring, "SCMP_ACT_ERRNO");
  assert_int_equal (cJSON_GetObjectItem (first, "errnoRet")->valueint, EPERM);
  assert_int_equal (cJSON_GetArraySize (cJSON_GetObjectItem (first, "names")), (int) n);
  cJSON_ArrayForEach (rule, rules) if (i++ > 0 && rule_names_denied (rule))
      fail_msg ("rule %d still names a denied call", i - 1);
  return rules;
}

static void
profile_adds_the_deny_list (void **state)
{
  cJSON *j;
  (void) state;
  if (access (SECCOMP_BASE_PROFILE, R_OK) < 0)
    {
      fprintf (stderr, "SKIP: %s is not installed (golang-github-containers-common)\n",
               SECCOMP_BASE_PROFILE);
      skip ();
    }
  j = write_profile (SECCOMP_BASE_PROFILE);
  /* No other rule names a denied call (the base allows keyctl, reboot...). */
  assert_true (cJSON_GetArraySize (check_deny_rule_first (j)) > 10);
  /* The base's default action is kept. */
  assert_string_equal (cJSON_GetObjectItem (j, "defaultAction")->valuestring, "SCMP_ACT_ERRNO");
  cJSON_Delete (j);
}

/* A small base of our own: a denied name leaves a mixed rule, a rule of
 * denied names only goes, everything else stays as it was. */
static void
profile_strips_denied_names (void **state)
{
  cJSON *j;
  const cJSON *rules, *mixed;
  char base[128];
  (void) state;
  testdir_put ("base.json",
               "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
               "{\"names\":[\"read\",\"keyctl\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
               "{\"names\":[\"reboot\"],\"action\":\"SCMP_ACT_ALLOW\"},"
               "{\"names\":[\"close\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[]}]}");
  snprintf (base, sizeof base, "%s/base.json", testdir);
  j = write_profile (base);
  rules = check_deny_rule_first (j);
  assert_int_equal (cJSON_GetArraySize (rules), 3);
  mixed = cJSON_GetObjectItem (cJSON_GetArrayItem (rules, 1), "names");
  assert_int_equal (cJSON_GetArraySize (mixed), 2);
  assert_string_equal (cJSON_GetArrayItem (mixed, 0)->valuestring, "read");
  assert_string_equal (cJSON_GetArrayItem (mixed, 1)->valuestring, "write");
  assert_string_equal (
      cJSON_GetArrayItem (cJSON_GetObjectItem (cJSON_GetArrayItem (rules, 2), "names"), 0)
          ->valuestring,
      "close");
  assert_string_equal (cJSON_GetObjectItem (j, "defaultAction")->valuestring, "SCMP_ACT_ERRNO");
  cJSON_Delete (j);
}

static void
profile_errors (void **state)
{
  podsock_error_t err = NULL;
  (void) state;
  assert_int_equal (hardening_seccomp_write_profile ("/nonexistent.json", "/tmp/x.json", &err), -1);
  assert_non_null (strstr (err->msg, "open the base seccomp profile /nonexistent.json (install "
                                     "golang-github-containers-common"));
  assert_int_equal (hardening_seccomp_write_profile ("/etc/hostname", "/tmp/x.json", &err), -1);
  assert_string_equal (err->msg, "/etc/hostname is not a seccomp profile (no \"syscalls\" list); "
                                 "give podman's seccomp.json");
  podsock_error_free (&err);
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, every_denied_name_resolves,
                    filter_denies_with_eperm, load_without_sys_admin_explains,
                    prepared_filter_denies_with_eperm, prepared_without_sys_admin_fails,
                    profile_adds_the_deny_list, profile_strips_denied_names, profile_errors)
