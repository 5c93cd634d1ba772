/* libFuzzer target for gateway/json.c, the reader and writer of the bodies
 * the gateway checks and forwards.  Property: when x parses, y = print(x)
 * parses back to an equal tree, and printing that gives y byte for byte (so
 * what the gateway forwards is what it checked); every member is found by
 * its own key; cJSON's parser, where it accepts the body too, reads the
 * same strings and keys; and a gwjson_set of a folded spelling keeps the object
 * printable with one member under that name. */
#include "gateway/json.h"
#include <podsock/cjson.h>
#include <podsock/util.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
die (const char *what, const char *detail)
{
  fprintf (stderr, "fuzz_json: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  abort ();
}

/* Every member of every object is what gwjson_get finds under its key. */
static void
check_lookup (const cJSON *v)
{
  for (const cJSON *m = v->child; m; m = m->next)
    {
      if (cJSON_IsObject (v) && gwjson_get (v, m->string) != m)
        die ("gwjson_get misses a member by its own key", m->string);
      check_lookup (m);
    }
}

/* Round trip: y = print(a) parses to b equal to a, and print(b) == y. */
static void
check_round_trip (const cJSON *a)
{
  cleanup_error podsock_error_t err = NULL;
  cleanup_cjson cJSON *b = NULL;
  cleanup_free char *y = NULL, *z = NULL;
  size_t ylen = 0, zlen = 0;

  y = gwjson_print (a, &ylen, &err);
  if (y == NULL)
    die ("print refused a parsed tree", err ? err->msg : NULL);
  if (strlen (y) != ylen)
    die ("print's length is wrong", y);
  if (gwjson_parse (y, ylen, ylen, 0, &b, &err) < 0)
    die ("the printed body does not parse", err ? err->msg : NULL);
  if (!gwjson_equal (a, b) || !gwjson_equal (b, a))
    die ("the printed body parses to another tree", y);
  z = gwjson_print (b, &zlen, &err);
  if (z == NULL || zlen != ylen || memcmp (y, z, ylen) != 0)
    die ("printing is no fixed point", y);
}

/* cJSON's own reading (the one the gateway used before) of a body gwjson
 * accepts: same shape, keys and strings, an independent check of the
 * unescaping.  cJSON reads at most 63 bytes of a number: longer ones are
 * skipped. */
static bool
same_as_cjson (const cJSON *g, const cJSON *c)
{
  const cJSON *x, *y;

  if ((g->type & 0xFF) != (c->type & 0xFF))
    return false;
  if (cJSON_IsString (g))
    return strcmp (g->valuestring, c->valuestring) == 0;
  if (cJSON_IsNumber (g))
    return strlen (g->valuestring) > 60 || g->valuedouble == c->valuedouble;
  for (x = g->child, y = c->child; x && y; x = x->next, y = y->next)
    if ((cJSON_IsObject (g) && strcmp (x->string, y->string) != 0) || !same_as_cjson (x, y))
      return false;
  return x == NULL && y == NULL;
}

/* Setting "networkmode" replaces any spelling of NetworkMode in place. */
static void
check_set (const cJSON *a)
{
  cleanup_cjson cJSON *dup = cJSON_Duplicate (a, 1);
  cleanup_cjson cJSON *back = NULL;
  cleanup_error podsock_error_t err = NULL;
  cleanup_free char *y = NULL;
  size_t len = 0;
  const cJSON *nm;

  if (!cJSON_IsObject (dup))
    return;
  if (gwjson_set (dup, "networkmode", cJSON_CreateString ("none")) < 0)
    die ("gwjson_set refused an object", NULL);
  y = gwjson_print (dup, &len, &err);
  if (y == NULL || gwjson_parse (y, len, len, GWJSON_OBJECT, &back, &err) < 0)
    die ("an object after gwjson_set does not print and parse back", err ? err->msg : NULL);
  nm = gwjson_get (back, "NetworkMode");
  if (nm == NULL || strcmp (nm->string, "networkmode") != 0 || !cJSON_IsString (nm)
      || strcmp (nm->valuestring, "none") != 0)
    die ("gwjson_set did not leave one member \"networkmode\": \"none\"", y);
  check_round_trip (dup);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cleanup_error podsock_error_t err = NULL;
  cleanup_cjson cJSON *a = NULL, *c = NULL;
  int r = gwjson_parse ((const char *) data, size, 1u << 20, 0, &a, &err);

  if (r < 0)
    {
      if (a != NULL || err == NULL || strncmp (err->msg, "byte ", 5) != 0)
        die ("a refusal without its message or offset", err ? err->msg : NULL);
      return 0;
    }
  check_round_trip (a);
  check_lookup (a);
  c = cJSON_ParseWithLength ((const char *) data, size);
  if (c != NULL && !same_as_cjson (a, c))
    die ("cJSON reads the body otherwise", NULL);
  check_set (a);
  return 0;
}
