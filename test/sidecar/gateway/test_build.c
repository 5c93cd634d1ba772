/* sidecar/gateway/build.c: the allow list of POST /build's query
 * parameters and the fromSrc check of POST /images/create.  Each row is a
 * decoded query (as route.c hands it over) and what the policy answers: a
 * pass, or 403 with a message that names the parameter, the setting that
 * refused it and what to do. */
#include "gateway/policy.h"
#include <podsock/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

static const char *const allowed_sources[] = { "/tmp", NULL };

/* "k=v&k=v" split into params (no decoding: the values are as route.c
 * leaves them); returns the count. */
static size_t
split_query (char *q, struct gateway_query_param *params, size_t max)
{
  size_t n = 0;
  char *save = NULL;

  for (char *kv = strtok_r (q, "&", &save); kv && n < max; kv = strtok_r (NULL, "&", &save))
    {
      char *eq = strchr (kv, '=');
      params[n].key = kv;
      params[n].value = eq ? (*eq = '\0', eq + 1) : kv + strlen (kv);
      n++;
    }
  return n;
}

/* The policy's answer to query on route: 0 when it passes, else the
 * status, after checking that the message holds want. */
static int
answer (const struct gateway_options *o, enum gateway_route route, const char *query,
        const char *want)
{
  struct gateway_query_param params[8];
  struct gateway_target t = { .route = route, .params = params };
  cleanup_free char *copy = xstrdup (query);
  cleanup_error podsock_error_t err = NULL;
  int status = 0, r;

  t.n_params = split_query (copy, params, ARRAY_SIZE (params));
  r = route == ROUTE_BUILD ? gateway_policy_build (o, &t, &status, &err)
                           : gateway_policy_image_create (o, &t, &status, &err);
  if (r == 0)
    return 0;
  assert_int_equal (r, -1);
  if (want == NULL || strstr (err->msg, want) == NULL)
    fail_msg ("%s: '%s' lacks '%s'", query, err->msg, want ? want : "(a pass)");
  return status;
}

/* want NULL: passes; else refused with 403 and this in the message. */
struct row
{
  const char *query, *want;
};

static void
walk (const struct gateway_options *o, enum gateway_route route, const struct row *rows, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      int status = answer (o, route, rows[i].query, rows[i].want);
      if (status != (rows[i].want ? 403 : 0))
        fail_msg ("%s: status %d, want %d", rows[i].query, status, rows[i].want ? 403 : 0);
    }
}

#define WALK(o, route, rows) walk (o, route, rows, ARRAY_SIZE (rows))

static const struct row build_rows[] = {
  /* the plain list, in any case, and what the docker CLI sends */
  { "t=app:1&t=app:latest&q=1&NoCache=1&rm=1&forcerm=1&pull=1", NULL },
  { "BUILDARGS={\"A\":\"1\"}&labels={\"x\":\"y\"}&cachefrom=[\"a\"]&memory=1&shmsize=2", NULL },
  { "platform=linux/amd64&target=base&extrahosts=h:1.2.3.4&retry-delay=2s&TLSVERIFY=0", NULL },
  { "version=1&session=abc&buildid=b1&squash=1&ulimits=[]&osversion=x", NULL },
  /* an empty value asks for the default, whatever the name */
  { "cgroupparent=&devices=[]&outputs={}&nsoptions=null&volume=", NULL },
  /* names not on the list, with a value */
  { "cgroupparent=/kubepods", "build parameter 'cgroupparent=/kubepods' refused by the gateway's "
                              "build policy in podsock.yaml; build without it (docs/security.md "
                              "lists what builds may use)" },
  { "devices=[\"/dev/kvm\"]", "'devices=[\"/dev/kvm\"]' refused" },
  { "logfile=/run/podsock/x", "'logfile=/run/podsock/x' refused" },
  { "t=ok&OUTPUTS=type=local,dest=/", "'OUTPUTS=type=local,dest=/' refused" },
  { "nocache=1&nocache=1&apparmor=unconfined", "'apparmor=unconfined' refused" },
  /* dockerfile: inside the context, or a URL */
  { "dockerfile=Dockerfile&dockerfile=ci/Dockerfile.build&dockerfile=..hidden", NULL },
  { "dockerfile=https://example.com/Dockerfile&dockerfile=git@example.com:r.git", NULL },
  { "dockerfile=/etc/passwd", "'dockerfile=/etc/passwd' refused" },
  { "dockerfile=..", "'dockerfile=..' refused" },
  { "dockerfile=a/../../b", "'dockerfile=a/../../b' refused" },
  { "dockerfile=sub/..", "'dockerfile=sub/..' refused" },
  /* remote: a URL only */
  { "remote=https://example.com/r.git&remote=git://example.com/r&remote=http://e/c.tar", NULL },
  { "remote=/var/lib/podsock", "'remote=/var/lib/podsock' refused" },
  { "remote=file:///etc", "'remote=file:///etc' refused" },
  /* networkmode and isolation: the pod's own choices only */
  { "networkmode=host&networkmode=none&networkmode=bridge&networkmode=default", NULL },
  { "networkmode=container:abc", "'networkmode=container:abc' refused" },
  { "networkmode=ns:/proc/1/ns/net", "'networkmode=ns:/proc/1/ns/net' refused" },
  { "isolation=default", NULL },
  { "isolation=chroot", "'isolation=chroot' refused" },
  /* secrets: a JSON list of strings whose src stays in the context */
  { "secrets=[\"id=a,src=s.txt\",\"id=b\"]", NULL },
  { "secrets=[\"id=a,src=/etc/shadow\"]", "'secrets=[\"id=a,src=/etc/shadow\"]' refused" },
  { "secrets=[\"id=a,src=d/../../x\"]", "refused by the gateway's build policy" },
  { "secrets=[1]", "'secrets=[1]' refused" },
  { "secrets=id=a,src=s", "'secrets=id=a,src=s' refused" },
  { "secrets={\"id\":\"a\"}", "'secrets={\"id\":\"a\"}' refused" },
  /* addcaps: read like CapAdd */
  { "addcaps=[\"CHOWN\",\"KILL\"]", NULL },
  { "addcaps=[\"SYS_ADMIN\"]", "gateway.allowedCapabilities" },
  { "addcaps=SYS_ADMIN", "'addcaps=SYS_ADMIN' refused" },
  /* volume: an absolute source under an allowed one */
  { "volume=/tmp:/cache&volume=/tmp", NULL },
  { "volume=/etc:/e", "bind mount of '/etc' refused by gateway.allowedBindSources" },
  { "volume=/tmp/../etc:/e", "gateway.allowedBindSources" },
  { "volume=cache:/c", "'volume=cache:/c' refused" },
  /* a bad instance among good ones counts, wherever it stands */
  { "volume=/tmp:/a&volume=/:/host&t=x", "bind mount of '/' refused" },
  { "isolation=default&ISOLATION=hyperv", "'ISOLATION=hyperv' refused" },
};

/* The settings move the answers: a capability allowed in podsock.yaml
 * passes; with no policy at all (any bind source and --privileged allowed)
 * nothing is checked. */
static const struct row build_rows_allowing[] = {
  { "addcaps=[\"SYS_ADMIN\"]", NULL },
  { "addcaps=[\"CHOWN\"]", "gateway.allowedCapabilities" },
};
static const struct row build_rows_no_policy[] = {
  { "cgroupparent=/kubepods&volume=/:/host&dockerfile=/etc/passwd", NULL },
};

static void
build_follows_the_settings (void **state)
{
  static const char *const caps[] = { "SYS_ADMIN", NULL };
  struct gateway_options allowing
      = { .allowed_bind_sources = allowed_sources, .allowed_capabilities = caps };
  struct gateway_options none = { .allow_privileged = 1 };
  (void) state;
  WALK (&allowing, ROUTE_BUILD, build_rows_allowing);
  WALK (&none, ROUTE_BUILD, build_rows_no_policy);
  WALK (&none, ROUTE_IMAGE_CREATE, build_rows_no_policy);
}

/* POST /images/create: fromSrc is the body ("-") or a URL podman fetches;
 * any other value is a file of the sidecar's. */
static const struct row import_rows[] = {
  { "fromImage=alpine&tag=3.20", NULL },
  { "fromSrc=-&repo=imported&tag=1", NULL },
  { "fromSrc=https://example.com/rootfs.tar", NULL },
  { "fromSrc=http://example.com/rootfs.tar", NULL },
  { "fromSrc=/etc/shadow", "build parameter 'fromSrc=/etc/shadow' refused by the gateway's "
                           "build policy in podsock.yaml" },
  { "FromSrc=/x", "'fromSrc=/x' refused" },
  { "fromsrc=rootfs.tar", "'fromSrc=rootfs.tar' refused" },
  { "fromSrc=file:///etc/shadow", "'fromSrc=file:///etc/shadow' refused" },
  { "fromSrc=ftp://example.com/r.tar", "'fromSrc=ftp://example.com/r.tar' refused" },
  { "fromSrc=-&fromSrc=/var/lib/podsock/storage/x", "'fromSrc=/var/lib/podsock/storage/x'" },
};

/* Each table under the policy that podsock.yaml's defaults give. */
static void
default_policy_answers (void **state)
{
  static const struct
  {
    enum gateway_route route;
    const struct row *rows;
    size_t n;
  } tables[] = {
    { ROUTE_BUILD, build_rows, ARRAY_SIZE (build_rows) },
    { ROUTE_IMAGE_CREATE, import_rows, ARRAY_SIZE (import_rows) },
  };
  struct gateway_options o = { .allowed_bind_sources = allowed_sources };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (tables); i++)
    walk (&o, tables[i].route, tables[i].rows, tables[i].n);
}

TEST_MAIN (default_policy_answers, build_follows_the_settings)
