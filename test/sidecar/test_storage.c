/* sidecar/storage.c: a graphroot keeps the driver whose data it holds
 * (podman #8705), or is emptied when this pod cannot use that driver. */
#include "storage.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../common/testdir.h"
#include "../common/testutil.h"

enum
{
  OV = CONFIG_DRIVER_OVERLAY,
  FUSE = CONFIG_DRIVER_FUSE_OVERLAY,
  VFS = CONFIG_DRIVER_VFS,
};

static const struct reconcile_case
{
  const char *what;
  const char *marker; /* podsock-driver's text, NULL: none */
  const char *data;   /* a directory of containers/storage's, NULL: none */
  int chosen;         /* detection's choice */
  int overlay, fuse;  /* what this pod can use (vfs always) */
  int expect;         /* the driver afterwards */
  int kept;           /* the data directory is still there */
} cases[] = {
  { "a new volume", NULL, NULL, VFS, 0, 0, VFS, 0 },
  { "same driver again", "vfs\n", "vfs", VFS, 1, 1, VFS, 1 },
  { "overlay and fuse-overlayfs share a layout", "overlay", "overlay", FUSE, 0, 1, FUSE, 1 },
  { "fuse-overlayfs data, native overlay now", "fuse-overlayfs", "overlay", OV, 1, 0, OV, 1 },
  { "overlay data kept over a vfs choice", NULL, "overlay", VFS, 1, 0, OV, 1 },
  { "fuse-overlayfs data kept over a vfs choice", "fuse-overlayfs", "overlay", VFS, 0, 1, FUSE, 1 },
  { "vfs data kept over an overlay choice", NULL, "vfs", OV, 1, 1, VFS, 1 },
  { "overlay data this pod cannot use: emptied", "overlay", "overlay", VFS, 0, 0, VFS, 0 },
  { "an unknown marker: the directories decide", "zfs", "vfs", FUSE, 0, 1, VFS, 1 },
};

static int
data_left (const char *name)
{
  char p[256];
  struct stat st;
  snprintf (p, sizeof p, "%s/%s", testdir, name);
  return stat (p, &st) == 0;
}

/* Empties testdir and lays out one case's volume. */
static void
lay_out (const struct reconcile_case *c)
{
  char cmd[160], rel[64];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'/* && mkdir -p '%s'", testdir, testdir);
  assert_int_equal (system (cmd), 0);
  if (c->marker)
    testdir_put ("podsock-driver", c->marker);
  if (c->data)
    {
      snprintf (rel, sizeof rel, "%s/l/layer", c->data);
      snprintf (cmd, sizeof cmd, "mkdir -p '%s/%s/l'", testdir, c->data);
      assert_int_equal (system (cmd), 0);
      testdir_put (rel, "data");
    }
}

static void
reconcile_table (void **state)
{
  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      const struct reconcile_case *c = &cases[i];
      struct detect_report r = { .driver = (enum config_driver) c->chosen,
                                 .overlay = c->overlay,
                                 .fuse_overlay = c->fuse,
                                 .storage_writable = 1 };
      podsock_error_t err = NULL;
      char *marker;
      lay_out (c);
      if (storage_reconcile_driver (testdir, &r, &err) < 0)
        fail_msg ("%s: %s", c->what, err->msg);
      if ((int) r.driver != c->expect)
        fail_msg ("%s: driver %s, expected %s", c->what, detect_driver_name (r.driver),
                  detect_driver_name ((enum config_driver) c->expect));
      marker = testdir_get ("podsock-driver");
      assert_string_equal (marker, detect_driver_name (r.driver));
      free (marker);
      if (c->data && data_left (c->data) != c->kept)
        fail_msg ("%s: %s/ %s", c->what, c->data, c->kept ? "was emptied" : "was kept");
    }
}

static void
unwritable_directory_fails (void **state)
{
  struct detect_report r = { .driver = CONFIG_DRIVER_VFS, .storage_writable = 1 };
  podsock_error_t err = NULL;
  (void) state;
  assert_int_equal (storage_reconcile_driver ("/nonexistent/storage", &r, &err), -1);
  assert_non_null (err);
  assert_non_null (strstr (err->msg, "/nonexistent/storage/podsock-driver"));
  podsock_error_free (&err);
}

TEST_MAIN_FIXTURES (testdir_setup, testdir_teardown, reconcile_table, unwritable_directory_fails)
