#include "cgroup.h"

#include <podsock/fs.h>
#include <podsock/log.h>
#include <podsock/util.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
write_text (const char *dir, const char *file, const char *text, podsock_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);

  return fs_write_existing (path, text, err);
}

/* Moves every process of dir into leaf (a process at a time: cgroup.procs
 * takes one pid per write). */
static int
move_all (const char *dir, const char *leaf, podsock_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/cgroup.procs", dir);
  cleanup_file FILE *f = NULL;
  char line[32];

  f = fopen (path, "re");
  if (f == NULL)
    return podsock_error_make (err, errno, "open %s", path);
  while (fgets (line, sizeof line, f))
    {
      line[strcspn (line, "\n")] = '\0';
      /* A process that ended meanwhile is no error. */
      if (write_text (leaf, "cgroup.procs", line, err) < 0 && (*err)->status != ESRCH)
        return -1;
      podsock_error_free (err);
    }
  return 0;
}

static int
has_word (const char *list, const char *word)
{
  size_t n = strlen (word);

  for (const char *p = list; (p = strstr (p, word)) != NULL; p += n)
    if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
      return 1;
  return 0;
}

/* Enables controller below dir when the parent passes it down; writes
 * value to the engine leaf's file.  1 applied, 0 not (logged). */
static int
apply_limit (const char *dir, const char *engine, const char *controllers, const char *name,
             const char *file, const char *value, const char *key)
{
  cleanup_error podsock_error_t err = NULL;
  char enable[32];

  if (!has_word (controllers, name))
    {
      podsock_log_fields (
          PODSOCK_LOG_WARN, "engine limit not applied", "setting", key, "value", value, "reason",
          "the controller is not delegated to this cgroup (not in "
          "cgroup.controllers)",
          "controller", name, "available", *controllers ? controllers : "none", NULL);
      return 0;
    }
  snprintf (enable, sizeof enable, "+%s", name);
  if (write_text (dir, "cgroup.subtree_control", enable, &err) < 0
      || write_text (engine, file, value, &err) < 0)
    {
      podsock_log_fields (PODSOCK_LOG_WARN, "engine limit not applied", "setting", key, "value",
                          value, "reason", err->msg, NULL);
      return 0;
    }
  podsock_log_fields (PODSOCK_LOG_INFO, "engine limit applied", "setting", key, "file", file,
                      "value", value, NULL);
  return 1;
}

int
engine_cgroup_setup (struct engine_cgroup *cg, const char *root, const char *self,
                     const struct podsock_config *cfg, podsock_error_t *err)
{
  cleanup_free char *dir = NULL, *sidecar = NULL, *engine = NULL, *controllers = NULL;
  cleanup_free char *ctl = NULL;
  char value[32];

  memset (cg, 0, sizeof *cg);
  dir = xasprintf ("%s%s", root, strcmp (self, "/") == 0 ? "" : self);
  sidecar = xasprintf ("%s/sidecar", dir);
  engine = xasprintf ("%s/engine", dir);
  ctl = xasprintf ("%s/cgroup.controllers", dir);
  if ((mkdir (sidecar, 0755) < 0 && errno != EEXIST)
      || (mkdir (engine, 0755) < 0 && errno != EEXIST))
    return podsock_error_make (err, errno, "create the leaves sidecar and engine in %s", dir);
  if (move_all (dir, sidecar, err) < 0)
    return podsock_error_prefix (err, "move the sidecar's processes to %s", sidecar);
  cg->procs = xasprintf ("%s/cgroup.procs", engine);
  if (fs_read_file (ctl, 4096, &controllers, NULL, err) < 0)
    return -1;
  controllers[strcspn (controllers, "\n")] = '\0';
  if (cfg->engine_memory_max_bytes > 0)
    {
      snprintf (value, sizeof value, "%" PRIu64, cfg->engine_memory_max_bytes);
      cg->memory_applied = apply_limit (dir, engine, controllers, "memory", "memory.max", value,
                                        "engine.memoryMax");
    }
  if (cfg->engine_pids_max > 0)
    {
      snprintf (value, sizeof value, "%" PRIu64, cfg->engine_pids_max);
      cg->pids_applied
          = apply_limit (dir, engine, controllers, "pids", "pids.max", value, "engine.pidsMax");
    }
  podsock_log_fields (PODSOCK_LOG_INFO, "engine cgroup", "engine", engine, "sidecar", sidecar,
                      "controllers", *controllers ? controllers : "none", NULL);
  return 0;
}

void
engine_cgroup_release (struct engine_cgroup *cg)
{
  free (cg->procs);
  cg->procs = NULL;
}
