/* NULL-terminated lists of strings: the settings' lists and the gateway's
 * copies and records of them. */
#ifndef PODSOCK_SIDECAR_STRV_H
#define PODSOCK_SIDECAR_STRV_H

/* A copy of v (NULL for NULL); out of memory aborts. */
char **strv_dup (const char *const *v);

void strv_free (char **v);

#endif
