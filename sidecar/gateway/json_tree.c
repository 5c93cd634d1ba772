/* The gateway's JSON trees once read (json.h): their members found and
 * changed the way Go matches keys, their numbers, and the printer, which is
 * compact and refuses what gwjson_parse would not read back, so what the
 * gateway forwards is exactly the tree it checked. */
#include "gateway/json.h"
#include "gateway/json_internal.h"
#include <podsock/util.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct out
{
  char *p;
  size_t len, cap;
  podsock_error_t *err;
};

static void
put (struct out *o, const char *s, size_t n)
{
  if (o->len + n + 1 > o->cap)
    {
      o->cap = (o->len + n + 1) * 2;
      o->p = xnonnull (realloc (o->p, o->cap));
    }
  memcpy (o->p + o->len, s, n);
  o->len += n;
  o->p[o->len] = '\0';
}

/* The escape for byte c of a string, or NULL when it goes as it is. */
static const char *
escape_of (unsigned char c, char buf[7])
{
  static const char from[] = "\"\\\b\f\n\r\t", to[] = "\"\\bfnrt", hex[] = "0123456789abcdef";
  const char *k;

  if (c >= 0x20 && c != '"' && c != '\\')
    return NULL;
  k = c ? strchr (from, c) : NULL;
  if (k)
    snprintf (buf, 7, "\\%c", to[k - from]);
  else
    snprintf (buf, 7, "\\u00%c%c", hex[c >> 4], hex[c & 0xF]);
  return buf;
}

/* UTF-8 as it is: the body was (or is checked to be) valid UTF-8, and the
 * engine reads both forms alike; escaping would only grow it and add
 * surrogate pairs to get right.  Control characters get short escapes. */
static int
write_string (struct out *o, const char *s)
{
  size_t n = strlen (s), run = 0;
  const char *e;
  char esc[7];

  if (utf8_invalid_at ((const unsigned char *) s, n) < n)
    return podsock_error_make (o->err, 0, "gateway JSON: a string to send is not UTF-8");
  put (o, "\"", 1);
  for (size_t i = 0; i < n; i++)
    if ((e = escape_of ((unsigned char) s[i], esc)) != NULL)
      {
        put (o, s + run, i - run);
        put (o, e, strlen (e));
        run = i + 1;
      }
  put (o, s + run, n - run);
  put (o, "\"", 1);
  return 0;
}

static int write_value (struct out *o, const cJSON *v, int depth);

static int
write_container (struct out *o, const cJSON *v, int depth, bool obj)
{
  size_t a, b;

  if (depth >= GWJSON_MAX_DEPTH)
    return podsock_error_make (o->err, 0, "gateway JSON: nesting deeper than %d levels",
                               GWJSON_MAX_DEPTH);
  if (obj && find_duplicate (v, &a, &b))
    return podsock_error_make (o->err, 0,
                               "gateway JSON: members %zu and %zu have keys equal "
                               "under folding",
                               a, b);
  put (o, obj ? "{" : "[", 1);
  for (const cJSON *m = v->child; m; m = m->next)
    {
      if (m != v->child)
        put (o, ",", 1);
      if (obj)
        {
          if (write_string (o, m->string ? m->string : "") < 0)
            return -EINVAL;
          put (o, ":", 1);
        }
      if (write_value (o, m, depth + 1) < 0)
        return -EINVAL;
    }
  put (o, obj ? "}" : "]", 1);
  return 0;
}

static int
write_value (struct out *o, const cJSON *v, int depth)
{
  char buf[40];
  const char *t;

  switch (v->type & 0xFF)
    {
    case cJSON_False:
      return put (o, "false", 5), 0;
    case cJSON_True:
      return put (o, "true", 4), 0;
    case cJSON_NULL:
      return put (o, "null", 4), 0;
    case cJSON_String:
      return write_string (o, v->valuestring ? v->valuestring : "") < 0 ? -EINVAL : 0;
    case cJSON_Number:
    case cJSON_Raw:
      if ((t = number_text (v, buf, sizeof buf)) == NULL)
        return podsock_error_make (o->err, 0,
                                   "gateway JSON: a number is not finite, or a raw "
                                   "item is no number literal");
      return put (o, t, strlen (t)), 0;
    case cJSON_Array:
    case cJSON_Object:
      return write_container (o, v, depth, (v->type & 0xFF) == cJSON_Object) < 0 ? -EINVAL : 0;
    default:
      return podsock_error_make (o->err, 0, "gateway JSON: an item of unknown type %d",
                                 v->type & 0xFF);
    }
}

char *
gwjson_print (const cJSON *tree, size_t *len, podsock_error_t *err)
{
  struct out o = { NULL, 0, 0, err };

  if (tree == NULL || write_value (&o, tree, 0) < 0)
    {
      if (tree == NULL)
        podsock_error_make (err, 0, "gateway JSON: nothing to print");
      free (o.p);
      return NULL;
    }
  if (len)
    *len = o.len;
  return o.p;
}

cJSON *
gwjson_get (const cJSON *obj, const char *name)
{
  if (!cJSON_IsObject (obj))
    return NULL;
  for (cJSON *m = obj->child; m; m = m->next)
    if (m->string && gwjson_key_equal (m->string, name))
      return m;
  return NULL;
}

/* Deletes the members of obj from `from` on whose keys equal name. */
static int
remove_folded (cJSON *obj, cJSON *from, const char *name)
{
  int n = 0;

  for (cJSON *m = from, *next; m; m = next)
    {
      next = m->next;
      if (m->string && gwjson_key_equal (m->string, name))
        cJSON_Delete (cJSON_DetachItemViaPointer (obj, m)), n++;
    }
  return n;
}

int
gwjson_remove (cJSON *obj, const char *name)
{
  return cJSON_IsObject (obj) ? remove_folded (obj, obj->child, name) : 0;
}

int
gwjson_set (cJSON *obj, const char *name, cJSON *item)
{
  cJSON *old;
  char *key;

  if (!cJSON_IsObject (obj) || item == NULL || name == NULL)
    return -EINVAL;
  old = gwjson_get (obj, name);
  key = xnonnull (strdup (name));
  if (!(item->type & cJSON_StringIsConst))
    free (item->string);
  item->string = key;
  item->type &= ~cJSON_StringIsConst;
  if (old == NULL)
    {
      cJSON_AddItemToArray (obj, item);
      return 0;
    }
  cJSON_ReplaceItemViaPointer (obj, old, item);
  remove_folded (obj, item->next, name);
  return 0;
}

int
gwjson_number (const cJSON *item, double *out)
{
  char buf[40];
  const char *t;

  if ((t = number_text (item, buf, sizeof buf)) == NULL)
    return -EINVAL;
  *out = strtod (t, NULL);
  return 0;
}

int
gwjson_int64 (const cJSON *item, int64_t *out)
{
  char buf[40];
  const char *t = number_text (item, buf, sizeof buf);
  long long v;

  if (t == NULL || t[strspn (t, "-0123456789")] != '\0')
    return -EINVAL;
  errno = 0;
  v = strtoll (t, NULL, 10);
  if (errno == ERANGE)
    return -ERANGE;
  *out = (int64_t) v;
  return 0;
}

cJSON *
gwjson_create_int64 (int64_t v)
{
  cJSON *item = xnonnull (cJSON_CreateNumber ((double) v));

  if (asprintf (&item->valuestring, "%" PRId64, v) < 0)
    abort ();
  return item;
}

bool
gwjson_equal (const cJSON *a, const cJSON *b)
{
  char ba[40], bb[40];
  int ta = a->type & 0xFF, tb = b->type & 0xFF;
  const cJSON *x, *y;

  ta = ta == cJSON_Raw ? cJSON_Number : ta;
  tb = tb == cJSON_Raw ? cJSON_Number : tb;
  if (ta != tb)
    return false;
  if (ta == cJSON_String)
    return strcmp (a->valuestring ? a->valuestring : "", b->valuestring ? b->valuestring : "") == 0;
  if (ta == cJSON_Number)
    {
      const char *na = number_text (a, ba, sizeof ba), *nb = number_text (b, bb, sizeof bb);
      return na && nb && strcmp (na, nb) == 0;
    }
  for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
    if ((ta == cJSON_Object && strcmp (x->string ? x->string : "", y->string ? y->string : ""))
        || !gwjson_equal (x, y))
      return false;
  return x == NULL && y == NULL;
}
