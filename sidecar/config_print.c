/* --print-config: the effective configuration as YAML that the loader
 * accepts back, every setting in the table's order. */
#include "config.h"
#include "config_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
emit_quoted (FILE *f, const char *s)
{
  fputc ('"', f);
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        fprintf (f, "\\%c", *p);
      else if (*p < 0x20 || *p == 0x7f)
        fprintf (f, "\\x%02x", *p);
      else
        fputc (*p, f);
    }
  fputc ('"', f);
}

static void
emit_size (FILE *f, uint64_t v)
{
  static const char *const units[] = { "Ei", "Pi", "Ti", "Gi", "Mi", "Ki" };
  for (int i = 0; i < 6 && v != 0; i++)
    {
      uint64_t m = 1ULL << (10 * (6 - i));
      if (v % m == 0)
        {
          fprintf (f, "%llu%s", (unsigned long long) (v / m), units[i]);
          return;
        }
    }
  fprintf (f, "%llu", (unsigned long long) v);
}

static void
emit_list (FILE *f, const struct podsock_config *c, const struct setting *s)
{
  if (s->type == T_DRIVERS)
    {
      fputc ('[', f);
      for (size_t i = 0; i < c->n_drivers; i++)
        fprintf (f, "%s%s", i ? ", " : "", config_driver_names[c->drivers[i]]);
      fputc (']', f);
      return;
    }
  if (s->type == T_PATHLIST || s->type == T_WORDLIST)
    {
      char *const *list = *SETTING_FIELD (c, s, char *const *);
      fputc ('[', f);
      for (size_t i = 0; list && list[i]; i++)
        {
          fputs (i ? ", " : "", f);
          emit_quoted (f, list[i]);
        }
      fputc (']', f);
      return;
    }
  fputc ('[', f);
  for (size_t i = 0; i < c->n_mirrors; i++)
    {
      fputs (i ? ", {registry: " : "{registry: ", f);
      emit_quoted (f, c->mirrors[i].registry);
      fputs (", location: ", f);
      emit_quoted (f, c->mirrors[i].location);
      fputc ('}', f);
    }
  fputc (']', f);
}

static void
emit_value (FILE *f, const struct podsock_config *c, const struct setting *s)
{
  switch (s->type)
    {
    case T_PATH:
    case T_STRING:
      emit_quoted (f, *SETTING_FIELD (c, s, char *const));
      break;
    case T_MODE:
      fprintf (f, "\"%04o\"", *SETTING_FIELD (c, s, const unsigned));
      break;
    case T_GROUP:
      if (*SETTING_FIELD (c, s, const gid_t) == (gid_t) -1)
        fputs ("null", f);
      else
        fprintf (f, "%u", (unsigned) *SETTING_FIELD (c, s, const gid_t));
      break;
    case T_SIZE:
      emit_size (f, *SETTING_FIELD (c, s, const uint64_t));
      break;
    case T_SECONDS:
      fprintf (f, "%us", *SETTING_FIELD (c, s, const unsigned));
      break;
    case T_UNSIGNED:
      fprintf (f, "%u", *SETTING_FIELD (c, s, const unsigned));
      break;
    case T_COUNT:
      fprintf (f, "%llu", (unsigned long long) *SETTING_FIELD (c, s, const uint64_t));
      break;
    case T_BOOL:
      fputs (*SETTING_FIELD (c, s, const int) ? "true" : "false", f);
      break;
    case T_LOGLEVEL:
      fputs (config_level_names[c->log_level], f);
      break;
    case T_LOGFORMAT:
      fputs (config_format_names[c->log_format], f);
      break;
    case T_PRUNE:
      fputs (config_prune_names[c->prune], f);
      break;
    case T_SHARED:
      fputs (storagedir_mode_name (c->storage_shared), f);
      break;
    default:
      emit_list (f, c, s);
    }
}

char *
config_to_yaml (const struct podsock_config *c)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);

  if (f == NULL)
    return NULL;
  fputs ("# podsock-sidecar effective configuration (see docs/config.md)\n", f);
  for (size_t i = 0; i < CONFIG_N_SETTINGS; i++)
    {
      if (i == 0 || strcmp (config_settings[i - 1].section, config_settings[i].section) != 0)
        fprintf (f, "%s:\n", config_settings[i].section);
      fprintf (f, "  %s: ", config_settings[i].key);
      emit_value (f, c, &config_settings[i]);
      fputc ('\n', f);
    }
  if (fclose (f) != 0)
    {
      free (buf);
      return NULL;
    }
  return buf;
}
