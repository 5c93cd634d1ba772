/* pingbench: GET /_ping latency against a unix socket, one request at a
 * time.  Prints p50/p99/mean in microseconds for two client habits: a new
 * connection per request (the docker CLI, curl) and one keep-alive
 * connection (Testcontainers, docker-py).
 *
 *   pingbench SOCKET [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char req[] = "GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n";

static double
now_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
dial (const char *path)
{
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  snprintf (a.sun_path, sizeof a.sun_path, "%s", path);
  if (fd < 0 || connect (fd, (struct sockaddr *) &a, sizeof a) < 0)
    {
      perror (path);
      exit (1);
    }
  return fd;
}

/* One request; reads until the "OK" body (the answer is small). */
static void
ping (int fd)
{
  char buf[4096];
  size_t n = 0;

  if (write (fd, req, sizeof req - 1) != (ssize_t) sizeof req - 1)
    exit (1);
  for (;;)
    {
      ssize_t r = read (fd, buf + n, sizeof buf - 1 - n);
      if (r <= 0)
        exit (1);
      n += (size_t) r;
      buf[n] = '\0';
      char *body = strstr (buf, "\r\n\r\n");
      if (body && strcmp (body + 4, "OK") == 0)
        return;
    }
}

static int
cmp (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static void
report (const char *what, double *t, int n)
{
  double sum = 0;
  for (int i = 0; i < n; i++)
    sum += t[i];
  qsort (t, n, sizeof *t, cmp);
  printf ("%s p50_us=%.1f p99_us=%.1f mean_us=%.1f n=%d\n", what, t[n / 2], t[n * 99 / 100],
          sum / n, n);
}

int
main (int argc, char **argv)
{
  int n = argc > 2 ? atoi (argv[2]) : 2000, fd;
  double *t = calloc (n, sizeof *t);

  if (argc < 2 || n < 100 || t == NULL)
    {
      fprintf (stderr, "usage: pingbench SOCKET [N >= 100]\n");
      return 2;
    }
  for (int i = 0; i < n; i++)
    {
      double t0 = now_us ();
      fd = dial (argv[1]);
      ping (fd);
      t[i] = now_us () - t0;
      close (fd);
    }
  report ("new-connection", t, n);
  fd = dial (argv[1]);
  for (int i = 0; i < n; i++)
    {
      double t0 = now_us ();
      ping (fd);
      t[i] = now_us () - t0;
    }
  report ("keep-alive", t, n);
  return 0;
}
