#include "statusfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int
probe_status_read (const char *path, struct podsock_status *st, podsock_error_t *err)
{
  char *msg;

  if (status_read (path, st, err) == 0)
    return 0;
  /* A sidecar that has not written the file yet is no I/O failure: say so
   * plainly.  Out of memory, the reader's own message stays. */
  if ((*err)->status == ENOENT && asprintf (&msg, "no status file at %s", path) >= 0)
    {
      free ((*err)->msg);
      (*err)->msg = msg;
    }
  return -1;
}
