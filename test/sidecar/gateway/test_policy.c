/* sidecar/gateway/policy.c and build.c: every class of request a hostile
 * job could send, read the way podman reads it (Go's key matching), and
 * the harmless ones that must still pass. */
#include "gateway/rewrite.h"
#include <podsock/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

static const char *allowed[] = { "/tmp", NULL };

static struct gateway_options
policy_on (void)
{
  struct gateway_options o = { .allowed_bind_sources = allowed, .allow_privileged = 0 };
  return o;
}

/* Runs a create with body; returns the status (0 when it passed) and
 * checks that a refusal's message names want. */
static int
create_status (const struct gateway_options *o, const char *body, const char *want)
{
  cleanup_error podsock_error_t err = NULL;
  cleanup_free char *out = NULL;
  size_t len;
  int status = 0;

  if (gateway_rewrite_create (o, "t", body, strlen (body), &out, &len, &status, &err) == 0)
    return 0;
  if (want && strstr (err->msg, want) == NULL)
    fail_msg ("%s: '%s' lacks '%s'", body, err->msg, want);
  return status;
}

#define REFUSED(body, setting) assert_int_equal (create_status (&o, body, setting), 403)
#define BAD(body) assert_int_equal (create_status (&o, body, NULL), 400)
#define PASSES(body) assert_int_equal (create_status (&o, body, NULL), 0)

static void
keys_read_as_go_reads_them (void **state)
{
  struct gateway_options o = policy_on ();
  (void) state;
  REFUSED ("{\"HostConfig\":{\"privileged\":true}}", "gateway.allowPrivileged");
  REFUSED ("{\"HostConfig\":{\"PRIVILEGED\":true}}", "gateway.allowPrivileged");
  REFUSED ("{\"hostconfig\":{\"Privileged\":true}}", "gateway.allowPrivileged");
  REFUSED ("{\"Ho\\u017ftConfig\":{\"Privileged\":true}}", "gateway.allowPrivileged");
  REFUSED ("{\"HostConfig\":{\"Bind\\u017f\":[\"/etc:/x\"]}}", "gateway.allowedBindSources");
  REFUSED ("{\"HostConfig\":{\"mounts\":[{\"type\":\"bind\",\"source\":\"/etc\"}]}}",
           "gateway.allowedBindSources");
  BAD ("{\"HostConfig\":{\"Privileged\":false,\"Privileged\":true}}");
  BAD ("{\"HostConfig\":{},\"hostconfig\":{\"Privileged\":true}}");
  BAD ("{\"Image\":\"\\ud800\"}");
  BAD ("{\"Image\":\"x\"} {\"HostConfig\":{\"Privileged\":true}}");
  BAD ("[1]");
  BAD ("not json");
  PASSES ("{\"Image\":\"x\",\"HostConfig\":{\"Binds\":[\"/tmp:/w\"]}}");
}

static void
mount_sources (void **state)
{
  struct gateway_options o = policy_on ();
  (void) state;
  REFUSED ("{\"HostConfig\":{\"Binds\":[\"./x:/w\"]}}", "gateway.allowedBindSources");
  REFUSED ("{\"HostConfig\":{\"Binds\":[\".x:/w\"]}}", "gateway.allowedBindSources");
  REFUSED ("{\"HostConfig\":{\"Binds\":[\"~/x:/w\"]}}", "gateway.allowedBindSources");
  REFUSED ("{\"HostConfig\":{\"Binds\":[\"/proc:/p\"]}}", "gateway.allowedBindSources");
  REFUSED ("{\"HostConfig\":{\"Binds\":[\"/:/host\"]}}", "gateway.allowedBindSources");
  REFUSED ("{\"HostConfig\":{\"Binds\":[\"/tmp/../etc:/w\"]}}", "gateway.allowedBindSources");
  REFUSED ("{\"HostConfig\":{\"VolumesFrom\":[\"other:ro\"]}}", "VolumesFrom 'other'");
  REFUSED (
      "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"v\",\"VolumeOptions\":"
      "{\"DriverConfig\":{\"Options\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/\"}}}}]}}",
      "driver options");
  REFUSED ("{\"HostConfig\":{\"Mounts\":[{\"Type\":\"image\",\"Source\":\"x\"}]}}", "type 'image'");
  PASSES ("{\"HostConfig\":{\"Binds\":[\"cache-vol:/c\"],\"Mounts\":[{\"Type\":\"tmpfs\","
          "\"Target\":\"/t\"},{\"Type\":\"volume\",\"Source\":\"v1\",\"Target\":\"/v\"}]}}");
}

static void
hardening_switches (void **state)
{
  struct gateway_options o = policy_on ();
  (void) state;
  REFUSED ("{\"HostConfig\":{\"CapAdd\":[\"ALL\"]}}", "gateway.allowedCapabilities");
  REFUSED ("{\"HostConfig\":{\"CapAdd\":[\"cap_sys_admin\"]}}", "gateway.allowedCapabilities");
  REFUSED ("{\"HostConfig\":{\"CapAdd\":[\"NET_ADMIN\"]}}", "gateway.allowedCapabilities");
  PASSES ("{\"HostConfig\":{\"CapAdd\":[\"CAP_SYS_CHROOT\",\"net_raw\"]}}");
  REFUSED ("{\"HostConfig\":{\"SecurityOpt\":[\"seccomp=unconfined\"]}}",
           "gateway.allowedSecurityOpts");
  REFUSED ("{\"HostConfig\":{\"SecurityOpt\":[\"seccomp:/builds/p.json\"]}}",
           "gateway.allowedSecurityOpts");
  REFUSED ("{\"HostConfig\":{\"SecurityOpt\":[\"apparmor=unconfined\"]}}",
           "gateway.allowedSecurityOpts");
  REFUSED ("{\"HostConfig\":{\"SecurityOpt\":[\"label=disable\"]}}", "gateway.allowedSecurityOpts");
  REFUSED ("{\"HostConfig\":{\"SecurityOpt\":[\"systempaths=unconfined\"]}}",
           "gateway.allowedSecurityOpts");
  PASSES ("{\"HostConfig\":{\"SecurityOpt\":[\"no-new-privileges:true\"]}}");
  REFUSED ("{\"HostConfig\":{\"MaskedPaths\":[]}}", "MaskedPaths");
  REFUSED ("{\"HostConfig\":{\"Devices\":[{\"PathOnHost\":\"/dev/fuse\"}]}}",
           "gateway.allowedDevices");
  REFUSED ("{\"HostConfig\":{\"DeviceCgroupRules\":[\"c 10:229 rwm\"]}}", "gateway.allowedDevices");
  REFUSED ("{\"HostConfig\":{\"Sysctls\":{\"kernel.shm_rmid_forced\":\"1\"}}}",
           "gateway.allowedSysctls");
  REFUSED ("{\"HostConfig\":{\"PidMode\":\"host\"}}", "gateway.allowHostNamespaces");
  REFUSED ("{\"HostConfig\":{\"IpcMode\":\"host\"}}", "gateway.allowHostNamespaces");
  REFUSED ("{\"HostConfig\":{\"UsernsMode\":\"host\"}}", "gateway.allowHostNamespaces");
  REFUSED ("{\"HostConfig\":{\"CgroupnsMode\":\"host\"}}", "gateway.allowHostNamespaces");
  REFUSED ("{\"HostConfig\":{\"PidMode\":\"ns:/proc/1/ns/pid\"}}", "gateway.allowHostNamespaces");
  REFUSED ("{\"HostConfig\":{\"LogConfig\":{\"Type\":\"k8s-file\",\"Config\":{\"path\":\"/x\"}}}}",
           "log path");
  REFUSED ("{\"HostConfig\":{\"Runtime\":\"runc\"}}", "another OCI runtime");
  PASSES ("{\"HostConfig\":{\"NetworkMode\":\"host\",\"PidMode\":\"container:abc\"}}");
}

static void
allow_lists (void **state)
{
  const char *caps[] = { "NET_ADMIN", NULL }, *dev[] = { "/dev/fuse", NULL };
  const char *sysctls[] = { "net.ipv4.ip_forward", NULL };
  struct gateway_options o = policy_on ();
  (void) state;
  o.allowed_capabilities = caps;
  o.allowed_devices = dev;
  o.allowed_sysctls = sysctls;
  o.allow_host_namespaces = 1;
  PASSES ("{\"HostConfig\":{\"CapAdd\":[\"NET_ADMIN\"],\"Devices\":[{\"PathOnHost\":"
          "\"/dev/fuse\"}],\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\"},\"PidMode\":\"host\"}}");
  REFUSED ("{\"HostConfig\":{\"CapAdd\":[\"CHOWN\"]}}", "gateway.allowedCapabilities");
  /* No policy: nothing is checked. */
  o.allowed_bind_sources = NULL;
  o.allow_privileged = 1;
  PASSES ("{\"HostConfig\":{\"Privileged\":true,\"Binds\":[\"/etc:/e\"],\"CapAdd\":[\"ALL\"]}}");
}

/* What a policy call's result r says: 0 when it passed, else the HTTP
 * status of its refusal, whose message must contain want (unless NULL). */
static int
outcome (int r, int status, podsock_error_t err, const char *input, const char *want)
{
  if (r == 0)
    return 0;
  if (want && strstr (err->msg, want) == NULL)
    fail_msg ("%s: '%s' lacks '%s'", input, err->msg, want);
  return status;
}

static int
target_status (const struct gateway_options *o, const char *target, const char *want)
{
  cleanup_error podsock_error_t err = NULL;
  struct gateway_target t;
  int status = 0, r;

  assert_int_equal (gateway_target_parse ("POST", 4, target, strlen (target), &t, &status, &err),
                    0);
  r = t.route == ROUTE_BUILD ? gateway_policy_build (o, &t, &status, &err)
                             : gateway_policy_image_create (o, &t, &status, &err);
  gateway_target_free (&t);
  return outcome (r, status, err, target, want);
}

static void
builds_and_imports (void **state)
{
  struct gateway_options o = policy_on ();
  (void) state;
  assert_int_equal (target_status (&o, "/build?t=a&t=b&nocache=1&buildargs=%7B%7D", NULL), 0);
  assert_int_equal (target_status (&o, "/build?volume=/:/host", "allowedBindSources"), 403);
  assert_int_equal (target_status (&o, "/build?VOLUME=/etc:/e", "allowedBindSources"), 403);
  assert_int_equal (target_status (&o, "/build?volume=/tmp:/t", NULL), 0);
  assert_int_equal (target_status (&o, "/build?devices=%5B%22/dev/fuse%22%5D", "devices"), 403);
  assert_int_equal (target_status (&o, "/build?outputs=type%3Dlocal", "outputs"), 403);
  assert_int_equal (target_status (&o, "/build?nsoptions=x", "nsoptions"), 403);
  assert_int_equal (target_status (&o, "/build?dockerfile=../../etc/passwd", "dockerfile"), 403);
  assert_int_equal (target_status (&o, "/build?dockerfile=sub/Dockerfile", NULL), 0);
  assert_int_equal (target_status (&o, "/build?addcaps=%5B%22SYS_ADMIN%22%5D", "allowedCap"), 403);
  assert_int_equal (
      target_status (&o, "/build?secrets=%5B%22id%3Dx%2Csrc%3D..%2F..%2Fx%22%5D", "secrets"), 403);
  assert_int_equal (target_status (&o, "/build?rusagelogfile=/run/x", "rusagelogfile"), 403);
  assert_int_equal (target_status (&o, "/images/create?fromSrc=/etc/passwd", "fromSrc"), 403);
  assert_int_equal (target_status (&o, "/images/create?fromSrc=-", NULL), 0);
  assert_int_equal (target_status (&o, "/images/create?fromSrc=-&FROMSRC=/etc/x", "fromSrc"), 403);
  assert_int_equal (target_status (&o, "/build?t=x&volume=/tmp:/t&volume=/:/h", "allowedBind"),
                    403);
}

static int
check_status (const struct gateway_options *o, enum gateway_route r, const char *body,
              const char *want)
{
  cleanup_error podsock_error_t err = NULL;
  cleanup_free char *out = NULL;
  size_t len;
  bool other = false;
  int status = 0, rc;

  rc = gateway_check_request (o, r, body, strlen (body), &out, &len, &other, &status, &err);
  return outcome (rc, status, err, body, want);
}

static void
volumes_execs_updates (void **state)
{
  struct gateway_options o = policy_on ();
  (void) state;
  assert_int_equal (check_status (&o, ROUTE_VOLUME_CREATE,
                                  "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"none\",\"o\":"
                                  "\"bind\",\"device\":\"/run/podsock\"}}",
                                  "allowedBindSources"),
                    403);
  assert_int_equal (check_status (&o, ROUTE_VOLUME_CREATE, "{\"Name\":\"v\",\"Driver\":\"nfs\"}",
                                  "volume driver"),
                    403);
  assert_int_equal (check_status (&o, ROUTE_VOLUME_CREATE, "{\"Name\":\"v\"}", NULL), 0);
  assert_int_equal (check_status (&o, ROUTE_EXEC_CREATE, "{\"privileged\":true}", "allowPriv"),
                    403);
  assert_int_equal (check_status (&o, ROUTE_UPDATE, "{\"Devices\":[{\"PathOnHost\":\"/dev/sda\"}]}",
                                  "allowedDevices"),
                    403);
  assert_int_equal (check_status (&o, ROUTE_EXEC_CREATE, "{\"Cmd\":[\"x\"],\"Cmd\":[\"y\"]}", NULL),
                    400);
}

static void
start_checks_sources_again (void **state)
{
  char dir[] = "/tmp/gw-start-XXXXXX", src[64];
  struct gateway_options o = policy_on ();
  cleanup_error podsock_error_t err = NULL;
  int status = 0;
  (void) state;
  assert_non_null (mkdtemp (dir));
  snprintf (src, sizeof src, "%s/d", dir);
  assert_int_equal (mkdir (src, 0700), 0);
  const char *sources[] = { src, NULL };
  assert_int_equal (gateway_policy_start (&o, sources, &status, &err), 0);
  /* The directory becomes a symlink to / between create and start. */
  assert_int_equal (rmdir (src), 0);
  assert_int_equal (symlink ("/", src), 0);
  assert_int_equal (gateway_policy_start (&o, sources, &status, &err), -1);
  assert_int_equal (status, 403);
  assert_non_null (strstr (err->msg, "start: "));
  unlink (src);
  rmdir (dir);
}

TEST_MAIN (keys_read_as_go_reads_them, mount_sources, hardening_switches, allow_lists,
           builds_and_imports, volumes_execs_updates, start_checks_sources_again)
