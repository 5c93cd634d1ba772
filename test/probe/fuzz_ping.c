/* libFuzzer target for everything podsock-probe reads from outside: the
 * engine's HTTP answers (ping_parse_answer, ping_judge), its JSON answers
 * (report_parse_*), and the sidecar's status file (status_parse).
 *
 * The first byte picks the parser; the rest is its input.  Invariants
 * checked besides memory safety: a complete answer's body is NUL-terminated
 * and no larger than asked; a status file that parses formats to text that
 * parses to the same values. */
#include "report.h"

#include "ping.h"
#include <podsock/status.h>
#include <podsock/util.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
fuzz_answer (const char *buf, size_t len, size_t max_body)
{
  for (int eof = 0; eof <= 1; eof++)
    {
      cleanup_error podsock_error_t err = NULL;
      struct ping_answer a;
      int r = ping_parse_answer (buf, len, eof, max_body, &a, &err);

      if (r < 0 && (err == NULL || a.body != NULL))
        abort ();
      if (r == 0 && eof)
        abort (); /* nothing more will come: the parser must decide */
      if (r != 1)
        continue;
      if (!a.truncated && (a.body == NULL || a.body[a.body_len] != '\0' || a.body_len > max_body))
        abort ();
      ping_judge (a.status, a.body, a.body_len, a.truncated, &err);
      ping_answer_release (&a);
    }
}

static void
fuzz_status (const char *buf, size_t len)
{
  cleanup_error podsock_error_t err = NULL;
  struct podsock_status st, again;
  cleanup_free char *text = NULL;

  if (status_parse (buf, len, &st, &err) < 0)
    return;
  text = status_format (&st);
  if (text == NULL || status_parse (text, strlen (text), &again, &err) < 0)
    abort ();
  if (again.state != st.state || again.restarts != st.restarts || again.updated_ms != st.updated_ms
      || strcmp (again.driver, st.driver) != 0 || strcmp (again.reason, st.reason) != 0)
    abort ();
}

static void
fuzz_report (const char *buf, size_t len)
{
  cleanup_error podsock_error_t err = NULL;
  struct report_facts f = { .socket_path = "/s.sock", .now_ms = 1700000000000LL };
  struct engine_report r;
  cJSON *j;
  FILE *null;

  report_init (&r);
  report_parse_version (buf, len, &r, &err);
  report_parse_info (buf, len, &r, &err);
  report_parse_containers (buf, len, &r, &err);
  f.engine = &r;
  j = report_to_json (&f);
  cJSON_Delete (j);
  null = fopen ("/dev/null", "w");
  if (null)
    {
      report_print_text (null, &f);
      fclose (null);
    }
  report_release (&r);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *buf;
  size_t len;

  if (size < 1)
    return 0;
  buf = (const char *) data + 1;
  len = size - 1;
  switch (data[0] % 4)
    {
    case 0:
      fuzz_answer (buf, len, PING_MAX_BODY);
      break;
    case 1:
      fuzz_answer (buf, len, 16); /* small limits reach the truncation paths */
      break;
    case 2:
      fuzz_status (buf, len);
      break;
    default:
      fuzz_report (buf, len);
      break;
    }
  return 0;
}
