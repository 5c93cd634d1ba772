/* File-system helpers shared by init and sidecar. */
#ifndef PODSOCK_FS_H
#define PODSOCK_FS_H

#include <podsock/error.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* mkdir -p with the given mode for the directories it creates. */
int fs_mkdir_p (const char *path, mode_t mode, podsock_error_t *err);

/* Makes a directory we own private to us: mode 0700, our own group, no
 * setgid.  A volume with fsGroup makes new directories inherit the fsGroup
 * and the setgid bit; inside a user namespace that group is unmapped and
 * native overlay refuses such an upper directory ("cannot mount overlay
 * read-only", "permission denied" in podman's metacopy check). */
int fs_make_private_dir (const char *path, podsock_error_t *err);

/* Removes everything below dir (not dir itself), never crossing into another
 * file system or following symlinks. */
int fs_empty_dir (const char *dir, podsock_error_t *err);

/* Writes content to path atomically (temporary file + rename), mode 0644. */
int fs_write_file_atomic (const char *path, const char *content, podsock_error_t *err);

/* Writes text in one write(2) into a file that exists and is neither
 * created nor truncated: /proc and cgroup files, which take one value per
 * write.  On failure errno is still the cause. */
int fs_write_existing (const char *path, const char *text, podsock_error_t *err);

/* Reads fd to its end into buf, which holds max + 1 bytes, stopping once it
 * has more than max.  Returns how many bytes it read (max + 1: the file is
 * larger than max), or -1 with errno set.  buf is not NUL-terminated. */
ssize_t fs_read_fd (int fd, char *buf, size_t max);

/* Reads a whole small file (at most max bytes) into a NUL-terminated buffer. */
/* Is path (not followed) of type (S_IFSOCK, S_IFDIR, S_IFREG)?  1 when it
 * is (its stat in *st when st is not NULL), 0 when it does not exist; < 0
 * when stat fails or it is something else, with an error that ends in fix. */
int fs_lstat_is (const char *path, mode_t type, const char *fix, struct stat *st,
                 podsock_error_t *err);

int fs_read_file (const char *path, size_t max, char **out, size_t *len, podsock_error_t *err);

#endif
