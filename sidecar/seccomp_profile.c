/* The deny filter, built as crun builds its filters: allow by default, add
 * the native architectures, resolve each name, fail on a name libseccomp does
 * not know (a typo would otherwise deny nothing). */
#include "seccomp_profile.h"
#include "caps.h"
#include <podsock/fs.h>
#include <podsock/util.h>
#include <podsock/cjson.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* Keep in sync with docs/hardening.md, which gives the reason for each. */
static const char *const deny_list[] = {
  "init_module",
  "finit_module",
  "delete_module",
  "create_module",
  "query_module",
  "get_kernel_syms",
  "kexec_load",
  "kexec_file_load",
  "reboot",
  "swapon",
  "swapoff",
  "settimeofday",
  "clock_settime",
  "stime",
  "acct",
  "quotactl",
  "quotactl_fd",
  "bpf",
  "perf_event_open",
  "userfaultfd",
  "keyctl",
  "add_key",
  "request_key",
  "open_by_handle_at",
  "lookup_dcookie",
  "iopl",
  "ioperm",
  "uselib",
  "_sysctl",
  "syslog",
  "vm86",
  "vm86old",
  "nfsservctl",
  "io_uring_setup",
  "io_uring_enter",
  "io_uring_register",
};

#define SCMP_BUILD_EPERM SCMP_ACT_ERRNO (EPERM)

static inline void
cleanup_seccomp_ctx (scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release (*ctx);
}
#define cleanup_seccomp __attribute__ ((cleanup (cleanup_seccomp_ctx)))

const char *const *
seccomp_deny_list (size_t *n)
{
  *n = ARRAY_SIZE (deny_list);
  return deny_list;
}

static int
add_deny_rules (scmp_filter_ctx ctx, podsock_error_t *err)
{
  for (size_t i = 0; i < ARRAY_SIZE (deny_list); i++)
    {
      int nr = seccomp_syscall_resolve_name (deny_list[i]);
      int r;
      if (nr == __NR_SCMP_ERROR)
        return podsock_error_make (err, 0,
                                   "seccomp: libseccomp does not know the system call '%s'; "
                                   "remove it from the deny list or update libseccomp",
                                   deny_list[i]);
      /* Negative numbers: calls that do not exist on this architecture
       * (vm86 on x86-64); libseccomp skips them. */
      r = seccomp_rule_add (ctx, SCMP_BUILD_EPERM, nr, 0);
      if (r < 0 && r != -EDOM)
        return podsock_error_make (err, -r, "seccomp: add a rule for %s", deny_list[i]);
    }
  return 0;
}

static scmp_filter_ctx
build_filter (podsock_error_t *err)
{
  cleanup_seccomp scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  int r;

  if (ctx == NULL)
    {
      podsock_error_make (err, ENOMEM, "seccomp: create a filter");
      return NULL;
    }
  /* libseccomp sets no_new_privs by default; that would break newuidmap. */
  r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (r < 0)
    {
      podsock_error_make (err, -r, "seccomp: keep no_new_privs unset");
      return NULL;
    }
  /* The kernel's errno from seccomp_load(), not -ECANCELED. */
  (void) seccomp_attr_set (ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
  r = seccomp_arch_add (ctx, SCMP_ARCH_NATIVE);
  if (r < 0 && r != -EEXIST)
    {
      podsock_error_make (err, -r, "seccomp: add the native architecture");
      return NULL;
    }
  if (add_deny_rules (ctx, err) < 0)
    return NULL;
  return steal_pointer (&ctx);
}

int
seccomp_check_deny_list (podsock_error_t *err)
{
  cleanup_seccomp scmp_filter_ctx ctx = build_filter (err);
  return ctx == NULL ? -1 : 0;
}

int
hardening_seccomp_load (podsock_error_t *err)
{
  cleanup_seccomp scmp_filter_ctx ctx = build_filter (err);
  int r;

  if (ctx == NULL)
    return -1;
  r = seccomp_load (ctx);
  if (r == -EACCES || r == -EPERM)
    return podsock_error_make (err, EACCES,
                               "seccomp: cannot install the deny filter without CAP_SYS_ADMIN, "
                               "and no_new_privs would break newuidmap; nested containers get "
                               "the deny list through the seccomp profile instead");
  if (r < 0)
    return podsock_error_make (err, -r, "seccomp: load the deny filter");
  return 0;
}

/* libseccomp 2.5 exports BPF only to a file descriptor. */
static int
export_bpf (scmp_filter_ctx ctx, struct seccomp_prepared *p, podsock_error_t *err)
{
  cleanup_close int fd = memfd_create ("podsock-seccomp", MFD_CLOEXEC);
  off_t size;
  int r;

  if (fd < 0)
    return podsock_error_make (err, errno, "seccomp: memfd_create");
  r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return podsock_error_make (err, -r, "seccomp: export the filter");
  size = lseek (fd, 0, SEEK_END);
  if (size <= 0 || size % (off_t) sizeof (struct sock_filter) != 0
      || size / (off_t) sizeof (struct sock_filter) > BPF_MAXINSNS)
    return podsock_error_make (err, EINVAL, "seccomp: exported filter has %lld bytes",
                               (long long) size);
  p->filter = xmalloc ((size_t) size);
  if (pread (fd, p->filter, (size_t) size, 0) != (ssize_t) size)
    return podsock_error_make (err, errno ? errno : EIO, "seccomp: read the exported filter");
  p->len = (unsigned short) (size / (off_t) sizeof (struct sock_filter));
  return 0;
}

int
seccomp_prepare (struct seccomp_prepared *p, podsock_error_t *err)
{
  cleanup_seccomp scmp_filter_ctx ctx = build_filter (err);

  memset (p, 0, sizeof *p);
  if (ctx == NULL)
    return -1;
  if (export_bpf (ctx, p, err) < 0)
    {
      seccomp_prepared_free (p);
      return -1;
    }
  return 0;
}

int
seccomp_install_prepared (const struct seccomp_prepared *p)
{
  struct sock_fprog prog = { .len = p->len, .filter = p->filter };
  return (int) syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

void
seccomp_prepared_free (struct seccomp_prepared *p)
{
  free (p->filter);
  p->filter = NULL;
  p->len = 0;
}

int
seccomp_can_load (void)
{
  if (prctl (PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
    return 1;
  return caps_have_effective (CAP_SYS_ADMIN);
}

static char *
read_text (const char *path, podsock_error_t *err)
{
  cleanup_file FILE *f = fopen (path, "re");
  cleanup_free char *buf = NULL;
  size_t len = 0;
  FILE *mem;
  char chunk[8192];
  size_t n;

  if (f == NULL)
    {
      podsock_error_make (err, errno,
                          "open the base seccomp profile %s (install "
                          "golang-github-containers-common, or give another profile)",
                          path);
      return NULL;
    }
  mem = xnonnull (open_memstream (&buf, &len));
  while ((n = fread (chunk, 1, sizeof chunk, f)) > 0)
    fwrite (chunk, 1, n, mem);
  if (ferror (f) || fclose (mem) != 0)
    {
      podsock_error_make (err, errno ? errno : EIO, "read %s", path);
      return NULL;
    }
  return steal_pointer (&buf);
}

static int
is_denied (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (deny_list); i++)
    if (strcmp (name, deny_list[i]) == 0)
      return 1;
  return 0;
}

/* Takes the denied names out of the base profile's rules, whatever their
 * action: one syscall with two conflicting rules is an error in libseccomp,
 * and the base's default action is ENOSYS, not EPERM. */
static void
strip_denied (cJSON *rules)
{
  cJSON *rule = rules->child;
  while (rule)
    {
      cJSON *next = rule->next, *names = cJSON_GetObjectItemCaseSensitive (rule, "names");
      cJSON *name = names ? names->child : NULL;
      while (name)
        {
          cJSON *nn = name->next;
          if (cJSON_IsString (name) && is_denied (name->valuestring))
            cJSON_Delete (cJSON_DetachItemViaPointer (names, name));
          name = nn;
        }
      if (names && cJSON_GetArraySize (names) == 0)
        cJSON_Delete (cJSON_DetachItemViaPointer (rules, rule));
      rule = next;
    }
}

static cJSON *
deny_rule (void)
{
  cJSON *rule = cJSON_CreateObject ();
  cJSON *names = cJSON_CreateStringArray (deny_list, (int) ARRAY_SIZE (deny_list));

  xnonnull (rule);
  xnonnull (names);
  cJSON_AddItemToObject (rule, "names", names);
  cJSON_AddStringToObject (rule, "action", "SCMP_ACT_ERRNO");
  cJSON_AddNumberToObject (rule, "errnoRet", EPERM);
  cJSON_AddStringToObject (rule, "comment", "podsock deny list: docs/hardening.md");
  return rule;
}

int
hardening_seccomp_write_profile (const char *base_profile, const char *out_path,
                                 podsock_error_t *err)
{
  cleanup_free char *text = read_text (base_profile, err);
  cleanup_free char *out = NULL;
  cleanup_cjson cJSON *root = NULL;
  cJSON *rules;

  if (text == NULL)
    return -1;
  root = cJSON_Parse (text);
  rules = root ? cJSON_GetObjectItemCaseSensitive (root, "syscalls") : NULL;
  if (!cJSON_IsArray (rules))
    return podsock_error_make (err, 0,
                               "%s is not a seccomp profile (no \"syscalls\" list); give "
                               "podman's seccomp.json",
                               base_profile);
  strip_denied (rules);
  if (!cJSON_InsertItemInArray (rules, 0, deny_rule ()))
    xnonnull (NULL);
  out = xnonnull (cJSON_Print (root));
  return fs_write_file_atomic (out_path, out, err);
}
