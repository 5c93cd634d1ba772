/* cJSON with a cleanup attribute, as podsock/util.h has for the rest.  Apart
 * from util.h so that only the files that parse JSON include cJSON. */
#ifndef PODSOCK_CJSON_H
#define PODSOCK_CJSON_H

#include <cjson/cJSON.h>

static inline void
cleanup_cjsonp (cJSON **p)
{
  cJSON_Delete (*p); /* NULL is a no-op */
}

#define cleanup_cjson __attribute__ ((cleanup (cleanup_cjsonp)))

#endif
