/* libFuzzer target for lib/http.c: the request and response head parsers
 * and the chunked-body follower, on the same bytes.  Checks invariants
 * besides "no crash": a parsed head lies inside the input, header fields
 * point into it, and the chunked follower agrees with itself whether fed
 * at once or byte by byte. */
#include <podsock/http.h>

#include <stdlib.h>
#include <string.h>

static void
check_message (const uint8_t *data, size_t size, const struct http_message *m, int r)
{
  if (r <= 0)
    return;
  if ((size_t) r != m->head_len || m->head_len > size || m->n_headers > HTTP_MAX_HEADERS)
    abort ();
  for (size_t i = 0; i < m->n_headers; i++)
    {
      const char *n = m->headers[i].name, *v = m->headers[i].value;
      if (n < (const char *) data || v + m->headers[i].value_len > (const char *) data + size)
        abort ();
    }
}

static void
check_chunked (const uint8_t *data, size_t size)
{
  struct http_chunked a = { 0 }, b = { 0 };
  podsock_error_t err = NULL;
  char *out = malloc (size + 1);
  size_t out_len = 0;
  bool done_a = false, done_b = false;
  ssize_t ra = http_chunked_feed (&a, (const char *) data, size, &done_a, out, &out_len, &err);
  size_t rb = 0;
  bool fail_b = false;

  podsock_error_free (&err);
  while (rb < size && !done_b)
    {
      ssize_t n = http_chunked_feed (&b, (const char *) data + rb, 1, &done_b, NULL, NULL, &err);
      podsock_error_free (&err);
      if (n < 0)
        {
          fail_b = true;
          break;
        }
      rb += (size_t) n;
    }
  if ((ra < 0) != fail_b || (ra >= 0 && ((size_t) ra != rb || done_a != done_b)))
    abort ();
  if (out_len > size)
    abort ();
  free (out);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct http_message *m = malloc (sizeof *m);
  podsock_error_t err = NULL;
  int r;

  r = http_parse_request ((const char *) data, size, m, &err);
  check_message (data, size, m, r);
  podsock_error_free (&err);
  r = http_parse_response ((const char *) data, size, size & 1, m, &err);
  check_message (data, size, m, r);
  podsock_error_free (&err);
  if (r > 0)
    check_chunked (data + r, size - (size_t) r);
  else
    check_chunked (data, size);
  free (m);
  return 0;
}
