#include <podsock/parse.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>

int
parse_u64 (const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
  uint64_t v = 0;

  if (s == NULL || *s == '\0')
    {
      errno = EINVAL;
      return -1;
    }
  for (const char *p = s; *p; p++)
    {
      unsigned d;
      if (*p < '0' || *p > '9')
        {
          errno = EINVAL;
          return -1;
        }
      d = (unsigned) (*p - '0');
      if (v > (UINT64_MAX - d) / 10)
        {
          errno = ERANGE;
          return -1;
        }
      v = v * 10 + d;
    }
  if (v < min || v > max)
    {
      errno = ERANGE;
      return -1;
    }
  *out = v;
  return 0;
}

int
parse_mode (const char *s, unsigned *out)
{
  unsigned v = 0;

  if (s == NULL || *s == '\0')
    {
      errno = EINVAL;
      return -1;
    }
  for (const char *p = s; *p; p++)
    {
      if (*p < '0' || *p > '7')
        {
          errno = EINVAL;
          return -1;
        }
      v = v * 8 + (unsigned) (*p - '0');
      if (v > 07777)
        {
          errno = ERANGE;
          return -1;
        }
    }
  *out = v;
  return 0;
}

/* Sizes and durations: EINVAL for anything malformed or too large. */
static int
parse_fail (void)
{
  errno = EINVAL;
  return -1;
}

static int
size_suffix (const char *s, uint64_t *mult)
{
  static const struct
  {
    const char *suffix;
    uint64_t mult;
  } suffixes[] = {
    { "", 1ULL },
    { "k", 1000ULL },
    { "M", 1000000ULL },
    { "G", 1000000000ULL },
    { "T", 1000000000000ULL },
    { "P", 1000000000000000ULL },
    { "E", 1000000000000000000ULL },
    { "Ki", 1ULL << 10 },
    { "Mi", 1ULL << 20 },
    { "Gi", 1ULL << 30 },
    { "Ti", 1ULL << 40 },
    { "Pi", 1ULL << 50 },
    { "Ei", 1ULL << 60 },
  };
  for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
    if (strcmp (s, suffixes[i].suffix) == 0)
      {
        *mult = suffixes[i].mult;
        return 0;
      }
  return -1;
}

/* Digits into *v; returns the count, or -1 on overflow. */
static int
scan_digits (const char **p, uint64_t *v)
{
  int n = 0;
  *v = 0;
  for (; **p >= '0' && **p <= '9'; (*p)++, n++)
    {
      unsigned d = (unsigned) (**p - '0');
      if (*v > (UINT64_MAX - d) / 10)
        return -1;
      *v = *v * 10 + d;
    }
  return n;
}

int
parse_size (const char *s, uint64_t *out)
{
  const char *p = s;
  uint64_t whole, frac = 0, mult, scale = 1, extra;
  int nd, nf = 0;

  nd = scan_digits (&p, &whole);
  if (nd <= 0)
    return parse_fail ();
  if (*p == '.')
    {
      p++;
      nf = scan_digits (&p, &frac);
      if (nf <= 0 || nf > 9)
        return parse_fail ();
      for (int i = 0; i < nf; i++)
        scale *= 10;
    }
  if (size_suffix (p, &mult) < 0)
    return parse_fail ();
  if (whole != 0 && mult > UINT64_MAX / whole)
    return parse_fail ();
  /* frac/scale of mult, rounded up as Kubernetes rounds quantities up. */
  extra = frac == 0 ? 0 : (mult / scale) * frac + ((mult % scale) * frac + scale - 1) / scale;
  if (whole * mult > UINT64_MAX - extra)
    return parse_fail ();
  *out = whole * mult + extra;
  return 0;
}

int
parse_duration_ms (const char *s, uint64_t *out)
{
  const char *p = s;
  uint64_t total = 0, v;

  /* A bare number is seconds. */
  if (scan_digits (&p, &v) > 0 && *p == '\0')
    {
      if (v > UINT64_MAX / 1000)
        return parse_fail ();
      *out = v * 1000;
      return 0;
    }
  p = s;
  if (*p == '\0')
    return parse_fail ();
  while (*p)
    {
      uint64_t unit;
      if (scan_digits (&p, &v) <= 0)
        return parse_fail ();
      if (strncmp (p, "ms", 2) == 0)
        unit = 1, p += 2;
      else if (*p == 's')
        unit = 1000, p++;
      else if (*p == 'm')
        unit = 60000, p++;
      else if (*p == 'h')
        unit = 3600000, p++;
      else
        return parse_fail ();
      if (v > UINT64_MAX / unit || total > UINT64_MAX - v * unit)
        return parse_fail ();
      total += v * unit;
    }
  *out = total;
  return 0;
}

int
parse_name (const char *s, const char *const *names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (s, names[i]) == 0)
      return (int) i;
  return -1;
}
