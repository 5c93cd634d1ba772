/* A tiny HTTP peer on a unix socket for the sidecar's tests of its API
 * client (sidecar/api.c and its callers): a forked child that answers each
 * request with the first route whose method and path prefix match (404
 * otherwise), one request per connection, and appends "METHOD TARGET" and
 * the request's Content-Length to a log.  Raw HTTP framing only: what a
 * route answers is the test's canned bytes, not an engine.  Include after
 * <cmocka.h>. */
#ifndef PODSOCK_TEST_HTTPPEER_H
#define PODSOCK_TEST_HTTPPEER_H

#include <podsock/fs.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Container IDs for the canned answers: 64 hex digits, as an engine's. */
#define PEER_ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define PEER_ID_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct peer_route
{
  const char *method;
  const char *prefix; /* of the request target */
  int status; /* 0: close the connection without an answer */
  const char *body;
};

struct peer
{
  pid_t pid;
  char sock[100]; /* dir/peer.sock (dir at most 80 bytes) */
  char log[160];  /* dir/peer.log */
};

static inline const struct peer_route *
peer_route_for (const struct peer_route *routes, size_t n, const char *method, const char *target)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (routes[i].method, method) == 0
        && strncmp (target, routes[i].prefix, strlen (routes[i].prefix)) == 0)
      return &routes[i];
  return NULL;
}

/* One connection: read the head, log it, answer, close. */
static inline void
peer_serve (int c, const struct peer *p, const struct peer_route *routes, size_t n)
{
  static const struct peer_route missing = { "", "", 404, "{\"message\":\"no route\"}" };
  char head[8192], method[16] = "", target[4096] = "", out[256];
  struct iovec iov[2];
  const struct peer_route *r;
  const char *cl;
  size_t len = 0;
  ssize_t got;
  FILE *log;

  while (len < sizeof head - 1 && (got = read (c, head + len, sizeof head - 1 - len)) > 0)
    {
      head[len += (size_t) got] = '\0';
      if (strstr (head, "\r\n\r\n"))
        break;
    }
  head[len] = '\0';
  sscanf (head, "%15s %4095s", method, target);
  cl = strcasestr (head, "\r\nContent-Length:");
  log = fopen (p->log, "ae");
  if (log)
    fprintf (log, "%s %s length=%ld\n", method, target, cl ? strtol (cl + 17, NULL, 10) : -1L);
  if (log)
    fclose (log);
  r = peer_route_for (routes, n, method, target);
  r = r ? r : &missing;
  if (r->status == 0)
    return;
  snprintf (out, sizeof out,
            "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
            "Connection: close\r\n\r\n",
            r->status, strlen (r->body));
  /* One message: a client that has the whole answer may close at once, and
   * a second write (even of 0 bytes) on the closed connection is EPIPE. */
  iov[0] = (struct iovec) { out, strlen (out) };
  iov[1] = (struct iovec) { (char *) r->body, strlen (r->body) };
  if (sendmsg (c, &(struct msghdr) { .msg_iov = iov, .msg_iovlen = 2 }, MSG_NOSIGNAL) < 0)
    return;
}

/* Listens on dir/peer.sock before it returns: a client may connect at once. */
static inline void
peer_start (struct peer *p, const char *dir, const struct peer_route *routes, size_t n)
{
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  pid_t parent;

  snprintf (p->sock, sizeof p->sock, "%.80s/peer.sock", dir);
  snprintf (p->log, sizeof p->log, "%.140s/peer.log", dir);
  snprintf (a.sun_path, sizeof a.sun_path, "%s", p->sock);
  unlink (p->sock);
  unlink (p->log);
  assert_true (fd >= 0);
  assert_int_equal (bind (fd, (struct sockaddr *) &a, sizeof a), 0);
  assert_int_equal (listen (fd, 64), 0);
  parent = getpid ();
  p->pid = fork ();
  assert_true (p->pid >= 0);
  if (p->pid == 0)
    {
      /* A client that closes before reading the answer must not kill the
       * peer with SIGPIPE: its listening socket would go with it and reset
       * every connection still queued (api_stop_all's second stop). */
      signal (SIGPIPE, SIG_IGN);
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if (getppid () != parent)
        _exit (0); /* the test died before PR_SET_PDEATHSIG took hold */
      for (;;)
        {
          int c = accept4 (fd, NULL, NULL, SOCK_CLOEXEC);
          if (c < 0)
            continue;
          peer_serve (c, p, routes, n);
          close (c);
        }
    }
  close (fd);
}

static inline void
peer_stop (struct peer *p)
{
  if (p->pid <= 0)
    return;
  kill (p->pid, SIGKILL);
  waitpid (p->pid, NULL, 0);
  p->pid = 0;
  unlink (p->sock);
}

/* What the peer was asked so far, one request a line ("" when nothing). */
static inline char *
peer_requests (const struct peer *p)
{
  char *text = NULL;
  podsock_error_t err = NULL;
  if (fs_read_file (p->log, 1 << 20, &text, NULL, &err) < 0)
    {
      podsock_error_free (&err);
      return strdup ("");
    }
  return text;
}

#endif
