/* Unix sockets: the listening socket the sidecar owns, and stale-socket
 * detection shared with podsock-init. */
#ifndef PODSOCK_SOCKET_H
#define PODSOCK_SOCKET_H

#include <podsock/error.h>
#include <sys/types.h>

/* Fills *out with a sockaddr_un for path; fails when path does not fit. */
struct sockaddr_un;
int socket_addr_unix (const char *path, struct sockaddr_un *out, podsock_error_t *err);

/* Binds and listens on path with the given mode (and group, unless gid is
 * (gid_t) -1).  A stale socket file is replaced; a live one (something
 * accepts connections on it) or a non-socket file is an error.  Returns the
 * listening fd (O_CLOEXEC, blocking) or -1. */
int socket_bind_listen (const char *path, mode_t mode, gid_t gid, int backlog,
                        podsock_error_t *err);

/* 1: a socket file nobody listens on, 0: no file or a live socket,
 * -1: error (not a socket, or cannot check). */
int socket_is_stale (const char *path, podsock_error_t *err);

/* Connects to path; returns the fd (O_CLOEXEC) or -1. */
int socket_connect_unix (const char *path, podsock_error_t *err);

#endif
