/* A seccomp deny list for the engine and everything below it: system calls
 * that no CI job needs and that only widen the kernel's attack surface.  Each
 * returns EPERM.  The list and the reason for each entry: docs/hardening.md.
 *
 * Two ways to apply it.  hardening_seccomp_load() installs it on the calling
 * process, to be inherited by podman, conmon, crun and every nested
 * container; the kernel allows that only with CAP_SYS_ADMIN or no_new_privs,
 * and no_new_privs breaks newuidmap's file capabilities.  So the same list is
 * also written into a podman seccomp profile (containers.conf
 * seccomp_profile), which podman applies to each nested container. */
#ifndef PODSOCK_SECCOMP_PROFILE_H
#define PODSOCK_SECCOMP_PROFILE_H

#include <podsock/error.h>
#include <stddef.h>

/* Where Debian's golang-github-containers-common puts podman's default. */
#define SECCOMP_BASE_PROFILE "/usr/share/containers/seccomp.json"

/* The denied system call names, n entries. */
const char *const *seccomp_deny_list (size_t *n);

/* Builds the filter (allow by default, EPERM for the deny list, native
 * architectures) without loading it; for tests.  Returns 0 or -1. */
int seccomp_check_deny_list (podsock_error_t *err);

/* Installs the filter on the calling thread.  It does not set no_new_privs:
 * without CAP_SYS_ADMIN it fails with status EACCES and says so; the caller
 * then relies on the profile.  Call it last, just before exec. */
int hardening_seccomp_load (podsock_error_t *err);

/* The filter compiled to BPF in the parent, to be installed in a child
 * between fork and exec, where only async-signal-safe calls are allowed
 * (libseccomp allocates).  Free with seccomp_prepared_free(). */
struct seccomp_prepared
{
  void *filter;       /* struct sock_filter[] */
  unsigned short len; /* instructions */
};

int seccomp_prepare (struct seccomp_prepared *p, podsock_error_t *err);

/* In the child: installs p with the seccomp(2) system call only.  Returns 0,
 * or -1 with errno (EACCES: neither CAP_SYS_ADMIN nor no_new_privs). */
int seccomp_install_prepared (const struct seccomp_prepared *p);

void seccomp_prepared_free (struct seccomp_prepared *p);

/* 1 when this process may install a filter without setting no_new_privs
 * (CAP_SYS_ADMIN in its effective set, or no_new_privs already set). */
int seccomp_can_load (void);

/* Writes base_profile (an OCI/podman seccomp JSON profile) with the deny
 * list added, to out_path (written to a temporary file, then renamed). */
int hardening_seccomp_write_profile (const char *base_profile, const char *out_path,
                                     podsock_error_t *err);

#endif
