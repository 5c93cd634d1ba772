/* sidecar/gateway/json_tree.c: what the gateway does with a tree once read.
 * Lookups and changes by Go's key match, number readers at their edges,
 * trees built by hand (no literals) printed exactly, the printer's depth
 * boundary agreeing with the reader's, and equality by text. */
#include "gateway/json.h"
#include <podsock/cjson.h>
#include <podsock/util.h>

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

static cJSON *
tree_of (const char *text)
{
  cleanup_error podsock_error_t err = NULL;
  cJSON *t = NULL;

  if (gwjson_parse (text, strlen (text), 1 << 20, 0, &t, &err) < 0)
    fail_msg ("%s: %s", text, err->msg);
  return t;
}

/* gwjson_print of t must be want; returns nothing, frees nothing. */
static void
prints (const cJSON *t, const char *want)
{
  cleanup_error podsock_error_t err = NULL;
  size_t len = 0;
  cleanup_free char *out = gwjson_print (t, &len, &err);

  if (out == NULL)
    fail_msg ("not printed: %s", err->msg);
  assert_string_equal (out, want);
  assert_int_equal (len, strlen (want));
}

/* name looked up in body: the member's key as sent, or NULL for none. */
static const struct
{
  const char *body, *name, *found;
} lookups[] = {
  { "{\"CpuShares\":1}", "cpushares", "CpuShares" },
  { "{\"cpuSHARES\":1}", "CpuShares", "cpuSHARES" },
  { "{\"CpuShare\":1}", "CpuShares", NULL },
  { "{\"CpuSharesX\":1}", "CpuShares", NULL },
  { "{\"Cpu_Shares\":1}", "CpuShares", NULL },
  { "{\"a\":{\"Tmpfs\":1}}", "Tmpfs", NULL },               /* members only, not deeper */
  { "{\"\\u017fysctls\":1}", "Sysctls", "\xc5\xbfysctls" }, /* long s is an s */
  { "{\"\\u212aernelMemory\":1}", "kernelmemory",
    "\xe2\x84\xaa"
    "ernelMemory" },
  { "{\"\\u00ffx\":1}", "\xc3\xbfX", "\xc3\xbfx" }, /* non-ASCII bytes match as they are */
  { "{\"\":1}", "", "" },
  { "[{\"CpuShares\":1}]", "CpuShares", NULL }, /* no object, no member */
  { "\"CpuShares\"", "CpuShares", NULL },
};

static void
get_matches_members_as_go_does (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (lookups); i++)
    {
      cleanup_cjson cJSON *t = tree_of (lookups[i].body);
      const cJSON *m = gwjson_get (t, lookups[i].name);
      if (lookups[i].found == NULL && m != NULL)
        fail_msg ("%s: '%s' found '%s'", lookups[i].body, lookups[i].name, m->string);
      if (lookups[i].found && (m == NULL || strcmp (m->string, lookups[i].found) != 0))
        fail_msg ("%s: '%s' not found", lookups[i].body, lookups[i].name);
    }
  assert_null (gwjson_get (NULL, "x"));
}

/* Set appends, or replaces in place taking the caller's spelling and
 * dropping every other folded twin; remove deletes them all. */
static void
set_and_remove_on_built_trees (void **state)
{
  cleanup_cjson cJSON *t = cJSON_CreateObject ();
  cJSON *loose = cJSON_CreateNumber (7);
  (void) state;
  assert_int_equal (gwjson_set (t, "Env", cJSON_CreateArray ()), 0);
  prints (t, "{\"Env\":[]}");
  cJSON_AddItemToObjectCS (t, "USER", cJSON_CreateString ("1000"));
  cJSON_AddItemToObject (t, "Tty", cJSON_CreateTrue ());
  cJSON_AddItemToObject (t, "user", cJSON_CreateString ("0"));
  cJSON_AddItemToObject (t,
                         "\xc5\xbf"
                         "er",
                         cJSON_CreateString ("root")); /* "ser" folded */
  assert_int_equal (gwjson_set (t, "User", cJSON_CreateString ("1500")), 0);
  prints (t, "{\"Env\":[],\"User\":\"1500\",\"Tty\":true,\"\xc5\xbf"
             "er\":\"root\"}");
  /* an item that had a name elsewhere gets this one */
  cJSON_AddItemToObject (t, "old", loose);
  cJSON_DetachItemViaPointer (t, loose);
  assert_int_equal (gwjson_set (t, "StopTimeout", loose), 0);
  prints (t, "{\"Env\":[],\"User\":\"1500\",\"Tty\":true,\"\xc5\xbf"
             "er\":\"root\","
             "\"StopTimeout\":7}");
  /* refused: the caller keeps its item */
  loose = cJSON_CreateNull ();
  assert_int_equal (gwjson_set (gwjson_get (t, "Env"), "x", loose), -EINVAL);
  assert_int_equal (gwjson_set (t, NULL, loose), -EINVAL);
  cJSON_Delete (loose);
  assert_int_equal (gwjson_remove (t, "TTY"), 1);
  assert_int_equal (gwjson_remove (t, "SER"), 1);
  assert_int_equal (gwjson_remove (gwjson_get (t, "Env"), "Env"), 0);
  prints (t, "{\"Env\":[],\"User\":\"1500\",\"StopTimeout\":7}");
}

/* literal (parsed) or value (made): what gwjson_int64 and gwjson_number say. */
static const struct
{
  const char *literal;
  double value;
  int r64;
  int64_t i64;
  int rnum;
  double num;
} numbers[] = {
  { "-1", 0, 0, -1, 0, -1 },
  { "-0", 0, 0, 0, 0, -0.0 },
  { "9223372036854775806", 0, 0, INT64_MAX - 1, 0, 9223372036854775806.0 },
  { "-9223372036854775809", 0, -ERANGE, 0, 0, -9223372036854775808.0 },
  { "1.0", 0, -EINVAL, 0, 0, 1 },
  { "1E3", 0, -EINVAL, 0, 0, 1000 },
  { "1e-400", 0, -EINVAL, 0, 0, 0 },
  { NULL, 3, 0, 3, 0, 3 },
  { NULL, -2.5, -EINVAL, 0, 0, -2.5 },
  { NULL, 1e19, -EINVAL, 0, 0, 1e19 },
  { NULL, -9223372036854775808.0, 0, INT64_MIN, 0, -9223372036854775808.0 },
  { NULL, NAN, -EINVAL, 0, -EINVAL, 0 },
  { NULL, -INFINITY, -EINVAL, 0, -EINVAL, 0 },
};

static void
number_readers_at_their_edges (void **state)
{
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (numbers); i++)
    {
      cleanup_cjson cJSON *t = numbers[i].literal ? tree_of (numbers[i].literal)
                                                  : cJSON_CreateNumber (numbers[i].value);
      int64_t v = 42;
      double d = 42;

      assert_int_equal (gwjson_int64 (t, &v), numbers[i].r64);
      if (numbers[i].r64 == 0 && v != numbers[i].i64)
        fail_msg ("row %zu: int64 %lld", i, (long long) v);
      assert_int_equal (gwjson_number (t, &d), numbers[i].rnum);
      if (numbers[i].rnum == 0 && (d != numbers[i].num || signbit (d) != signbit (numbers[i].num)))
        fail_msg ("row %zu: number %.17g", i, d);
    }
}

/* Items that are no numbers are refused by both readers. */
static void
non_numbers_are_refused (void **state)
{
  static const char *const others[] = { "\"12\"", "true", "null", "[1]", "{\"n\":1}" };
  int64_t v = 5;
  double d = 5;
  cleanup_cjson cJSON *raw = cJSON_CreateRaw ("0x10");
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (others); i++)
    {
      cleanup_cjson cJSON *t = tree_of (others[i]);
      assert_int_equal (gwjson_int64 (t, &v), -EINVAL);
      assert_int_equal (gwjson_number (t, &d), -EINVAL);
    }
  assert_int_equal (gwjson_int64 (raw, &v), -EINVAL);
  assert_int_equal (gwjson_number (raw, &d), -EINVAL);
  assert_true (v == 5 && d == 5); /* untouched on refusal */
}

/* gwjson_create_int64 keeps every bit: printed, read back, and equal to
 * the parsed literal. */
static void
created_int64_are_exact (void **state)
{
  static const int64_t values[] = { 0, -1, 1, 9007199254740993, INT64_MAX, INT64_MIN };
  static const char *const texts[]
      = { "0", "-1", "1", "9007199254740993", "9223372036854775807", "-9223372036854775808" };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (values); i++)
    {
      cleanup_cjson cJSON *made = gwjson_create_int64 (values[i]);
      cleanup_cjson cJSON *read = tree_of (texts[i]);
      int64_t v = 0;
      prints (made, texts[i]);
      assert_int_equal (gwjson_int64 (made, &v), 0);
      assert_true (v == values[i]);
      assert_true (gwjson_equal (made, read));
      assert_true (made->valuedouble == (double) values[i]);
    }
}

/* A tree as deep as the reader takes prints and reads back equal; one
 * level more is refused by both. */
static void
depth_limit_agrees_with_the_reader (void **state)
{
  cleanup_cjson cJSON *t = cJSON_CreateObject (), *back = NULL;
  cleanup_error podsock_error_t err = NULL;
  cleanup_free char *out = NULL, *deeper = NULL;
  cJSON *leaf = t;
  size_t len;
  (void) state;
  for (int i = 1; i < GWJSON_MAX_DEPTH; i++)
    leaf = cJSON_AddObjectToObject (leaf, i % 2 ? "HostConfig" : "x");
  out = gwjson_print (t, &len, &err);
  assert_non_null (out);
  assert_int_equal (gwjson_parse (out, len, 1 << 20, GWJSON_OBJECT, &back, &err), 0);
  assert_true (gwjson_equal (t, back));
  cJSON_AddArrayToObject (leaf, "one-more");
  assert_null (gwjson_print (t, NULL, &err));
  assert_string_equal (err->msg, "gateway JSON: nesting deeper than 64 levels");
  podsock_error_free (&err);
  /* the same text with the innermost {} one level deeper */
  deeper = xasprintf ("%.*s{\"a\":[]}%s", (int) (strstr (out, "{}") - out), out,
                      strstr (out, "{}") + 2);
  cJSON_Delete (back);
  back = NULL;
  assert_int_equal (gwjson_parse (deeper, strlen (deeper), 1 << 20, 0, &back, &err), -EINVAL);
  assert_non_null (strstr (err->msg, "deeper than 64"));
}

/* Hand-built trees the printer refuses, each with its reason. */
static void
printer_refuses_bad_built_trees (void **state)
{
  static const char *const reasons[]
      = { "a string to send is not UTF-8", "a string to send is not UTF-8",
          "an item of unknown type 0", "members 0 and 1 have keys equal under folding" };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (reasons); i++)
    {
      cleanup_cjson cJSON *t = cJSON_CreateObject ();
      cleanup_error podsock_error_t err = NULL;
      if (i == 0)
        cJSON_AddStringToObject (t, "Image\xc3", "x"); /* a key cut inside a character */
      if (i == 1)
        cJSON_AddStringToObject (t, "Image", "\xed\xa0\x80"); /* a surrogate in UTF-8 */
      if (i == 2)
        cJSON_AddNullToObject (t, "n")->type = cJSON_Invalid;
      if (i == 3)
        {
          cJSON_AddTrueToObject (t, "Kernel");
          cJSON_AddTrueToObject (t, "\xe2\x84\xaa"
                                    "ernel");
        }
      assert_null (gwjson_print (t, NULL, &err));
      if (strstr (err->msg, reasons[i]) == NULL)
        fail_msg ("case %zu: '%s' lacks '%s'", i, err->msg, reasons[i]);
    }
}

/* Equal means same text: a made 0.5 and a read "0.5" are equal, a made 100
 * and a read "1e2" are not; key bytes count, folding does not. */
static void
equality_is_by_text (void **state)
{
  static const struct
  {
    double made;
    const char *literal;
    bool equal;
  } rows[] = {
    { 0.5, "0.5", true },    { 100, "100", true }, { 100, "1e2", false },
    { 100, "100.0", false }, { -0.0, "0", true },  { 0.1, "0.1", false },
  };
  cleanup_cjson cJSON *a = tree_of ("{\"Labels\":{\"k\":\"v\"},\"Cmd\":[\"sh\",null,true]}");
  cleanup_cjson cJSON *b
      = tree_of ("{ \"Labels\" : { \"k\" : \"v\" } , \"Cmd\" : [\"sh\", null, true] }");
  cleanup_cjson cJSON *c = tree_of ("{\"labels\":{\"k\":\"v\"},\"Cmd\":[\"sh\",null,true]}");
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (rows); i++)
    {
      cleanup_cjson cJSON *made = cJSON_CreateNumber (rows[i].made);
      cleanup_cjson cJSON *read = tree_of (rows[i].literal);
      if (gwjson_equal (made, read) != rows[i].equal)
        fail_msg ("%.17g vs %s: want %s", rows[i].made, rows[i].literal,
                  rows[i].equal ? "equal" : "different");
    }
  assert_true (gwjson_equal (a, b));
  assert_false (gwjson_equal (a, c));
}

TEST_MAIN (get_matches_members_as_go_does, set_and_remove_on_built_trees,
           number_readers_at_their_edges, non_numbers_are_refused, created_int64_are_exact,
           depth_limit_agrees_with_the_reader, printer_refuses_bad_built_trees, equality_is_by_text)
