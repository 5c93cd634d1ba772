/* sidecar/detect.c: the engine's version and what it means for builds; the
 * report's JSON.  (The probes themselves need a pod: sidecar.detect_matrix.) */
#include "detect.h"
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

static void
build_fixes_from_5_2_5 (void **state)
{
  (void) state;
  assert_false (detect_engine_has_build_fixes ("4.3.1"));
  assert_false (detect_engine_has_build_fixes ("5.2.4"));
  assert_true (detect_engine_has_build_fixes ("5.2.5"));
  assert_true (detect_engine_has_build_fixes ("5.4.2"));
  assert_true (detect_engine_has_build_fixes ("6.0.0"));
  assert_false (detect_engine_has_build_fixes ("garbage"));
}

/* A stand-in podman that prints what a real one prints. */
static void
version_from_the_binary (void **state)
{
  char dir[] = "/tmp/detect-XXXXXX", fake[64], out[32];
  cleanup_error podsock_error_t err = NULL;
  FILE *f;
  (void) state;
  assert_non_null (mkdtemp (dir));
  snprintf (fake, sizeof fake, "%s/podman", dir);
  f = fopen (fake, "w");
  assert_non_null (f);
  fputs ("#!/bin/sh\necho 'podman version 5.4.2'\n", f);
  fclose (f);
  assert_int_equal (chmod (fake, 0755), 0);
  assert_int_equal (detect_engine_version (fake, out, sizeof out, &err), 0);
  assert_string_equal (out, "5.4.2");
  f = fopen (fake, "w");
  fputs ("#!/bin/sh\necho hello\n", f);
  fclose (f);
  assert_int_equal (detect_engine_version (fake, out, sizeof out, &err), -1);
  assert_non_null (strstr (err->msg, "not its version"));
  unlink (fake);
  rmdir (dir);
}

static void
report_names_the_engine (void **state)
{
  struct detect_report *r = calloc (1, sizeof *r);
  char *json;
  (void) state;
  snprintf (r->engine_version, sizeof r->engine_version, "4.3.1");
  json = detect_report_json (r, 0);
  assert_non_null (strstr (json, "\"engine\":{\"podman\":\"4.3.1\",\"build_escape_fixes\":false}"));
  free (json);
  free (r);
}

TEST_MAIN (build_fixes_from_5_2_5, version_from_the_binary, report_names_the_engine)
