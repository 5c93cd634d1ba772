/* What json.c and json_print.c share: the text checks both the reader and
 * the printer apply.  Internal to sidecar/gateway/. */
#ifndef PODSOCK_GATEWAY_JSON_INTERNAL_H
#define PODSOCK_GATEWAY_JSON_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* A number item's text: its literal, or valuedouble printed; NULL when it
 * has none a JSON reader takes. */
const char *number_text (const cJSON *v, char *buf, size_t size);
/* Two members of obj whose keys gwjson_key_equal(): their indexes. */
bool find_duplicate (const cJSON *obj, size_t *first, size_t *second);
/* key quoted and shortened for a message. */
void quote_key (const char *s, char *buf, size_t size);

#endif
