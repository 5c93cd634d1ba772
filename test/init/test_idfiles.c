/* init/idfiles.c: the identity files podsock-init writes for the running
 * UID (passwd, group, subuid, subgid), from the image's files and the user
 * namespace's maps. */
#include "idfiles.h"

#include <podsock/fs.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testdir.h"
#include "testutil.h"

static struct idfiles_spec
spec_for (unsigned uid, unsigned gid, char *paths[5])
{
  static char buf[5][128];
  const char *names[5] = { "out", "passwd.in", "group.in", "uid_map", "gid_map" };
  for (int i = 0; i < 5; i++)
    {
      snprintf (buf[i], sizeof buf[i], "%s/%s", testdir, names[i]);
      paths[i] = buf[i];
    }
  return (struct idfiles_spec){ .out_dir = paths[0],
                                .passwd_src = paths[1],
                                .group_src = paths[2],
                                .uid_map = paths[3],
                                .gid_map = paths[4],
                                .home = "/home/podsock",
                                .uid = uid,
                                .gid = gid,
                                .window_start = 100000,
                                .window_count = 65536 };
}

/* The files idfiles_write reads: the image's passwd and group, and the
 * user namespace's maps. */
static void
put_inputs (const char *passwd, const char *group, const char *uid_map, const char *gid_map)
{
  testdir_put ("passwd.in", passwd);
  testdir_put ("group.in", group);
  testdir_put ("uid_map", uid_map);
  testdir_put ("gid_map", gid_map);
}

static const char image_passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                                   "podman:x:1000:1000::/home/podman:/bin/sh";
static const char image_group[] = "root:x:0:\npodman:x:1000:\n";

/* OpenShift: UID 1000680000, GID 0, in the initial user namespace (the
 * maps cover every ID); the spec for it, its inputs written. */
static struct idfiles_spec
openshift_inputs (char *p[5])
{
  put_inputs (image_passwd, image_group, "         0          0 4294967295\n",
              "         0          0 4294967295\n");
  return spec_for (1000680000, 0, p);
}

/* OpenShift: a UID with no passwd entry, a pod user namespace. */
static void
adds_entry_for_unknown_uid (void **state)
{
  char *p[5], *t;
  struct idfiles_report r;
  podsock_error_t err = NULL;
  struct idfiles_spec s = openshift_inputs (p);

  (void) state;
  assert_int_equal (idfiles_write (&s, &r, &err), 0);
  assert_string_equal (r.user, "podsock");
  assert_true (r.user_added);
  assert_false (r.group_added); /* gid 0 has root */
  assert_int_equal (r.uids, 65536);
  assert_true (r.initial_ns);
  t = testdir_get ("out/passwd");
  assert_non_null (
      strstr (t, "root:x:0:0:root:/root:/bin/sh\npodman:x:1000:1000::/home/podman:/bin/sh\n"
                 "podsock:x:1000680000:0:podsock:/home/podsock:/bin/sh\n"));
  free (t);
  t = testdir_get ("out/subuid");
  assert_string_equal (t, "podsock:100000:65536\n");
  free (t);
  t = testdir_get ("out/group");
  assert_string_equal (t, image_group);
  free (t);
}

/* OpenShift: GID 0, the fsGroup supplementary.  The fsGroup (and the
 * builds directory's group) get a one-ID subgid range each, after the
 * subordinate block, so the engine's user namespace maps them; GID 0 itself
 * and IDs already in the block are not repeated. */
static void
maps_the_pods_other_groups (void **state)
{
  gid_t groups[] = { 1000680000, 0, 100005, 1000680000 };
  char *p[5], *t;
  struct idfiles_spec s = openshift_inputs (p);
  struct idfiles_report r;
  podsock_error_t err = NULL;

  (void) state;
  s.groups = groups;
  s.n_groups = 4;
  assert_int_equal (idfiles_write (&s, &r, &err), 0);
  assert_int_equal (r.groups_added, 1);
  assert_int_equal (r.gids, 65536);
  t = testdir_get ("out/subgid");
  assert_string_equal (t, "podsock:100000:65536\npodsock:1000680000:1\n");
  free (t);
  /* In a user namespace that does not map the group, newgidmap could not
   * map it either: left out. */
  put_inputs (image_passwd, image_group, "0 1000680000 1\n1 100000 65536\n",
              "0 0 1\n1 100000 65536\n");
  assert_int_equal (idfiles_write (&s, &r, &err), 0);
  assert_int_equal (r.groups_added, 0);
}

static void
keeps_existing_entry_and_is_idempotent (void **state)
{
  char *p[5], *t1, *t2;
  struct idfiles_report r;
  podsock_error_t err = NULL;
  struct idfiles_spec s = spec_for (1000, 1000, p);
  (void) state;
  put_inputs (image_passwd, image_group, "0 200000 65536\n", "0 200000 65536\n");
  assert_int_equal (idfiles_write (&s, &r, &err), 0);
  assert_string_equal (r.user, "podman");
  assert_false (r.user_added);
  assert_int_equal (r.uids, 65534);
  t1 = testdir_get ("out/subuid");
  assert_string_equal (t1, "podman:1:999\npodman:1001:64535\n");
  assert_int_equal (idfiles_write (&s, &r, &err), 0);
  t2 = testdir_get ("out/subuid");
  assert_string_equal (t1, t2);
  free (t1);
  free (t2);
  t1 = testdir_get ("out/passwd");
  assert_string_equal (t1, image_passwd);
  free (t1);
}

/* Cases that run idfiles_write once on given inputs and check the names it
 * chose, or the error it gave. */
struct idfiles_case
{
  const char *what;
  unsigned uid;
  const char *passwd, *group, *uid_map, *gid_map;
  int rc;
  const char *user, *group_name; /* rc 0: the names chosen */
  uint64_t uids;
  const char *error; /* rc -1: what the message says */
};

static const struct idfiles_case idfiles_cases[] = {
  { "name taken by another uid", 1234, "podsock:x:1500:1500::/home/podsock:/bin/sh\n",
    "podsock:x:1500:\n", "0 0 4294967295\n", "0 0 4294967295\n", 0, "podsock-1234", "podsock-1234",
    65536, NULL },
  { "bad map is an error", 0, image_passwd, image_group, "0 0 x\n", "0 0 1\n", -1, NULL, NULL, 0,
    "uid_map line 1" },
};

static void
run_idfiles_case (const struct idfiles_case *c)
{
  char *p[5];
  struct idfiles_report r;
  cleanup_error podsock_error_t err = NULL;
  struct idfiles_spec s = spec_for (c->uid, c->uid, p);

  print_message ("case: %s\n", c->what);
  put_inputs (c->passwd, c->group, c->uid_map, c->gid_map);
  assert_int_equal (idfiles_write (&s, &r, &err), c->rc);
  if (c->rc < 0)
    {
      assert_non_null (strstr (err->msg, c->error));
      return;
    }
  assert_string_equal (r.user, c->user);
  assert_string_equal (r.group, c->group_name);
  assert_true (r.initial_ns);
  assert_int_equal (r.uids, c->uids);
}

static void
idfiles_table (void **state)
{
  (void) state;
  for (size_t i = 0; i < sizeof idfiles_cases / sizeof idfiles_cases[0]; i++)
    run_idfiles_case (&idfiles_cases[i]);
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, adds_entry_for_unknown_uid,
                    maps_the_pods_other_groups, keeps_existing_entry_and_is_idempotent,
                    idfiles_table)
