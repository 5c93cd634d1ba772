/* A container whose command cannot run: not found, or not executable.
 * podman initialises a container when a client attaches to it, so the
 * attach of docker run fails (409 from podman 4.3, 500 from 5.x) and the
 * docker CLI prints only "unable to upgrade to tcp, received 409" and exits
 * 1.  dockerd attaches, then fails the start; the CLI prints the cause and
 * exits 127 (not found) or 126 (not executable), codes it reads from
 * Docker's words in the message ("executable file not found", "permission
 * denied"), which crun's message does not hold.  So the gateway:
 * - answers such an attach itself: 101, and the stream of a container that
 *   never runs, held until the start has failed or the client goes;
 * - puts Docker's words in front of the engine's message when the start
 *   fails, and records the exit status dockerd gives the container (127,
 *   126) for the waits (exitwait.c). */
#include "gateway/internal.h"
#include <podsock/log.h>
#include <podsock/util.h>

#include <cjson/cJSON.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

/* How often a held attach looks whether its container's start failed. */
#define HELD_ATTACH_POLL_MS 50
#define ERROR_BODY_MAX (64 * 1024)
/* How long a failed start's answer waits for the container's exit waits. */
#define WAITS_ANSWERED_MS 2000

/* podman's define.ErrOCIRuntimeNotFound and ErrOCIRuntimePermissionDenied,
 * as the cause of its error answers, and the exit status dockerd gives. */
static const struct
{
  const char *cause, *docker_words;
  int code;
} cannot_run[] = {
  { "OCI runtime attempted to invoke a command that was not found",
    "executable file not found in $PATH", 127 },
  { "OCI permission denied", "permission denied", 126 },
};

/* The row of cannot_run that the engine's error body names, or -1; its
 * message in *message (NULL when it has none). */
static int
classify (const char *body, size_t len, char **message)
{
  cJSON *e = cJSON_ParseWithLength (body, len);
  const cJSON *cause = cJSON_GetObjectItemCaseSensitive (e, "cause");
  const cJSON *msg = cJSON_GetObjectItemCaseSensitive (e, "message");
  int row = -1;

  *message = cJSON_IsString (msg) ? xstrdup (msg->valuestring) : NULL;
  for (size_t i = 0; cJSON_IsString (cause) && i < ARRAY_SIZE (cannot_run); i++)
    if (strcmp (cause->valuestring, cannot_run[i].cause) == 0)
      row = (int) i;
  cJSON_Delete (e);
  return row;
}

/* 101 to the client, then nothing: its stdin is read and dropped, until
 * the container's start failed (its exit recorded), it is gone, or the
 * client hangs up.  wake: written to at either (or -1: a look every
 * HELD_ATTACH_POLL_MS). */
static void
hold (struct conn *c, int wake)
{
  static const char upgraded[] = "HTTP/1.1 101 UPGRADED\r\n"
                                 "Content-Type: application/vnd.docker.raw-stream\r\n"
                                 "Connection: Upgrade\r\n"
                                 "Upgrade: tcp\r\n"
                                 "Api-Version: 1.41\r\n"
                                 "\r\n";
  struct gw_containers *t = &c->g->containers;
  short events = POLLIN;
  char buf[4096];
  int code;

  if (gw_write_all (c->client.fd, upgraded, sizeof upgraded - 1) < 0)
    return;
  c->client.len = 0;
  while (!gw_containers_exit (t, c->x.t.id, &code) && gw_containers_known (t, c->x.t.id))
    {
      struct pollfd p[2] = { { .fd = c->client.fd, .events = events },
                             { .fd = wake, .events = POLLIN } };
      if (TEMP_FAILURE_RETRY (poll (p, 2, wake >= 0 ? -1 : HELD_ATTACH_POLL_MS)) < 0
          || (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)))
        break;
      if ((p[0].revents & POLLIN) && read (c->client.fd, buf, sizeof buf) <= 0)
        events = 0; /* stdin closed: the output side stays until the end */
      if (p[1].revents && read (wake, buf, sizeof (uint64_t)) < 0)
        continue;
    }
}

/* The attach of a container whose command cannot run, answered as dockerd
 * answers it.  1: the connection ends. */
static int
hold_attach (struct conn *c)
{
  int wake = gw_containers_watch_exit (&c->g->containers, c->x.t.id);

  hold (c, wake);
  gw_containers_unwatch_exit (&c->g->containers, c->x.t.id, wake);
  shutdown (c->client.fd, SHUT_WR);
  return 1;
}

/* The start failed: Docker's words first, the engine's status and message
 * after them; the exit status dockerd records, for the waits. */
static int
start_failed (struct conn *c, const struct http_message *r, int row, const char *message)
{
  cleanup_free char *msg = xasprintf ("%s: %s", cannot_run[row].docker_words,
                                      message ? message : "the container engine gave no message");

  gw_containers_set_exit (&c->g->containers, c->x.t.id, cannot_run[row].code);
  /* The client's waits first (docker run --rm reads its wait's status
   * after the start's error): the record woke them. */
  gw_containers_wait_unwatched (&c->g->containers, c->x.t.id, WAITS_ANSWERED_MS);
  podsock_log_fields (PODSOCK_LOG_INFO, "the container's command cannot run", "container",
                      c->x.t.id, "engine", message ? message : "", NULL);
  gw_send_error (c->client.fd, r->status, msg, r->keep_alive);
  return 0;
}

int
gateway_run_failed (struct conn *c, const struct http_message *r)
{
  struct sink body = { .fd = -1, .raw = true, .cap = ERROR_BODY_MAX };
  struct http_message hm = *r;
  cleanup_free char *head = xmalloc (r->head_len), *message = NULL;
  int row = -1, rc = 0;

  memcpy (head, c->engine.buf, r->head_len);
  gw_consume (&c->engine, r->head_len);
  body.buf = xmalloc (body.cap);
  if (gw_pump_body (&c->engine, &hm, &body, -1, c->client.fd) < 0)
    {
      gw_send_error (c->client.fd, 502,
                     "podsock gateway: the container engine's error answer could not be read "
                     "(cut short, or over 64 KiB); see the sidecar's log for the engine's state",
                     false);
      free (body.buf);
      return -1;
    }
  if (r->body == HTTP_BODY_LENGTH)
    row = classify (body.buf, body.len, &message);
  if (row >= 0 && c->x.t.route == ROUTE_START)
    rc = start_failed (c, r, row, message);
  else if (row >= 0 && gw_containers_known (&c->g->containers, c->x.t.id)
           && !gw_containers_started (&c->g->containers, c->x.t.id))
    rc = hold_attach (c);
  else if (gw_write_all (c->client.fd, head, r->head_len) < 0
           || gw_write_all (c->client.fd, body.buf, body.len) < 0)
    rc = -1;
  free (body.buf);
  return rc;
}
