/* podsim-seccomp-profile: load a seccomp profile in the JSON format that a
 * kubelet's `seccompProfile: {type: Localhost}` hands to the runtime, then
 * execute a command under it.  Test helper for podsim's --seccomp-profile.
 *
 *   podsim-seccomp-profile [--caps CAP,...] PROFILE COMMAND [ARG]...
 *
 * It builds the filter as runc and crun do from such a file (OCI
 * LinuxSeccomp, plus the Docker/containers fields archMap, includes and
 * excludes): defaultAction/defaultErrnoRet; every listed architecture, and the
 * native one's subArchitectures from archMap; for each rule, includes/excludes
 * decided against --caps (the container's bounding set: every included cap
 * must be present, no excluded one), the native architecture and the running
 * kernel (minKernel); names the kernel's libseccomp does not know are skipped;
 * args on distinct indices form one rule, repeated indices one rule each;
 * a rule whose action is the default action is skipped.  A conflicting rule
 * (the same call both allowed and refused) is an error, as it is for the
 * runtimes.
 *
 * It runs as root before podsim switches to the container's UID, with
 * no_new_privs left off (runtimes load the filter while they still hold
 * CAP_SYS_ADMIN when allowPrivilegeEscalation is true): newuidmap's file
 * capabilities keep working under it. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

struct ctx
{
  const char *caps; /* ",CAP_A,CAP_B," */
  const char *arch; /* Docker's name of the native architecture */
  int kernel[2];
  uint32_t default_action;
};

static void __attribute__ ((noreturn, format (printf, 1, 2))) fail (const char *fmt, ...)
{
  va_list ap;

  fputs ("podsim-seccomp-profile: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  exit (1);
}

static char *
read_file (const char *path)
{
  FILE *f = fopen (path, "re");
  char *buf = NULL;
  size_t len = 0, got;

  if (f == NULL)
    fail ("open %s: %s", path, strerror (errno));
  do
    {
      buf = realloc (buf, len + 65536 + 1);
      if (buf == NULL)
        fail ("out of memory");
      got = fread (buf + len, 1, 65536, f);
      len += got;
    }
  while (got > 0);
  fclose (f);
  buf[len] = '\0';
  return buf;
}

static const char *
native_arch (void)
{
  switch (seccomp_arch_native ())
    {
    case SCMP_ARCH_X86_64:
      return "amd64";
    case SCMP_ARCH_AARCH64:
      return "arm64";
    case SCMP_ARCH_PPC64LE:
      return "ppc64le";
    case SCMP_ARCH_S390X:
      return "s390x";
    default:
      return "unknown";
    }
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token. */
static uint32_t
arch_token (const char *name)
{
  char low[32];
  size_t i;

  if (strncmp (name, "SCMP_ARCH_", 10) == 0)
    name += 10;
  for (i = 0; name[i] && i < sizeof low - 1; i++)
    low[i] = (char) (name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
  low[i] = '\0';
  return seccomp_arch_resolve_name (low);
}

static void
add_arch (scmp_filter_ctx f, const char *name)
{
  uint32_t a = arch_token (name);
  int r;

  if (a == 0)
    fail ("unknown architecture %s", name);
  r = seccomp_arch_add (f, a);
  if (r < 0 && r != -EEXIST)
    fail ("add architecture %s: %s", name, strerror (-r));
}

static uint32_t
action_of (const cJSON *action, const cJSON *errno_ret)
{
  const char *a = cJSON_GetStringValue (action);
  int e = cJSON_IsNumber (errno_ret) ? errno_ret->valueint : EPERM;

  if (a == NULL)
    fail ("a rule or the profile has no action");
  if (strcmp (a, "SCMP_ACT_ALLOW") == 0)
    return SCMP_ACT_ALLOW;
  if (strcmp (a, "SCMP_ACT_ERRNO") == 0)
    return SCMP_ACT_ERRNO ((uint16_t) e);
  if (strcmp (a, "SCMP_ACT_KILL") == 0 || strcmp (a, "SCMP_ACT_KILL_THREAD") == 0)
    return SCMP_ACT_KILL_THREAD;
  if (strcmp (a, "SCMP_ACT_KILL_PROCESS") == 0)
    return SCMP_ACT_KILL_PROCESS;
  if (strcmp (a, "SCMP_ACT_TRAP") == 0)
    return SCMP_ACT_TRAP;
  if (strcmp (a, "SCMP_ACT_LOG") == 0)
    return SCMP_ACT_LOG;
  if (strcmp (a, "SCMP_ACT_TRACE") == 0)
    return SCMP_ACT_TRACE ((uint16_t) e);
  fail ("unsupported action %s", a);
}

static enum scmp_compare
op_of (const char *op)
{
  static const struct
  {
    const char *name;
    enum scmp_compare op;
  } ops[] = {
    { "SCMP_CMP_NE", SCMP_CMP_NE },
    { "SCMP_CMP_LT", SCMP_CMP_LT },
    { "SCMP_CMP_LE", SCMP_CMP_LE },
    { "SCMP_CMP_EQ", SCMP_CMP_EQ },
    { "SCMP_CMP_GE", SCMP_CMP_GE },
    { "SCMP_CMP_GT", SCMP_CMP_GT },
    { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
  };
  size_t i;

  for (i = 0; op && i < sizeof ops / sizeof ops[0]; i++)
    if (strcmp (op, ops[i].name) == 0)
      return ops[i].op;
  fail ("unsupported argument operator %s", op ? op : "(none)");
}

static int
list_has (const cJSON *list, const char *what, int as_cap_set, const struct ctx *c)
{
  const cJSON *it;
  char needle[64];

  cJSON_ArrayForEach (it, list)
  {
    const char *s = cJSON_GetStringValue (it);
    if (s == NULL)
      continue;
    if (as_cap_set)
      {
        snprintf (needle, sizeof needle, ",%s,", s);
        if (strstr (c->caps, needle) == NULL)
          return 0; /* includes.caps: every one must be held */
      }
    else if (strcmp (s, what) == 0)
      return 1;
  }
  return as_cap_set;
}

static int
any_cap_held (const cJSON *list, const struct ctx *c)
{
  const cJSON *it;
  char needle[64];

  cJSON_ArrayForEach (it, list)
  {
    const char *s = cJSON_GetStringValue (it);
    snprintf (needle, sizeof needle, ",%s,", s ? s : "");
    if (s && strstr (c->caps, needle))
      return 1;
  }
  return 0;
}

static int
rule_applies (const cJSON *rule, const struct ctx *c)
{
  const cJSON *inc = cJSON_GetObjectItem (rule, "includes");
  const cJSON *exc = cJSON_GetObjectItem (rule, "excludes");
  const cJSON *v;
  int maj, min;

  if ((v = cJSON_GetObjectItem (inc, "caps")) && cJSON_GetArraySize (v) > 0
      && !list_has (v, NULL, 1, c))
    return 0;
  if ((v = cJSON_GetObjectItem (inc, "arches")) && cJSON_GetArraySize (v) > 0
      && !list_has (v, c->arch, 0, c))
    return 0;
  if ((v = cJSON_GetObjectItem (inc, "minKernel")) && cJSON_GetStringValue (v)
      && sscanf (cJSON_GetStringValue (v), "%d.%d", &maj, &min) == 2
      && (c->kernel[0] < maj || (c->kernel[0] == maj && c->kernel[1] < min)))
    return 0;
  if ((v = cJSON_GetObjectItem (exc, "caps")) && any_cap_held (v, c))
    return 0;
  if ((v = cJSON_GetObjectItem (exc, "arches")) && list_has (v, c->arch, 0, c))
    return 0;
  return 1;
}

static void
add_one (scmp_filter_ctx f, uint32_t act, int nr, const char *name, unsigned n,
         const struct scmp_arg_cmp *cmp)
{
  int r = seccomp_rule_add_array (f, act, nr, n, cmp);

  if (r < 0)
    fail ("rule for %s: %s (a conflicting or duplicate rule for the same call?)", name,
          strerror (-r));
}

static void
add_rule (scmp_filter_ctx f, const cJSON *rule, const struct ctx *c)
{
  const cJSON *args = cJSON_GetObjectItem (rule, "args"), *a, *name;
  uint32_t act
      = action_of (cJSON_GetObjectItem (rule, "action"), cJSON_GetObjectItem (rule, "errnoRet"));
  struct scmp_arg_cmp cmp[6];
  unsigned n = 0, seen = 0, repeated = 0;

  if (act == c->default_action || !rule_applies (rule, c))
    return;
  cJSON_ArrayForEach (a, args)
  {
    int idx = cJSON_GetObjectItem (a, "index")->valueint;
    if (n == 6 || idx < 0 || idx > 5)
      fail ("a rule has more than 6 args or an index outside 0..5");
    repeated |= (seen >> idx) & 1;
    seen |= 1u << idx;
    cmp[n].arg = (unsigned) idx;
    cmp[n].op = op_of (cJSON_GetStringValue (cJSON_GetObjectItem (a, "op")));
    cmp[n].datum_a = (scmp_datum_t) cJSON_GetObjectItem (a, "value")->valuedouble;
    cmp[n].datum_b = cJSON_GetObjectItem (a, "valueTwo")
                         ? (scmp_datum_t) cJSON_GetObjectItem (a, "valueTwo")->valuedouble
                         : 0;
    n++;
  }
  cJSON_ArrayForEach (name, cJSON_GetObjectItem (rule, "names"))
  {
    const char *s = cJSON_GetStringValue (name);
    int nr = s ? seccomp_syscall_resolve_name (s) : __NR_SCMP_ERROR;
    unsigned i;

    if (nr == __NR_SCMP_ERROR)
      continue; /* unknown here: runtimes skip it too */
    if (!repeated)
      add_one (f, act, nr, s, n, cmp);
    else
      for (i = 0; i < n; i++)
        add_one (f, act, nr, s, 1, &cmp[i]);
  }
}

static scmp_filter_ctx
build_filter (const cJSON *p, struct ctx *c)
{
  const cJSON *it, *sub;
  scmp_filter_ctx f;

  c->default_action = action_of (cJSON_GetObjectItem (p, "defaultAction"),
                                 cJSON_GetObjectItem (p, "defaultErrnoRet"));
  f = seccomp_init (c->default_action);
  if (f == NULL)
    fail ("seccomp_init failed");
  if (seccomp_attr_set (f, SCMP_FLTATR_CTL_NNP, 0) < 0)
    fail ("cannot turn libseccomp's no_new_privs off");
  cJSON_ArrayForEach (it, cJSON_GetObjectItem (p, "architectures"))
      add_arch (f, cJSON_GetStringValue (it));
  cJSON_ArrayForEach (it, cJSON_GetObjectItem (p, "archMap")) if (arch_token (cJSON_GetStringValue (
                                                                      cJSON_GetObjectItem (
                                                                          it, "architecture")))
                                                                  == seccomp_arch_native ())
  {
    add_arch (f, cJSON_GetStringValue (cJSON_GetObjectItem (it, "architecture")));
    cJSON_ArrayForEach (sub, cJSON_GetObjectItem (it, "subArchitectures"))
        add_arch (f, cJSON_GetStringValue (sub));
  }
  cJSON_ArrayForEach (it, cJSON_GetObjectItem (p, "syscalls")) add_rule (f, it, c);
  return f;
}

int
main (int argc, char **argv)
{
  struct ctx c = { ",", native_arch (), { 0, 0 }, 0 };
  char caps[1024] = ",";
  struct utsname u;
  scmp_filter_ctx f;
  cJSON *profile;
  char *text;
  int argi = 1, r;

  if (argc > 2 && strcmp (argv[1], "--caps") == 0)
    {
      char *p;
      snprintf (caps, sizeof caps, ",%s,", argv[2]);
      for (p = caps; *p; p++)
        if (*p >= 'a' && *p <= 'z')
          *p = (char) (*p - 32);
      argi = 3;
    }
  c.caps = caps;
  if (argc - argi < 2)
    {
      fprintf (stderr,
               "usage: podsim-seccomp-profile [--caps CAP_X,...] PROFILE COMMAND [ARG]...\n");
      return 2;
    }
  if (uname (&u) == 0)
    sscanf (u.release, "%d.%d", &c.kernel[0], &c.kernel[1]);
  text = read_file (argv[argi]);
  profile = cJSON_Parse (text);
  if (profile == NULL || !cJSON_IsObject (profile))
    fail ("%s is not a JSON object", argv[argi]);
  f = build_filter (profile, &c);
  r = seccomp_load (f);
  if (r < 0)
    fail ("load the filter from %s: %s", argv[argi], strerror (-r));
  seccomp_release (f);
  cJSON_Delete (profile);
  free (text);
  execvp (argv[argi + 1], argv + argi + 1);
  fprintf (stderr, "podsim-seccomp-profile: exec %s: %s\n", argv[argi + 1], strerror (errno));
  return 127;
}
