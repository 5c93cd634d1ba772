/* probe-fakeserver: a unix-socket server that misbehaves on purpose, for
 * podsock-probe's tests.
 *
 * Usage: probe-fakeserver MODE SOCKET [--delay MS] [--mode OCTAL] [--lifetime S]
 *
 * It binds SOCKET (mode 0666 unless --mode), creates SOCKET.ready once it
 * listens, and serves connections one after another until SIGTERM or
 * --lifetime seconds (default 60) have passed, so that it never lingers.
 *
 * Modes:
 *   ok           an engine: /_ping "OK"; /version, /info (chunked) and
 *                /containers/json with podman-like answers; 404 otherwise
 *   slow         ok, after --delay ms
 *   hang         accepts, reads the request, never answers
 *   backlog-full listens with a full backlog and never accepts: connect waits
 *   garbage      answers bytes that are not HTTP, then closes
 *   garbage-hold answers bytes that are not HTTP, then keeps the connection
 *   oversized    200 with a 64 MiB body, as long as the client reads
 *   oversized-chunked  200 with chunks that never end
 *   huge-head    200 and header lines that never end
 *   http500      500 with a JSON error, as podman sends
 *   badbody      200 "NOPE"
 *   short        Content-Length 10 and 5 bytes, then closes
 *   close        accepts and closes at once
 *   reset        accepts and resets the connection (RST)
 *   drip         a good answer, one byte every --delay ms (default 100)
 *   stale        binds, then exits without listening: a stale socket file
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_HELD 64

struct server
{
  const char *mode;
  const char *path;
  long delay_ms;
  mode_t sock_mode;
  long lifetime_s;
  int held[MAX_HELD];
  int n_held;
};

static const char version_json[]
    = "{\"Platform\":{\"Name\":\"linux/amd64/debian-12\"},\"Components\":[{\"Name\":\"Podman "
      "Engine\",\"Version\":\"4.3.1\"}],\"Version\":\"4.3.1\",\"ApiVersion\":\"1.41\","
      "\"Os\":\"linux\",\"Arch\":\"amd64\",\"KernelVersion\":\"6.1.0-fake\"}";

static const char info_json[]
    = "{\"Containers\":3,\"ContainersRunning\":1,\"Images\":2,\"Driver\":\"overlay\","
      "\"DockerRootDir\":\"/var/lib/podsock/storage\",\"ServerVersion\":\"4.3.1\"}";

static const char containers_json[]
    = "[{\"Id\":\"5dd1cf17196a58c760d87f43895f8d554a1130d133fc996c1a38cab29be89c99\","
      "\"Names\":[\"/sleeper\"],\"Image\":\"docker.io/t/bb:latest\",\"State\":\"running\","
      "\"Status\":\"Up 3 seconds\"}]";

static void
die (const char *what)
{
  fprintf (stderr, "probe-fakeserver: %s: %s\n", what, strerror (errno));
  exit (1);
}

static void
sleep_ms (long ms)
{
  struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* Writes all of buf; 0, or -1 when the client went away. */
static int
send_all (int fd, const char *buf, size_t len)
{
  while (len > 0)
    {
      ssize_t n = send (fd, buf, len, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      buf += n;
      len -= (size_t) n;
    }
  return 0;
}

static int
send_str (int fd, const char *s)
{
  return send_all (fd, s, strlen (s));
}

/* Reads the request head (up to the blank line) into buf; the path it asks
 * for goes to path.  -1 when the client closed first. */
static int
read_request (int fd, char *path, size_t path_size)
{
  char buf[8192];
  size_t len = 0;

  while (len < sizeof buf - 1)
    {
      ssize_t n = read (fd, buf + len, sizeof buf - 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return -1;
      len += (size_t) n;
      buf[len] = '\0';
      if (strstr (buf, "\r\n\r\n"))
        break;
    }
  if (sscanf (buf, "GET %1023s ", path) != 1 || strlen (path) >= path_size)
    snprintf (path, path_size, "?");
  return 0;
}

static void
answer (int fd, int status, const char *type, const char *body)
{
  char head[512];

  snprintf (head, sizeof head,
            "HTTP/1.1 %d %s\r\nApi-Version: 1.41\r\nContent-Type: %s\r\n"
            "Server: Libpod/4.3.1 (linux)\r\nContent-Length: %zu\r\n\r\n",
            status, status == 200 ? "OK" : "Error", type, strlen (body));
  if (send_str (fd, head) == 0)
    send_str (fd, body);
}

/* Go's net/http sends larger answers chunked, as podman does for /info. */
static void
answer_chunked (int fd, const char *body)
{
  size_t len = strlen (body), half = len / 2;
  char line[64];

  send_str (fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n");
  snprintf (line, sizeof line, "%zx\r\n", half);
  send_str (fd, line);
  send_all (fd, body, half);
  snprintf (line, sizeof line, "\r\n%zx\r\n", len - half);
  send_str (fd, line);
  send_all (fd, body + half, len - half);
  send_str (fd, "\r\n0\r\n\r\n");
}

static void
serve_engine (int fd)
{
  char path[1024];

  if (read_request (fd, path, sizeof path) < 0)
    return;
  if (strcmp (path, "/_ping") == 0)
    answer (fd, 200, "text/plain; charset=utf-8", "OK");
  else if (strcmp (path, "/version") == 0)
    answer (fd, 200, "application/json", version_json);
  else if (strcmp (path, "/info") == 0)
    answer_chunked (fd, info_json);
  else if (strcmp (path, "/containers/json") == 0)
    answer (fd, 200, "application/json", containers_json);
  else
    answer (fd, 404, "application/json", "{\"message\":\"page not found\",\"response\":404}");
}

static void
serve_oversized (int fd, int chunked)
{
  static char block[65536];
  char line[32];

  memset (block, 'x', sizeof block);
  if (chunked)
    send_str (fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  else
    send_str (fd, "HTTP/1.1 200 OK\r\nContent-Length: 67108864\r\n\r\n");
  for (int i = 0; i < 1024; i++)
    {
      snprintf (line, sizeof line, "%zx\r\n", sizeof block);
      if ((chunked && send_str (fd, line) < 0) || send_all (fd, block, sizeof block) < 0
          || (chunked && send_str (fd, "\r\n") < 0))
        return;
    }
}

/* Header lines of 1 KiB, fewer than a parser's field limit, that never end. */
static void
serve_huge_head (int fd)
{
  char line[1024];

  memset (line, 'a', sizeof line);
  memcpy (line, "X-Filler: ", 10);
  memcpy (line + sizeof line - 2, "\r\n", 2);
  if (send_str (fd, "HTTP/1.1 200 OK\r\n") < 0)
    return;
  for (int i = 0; i < 100000; i++)
    if (send_all (fd, line, sizeof line) < 0)
      return;
}

static void
serve_drip (int fd, long delay_ms)
{
  const char *a = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK";

  for (; *a; a++)
    {
      if (send_all (fd, a, 1) < 0)
        return;
      sleep_ms (delay_ms);
    }
}

static void
hold (struct server *s, int fd)
{
  if (s->n_held < MAX_HELD)
    s->held[s->n_held++] = fd;
  else
    close (fd);
}

/* One connection, as the mode says.  Returns 1 when fd is kept open. */
static int
serve_one (struct server *s, int fd)
{
  const char *m = s->mode;
  char path[1024];

  if (strcmp (m, "close") == 0)
    return 0;
  if (strcmp (m, "reset") == 0)
    {
      struct linger l = { .l_onoff = 1, .l_linger = 0 };
      setsockopt (fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      return 0;
    }
  if (strcmp (m, "slow") == 0)
    sleep_ms (s->delay_ms);
  if (strcmp (m, "ok") == 0 || strcmp (m, "slow") == 0)
    {
      serve_engine (fd);
      return 0;
    }
  if (read_request (fd, path, sizeof path) < 0)
    return 0;
  if (strcmp (m, "hang") == 0)
    {
      hold (s, fd);
      return 1;
    }
  if (strncmp (m, "garbage", 7) == 0)
    {
      static const char junk[] = "\x16\x03\x01\x02\x00garbage\x00\xff not http\r\n";
      send_all (fd, junk, sizeof junk - 1);
      if (strcmp (m, "garbage-hold") == 0)
        {
          hold (s, fd);
          return 1;
        }
    }
  else if (strcmp (m, "oversized") == 0 || strcmp (m, "oversized-chunked") == 0)
    serve_oversized (fd, strcmp (m, "oversized-chunked") == 0);
  else if (strcmp (m, "huge-head") == 0)
    serve_huge_head (fd);
  else if (strcmp (m, "http500") == 0)
    answer (fd, 500, "application/json",
            "{\"cause\":\"boom\",\"message\":\"engine fell over\",\"response\":500}");
  else if (strcmp (m, "badbody") == 0)
    answer (fd, 200, "text/plain", "NOPE");
  else if (strcmp (m, "short") == 0)
    send_str (fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nOK123");
  else if (strcmp (m, "drip") == 0)
    serve_drip (fd, s->delay_ms);
  return 0;
}

static int
bind_socket (struct server *s, int backlog)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    die ("socket");
  if (strlen (s->path) >= sizeof addr.sun_path)
    {
      fprintf (stderr, "probe-fakeserver: socket path too long\n");
      exit (2);
    }
  strcpy (addr.sun_path, s->path);
  unlink (s->path);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    die ("bind");
  if (chmod (s->path, s->sock_mode) < 0)
    die ("chmod");
  if (strcmp (s->mode, "stale") == 0)
    exit (0); /* the file stays; nobody will ever listen on it */
  if (listen (fd, backlog) < 0)
    die ("listen");
  return fd;
}

/* Fills the backlog with a connection of our own: the next connect waits. */
static int
fill_backlog (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int c = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  strcpy (addr.sun_path, path);
  if (c < 0 || connect (c, (struct sockaddr *) &addr, sizeof addr) < 0)
    die ("fill the backlog");
  return c;
}

static void
mark_ready (const char *path)
{
  char ready[200];
  int fd;

  snprintf (ready, sizeof ready, "%s.ready", path);
  fd = open (ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    die ("create the ready file");
  close (fd);
}

static void
parse_args (int argc, char **argv, struct server *s)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: probe-fakeserver MODE SOCKET [--delay MS] [--mode OCTAL] "
                       "[--lifetime S]\n");
      exit (2);
    }
  s->mode = argv[1];
  s->path = argv[2];
  s->delay_ms = 100;
  s->sock_mode = 0666;
  s->lifetime_s = 60;
  for (int i = 3; i + 1 < argc; i += 2)
    {
      if (strcmp (argv[i], "--delay") == 0)
        s->delay_ms = strtol (argv[i + 1], NULL, 10);
      else if (strcmp (argv[i], "--mode") == 0)
        s->sock_mode = (mode_t) strtol (argv[i + 1], NULL, 8);
      else if (strcmp (argv[i], "--lifetime") == 0)
        s->lifetime_s = strtol (argv[i + 1], NULL, 10);
    }
}

int
main (int argc, char **argv)
{
  struct server s = { .n_held = 0 };
  int lfd, backlog_full;
  time_t end;

  parse_args (argc, argv, &s);
  signal (SIGPIPE, SIG_IGN);
  backlog_full = strcmp (s.mode, "backlog-full") == 0;
  lfd = bind_socket (&s, backlog_full ? 0 : 64);
  if (backlog_full)
    fill_backlog (s.path);
  mark_ready (s.path);
  end = time (NULL) + s.lifetime_s;
  while (time (NULL) < end)
    {
      struct pollfd p = { .fd = lfd, .events = POLLIN };
      int fd;

      if (backlog_full || poll (&p, 1, 200) <= 0)
        {
          sleep_ms (backlog_full ? 200 : 0);
          continue;
        }
      fd = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
      if (fd < 0)
        continue;
      if (!serve_one (&s, fd))
        close (fd);
    }
  unlink (s.path);
  return 0;
}
