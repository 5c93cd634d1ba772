/* libFuzzer target for the YAML configuration parser.  Beyond "no crash, no
 * leak, no undefined behaviour" it checks two properties: every error names
 * its source, and whatever loads prints back as YAML that loads to the same
 * text (the --print-config round trip). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_round_trip (const struct podsock_config *c)
{
  struct podsock_config d;
  podsock_error_t err = NULL;
  char *a = config_to_yaml (c), *b;

  if (a == NULL)
    abort ();
  config_defaults (&d);
  if (config_load_string (&d, "printed", a, strlen (a), &err) < 0)
    {
      fprintf (stderr, "printed configuration does not load: %s\n%s", err->msg, a);
      abort ();
    }
  b = config_to_yaml (&d);
  if (b == NULL || strcmp (a, b) != 0)
    {
      fprintf (stderr, "round trip differs:\n%s---\n%s", a, b ? b : "(null)");
      abort ();
    }
  free (a);
  free (b);
  config_free (&d);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct podsock_config c;
  podsock_error_t err = NULL;

  config_defaults (&c);
  if (config_load_string (&c, "fuzz", (const char *) data, size, &err) == 0)
    {
      config_finalize (&c);
      check_round_trip (&c);
    }
  else if (err == NULL || strncmp (err->msg, "fuzz:", 5) != 0)
    {
      fprintf (stderr, "error without its source: %s\n", err ? err->msg : "(none)");
      abort ();
    }
  podsock_error_free (&err);
  config_free (&c);
  return 0;
}
