/* The wait of a container's first run (docker run, with or without --rm),
 * answered at the container's exit.  podman learns of an exit in a second
 * process, the exit command conmon starts (`podman container cleanup`),
 * which unmounts the container before it records it as exited and writes
 * the "died" event; its Docker-API wait for next-exit then reads that event
 * from the events file, which it polls every 250 ms.  Together that is most
 * of a docker run (docs/performance.md).  conmon itself writes the exit
 * status, at the exit, to a file named after the container in podman's
 * exits directory (<tmp_dir>/exits, tmp_dir from the containers.conf the
 * sidecar writes; podman 4.3 and 5.x alike): the gateway watches that file
 * with inotify.  podman's libpod wait for condition=exited is asked at the
 * same time, as the answer should the file never come (a conmon that was
 * killed).  The status in the file is the same exit only for a container
 * whose next exit is its first: one the gateway saw attached (the engine
 * initialised it) and not yet started, which is how docker run asks. */
#include "gateway/internal.h"
#include "strv.h"
#include <podsock/log.h>
#include <podsock/util.h>

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

enum
{
  EXIT_WAIT_ANSWERED = 0,
  EXIT_WAIT_CLIENT_GONE = 1,
  EXIT_WAIT_FAILED = 2,
  EXIT_WAIT_NO_ENGINE = 3,
};

static const char wait_head[] = "HTTP/1.1 200 OK\r\n"
                                "Api-Version: 1.41\r\n"
                                "Content-Type: application/json\r\n"
                                "Server: podsock-gateway\r\n"
                                "Transfer-Encoding: chunked\r\n"
                                "\r\n";

/* The exit status conmon wrote for id, or -1 while there is none. */
static int
read_exit_file (const char *dir, const char *id)
{
  char path[PATH_MAX], buf[16];
  char *end;
  ssize_t n;
  long v;
  int fd;

  snprintf (path, sizeof path, "%s/%s", dir, id);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  v = strtol (buf, &end, 10);
  if (end == buf || v < 0 || v > 255)
    return -1;
  return (int) v;
}

/* An inotify descriptor watching the exits directory, or -1 (the engine
 * then answers alone). */
static int
watch_exits (const char *dir)
{
  int fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);

  if (fd >= 0 && inotify_add_watch (fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
    {
      close (fd);
      fd = -1;
    }
  return fd;
}

/* Drains the watch: its events only wake await_exit, which then looks at
 * the record and the file itself. */
static void
drain (int fd)
{
  char buf[4096];

  while (read (fd, buf, sizeof buf) > 0)
    ;
}

/* The libpod wait, on c's engine connection or, should that one have
 * gone idle and closed meanwhile, on a new one. */
static int
ask (struct conn *c, const char *id)
{
  cleanup_free char *req
      = xasprintf ("POST /v4.0.0/libpod/containers/%s/wait?condition=exited HTTP/1.1\r\n"
                   "Host: podsock-gateway\r\nContent-Length: 0\r\n\r\n",
                   id);

  for (int attempt = 0; attempt < 2; attempt++)
    {
      char *why = NULL;
      if (c->engine.fd < 0 && upstream_connect (c, &why) < 0)
        {
          free (why);
          return -1;
        }
      if (gw_write_all (c->engine.fd, req, strlen (req)) == 0)
        return 0;
      upstream_close (c);
    }
  return -1;
}

/* The engine's answer to the libpod wait: 200 and the exit status as text,
 * or an error whose message goes to the client. */
static int
take_answer (struct conn *c, const struct http_message *r, int *code, char *msg, size_t msg_len)
{
  char body[4096];
  struct sink in = { .fd = -1, .buf = body, .cap = sizeof body - 1 };
  struct http_message hm = *r;
  char *end;

  gw_consume (&c->engine, r->head_len);
  if (gw_pump_body (&c->engine, &hm, &in, 30000, -1) < 0)
    {
      upstream_close (c);
      snprintf (msg, msg_len, "the container engine's answer to the wait could not be read");
      return EXIT_WAIT_FAILED;
    }
  body[in.len] = '\0';
  if (!hm.keep_alive)
    upstream_close (c);
  long v = strtol (body, &end, 10);
  if (r->status == 200 && end != body && v >= -1 && v <= 255)
    {
      *code = (int) v;
      return EXIT_WAIT_ANSWERED;
    }
  cJSON *a = cJSON_Parse (body);
  const cJSON *m = cJSON_GetObjectItemCaseSensitive (a, "message");
  snprintf (msg, msg_len, "%s",
            cJSON_IsString (m) ? m->valuestring : "the container engine's wait answered no status");
  cJSON_Delete (a);
  return EXIT_WAIT_FAILED;
}

/* Whichever comes first: the exit file or record, the engine's answer, or
 * the client's hang-up.  wake (an eventfd, or -1) is written to when the
 * record changes: a start that failed records a status (cannotrun.c), and
 * no file comes. */
static int
await_exit (struct conn *c, const char *id, bool asked, int watch, int wake, const char *dir,
            int *code, char *msg, size_t msg_len)
{
  cleanup_error podsock_error_t err = NULL;
  struct http_message r;
  int n;

  for (;;)
    {
      /* The engine's wait for "exited" answers 0 at once for a container
       * it has not initialised (docker run -d --rm waits before its
       * start): it is asked once the container was attached or started. */
      if (!asked && gw_containers_initialised (&c->g->containers, id))
        {
          if (ask (c, id) < 0)
            {
              snprintf (msg, msg_len, "the container engine cannot be reached");
              return EXIT_WAIT_FAILED;
            }
          asked = true;
        }
      struct pollfd p[4] = { { .fd = asked ? c->engine.fd : -1, .events = POLLIN },
                             { .fd = c->client.fd, .events = 0 },
                             { .fd = watch, .events = POLLIN },
                             { .fd = wake, .events = POLLIN } };
      if (gw_containers_exit (&c->g->containers, id, code)
          || (*code = read_exit_file (dir, id)) >= 0)
        {
          upstream_close (c); /* its wait is still open: podman ends it with the connection */
          return EXIT_WAIT_ANSWERED;
        }
      if (!asked && !gw_containers_known (&c->g->containers, id))
        {
          snprintf (msg, msg_len, "the container was removed before it ran");
          return EXIT_WAIT_FAILED;
        }
      if (asked && (n = http_parse_response (c->engine.buf, c->engine.len, false, &r, &err)) != 0)
        break;
      if (TEMP_FAILURE_RETRY (poll (p, 4, -1)) < 0)
        break;
      if (p[1].revents & (POLLHUP | POLLERR | POLLNVAL))
        return EXIT_WAIT_CLIENT_GONE;
      if (p[2].revents)
        drain (watch);
      if (p[3].revents)
        drain (wake);
      if (p[0].revents && gw_read_more (&c->engine, 0, -1) <= 0)
        {
          upstream_close (c);
          snprintf (msg, msg_len, "the container engine closed the connection during the wait");
          return EXIT_WAIT_FAILED;
        }
    }
  if (n > 0)
    return take_answer (c, &r, code, msg, msg_len);
  upstream_close (c);
  snprintf (msg, msg_len, "the container engine sent a bad answer to the wait");
  return EXIT_WAIT_FAILED;
}

/* The compat answer's body as one chunk, and the last chunk. */
static int
send_status (struct conn *c, int code, const char *msg)
{
  cleanup_free char *json = NULL, *out = NULL;

  if (msg[0])
    {
      cJSON *o = cJSON_CreateObject (), *e = cJSON_AddObjectToObject (o, "Error");
      cJSON_AddNumberToObject (o, "StatusCode", -1);
      cJSON_AddStringToObject (e, "Message", msg);
      char *p = cJSON_PrintUnformatted (o);
      cJSON_Delete (o);
      if (p == NULL)
        return -1;
      json = xasprintf ("%s\n", p);
      free (p);
    }
  else
    json = xasprintf ("{\"StatusCode\":%d,\"Error\":null}\n", code);
  out = xasprintf ("%zx\r\n%s\r\n0\r\n\r\n", strlen (json), json);
  return gw_write_all (c->client.fd, out, strlen (out));
}

/* podman's exits directory: tmp_dir (containers.conf) + "/exits". */
static char *
exits_dir (const struct gateway *g)
{
  return xasprintf ("%s/libpod/tmp/exits",
                    g->o.engine_run_dir ? g->o.engine_run_dir : "/nonexistent");
}

/* The watcher: records each exit of a container the gateway created, so
 * that a wait that comes after podman removed the container (and its exit
 * file: docker run -d --rm, then docker wait) still gets its status. */
static void
record_exits (struct gateway *g, int watch, const char *dir, bool *lost)
{
  char buf[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  ssize_t n;

  while ((n = read (watch, buf, sizeof buf)) > 0)
    for (char *p = buf; p < buf + n;)
      {
        const struct inotify_event *e = (const struct inotify_event *) (void *) p;
        int code;
        *lost |= (e->mask & IN_IGNORED) != 0; /* the directory went */
        if (e->len > 0 && gw_containers_known (&g->containers, e->name)
            && (code = read_exit_file (dir, e->name)) >= 0)
          gw_containers_set_exit (&g->containers, e->name, code);
        p += sizeof *e + e->len;
      }
}

static void *
exits_run (void *arg)
{
  struct gateway *g = arg;
  cleanup_free char *dir = exits_dir (g);
  int watch = -1;

  for (;;)
    {
      bool lost = false;
      if (watch < 0)
        watch = watch_exits (dir); /* podman makes it at its start */
      struct pollfd p[2] = { { .fd = g->stop_fd, .events = POLLIN },
                             { .fd = watch, .events = POLLIN } };
      if (TEMP_FAILURE_RETRY (poll (p, watch >= 0 ? 2 : 1, watch >= 0 ? -1 : 100)) < 0
          || p[0].revents)
        break;
      if (watch >= 0 && p[1].revents)
        record_exits (g, watch, dir, &lost);
      if (lost)
        {
          close (watch);
          watch = -1;
        }
    }
  if (watch >= 0)
    close (watch);
  return NULL;
}

int
gateway_exits_watch (struct gateway *g)
{
  return pthread_create (&g->exits_watcher, NULL, exits_run, g);
}

/* Watches the exits (and the record, through wake), asks the engine when
 * it initialised the container, acknowledges, waits and answers. */
static int
wait_and_answer (struct conn *c, const char *id, bool keep_alive)
{
  struct gw_containers *t = &c->g->containers;
  cleanup_free char *dir = exits_dir (c->g);
  int watch = watch_exits (dir), wake = gw_containers_watch_exit (t, id), code = -1, r;
  bool asked = gw_containers_initialised (t, id);
  char msg[512] = "";

  /* Watching (and asking, for an initialised container) first,
   * acknowledging second: the client starts the container only once it
   * has this head. */
  if (asked && ask (c, id) < 0)
    r = EXIT_WAIT_NO_ENGINE;
  else if (gw_write_all (c->client.fd, wait_head, sizeof wait_head - 1) < 0)
    r = EXIT_WAIT_CLIENT_GONE;
  else
    r = await_exit (c, id, asked, watch, wake, dir, &code, msg, sizeof msg);
  if (watch >= 0)
    close (watch);
  if (r == EXIT_WAIT_NO_ENGINE || r == EXIT_WAIT_CLIENT_GONE)
    {
      gw_containers_unwatch_exit (t, id, wake);
      if (r == EXIT_WAIT_NO_ENGINE)
        gw_send_error (c->client.fd, 503,
                       "podsock gateway: the container engine cannot be reached", false);
      upstream_close (c); /* and with it the engine's wait */
      return 0;
    }
  if (r == EXIT_WAIT_FAILED)
    log_warn ("gateway: the exit wait of container %.12s failed: %s", id, msg);
  gateway_wait_ending (c);
  r = send_status (c, code, msg);
  gw_containers_unwatch_exit (t, id, wake); /* after the answer: a failed start waits for it */
  if (r < 0)
    return 0;
  gateway_wait_ended (c);
  c->engine_idle = c->engine.fd >= 0;
  return keep_alive;
}

int
gateway_exit_wait (struct conn *c, const struct http_message *m)
{
  char discard_buf[256], id[72] = "";
  struct sink discard = { .fd = -1, .raw = true, .buf = discard_buf, .cap = sizeof discard_buf };

  /* The client's reference (a name, an id prefix) as the full id the
   * engine names the exit file after, and the only text that goes into
   * the engine's request. */
  strv_free (gw_containers_sources (&c->g->containers, c->x.t.id, id));
  /* A wait has no body; one that comes anyway is read and dropped. */
  gw_consume (&c->client, m->head_len);
  if (gw_pump_body (&c->client, m, &discard, (int) c->g->o.header_timeout_seconds * 1000, -1) < 0)
    return 0;
  if (id[0] == '\0')
    {
      /* removed since the wait was admitted */
      gw_send_error (c->client.fd, 404, "podsock gateway: no such container", false);
      return 0;
    }
  return wait_and_answer (c, id, m->keep_alive);
}
