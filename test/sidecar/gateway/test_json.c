/* gateway/json.c: one strict reading of request bodies, matching keys as
 * podman's Go decoder does, and a printer whose output reads back equal. */
#include "gateway/json.h"
#include <podsock/cjson.h>
#include <podsock/util.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#define LIMIT (1u << 20)

/* A body docker 28.2.2 sent for `docker create --name büild-1 -e
 * 'GREETING=grüß dich — ✓' --label 'com.example.owner=Jürgen Ωmega' --label
 * com.example.emoji=🚀 -v ... --mount ... --memory 512m --cpus 1.5 -p
 * 8080:80 ... debian:bookworm sh -c 'echo "hello\tworld" && exit 0'`,
 * captured on a socket (also json-seeds/docker-28-create.json). */
static const char docker_create[]
    = "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"1000:1000\",\"AttachStdin\":false,\""
      "AttachStdout\":true,\"AttachStderr\":true,\"ExposedPorts\":{\"80/tcp\":{}},\"Tty\":fal"
      "se,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":[\"GREETING=grüß dich — ✓\",\""
      "PATH=/usr/bin\"],\"Cmd\":[\"sh\",\"-c\",\"echo \\\"hello\\\\tworld\\\" \\u0026\\u0026 "
      "exit 0\"],\"Image\":\"debian:bookworm\",\"Volumes\":{},\"WorkingDir\":\"/builds/projec"
      "t\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":{\"com.example.emoji\":\"🚀\",\""
      "com.example.owner\":\"Jürgen Ωmega\"},\"HostConfig\":{\"Binds\":[\"/builds/group/pro"
      "ject:/builds/project:ro\"],\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"\",\"Con"
      "fig\":{}},\"NetworkMode\":\"default\",\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\",\""
      "HostPort\":\"8080\"}]},\"RestartPolicy\":{\"Name\":\"no\",\"MaximumRetryCount\":0},\"A"
      "utoRemove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":null,\"ConsoleSize\":[0,0],\"C"
      "apAdd\":null,\"CapDrop\":[\"CAP_NET_RAW\"],\"CgroupnsMode\":\"\",\"Dns\":[],\"DnsOptio"
      "ns\":[],\"DnsSearch\":[],\"ExtraHosts\":null,\"GroupAdd\":null,\"IpcMode\":\"\",\"Cgro"
      "up\":\"\",\"Links\":null,\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privileged\":false,\"Pub"
      "lishAllPorts\":false,\"ReadonlyRootfs\":false,\"SecurityOpt\":null,\"UTSMode\":\"\",\""
      "UsernsMode\":\"\",\"ShmSize\":0,\"Isolation\":\"\",\"CpuShares\":0,\"Memory\":53687091"
      "2,\"NanoCpus\":1500000000,\"CgroupParent\":\"\",\"BlkioWeight\":0,\"BlkioWeightDevice\""
      ":[],\"BlkioDeviceReadBps\":[],\"BlkioDeviceWriteBps\":[],\"BlkioDeviceReadIOps\":[],\""
      "BlkioDeviceWriteIOps\":[],\"CpuPeriod\":0,\"CpuQuota\":0,\"CpuRealtimePeriod\":0,\"Cpu"
      "RealtimeRuntime\":0,\"CpusetCpus\":\"\",\"CpusetMems\":\"\",\"Devices\":[],\"DeviceCgr"
      "oupRules\":null,\"DeviceRequests\":null,\"MemoryReservation\":0,\"MemorySwap\":0,\"Mem"
      "orySwappiness\":-1,\"OomKillDisable\":false,\"PidsLimit\":0,\"Ulimits\":[{\"Name\":\"n"
      "ofile\",\"Hard\":2048,\"Soft\":1024}],\"CpuCount\":0,\"CpuPercent\":0,\"IOMaximumIOps\""
      ":0,\"IOMaximumBandwidth\":0,\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/builds/cache\""
      ",\"Target\":\"/cache\"},{\"Type\":\"volume\",\"Source\":\"data\",\"Target\":\"/data\"}"
      "],\"MaskedPaths\":null,\"ReadonlyPaths\":null},\"NetworkingConfig\":{\"EndpointsConfig"
      "\":{\"default\":{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":null,\"MacAddress\":\""
      "\",\"DriverOpts\":null,\"GwPriority\":0,\"NetworkID\":\"\",\"EndpointID\":\"\",\"Gatew"
      "ay\":\"\",\"IPAddress\":\"\",\"IPPrefixLen\":0,\"IPv6Gateway\":\"\",\"GlobalIPv6Addres"
      "s\":\"\",\"GlobalIPv6PrefixLen\":0,\"DNSNames\":null}}}}\n";

static cJSON *
parse_ok (const char *body, size_t len)
{
  cleanup_error podsock_error_t err = NULL;
  cJSON *tree = NULL;
  int r = gwjson_parse (body, len, LIMIT, 0, &tree, &err);

  if (r != 0)
    fail_msg ("refused %.*s: %s", (int) len, body, err ? err->msg : "(no message)");
  assert_null (err);
  return tree;
}

/* Parses body (len bytes), expects a refusal whose message holds want. */
static void
refused_n (const char *body, size_t len, unsigned flags, const char *want)
{
  cleanup_error podsock_error_t err = NULL;
  cJSON *tree = (cJSON *) 1;
  int r = gwjson_parse (body, len, LIMIT, flags, &tree, &err);

  if (r != -EINVAL)
    fail_msg ("accepted (%d) %.*s", r, (int) len, body);
  assert_null (tree);
  assert_non_null (err);
  if (strstr (err->msg, want) == NULL)
    fail_msg ("message for %.*s: \"%s\", wanted \"%s\"", (int) len, body, err->msg, want);
}

static void
refused (const char *body, const char *want)
{
  refused_n (body, strlen (body), 0, want);
}

/* print(parse(body)) == want, and it parses back equal. */
static void
prints_as (const char *body, const char *want)
{
  cleanup_cjson cJSON *a = parse_ok (body, strlen (body));
  cleanup_cjson cJSON *b = NULL;
  cleanup_error podsock_error_t err = NULL;
  cleanup_free char *out = NULL;
  size_t len = 0;

  out = gwjson_print (a, &len, &err);
  assert_non_null (out);
  assert_string_equal (out, want);
  assert_int_equal (len, strlen (want));
  b = parse_ok (out, len);
  assert_true (gwjson_equal (a, b));
}

static void
refuses_invalid_utf8 (void **state)
{
  (void) state;
  refused ("{\"a\":\"\xff\"}", "byte 6: invalid UTF-8 (byte 0xff");
  refused ("{\"a\":\"\xc0\xaf\"}", "byte 6: invalid UTF-8");          /* overlong '/' */
  refused ("{\"a\":\"\xe0\x80\xaf\"}", "byte 6: invalid UTF-8");      /* overlong, 3 bytes */
  refused ("{\"a\":\"\xf0\x80\x80\xaf\"}", "byte 6: invalid UTF-8");  /* overlong, 4 bytes */
  refused ("{\"a\":\"\xed\xa0\x80\"}", "byte 6: invalid UTF-8");      /* U+D800 encoded */
  refused ("{\"a\":\"\xed\xbf\xbf\"}", "byte 6: invalid UTF-8");      /* U+DFFF encoded */
  refused ("{\"a\":\"\xf4\x90\x80\x80\"}", "byte 6: invalid UTF-8");  /* past U+10FFFF */
  refused ("{\"a\":\"\xe2\x84\"}", "byte 6: invalid UTF-8");          /* cut sequence */
  refused ("{\"a\":\"\x80\"}", "byte 6: invalid UTF-8");              /* lone continuation */
  refused ("{\"\xc3\":1}", "byte 2: invalid UTF-8");                  /* in a key */
  refused ("{\"a\":1}\xc3", "byte 7: invalid UTF-8 (byte 0xc3");      /* outside strings */
  refused ("{\"a\":1}\xc3\xa9", "byte 7: data after the JSON value"); /* é: valid, not JSON */
  refused ("\xef\xbb\xbf{}", "byte 0:");                              /* a BOM is data */
}

static void
refuses_bad_escapes (void **state)
{
  (void) state;
  refused ("{\"a\":\"\\x41\"}", "byte 6: invalid escape");
  refused ("{\"a\":\"\\'\"}", "byte 6: invalid escape");
  refused ("{\"a\":\"\\U0041\"}", "byte 6: invalid escape");
  refused ("{\"a\":\"\\u12G4\"}", "byte 6: \\u escape without four hex digits");
  refused ("{\"a\":\"\\u12\"}", "byte 6: \\u escape without four hex digits");
  refused ("{\"a\":\"\\\"}", "byte 5: string without its closing quote");
  refused ("{\"a\":\"abc", "byte 5: string without its closing quote");
}

static void
refuses_unpaired_surrogates (void **state)
{
  (void) state;
  refused ("{\"a\":\"\\ud800\"}", "byte 6: unpaired surrogate escape \\ud800");
  refused ("{\"\\ud800\":1}", "byte 2: unpaired surrogate escape \\ud800");
  refused ("{\"a\":\"\\udc00\"}", "unpaired surrogate escape \\udc00: a low surrogate");
  refused ("{\"a\":\"\\ud800\\u0041\"}", "unpaired surrogate escape \\ud800");
  refused ("{\"a\":\"\\ud800x\\udc00\"}", "unpaired surrogate escape \\ud800");
  refused ("{\"a\":\"\\ud800\\ud800\"}", "unpaired surrogate escape \\ud800");
  refused ("{\"a\":\"\\udbff\\udbff\\udc00\"}", "byte 6: unpaired surrogate escape \\udbff");
  refused ("{\"a\":\"x\\udfff\\ud800\"}", "byte 7: unpaired surrogate escape \\udfff");
}

static void
refuses_control_characters_and_nul (void **state)
{
  (void) state;
  refused ("{\"a\":\"x\ny\"}", "byte 7: control character 0x0a in a string");
  refused ("{\"a\":\"\t\"}", "byte 6: control character 0x09");
  refused ("{\"a\":\"\x1f\"}", "byte 6: control character 0x1f");
  refused ("{\"k\x01\":1}", "byte 3: control character 0x01");
  refused_n ("{\"a\":\"x\0y\"}", 11, 0, "byte 7: control character 0x00");
  refused_n ("{\"a\":1}\0", 8, 0, "byte 7: data after the JSON value");
  refused ("{\"Privileged\\u0000\":true}", "byte 12: \\u0000 (NUL) in a string or key");
  refused ("{\"a\":\"x\\u0000\"}", "byte 7: \\u0000 (NUL)");
}

static void
refuses_trailing_data (void **state)
{
  (void) state;
  refused ("{} x", "byte 3: data after the JSON value");
  refused ("{}{}", "byte 2: data after the JSON value");
  refused ("{\"a\":1},", "byte 7: data after the JSON value");
  refused ("{\"a\":1}}", "byte 7: data after the JSON value");
  refused ("1 2", "byte 2: data after the JSON value");
  refused ("{\"a\":1} \t\r\n\f", "byte 11: data after"); /* \f is no JSON whitespace */
}

static void
refuses_bad_syntax (void **state)
{
  (void) state;
  refused ("", "byte 0: the body ends where a value should be");
  refused ("   ", "byte 3: the body ends where a value should be");
  refused ("{", "byte 1: expected a key");
  refused ("{\"a\"}", "byte 4: expected ':'");
  refused ("{\"a\":}", "byte 5: expected a JSON value");
  refused ("{\"a\":1,}", "byte 7: expected a key");
  refused ("{\"a\":1 \"b\":2}", "byte 7: expected ',' or '}' in the object at byte 0");
  refused ("[1,]", "byte 3: expected a JSON value");
  refused ("[1 2]", "byte 3: expected ',' or ']' in the array at byte 0");
  refused ("[1", "byte 2: expected ',' or ']'");
  refused ("{'a':1}", "byte 1: expected a key");
  refused ("{a:1}", "byte 1: expected a key");
  refused ("{\"a\":tru}", "byte 5: expected a JSON value");
  refused ("{\"a\":True}", "byte 5: expected a JSON value");
  refused ("{\"a\":1 /* c */}", "byte 7: expected ',' or '}'");
  refused ("{\"a\":undefined}", "byte 5: expected a JSON value");
}

static void
refuses_numbers_outside_grammar (void **state)
{
  const char *bad[]
      = { "01",  "-01",  "00",    "-",   "+1",  ".5",       "1.",        "1.e3",  "1e",
          "1e+", "0x10", "1.5.2", "--1", "NaN", "Infinity", "-Infinity", "1_000", "1e5.0" };
  char body[64];
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      snprintf (body, sizeof body, "{\"Memory\":%s}", bad[i]);
      refused (body, "byte 10: ");
    }
  refused ("{\"Memory\":01}", "number not in JSON's grammar");
  refused ("{\"Memory\":0x10}", "number not in JSON's grammar");
  refused ("[1true]", "byte 1: number not in JSON's grammar");
  refused ("{\"Memory\":1e400}", "byte 10: number beyond the range of a double");
  refused ("{\"Memory\":-1e400}", "number beyond the range of a double");
}

static void
refuses_deep_nesting (void **state)
{
  char deep[2 * (GWJSON_MAX_DEPTH + 1) + 1];
  cJSON *tree;
  (void) state;
  memset (deep, '[', GWJSON_MAX_DEPTH);
  memset (deep + GWJSON_MAX_DEPTH, ']', GWJSON_MAX_DEPTH);
  tree = parse_ok (deep, 2 * GWJSON_MAX_DEPTH); /* 64 levels: fine */
  cJSON_Delete (tree);
  memset (deep, '[', GWJSON_MAX_DEPTH + 1);
  memset (deep + GWJSON_MAX_DEPTH + 1, ']', GWJSON_MAX_DEPTH + 1);
  refused_n (deep, 2 * (GWJSON_MAX_DEPTH + 1), 0, "byte 64: nesting deeper than 64 levels");
  memset (deep, '{', 1);
  refused_n ("{\"a\":{\"a\":{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
             "[[[[[[[[[[",
             85, 0, "nesting deeper than 64 levels");
}

static void
refuses_what_is_no_object (void **state)
{
  cJSON *tree;
  (void) state;
  refused_n ("[]", 2, GWJSON_OBJECT, "byte 0: the body is no JSON object");
  refused_n (" \"x\"", 4, GWJSON_OBJECT, "byte 1: the body is no JSON object");
  refused_n ("1", 1, GWJSON_OBJECT, "the body is no JSON object");
  refused_n ("null", 4, GWJSON_OBJECT, "the body is no JSON object");
  refused_n ("", 0, GWJSON_OBJECT, "byte 0: empty body where a JSON object should be");
  refused_n (" \n", 2, GWJSON_OBJECT, "byte 2: empty body");
  tree = parse_ok ("1", 1); /* without the flag any value will do */
  assert_true (cJSON_IsNumber (tree));
  cJSON_Delete (tree);
}

static void
refuses_bodies_over_the_limit (void **state)
{
  cleanup_error podsock_error_t err = NULL;
  cJSON *tree = NULL;
  (void) state;
  assert_int_equal (gwjson_parse ("{\"a\":1}", 7, 6, 0, &tree, &err), -EMSGSIZE);
  assert_null (tree);
  assert_string_equal (err->msg, "body of 7 bytes is over the limit of 6 bytes");
  podsock_error_free (&err);
  assert_int_equal (gwjson_parse ("{\"a\":1}", 7, 7, 0, &tree, &err), 0);
  assert_null (err);
  cJSON_Delete (tree);
}

static void
refuses_duplicate_keys (void **state)
{
  (void) state;
  refused ("{\"Privileged\":false,\"Privileged\":true}",
           "byte 20: key \"Privileged\" repeats \"Privileged\" (byte 1)");
  refused ("{\"Privileged\":false,\"privileged\":true}",
           "byte 20: key \"privileged\" repeats \"Privileged\" (byte 1): the engine matches keys");
  refused ("{\"PRIVILEGED\":true,\"Image\":\"x\",\"privileged\":false}", "repeats \"PRIVILEGED\"");
  refused ("{\"Binds\":[],\"Bind\\u017f\":[\"/:/host\"]}",
           "byte 12: key \"Bindſ\" repeats \"Binds\"");
  refused ("{\"Binds\":[],\"Bind\xc5\xbf\":[\"/:/host\"]}", "key \"Bindſ\" repeats \"Binds\"");
  refused ("{\"\\u017fecurityOpt\":[],\"SECURITYOPT\":[]}", "repeats \"ſecurityOpt\"");
  refused ("{\"NetworkMode\":\"none\",\"Networ\\u212aMode\":\"host\"}",
           "key \"Networ\xe2\x84\xaaMode\" repeats \"NetworkMode\"");
  refused ("{\"NetworKMode\":1,\"networkmode\":2}", "repeats");
  refused ("{\"a\":1,\"b\":2,\"c\":3,\"B\":4,\"A\":5}",
           "byte 19: key \"B\" repeats \"b\" (byte 7)");
  refused ("{\"\":1,\"\":2}", "byte 6: key \"\" repeats \"\" (byte 1)");
  refused ("{\"x\\n\":1,\"X\\u000a\":2}", "key \"X\\u000a\" repeats \"x\\u000a\"");
  /* deep inside, in an array of objects */
  refused ("{\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\"},{\"Type\":\"bind\",\"type\":"
           "\"volume\"}]}}",
           "key \"type\" repeats \"Type\"");
  refused ("{\"HostConfig\":{},\"hostconfig\":{\"Privileged\":true}}", "repeats \"HostConfig\"");
  /* Labels is a map in Go (exact keys), but the parser has no schema: refused too */
  refused ("{\"Labels\":{\"a\":\"1\",\"A\":\"2\"}}", "key \"A\" repeats \"a\"");
}

/* Objects over 16 members are checked by sorting their folded keys. */
static void
refuses_duplicates_in_big_objects (void **state)
{
  char body[4096];
  size_t n = 0;
  cJSON *tree;
  (void) state;
  n += (size_t) snprintf (body + n, sizeof body - n, "{");
  for (int i = 0; i < 200; i++)
    n += (size_t) snprintf (body + n, sizeof body - n, "\"key%d\":%d,", i, i);
  n += (size_t) snprintf (body + n, sizeof body - n, "\"Bind\u017f\":1,\"last\":0}");
  tree = parse_ok (body, n); /* 202 distinct keys */
  assert_int_equal (cJSON_GetArraySize (tree), 202);
  cJSON_Delete (tree);
  n -= strlen ("\"last\":0}");
  n += (size_t) snprintf (body + n, sizeof body - n, "\"KEY17\":0,\"BINDS\":0,\"key\u212a\":0}");
  refused_n (body, n, 0, "key \"KEY17\" repeats \"key17\"");
}

static void
keeps_keys_that_only_look_alike (void **state)
{
  cJSON *tree;
  (void) state;
  /* Not in a simple case-fold orbit with an ASCII letter: distinct for Go too */
  tree = parse_ok ("{\"Privileged\":1,\"Prİvileged\":2,\"Prıvileged\":3,\"ß\":4,\"ss\":5,"
                   "\"Å\":6,\"\xe2\x84\xab\":7,\"t\":8,\"T \":9}",
                   strlen ("{\"Privileged\":1,\"Prİvileged\":2,\"Prıvileged\":3,\"ß\":4,"
                           "\"ss\":5,\"Å\":6,\"\xe2\x84\xab\":7,\"t\":8,\"T \":9}"));
  assert_int_equal (cJSON_GetArraySize (tree), 9);
  cJSON_Delete (tree);
}

static void
key_equal_folds_as_go (void **state)
{
  (void) state;
  assert_true (gwjson_key_equal ("Privileged", "privileged"));
  assert_true (gwjson_key_equal ("Privileged", "PRIVILEGED"));
  assert_true (gwjson_key_equal ("Binds", "BIND\xc5\xbf")); /* ſ */
  assert_true (gwjson_key_equal ("\xc5\xbf", "s"));
  assert_true (gwjson_key_equal ("\xc5\xbf", "S"));
  assert_true (gwjson_key_equal ("k", "\xe2\x84\xaa")); /* K */
  assert_true (gwjson_key_equal ("K", "\xe2\x84\xaa"));
  assert_true (gwjson_key_equal ("\xe2\x84\xaa\xc5\xbf", "ks"));
  assert_true (gwjson_key_equal ("", ""));
  assert_false (gwjson_key_equal ("Privileged", "Privilege"));
  assert_false (gwjson_key_equal ("Privileged", "Privileged "));
  assert_false (gwjson_key_equal ("s", "\xc5\xbf\xc5\xbf"));
  assert_false (gwjson_key_equal ("ss", "\xc3\x9f")); /* ß: no simple fold */
  assert_false (gwjson_key_equal ("i", "\xc4\xb1"));  /* ı */
  assert_false (gwjson_key_equal ("I", "\xc4\xb0"));  /* İ */
  assert_false (gwjson_key_equal ("@", "`"));         /* 0x40/0x60: not letters */
  assert_false (gwjson_key_equal ("[", "{"));
  assert_false (gwjson_key_equal ("\xc3\xa9", "\xc3\x89")); /* é/É: no field has them */
}

static void
get_finds_every_spelling_the_engine_takes (void **state)
{
  const char *bodies[] = {
    "{\"HostConfig\":{\"Privileged\":true}}",       "{\"hostconfig\":{\"privileged\":true}}",
    "{\"HOSTCONFIG\":{\"PRIVILEGED\":true}}",       "{\"hostConfig\":{\"pRiViLeGeD\":true}}",
    "{\"Ho\\u017ftConfig\":{\"Privileged\":true}}", "{\"Ho\xc5\xbftConfig\":{\"Privileged\":true}}",
    "{\"HO\\u017fTCONFIG\":{\"privileged\":true}}",
  };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (bodies); i++)
    {
      cleanup_cjson cJSON *tree = parse_ok (bodies[i], strlen (bodies[i]));
      cJSON *hc = gwjson_get (tree, "HostConfig");
      assert_non_null (hc);
      assert_true (cJSON_IsTrue (gwjson_get (hc, "Privileged")));
      assert_null (gwjson_get (hc, "Privilege"));
    }
}

static void
get_finds_kelvin_and_long_s (void **state)
{
  cleanup_cjson cJSON *tree = NULL;
  const char *body
      = "{\"Bind\\u017f\":[\"/:/host\"],\"\\u017fECURITYOPT\":[\"seccomp=unconfined\"],"
        "\"Networ\\u212aMode\":\"host\",\"CAPADD\":[\"ALL\"]}";
  (void) state;
  tree = parse_ok (body, strlen (body));
  assert_string_equal (cJSON_GetArrayItem (gwjson_get (tree, "Binds"), 0)->valuestring, "/:/host");
  assert_non_null (gwjson_get (tree, "SecurityOpt"));
  assert_string_equal (gwjson_get (tree, "NetworkMode")->valuestring, "host");
  assert_non_null (gwjson_get (tree, "CapAdd"));
  assert_null (gwjson_get (tree, "Bind"));
  assert_null (gwjson_get (NULL, "Binds"));
  assert_null (gwjson_get (cJSON_GetArrayItem (tree, 0), "Binds")); /* an array */
}

static void
set_replaces_the_folded_member_in_place (void **state)
{
  cleanup_cjson cJSON *tree = NULL;
  cleanup_free char *out = NULL;
  const char *body = "{\"Image\":\"x\",\"networkmode\":\"host\",\"Tty\":false}";
  (void) state;
  tree = parse_ok (body, strlen (body));
  assert_int_equal (gwjson_set (tree, "NetworkMode", cJSON_CreateString ("none")), 0);
  assert_int_equal (gwjson_set (tree, "Memory", gwjson_create_int64 (536870912)), 0);
  out = gwjson_print (tree, NULL, NULL);
  assert_string_equal (out, "{\"Image\":\"x\",\"NetworkMode\":\"none\",\"Tty\":false,"
                            "\"Memory\":536870912}");
  assert_int_equal (gwjson_set (NULL, "a", tree), -EINVAL);
  assert_int_equal (gwjson_set (cJSON_GetArrayItem (tree, 0), "a", NULL), -EINVAL);
}

static void
set_and_remove_fold_every_spelling (void **state)
{
  cleanup_cjson cJSON *tree = cJSON_CreateObject ();
  cleanup_free char *out = NULL;
  cleanup_error podsock_error_t err = NULL;
  (void) state;
  /* A tree built by hand may hold keys equal under folding: set keeps one */
  cJSON_AddTrueToObject (tree, "privileged");
  cJSON_AddStringToObject (tree, "Image", "x");
  cJSON_AddFalseToObject (tree, "PRIVILEGED");
  assert_null (gwjson_print (tree, NULL, &err));
  assert_non_null (strstr (err->msg, "members 0 and 2 have keys equal under folding"));
  assert_int_equal (gwjson_set (tree, "Privileged", cJSON_CreateFalse ()), 0);
  out = gwjson_print (tree, NULL, &err);
  assert_string_equal (out, "{\"Privileged\":false,\"Image\":\"x\"}");
  assert_int_equal (gwjson_remove (tree, "PRIVILEGED"), 1);
  assert_int_equal (gwjson_remove (tree, "Privileged"), 0);
  assert_int_equal (gwjson_remove (tree, "\xc4\xb0mage"), 0); /* İ is no I */
  assert_int_equal (gwjson_remove (tree, "IMAGE"), 1);
  assert_null (tree->child);
  assert_int_equal (gwjson_remove (NULL, "x"), 0);
}

static void
numbers_round_trip_verbatim (void **state)
{
  (void) state;
  prints_as ("{\"a\":9223372036854775807,\"b\":-9223372036854775808,\"c\":18446744073709551615}",
             "{\"a\":9223372036854775807,\"b\":-9223372036854775808,\"c\":18446744073709551615}");
  prints_as ("[0,-0,1E+2,1e-400,0.10000000000000000555,123456789012345678901234567890,2.50]",
             "[0,-0,1E+2,1e-400,0.10000000000000000555,123456789012345678901234567890,2.50]");
  prints_as ("[ 1 , true,false , null ]", "[1,true,false,null]");
}

static void
int64_and_number_helpers (void **state)
{
  cleanup_cjson cJSON *t = NULL;
  const char *body = "[9223372036854775807,-9223372036854775808,9223372036854775808,"
                     "-9223372036854775809,1.5,1e2,-0,\"7\",null,4.0]";
  int64_t v = 1;
  double d = 0;
  (void) state;
  t = parse_ok (body, strlen (body));
  assert_int_equal (gwjson_int64 (cJSON_GetArrayItem (t, 0), &v), 0);
  assert_true (v == INT64_MAX);
  assert_int_equal (gwjson_int64 (cJSON_GetArrayItem (t, 1), &v), 0);
  assert_true (v == INT64_MIN);
  assert_int_equal (gwjson_int64 (cJSON_GetArrayItem (t, 2), &v), -ERANGE);
  assert_int_equal (gwjson_int64 (cJSON_GetArrayItem (t, 3), &v), -ERANGE);
  assert_int_equal (gwjson_int64 (cJSON_GetArrayItem (t, 4), &v), -EINVAL);
  assert_int_equal (gwjson_int64 (cJSON_GetArrayItem (t, 5), &v), -EINVAL); /* as Go: no int */
  assert_int_equal (gwjson_int64 (cJSON_GetArrayItem (t, 6), &v), 0);
  assert_true (v == 0);
  assert_int_equal (gwjson_int64 (cJSON_GetArrayItem (t, 7), &v), -EINVAL);
  assert_int_equal (gwjson_int64 (cJSON_GetArrayItem (t, 8), &v), -EINVAL);
  assert_int_equal (gwjson_int64 (cJSON_GetArrayItem (t, 9), &v), -EINVAL);
  assert_int_equal (gwjson_number (cJSON_GetArrayItem (t, 5), &d), 0);
  assert_true (d == 100.0);
  assert_int_equal (gwjson_number (cJSON_GetArrayItem (t, 4), &d), 0);
  assert_true (d == 1.5);
  assert_int_equal (gwjson_number (cJSON_GetArrayItem (t, 7), &d), -EINVAL);
  assert_true (cJSON_IsNumber (cJSON_GetArrayItem (t, 4))); /* cJSON's readers still work */
  assert_true (cJSON_GetArrayItem (t, 4)->valuedouble == 1.5);
}

static void
numbers_made_by_callers_print_exactly (void **state)
{
  cleanup_cjson cJSON *t = cJSON_CreateArray ();
  cleanup_cjson cJSON *parsed = NULL;
  cleanup_free char *out = NULL;
  cleanup_error podsock_error_t err = NULL;
  int64_t v = 0;
  (void) state;
  cJSON_AddItemToArray (t, gwjson_create_int64 (INT64_MIN));
  cJSON_AddItemToArray (t, cJSON_CreateNumber (536870912));
  cJSON_AddItemToArray (t, cJSON_CreateNumber (0.1));
  cJSON_AddItemToArray (t, cJSON_CreateRaw ("12345678901234567890"));
  cJSON_AddItemToArray (t, cJSON_CreateNumber (1152921504606846976.0)); /* 2^60 */
  cJSON_AddItemToArray (t, cJSON_CreateNumber (-1e300));
  out = gwjson_print (t, NULL, &err);
  assert_string_equal (out, "[-9223372036854775808,536870912,0.10000000000000001,"
                            "12345678901234567890,1152921504606846976,-1.0000000000000001e+300]");
  assert_int_equal (gwjson_int64 (cJSON_GetArrayItem (t, 4), &v), 0);
  assert_true (v == 1152921504606846976);
  assert_int_equal (gwjson_int64 (cJSON_GetArrayItem (t, 1), &v), 0);
  assert_true (v == 536870912);
  /* cJSON_SetNumberValue on a parsed number: the new value is printed */
  parsed = parse_ok ("[1.50]", 6);
  cJSON_SetNumberValue (parsed->child, 3);
  free (out);
  out = gwjson_print (parsed, NULL, &err);
  assert_string_equal (out, "[3]");
}

static void
print_refuses_what_would_not_read_back (void **state)
{
  cleanup_cjson cJSON *t = cJSON_CreateArray ();
  cleanup_error podsock_error_t err = NULL;
  cJSON *deep = t;
  (void) state;
  cJSON_AddItemToArray (t, cJSON_CreateNumber (1.0 / 0.0));
  assert_null (gwjson_print (t, NULL, &err));
  assert_non_null (strstr (err->msg, "a number is not finite"));
  cJSON_Delete (cJSON_DetachItemFromArray (t, 0));
  cJSON_AddItemToArray (t, cJSON_CreateRaw ("{}"));
  assert_null (gwjson_print (t, NULL, &err));
  assert_non_null (strstr (err->msg, "raw item is no number literal"));
  cJSON_Delete (cJSON_DetachItemFromArray (t, 0));
  cJSON_AddItemToArray (t, cJSON_CreateString ("\xff"));
  assert_null (gwjson_print (t, NULL, &err));
  assert_non_null (strstr (err->msg, "not UTF-8"));
  cJSON_Delete (cJSON_DetachItemFromArray (t, 0));
  for (int i = 0; i < GWJSON_MAX_DEPTH; i++)
    {
      cJSON *next = cJSON_CreateArray ();
      cJSON_AddItemToArray (deep, next);
      deep = next;
    }
  assert_null (gwjson_print (t, NULL, &err));
  assert_non_null (strstr (err->msg, "nesting deeper than 64 levels"));
  assert_null (gwjson_print (NULL, NULL, &err));
}

static void
strings_print_escaped (void **state)
{
  (void) state;
  prints_as ("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\"]",
             "[\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"]");
  prints_as ("[\"\\u00e9\\u2028\\u2029\\ud83d\\ude80\\uFFFF\\u017f\"]",
             "[\"é\xe2\x80\xa8\xe2\x80\xa9🚀\xef\xbf\xbfſ\"]");
  prints_as ("{\"\\u0026\\u003c\":\"\\u0026\\u003e\"}", "{\"&<\":\"&>\"}");
  prints_as ("{\"K\\u212a\":\"ſ\"}", "{\"K\xe2\x84\xaa\":\"ſ\"}");
}

static void
docker_create_body_round_trips (void **state)
{
  cleanup_cjson cJSON *a = NULL, *b = NULL;
  cleanup_free char *y = NULL, *z = NULL;
  cleanup_error podsock_error_t err = NULL;
  cJSON *hc, *labels;
  int64_t mem = 0;
  size_t len = 0;
  (void) state;
  assert_int_equal (
      gwjson_parse (docker_create, strlen (docker_create), LIMIT, GWJSON_OBJECT, &a, &err), 0);
  hc = gwjson_get (a, "hostconfig");
  assert_true (cJSON_IsFalse (gwjson_get (hc, "PRIVILEGED")));
  assert_int_equal (gwjson_int64 (gwjson_get (hc, "memory"), &mem), 0);
  assert_true (mem == 536870912);
  labels = gwjson_get (a, "Labels");
  assert_string_equal (gwjson_get (labels, "com.example.owner")->valuestring, "Jürgen Ωmega");
  assert_string_equal (cJSON_GetArrayItem (gwjson_get (a, "Cmd"), 2)->valuestring,
                       "echo \"hello\\tworld\" && exit 0");
  y = gwjson_print (a, &len, &err);
  assert_non_null (y);
  /* Only docker's two \u0026 escapes (Go writes & so) and its final newline differ */
  assert_int_equal (len, strlen (docker_create) - 2 * 5 - 1);
  assert_int_equal (gwjson_parse (y, len, LIMIT, GWJSON_OBJECT, &b, &err), 0);
  assert_true (gwjson_equal (a, b));
  z = gwjson_print (b, NULL, &err);
  assert_string_equal (y, z);
  /* and cJSON, the rest of the gateway's reader, reads it alike */
  cJSON_Delete (b);
  b = cJSON_ParseWithLength (y, len);
  assert_non_null (b);
  assert_string_equal (cJSON_GetObjectItemCaseSensitive (b, "Image")->valuestring,
                       "debian:bookworm");
}

static void
equal_tells_trees_apart (void **state)
{
  const char *pairs[][2] = {
    { "{\"a\":1}", "{\"A\":1}" },
    { "{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}" },
    { "[1]", "[1.0]" },
    { "[1]", "[1,2]" },
    { "[\"a\"]", "[\"b\"]" },
    { "[true]", "[false]" },
    { "[null]", "[{}]" },
    { "[[]]", "[{}]" },
    { "{\"a\":{}}", "{\"a\":{\"b\":1}}" },
  };
  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (pairs); i++)
    {
      cleanup_cjson cJSON *a = parse_ok (pairs[i][0], strlen (pairs[i][0]));
      cleanup_cjson cJSON *b = parse_ok (pairs[i][1], strlen (pairs[i][1]));
      assert_false (gwjson_equal (a, b));
      assert_false (gwjson_equal (b, a));
      assert_true (gwjson_equal (a, a));
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (refuses_invalid_utf8),
    cmocka_unit_test (refuses_bad_escapes),
    cmocka_unit_test (refuses_unpaired_surrogates),
    cmocka_unit_test (refuses_control_characters_and_nul),
    cmocka_unit_test (refuses_trailing_data),
    cmocka_unit_test (refuses_bad_syntax),
    cmocka_unit_test (refuses_numbers_outside_grammar),
    cmocka_unit_test (refuses_deep_nesting),
    cmocka_unit_test (refuses_what_is_no_object),
    cmocka_unit_test (refuses_bodies_over_the_limit),
    cmocka_unit_test (refuses_duplicate_keys),
    cmocka_unit_test (refuses_duplicates_in_big_objects),
    cmocka_unit_test (keeps_keys_that_only_look_alike),
    cmocka_unit_test (key_equal_folds_as_go),
    cmocka_unit_test (get_finds_every_spelling_the_engine_takes),
    cmocka_unit_test (get_finds_kelvin_and_long_s),
    cmocka_unit_test (set_replaces_the_folded_member_in_place),
    cmocka_unit_test (set_and_remove_fold_every_spelling),
    cmocka_unit_test (numbers_round_trip_verbatim),
    cmocka_unit_test (int64_and_number_helpers),
    cmocka_unit_test (numbers_made_by_callers_print_exactly),
    cmocka_unit_test (print_refuses_what_would_not_read_back),
    cmocka_unit_test (strings_print_escaped),
    cmocka_unit_test (docker_create_body_round_trips),
    cmocka_unit_test (equal_tells_trees_apart),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
