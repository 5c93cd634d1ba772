/* The table of settings that the YAML loader (config_yaml.c), the
 * environment and --set (config.c) and the printer (config_print.c) all go
 * through.  Private to those files; the rest of the sidecar reads struct
 * podsock_config (config.h). */
#ifndef PODSOCK_SIDECAR_CONFIG_TABLE_H
#define PODSOCK_SIDECAR_CONFIG_TABLE_H

#include "config.h"
#include <podsock/error.h>
#include <stddef.h>
#include <stdint.h>

enum setting_type
{
  T_PATH,     /* char *, absolute */
  T_STRING,   /* char *, not empty */
  T_MODE,     /* unsigned, octal, at most 0777 */
  T_GROUP,    /* gid_t, name or number, null: ours */
  T_SIZE,     /* uint64_t, Kubernetes quantity */
  T_SECONDS,  /* unsigned, duration in whole seconds */
  T_UNSIGNED, /* unsigned */
  T_COUNT,    /* uint64_t */
  T_BOOL,     /* int */
  T_LOGLEVEL,
  T_LOGFORMAT,
  T_PRUNE,
  T_SHARED,   /* enum storagedir_mode */
  T_DRIVERS,  /* a list, or "a,b" in the environment */
  T_PATHLIST, /* allowed_bind_sources */
  T_WORDLIST, /* char **, NULL-terminated; "a,b" in the environment */
  T_MIRRORS,
};

struct setting
{
  const char *section, *key, *env;
  enum setting_type type;
  size_t offset;
  uint64_t min, max;
  const char *example;
};

/* Every setting, by section, in the order --print-config shows them. */
#define CONFIG_N_SETTINGS 41
extern const struct setting config_settings[CONFIG_N_SETTINGS];

/* The field of struct podsock_config *c that setting s describes. */
#define CONFIG_MAX_LIST 64 /* entries of a list setting */

#define SETTING_FIELD(c, s, type) ((type *) (void *) ((char *) (c) + (s)->offset))

/* The index of section.key in config_settings (which must have it). */
int config_setting_index (const char *section, const char *key);

/* A setting by its YAML path ("storage.sizeLimit"); NULL when there is none. */
const struct setting *config_setting_by_path (const char *path);

/* The names of enum values, in the enums' order. */
extern const char *const config_driver_names[3];
extern const char *const config_prune_names[3];
extern const char *const config_level_names[4];
extern const char *const config_format_names[2];

/* In config.c, for the loader. */

/* One scalar setting from its text; errors say what is wrong with v. */
int config_setting_set (struct podsock_config *c, const struct setting *s, const char *v,
                        podsock_error_t *err);

/* Appends driver name to drivers[*n] (a list of at most 3 being built);
 * refuses unknown and repeated ones. */
int config_drivers_add (enum config_driver *drivers, size_t *n, const char *name,
                        podsock_error_t *err);

/* The settings that must agree with each other; returns the index of the
 * setting to blame (with *err), or -1 when all is well. */
int config_cross_check (const struct podsock_config *c, podsock_error_t *err);

/* T_WORDLIST from "a,b"; 0 or -1 with *err. */
int config_set_words (char ***field, const char *v, podsock_error_t *err);
void config_mirrors_free (struct podsock_config *c);

#endif
