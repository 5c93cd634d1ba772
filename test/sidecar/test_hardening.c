/* sidecar/caps.c and sidecar/seccomp_profile.c: what can be checked without a pod.  Each
 * check that changes the process runs in a forked child. */
#include "caps.h"
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
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define CHILD_FAIL(...)                                                                            \
  do                                                                                               \
    {                                                                                              \
      fprintf (stderr, __VA_ARGS__);                                                               \
      fputc ('\n', stderr);                                                                        \
      _exit (1);                                                                                   \
    }                                                                                              \
  while (0)

static void
run_in_child (void (*fn) (void))
{
  int status;
  pid_t pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0)
    {
      fn ();
      _exit (0);
    }
  assert_int_equal (waitpid (pid, &status, 0), pid);
  assert_true (WIFEXITED (status));
  assert_int_equal (WEXITSTATUS (status), 0);
}

static long
get_session_keyring (void)
{
  return syscall (SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
}

static void
need_root (void)
{
  if (geteuid () != 0)
    skip ();
}

/* Drop every effective capability but keep uid 0. */
static void
clear_effective (void)
{
  cap_t c = cap_get_proc ();
  if (c == NULL || cap_clear_flag (c, CAP_EFFECTIVE) < 0 || cap_set_proc (c) < 0)
    CHILD_FAIL ("clear the effective set: %m");
  cap_free (c);
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
child_filter_denies_keyctl (void)
{
  podsock_error_t err = NULL;
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
  need_root ();
  run_in_child (child_filter_denies_keyctl);
}

static void
child_load_without_sys_admin (void)
{
  podsock_error_t err = NULL;
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
  need_root ();
  run_in_child (child_load_without_sys_admin);
}

/* The fork-and-exec path: compiled in the parent, installed in the child
 * with one system call. */
static void
child_prepared_filter (void)
{
  struct seccomp_prepared p;
  podsock_error_t err = NULL;
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
  need_root ();
  run_in_child (child_prepared_filter);
}

static void
child_prepared_without_sys_admin (void)
{
  struct seccomp_prepared p;
  podsock_error_t err = NULL;
  if (seccomp_prepare (&p, &err) < 0)
    CHILD_FAIL ("prepare: %s", err->msg);
  clear_effective ();
  if (seccomp_can_load ())
    CHILD_FAIL ("seccomp_can_load says yes without CAP_SYS_ADMIN");
  if (seccomp_install_prepared (&p) != -1 || errno != EACCES)
    CHILD_FAIL ("install without CAP_SYS_ADMIN: errno %d", errno);
  seccomp_prepared_free (&p);
}

static void
prepared_without_sys_admin_fails (void **state)
{
  (void) state;
  need_root ();
  run_in_child (child_prepared_without_sys_admin);
}

static cJSON *
read_json (const char *path)
{
  FILE *f = fopen (path, "re");
  char *buf;
  long n;
  cJSON *j;
  assert_non_null (f);
  fseek (f, 0, SEEK_END);
  n = ftell (f);
  rewind (f);
  buf = calloc (1, (size_t) n + 1);
  assert_int_equal (fread (buf, 1, (size_t) n, f), (size_t) n);
  fclose (f);
  j = cJSON_Parse (buf);
  free (buf);
  assert_non_null (j);
  return j;
}

static int
rule_names_denied (const cJSON *rule)
{
  size_t n;
  const char *const *deny = seccomp_deny_list (&n);
  const cJSON *name;
  cJSON_ArrayForEach (
      name, cJSON_GetObjectItem (rule, "names")) for (size_t i = 0; i < n;
                                                      i++) if (strcmp (name->valuestring, deny[i])
                                                               == 0) return 1;
  return 0;
}

static void
profile_adds_the_deny_list (void **state)
{
  char out[] = "/tmp/test-profile-XXXXXX";
  podsock_error_t err = NULL;
  cJSON *j, *rules, *first, *rule;
  size_t n;
  int fd, i = 0;
  (void) state;
  if (access (SECCOMP_BASE_PROFILE, R_OK) < 0)
    skip ();
  fd = mkstemp (out);
  assert_true (fd >= 0);
  close (fd);
  if (hardening_seccomp_write_profile (SECCOMP_BASE_PROFILE, out, &err) < 0)
    fail_msg ("%s", err->msg);
  j = read_json (out);
  rules = cJSON_GetObjectItem (j, "syscalls");
  first = cJSON_GetArrayItem (rules, 0);
  seccomp_deny_list (&n);
  assert_string_equal (cJSON_GetObjectItem (first, "action")->valuestring, "SCMP_ACT_ERRNO");
  assert_int_equal (cJSON_GetObjectItem (first, "errnoRet")->valueint, EPERM);
  assert_int_equal (cJSON_GetArraySize (cJSON_GetObjectItem (first, "names")), (int) n);
  /* No other rule names a denied call (the base allows keyctl, reboot...). */
  cJSON_ArrayForEach (rule, rules) if (i++ > 0 && rule_names_denied (rule))
      fail_msg ("rule %d still names a denied call", i - 1);
  /* The base's default action is kept. */
  assert_string_equal (cJSON_GetObjectItem (j, "defaultAction")->valuestring, "SCMP_ACT_ERRNO");
  assert_true (cJSON_GetArraySize (rules) > 10);
  cJSON_Delete (j);
  unlink (out);
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

static int
kept (int cap)
{
  size_t n;
  const int *keep = caps_keep_list (&n);
  for (size_t i = 0; i < n; i++)
    if (keep[i] == cap)
      return 1;
  return 0;
}

static void
child_caps_drop (void)
{
  struct caps_result r;
  podsock_error_t err = NULL;
  if (cap_get_bound (CAP_SYS_MODULE) != 1)
    CHILD_FAIL ("CAP_SYS_MODULE is not in the bounding set to begin with");
  if (hardening_caps_drop (&r, &err) < 0)
    CHILD_FAIL ("%s", err->msg);
  if (!r.can_drop || r.dropped_now <= 0)
    CHILD_FAIL ("nothing dropped (can_drop %d, dropped %d)", r.can_drop, r.dropped_now);
  for (int cap = 0; cap < (int) cap_max_bits (); cap++)
    if (cap_get_bound ((cap_value_t) cap) != kept (cap))
      CHILD_FAIL ("capability %d: bound %d, kept %d", cap, cap_get_bound ((cap_value_t) cap),
                  kept (cap));
  if (strstr (r.bounding, "cap_sys_admin") == NULL || strstr (r.bounding, "cap_sys_module"))
    CHILD_FAIL ("bounding set reported as %s", r.bounding);
  caps_result_free (&r);
  /* A second call has nothing left to drop. */
  if (hardening_caps_drop (&r, &err) < 0 || r.dropped_now != 0)
    CHILD_FAIL ("second call dropped %d", r.dropped_now);
  caps_result_free (&r);
}

static void
caps_drop_keeps_the_list (void **state)
{
  (void) state;
  need_root ();
  run_in_child (child_caps_drop);
}

static void
child_caps_without_setpcap (void)
{
  struct caps_result r;
  podsock_error_t err = NULL;
  clear_effective ();
  if (hardening_caps_drop (&r, &err) < 0)
    CHILD_FAIL ("without CAP_SETPCAP it must report, not fail: %s", err->msg);
  if (r.can_drop || r.dropped_now != 0)
    CHILD_FAIL ("claims to have dropped");
  if (cap_get_bound (CAP_SYS_MODULE) != 1)
    CHILD_FAIL ("the bounding set changed");
  if (strstr (r.extra, "cap_sys_module") == NULL || strstr (r.extra, "cap_chown") != NULL)
    CHILD_FAIL ("extra capabilities reported as '%s'", r.extra);
  if (strstr (r.bounding, "cap_chown") == NULL)
    CHILD_FAIL ("bounding set reported as '%s'", r.bounding);
  caps_result_free (&r);
}

static void
caps_without_setpcap_reports (void **state)
{
  (void) state;
  need_root ();
  run_in_child (child_caps_without_setpcap);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (every_denied_name_resolves),
    cmocka_unit_test (filter_denies_with_eperm),
    cmocka_unit_test (load_without_sys_admin_explains),
    cmocka_unit_test (prepared_filter_denies_with_eperm),
    cmocka_unit_test (prepared_without_sys_admin_fails),
    cmocka_unit_test (profile_adds_the_deny_list),
    cmocka_unit_test (profile_errors),
    cmocka_unit_test (caps_drop_keeps_the_list),
    cmocka_unit_test (caps_without_setpcap_reports),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
