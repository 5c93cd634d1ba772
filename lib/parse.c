#include <podsock/parse.h>

#include <errno.h>
#include <stddef.h>

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
