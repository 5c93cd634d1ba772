/* One strict reading of the request bodies the gateway checks.
 *
 * Podman decodes Docker API bodies with Go's encoding/json: a key matches a
 * struct field ignoring ASCII case and with Unicode simple folding (U+017F
 * LATIN SMALL LETTER LONG S is an s, U+212A KELVIN SIGN a k), and the last of
 * two equal keys wins.  cJSON's own parser matches exactly, takes the first,
 * and is lenient.  So the gateway parses with gwjson_parse(), which refuses
 * whatever the two could read differently, checks the tree with gwjson_get(),
 * and forwards gwjson_print() of it: never the client's bytes.
 *
 * Trees are ordinary cJSON trees, with one addition: a parsed number is a
 * cJSON_Number whose valuestring holds its literal text, so that
 * 9223372036854775807 is forwarded as sent, not as a double.  valuedouble is
 * set as cJSON sets it.  Read numbers with gwjson_number() / gwjson_int64();
 * to change one, replace the item (gwjson_set with gwjson_create_int64 or
 * cJSON_CreateNumber), or the printer falls back to valuedouble.
 */
#ifndef PODSOCK_GATEWAY_JSON_H
#define PODSOCK_GATEWAY_JSON_H

#include <podsock/error.h>
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest nesting of arrays and objects accepted (the top level is 1). */
#define GWJSON_MAX_DEPTH 64

/* gwjson_parse flags */
#define GWJSON_OBJECT 0x1u /* the top-level value must be an object */

/* Parses body[0..len) strictly (RFC 8259) into *out.  Refuses, with a
 * message that names the cause and its byte offset: a body over max_len
 * bytes (returns -EMSGSIZE), and (returns -EINVAL) invalid UTF-8 anywhere,
 * invalid or unpaired-surrogate escapes, control characters in strings,
 * \u0000 anywhere (a cJSON string cannot hold it), numbers outside the
 * grammar or beyond a double's range, data after the value, nesting deeper
 * than GWJSON_MAX_DEPTH, a top level that is not an object (GWJSON_OBJECT),
 * and two keys of one object that gwjson_key_equal() calls equal.
 * Out of memory aborts, as everywhere in podsock. */
int gwjson_parse (const char *body, size_t len, size_t max_len, unsigned flags, cJSON **out,
                  podsock_error_t *err);

/* Compact serialization of tree; *len (when not NULL) gets its length.
 * Strings are written as UTF-8, escaping only '"', '\\' and U+0000..U+001F
 * (\n-style where JSON has one, else \u00XX).  A parsed number is written as
 * it was read; a number made by the caller as an integer when it is one in
 * int64's range, else with 17 significant digits (reads back exactly).
 * Refuses (NULL and *err) what gwjson_parse would not read back: invalid
 * UTF-8, keys equal under folding, non-finite numbers, raw items that are not
 * number literals, nesting deeper than GWJSON_MAX_DEPTH.  Free with free(). */
char *gwjson_print (const cJSON *tree, size_t *len, podsock_error_t *err);

/* Go's field-name match: equal after ASCII case folding, U+017F -> S and
 * U+212A -> K. */
bool gwjson_key_equal (const char *a, const char *b);

/* Offset of the first byte of s[0..n) that is not well-formed UTF-8 (RFC
 * 3629: no overlong forms, surrogates or code points past U+10FFFF), or n.
 * The configuration loader uses it too. */
size_t utf8_invalid_at (const unsigned char *s, size_t n);

/* The member of obj whose key gwjson_key_equal()s name, or NULL. */
cJSON *gwjson_get (const cJSON *obj, const char *name);

/* Puts item in obj under name, replacing the member(s) whose key equals name
 * under folding (the first keeps its place and gets the spelling of name), or
 * appending it.  obj takes item on success; -EINVAL if obj is no object. */
int gwjson_set (cJSON *obj, const char *name, cJSON *item);

/* Deletes every member equal to name under folding; returns how many. */
int gwjson_remove (cJSON *obj, const char *name);

/* A number's value: 0, or -EINVAL when item is no number. */
int gwjson_number (const cJSON *item, double *out);

/* A number that is an integer literal (no fraction or exponent, as Go wants
 * for an int64 field): 0; -EINVAL when it is none, -ERANGE out of int64. */
int gwjson_int64 (const cJSON *item, int64_t *out);

/* A number item printed exactly as v. */
cJSON *gwjson_create_int64 (int64_t v);

/* Same types, same keys (exact bytes) in the same order, same strings, same
 * number text. */
bool gwjson_equal (const cJSON *a, const cJSON *b);

#endif
