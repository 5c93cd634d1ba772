/* Strict JSON for the bodies the gateway checks; see gateway/json.h for why.
 * Items are built with cJSON's default allocator, malloc (podsock sets no
 * hooks), so a valuestring or key made here is cJSON's to free. */
#include "gateway/json.h"
#include "gateway/json_internal.h"
#include <podsock/cjson.h>
#include <podsock/util.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct reader
{
  const unsigned char *p;
  size_t len, pos;
  podsock_error_t *err;
};

struct folded
{
  char *key;
  size_t len, index;
};

static int refuse (struct reader *r, size_t at, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static int
refuse (struct reader *r, size_t at, const char *fmt, ...)
{
  cleanup_free char *what = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&what, fmt, ap) < 0)
    abort ();
  va_end (ap);
  podsock_error_make (r->err, 0, "byte %zu: %s", at, what);
  return -EINVAL;
}

static int
peek (const struct reader *r)
{
  return r->pos < r->len ? r->p[r->pos] : -1;
}

static void
skip_ws (struct reader *r)
{
  while (r->pos < r->len && r->p[r->pos] && strchr (" \t\n\r", r->p[r->pos]))
    r->pos++;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629, table 3-7 of
 * Unicode): no overlong forms, no surrogates, nothing past U+10FFFF.  0 when
 * there is none. */
static size_t
utf8_seq (const unsigned char *s, size_t n)
{
  unsigned char c = s[0], lo = 0x80, hi = 0xBF;
  size_t need;

  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    need = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    need = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4)
    need = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else
    return 0;
  if (n < need || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < need; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 0;
  return need;
}

/* Offset of the first byte that is not well-formed UTF-8, or n. */
size_t
utf8_invalid_at (const unsigned char *s, size_t n)
{
  size_t i = 0, k;

  while (i < n && (k = utf8_seq (s + i, n - i)) > 0)
    i += k;
  return i;
}

/* Length of the JSON number at p (RFC 8259 grammar), or 0. */
static size_t
number_len (const unsigned char *p, size_t n)
{
  size_t i = 0;

#define DIGIT(j) ((j) < n && p[j] >= '0' && p[j] <= '9')
  if (i < n && p[i] == '-')
    i++;
  if (i < n && p[i] == '0')
    i++;
  else if (DIGIT (i) && p[i] != '0')
    while (DIGIT (i))
      i++;
  else
    return 0;
  if (i < n && p[i] == '.')
    {
      if (!DIGIT (i + 1))
        return 0;
      for (i++; DIGIT (i); i++)
        ;
    }
  if (i < n && (p[i] == 'e' || p[i] == 'E'))
    {
      i += i + 1 < n && (p[i + 1] == '+' || p[i + 1] == '-') ? 2 : 1;
      if (!DIGIT (i))
        return 0;
      while (DIGIT (i))
        i++;
    }
#undef DIGIT
  return i;
}

static bool
is_number_text (const char *s)
{
  size_t n = strlen (s);
  return n > 0 && number_len ((const unsigned char *) s, n) == n;
}

/* The exact text of a number item: its literal when that still says
 * valuedouble (a cJSON_SetNumberValue since the parse makes it stale), or
 * valuedouble formatted into buf; NULL for no number, or one not finite. */
const char *
number_text (const cJSON *v, char *buf, size_t size)
{
  double d = v ? v->valuedouble : 0;

  if (v == NULL || ((v->type & 0xFF) != cJSON_Number && (v->type & 0xFF) != cJSON_Raw))
    return NULL;
  if ((v->type & 0xFF) == cJSON_Raw)
    return v->valuestring && is_number_text (v->valuestring) ? v->valuestring : NULL;
  if (v->valuestring && is_number_text (v->valuestring) && strtod (v->valuestring, NULL) == d)
    return v->valuestring;
  if (!isfinite (d))
    return NULL;
  if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && (double) (int64_t) d == d)
    snprintf (buf, size, "%" PRId64, (int64_t) d);
  else
    snprintf (buf, size, "%.17g", d);
  return buf;
}

/* The next unit of the folded form of *s, advancing *s: ASCII letters upper
 * case, U+017F as 'S', U+212A as 'K', other bytes as they are.  The Docker
 * API's field names are ASCII, and these are the only runes outside ASCII
 * whose simple case-fold orbit holds an ASCII letter (CaseFolding.txt), so
 * this is Go's foldName() as far as a struct field can tell. */
static unsigned char
fold_next (const char **s)
{
  const unsigned char *p = (const unsigned char *) *s;

  if (p[0] == 0xC5 && p[1] == 0xBF)
    return *s += 2, 'S';
  if (p[0] == 0xE2 && p[1] == 0x84 && p[2] == 0xAA)
    return *s += 3, 'K';
  *s += 1;
  return p[0] >= 'a' && p[0] <= 'z' ? (unsigned char) (p[0] - 'a' + 'A') : p[0];
}

bool
gwjson_key_equal (const char *a, const char *b)
{
  while (*a && *b)
    if (fold_next (&a) != fold_next (&b))
      return false;
  return *a == *b;
}

static int
folded_cmp (const void *x, const void *y)
{
  const struct folded *a = x, *b = y;
  int c = a->len != b->len ? (a->len < b->len ? -1 : 1) : memcmp (a->key, b->key, a->len);
  return c ? c : (a->index < b->index ? -1 : a->index > b->index);
}

static bool
find_duplicate_small (const cJSON *obj, size_t *first, size_t *second)
{
  size_t j = 0;

  for (const cJSON *b = obj->child; b; b = b->next, j++)
    {
      size_t i = 0;
      for (const cJSON *a = obj->child; a != b; a = a->next, i++)
        if (gwjson_key_equal (a->string ? a->string : "", b->string ? b->string : ""))
          return *first = i, *second = j, true;
    }
  return false;
}

/* Finds two members of obj with keys equal under folding: true and their
 * indexes (*first < *second, *second the least such), else false.  Sorting
 * keeps this O(n log n) against an object of many keys. */
bool
find_duplicate (const cJSON *obj, size_t *first, size_t *second)
{
  size_t n = (size_t) cJSON_GetArraySize (obj), i = 0;
  struct folded *f;
  bool found = false;

  if (n <= 16) /* the usual object: compare pairs, allocate nothing */
    return find_duplicate_small (obj, first, second);
  f = xnonnull (calloc (n, sizeof *f));

  for (const cJSON *m = obj->child; m; m = m->next, i++)
    {
      const char *s = m->string ? m->string : "";
      f[i].key = xnonnull (malloc (strlen (s) + 1));
      while (*s)
        f[i].key[f[i].len++] = (char) fold_next (&s);
      f[i].index = i;
    }
  qsort (f, n, sizeof *f, folded_cmp);
  for (i = 1; i < n; i++)
    if (f[i].len == f[i - 1].len && memcmp (f[i].key, f[i - 1].key, f[i].len) == 0
        && (!found || f[i].index < *second))
      found = true, *first = f[i - 1].index, *second = f[i].index;
  for (i = 0; i < n; i++)
    free (f[i].key);
  free (f);
  return found;
}

/* A key for a message: whole runes while they fit in size (with room for
 * "..." when cut), control characters as \u escapes.  Keys are UTF-8. */
void
quote_key (const char *s, char *buf, size_t size)
{
  const unsigned char *p = (const unsigned char *) s;
  size_t o = 0, i = 0, n = strlen (s), k;

  while (i < n && (k = utf8_seq (p + i, n - i)) > 0 && o + k + 10 < size)
    {
      if (p[i] < 0x20)
        o += (size_t) snprintf (buf + o, size - o, "\\u%04x", p[i]);
      else
        memcpy (buf + o, p + i, k), o += k;
      i += k;
    }
  snprintf (buf + o, size - o, "%s", i < n ? "..." : "");
}

static int read_value (struct reader *r, int depth, cJSON **out);

static long
hex4 (const unsigned char *p)
{
  char h[5] = { (char) p[0], (char) p[1], (char) p[2], (char) p[3], '\0' };

  return strspn (h, "0123456789abcdefABCDEF") == 4 ? strtol (h, NULL, 16) : -1;
}

static size_t
utf8_put (unsigned char *o, long cp)
{
  static const unsigned char lead[] = { 0, 0, 0xC0, 0xE0, 0xF0 };
  size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;

  for (size_t k = n - 1; k > 0; k--, cp >>= 6)
    o[k] = (unsigned char) (0x80 | (cp & 0x3F));
  o[0] = (unsigned char) (lead[n] | cp);
  return n;
}

/* A \uXXXX escape (or a surrogate pair of them) at p[*i], end the string's
 * closing quote: its UTF-8 into o, *i past it. */
static int
read_u_escape (struct reader *r, size_t *i, size_t end, unsigned char *o, size_t *n)
{
  const unsigned char *p = r->p;
  long cp = *i + 6 <= end ? hex4 (p + *i + 2) : -1, lo;

  if (cp < 0)
    return refuse (r, *i, "\\u escape without four hex digits");
  if (cp >= 0xDC00 && cp <= 0xDFFF)
    return refuse (r, *i,
                   "unpaired surrogate escape \\u%04lx: a low surrogate needs a high one "
                   "before it",
                   cp);
  if (cp >= 0xD800 && cp <= 0xDBFF)
    {
      lo = *i + 12 <= end && p[*i + 6] == '\\' && p[*i + 7] == 'u' ? hex4 (p + *i + 8) : -1;
      if (lo < 0xDC00 || lo > 0xDFFF)
        return refuse (r, *i,
                       "unpaired surrogate escape \\u%04lx: a high surrogate needs a low "
                       "one (\\udc00-\\udfff) right after it",
                       cp);
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      *i += 6;
    }
  if (cp == 0)
    return refuse (r, *i,
                   "\\u0000 (NUL) in a string or key: the engine's C code would cut the "
                   "string there; remove it");
  *n += utf8_put (o + *n, cp);
  *i += 6;
  return 0;
}

static int
read_escape (struct reader *r, size_t *i, size_t end, unsigned char *o, size_t *n)
{
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  unsigned char e = r->p[*i + 1];
  const char *k = e ? strchr (from, e) : NULL;

  if (e == 'u')
    return read_u_escape (r, i, end, o, n);
  if (k == NULL)
    return refuse (r, *i,
                   "invalid escape: JSON has only \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
                   "and \\uXXXX");
  o[(*n)++] = (unsigned char) to[k - from];
  *i += 2;
  return 0;
}

/* The string at r->pos (on its opening quote), unescaped; the body is
 * known to be UTF-8 already. */
static int
read_string (struct reader *r, char **out)
{
  size_t start = r->pos, end = start + 1, n = 0;
  cleanup_free unsigned char *o = NULL;

  while (end < r->len && r->p[end] != '"')
    end += r->p[end] == '\\' ? 2 : 1;
  if (end >= r->len)
    return refuse (r, start, "string without its closing quote");
  o = xnonnull (malloc (end - start));
  for (size_t i = start + 1; i < end;)
    {
      if (r->p[i] < 0x20)
        return refuse (r, i, "control character 0x%02x in a string: escape it as \\u%04x", r->p[i],
                       r->p[i]);
      if (r->p[i] != '\\')
        o[n++] = r->p[i++];
      else if (read_escape (r, &i, end, o, &n) < 0)
        return -EINVAL;
    }
  o[n] = '\0';
  r->pos = end + 1;
  *out = (char *) steal_pointer (&o);
  return 0;
}

static int
read_number (struct reader *r, cJSON **out)
{
  size_t n = number_len (r->p + r->pos, r->len - r->pos), end = r->pos + n;
  char *text;
  double d;

  /* only a delimiter may follow: 01, 1x and 0x10 are no number and more */
  if (n == 0 || (end < r->len && (r->p[end] == 0 || !strchr (" \t\r\n,]}", r->p[end]))))
    return refuse (r, r->pos,
                   "number not in JSON's grammar (-?(0|[1-9][0-9]*)(.[0-9]+)?"
                   "([eE][+-]?[0-9]+)?)");
  text = xnonnull (strndup ((const char *) r->p + r->pos, n));
  d = strtod (text, NULL);
  if (isinf (d))
    {
      free (text);
      return refuse (r, r->pos, "number beyond the range of a double");
    }
  *out = xnonnull (cJSON_CreateNumber (d));
  (*out)->valuestring = text;
  r->pos = end;
  return 0;
}

static int
read_literal (struct reader *r, cJSON **out)
{
  static const char *const words[] = { "true", "false", "null" };
  const size_t left = r->len - r->pos;

  for (size_t i = 0; i < ARRAY_SIZE (words); i++)
    if (left >= strlen (words[i]) && memcmp (r->p + r->pos, words[i], strlen (words[i])) == 0)
      {
        *out = xnonnull (i == 2 ? cJSON_CreateNull () : cJSON_CreateBool (i == 0));
        r->pos += strlen (words[i]);
        return 0;
      }
  return refuse (r, r->pos,
                 "expected a JSON value (object, array, string, number, true, false "
                 "or null)");
}

static int
read_array (struct reader *r, int depth, cJSON **out)
{
  cleanup_cjson cJSON *arr = xnonnull (cJSON_CreateArray ());
  size_t start = r->pos++;

  skip_ws (r);
  if (peek (r) == ']')
    r->pos++;
  else
    for (;;)
      {
        cJSON *v = NULL;
        if (read_value (r, depth, &v) < 0)
          return -EINVAL;
        cJSON_AddItemToArray (arr, v);
        skip_ws (r);
        if (peek (r) != ',' && peek (r) != ']')
          return refuse (r, r->pos, "expected ',' or ']' in the array at byte %zu", start);
        if (r->p[r->pos++] == ']')
          break;
      }
  *out = steal_pointer (&arr);
  return 0;
}

/* One "key": value of the object at byte start; *at gets the key's offset. */
static int
read_member (struct reader *r, int depth, cJSON *obj, size_t start, size_t *at)
{
  cleanup_free char *key = NULL;
  cJSON *v = NULL;

  skip_ws (r);
  *at = r->pos;
  if (peek (r) != '"')
    return refuse (r, r->pos, "expected a key (a string) in the object at byte %zu", start);
  if (read_string (r, &key) < 0)
    return -EINVAL;
  skip_ws (r);
  if (peek (r) != ':')
    return refuse (r, r->pos, "expected ':' after a key in the object at byte %zu", start);
  r->pos++;
  if (read_value (r, depth, &v) < 0)
    return -EINVAL;
  v->string = steal_pointer (&key);
  cJSON_AddItemToArray (obj, v);
  return 0;
}

static int
refuse_duplicate (struct reader *r, const cJSON *obj, const size_t *at)
{
  size_t a = 0, b = 0;
  char ka[80], kb[80];

  if (!find_duplicate (obj, &a, &b))
    return 0;
  quote_key (cJSON_GetArrayItem (obj, (int) a)->string, ka, sizeof ka);
  quote_key (cJSON_GetArrayItem (obj, (int) b)->string, kb, sizeof kb);
  return refuse (r, at[b],
                 "key \"%s\" repeats \"%s\" (byte %zu): the engine matches keys "
                 "ignoring case (and reads U+017F as s, U+212A as k) and takes the "
                 "last; send each key once",
                 kb, ka, at[a]);
}

static int
read_object (struct reader *r, int depth, cJSON **out)
{
  cleanup_cjson cJSON *obj = xnonnull (cJSON_CreateObject ());
  cleanup_free size_t *at = NULL;
  size_t start = r->pos++, n = 0, cap = 0;

  skip_ws (r);
  if (peek (r) == '}')
    r->pos++;
  else
    for (;;)
      {
        if (n == cap)
          at = xnonnull (realloc (at, (cap = cap ? 2 * cap : 16) * sizeof *at));
        if (read_member (r, depth, obj, start, &at[n++]) < 0)
          return -EINVAL;
        skip_ws (r);
        if (peek (r) != ',' && peek (r) != '}')
          return refuse (r, r->pos, "expected ',' or '}' in the object at byte %zu", start);
        if (r->p[r->pos++] == '}')
          break;
      }
  if (refuse_duplicate (r, obj, at) < 0)
    return -EINVAL;
  *out = steal_pointer (&obj);
  return 0;
}

static int
read_value (struct reader *r, int depth, cJSON **out)
{
  char *s = NULL;

  skip_ws (r);
  switch (peek (r))
    {
    case -1:
      return refuse (r, r->pos, "the body ends where a value should be");
    case '{':
    case '[':
      if (depth >= GWJSON_MAX_DEPTH)
        return refuse (r, r->pos, "nesting deeper than %d levels", GWJSON_MAX_DEPTH);
      return peek (r) == '{' ? read_object (r, depth + 1, out) : read_array (r, depth + 1, out);
    case '"':
      if (read_string (r, &s) < 0)
        return -EINVAL;
      *out = xnonnull (cJSON_CreateNull ());
      (*out)->type = cJSON_String;
      (*out)->valuestring = s;
      return 0;
    case '-':
    case '0' ... '9':
      return read_number (r, out);
    default:
      return read_literal (r, out);
    }
}

int
gwjson_parse (const char *body, size_t len, size_t max_len, unsigned flags, cJSON **out,
              podsock_error_t *err)
{
  struct reader r = { (const unsigned char *) body, len, 0, err };
  cleanup_cjson cJSON *tree = NULL;
  size_t bad;

  *out = NULL;
  if (len > max_len)
    {
      podsock_error_make (err, 0, "body of %zu bytes is over the limit of %zu bytes", len, max_len);
      return -EMSGSIZE;
    }
  if ((bad = utf8_invalid_at (r.p, len)) < len)
    return refuse (&r, bad,
                   "invalid UTF-8 (byte 0x%02x: a bad, overlong, surrogate or cut "
                   "sequence); send the body as UTF-8",
                   r.p[bad]);
  skip_ws (&r);
  if ((flags & GWJSON_OBJECT) && peek (&r) != '{')
    return refuse (&r, r.pos, "%s",
                   r.pos == len ? "empty body where a JSON object should be"
                                : "the body is no JSON object (it must start "
                                  "with '{')");
  if (read_value (&r, 0, &tree) < 0)
    return -EINVAL;
  skip_ws (&r);
  if (r.pos < len)
    return refuse (&r, r.pos, "data after the JSON value: only whitespace may follow it");
  *out = steal_pointer (&tree);
  return 0;
}
