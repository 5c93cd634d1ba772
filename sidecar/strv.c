/* NULL-terminated lists of strings (strv.h). */
#include "strv.h"
#include <podsock/util.h>

#include <stdlib.h>

char **
strv_dup (const char *const *v)
{
  size_t n = 0;
  char **out;

  if (v == NULL)
    return NULL;
  while (v[n])
    n++;
  out = xcalloc (n + 1, sizeof *out);
  for (size_t i = 0; i < n; i++)
    out[i] = xstrdup (v[i]);
  return out;
}

void
strv_free (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}
