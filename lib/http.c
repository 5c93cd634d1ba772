/* A strict HTTP/1.1 head parser: see include/podsock/http.h for what it
 * rejects and why. */
#include <podsock/http.h>

#include <string.h>
#include <strings.h>

static bool
is_tchar (unsigned char c)
{
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
    return true;
  return c != 0 && strchr ("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool
is_field_vchar (unsigned char c)
{
  return (c >= 0x21 && c <= 0x7e) || c >= 0x80 || c == ' ' || c == '\t';
}

static int
reject (struct http_message *m, int status, podsock_error_t *err, const char *what)
{
  m->reject_status = status;
  return podsock_error_make (err, 0, "malformed HTTP message: %s", what);
}

/* Finds the end of the line starting at p: returns the offset of its CR, or
 * -1 when no CRLF ends it yet, or -2 on a bare CR or bare LF. */
static ssize_t
line_end (const char *p, size_t len)
{
  for (size_t i = 0; i < len; i++)
    {
      if (p[i] == '\n')
        return -2;
      if (p[i] == '\r')
        {
          if (i + 1 == len)
            return -1;
          return p[i + 1] == '\n' ? (ssize_t) i : -2;
        }
    }
  return -1;
}

static bool
span_eq (const char *s, size_t n, const char *lit)
{
  return strlen (lit) == n && strncasecmp (s, lit, n) == 0;
}

bool
http_header_has_token (const struct http_header *h, const char *token)
{
  const char *p = h->value, *end = h->value + h->value_len;

  while (p < end)
    {
      const char *comma = memchr (p, ',', end - p);
      const char *e = comma ? comma : end;
      const char *s = p;
      while (s < e && (*s == ' ' || *s == '\t'))
        s++;
      const char *t = e;
      while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
        t--;
      if (span_eq (s, t - s, token))
        return true;
      p = e + 1;
    }
  return false;
}

const struct http_header *
http_find_header (const struct http_message *m, const char *name)
{
  for (size_t i = 0; i < m->n_headers; i++)
    if (span_eq (m->headers[i].name, m->headers[i].name_len, name))
      return &m->headers[i];
  return NULL;
}

/* One "name: value" line (without CRLF). */
static int
parse_field (const char *p, size_t n, struct http_message *m, podsock_error_t *err)
{
  struct http_header *h;
  size_t i = 0;

  if (n > 0 && (p[0] == ' ' || p[0] == '\t'))
    return reject (m, 400, err, "obs-fold (a header line starting with whitespace)");
  while (i < n && is_tchar ((unsigned char) p[i]))
    i++;
  if (i == 0 || i == n || p[i] != ':')
    return reject (m, 400, err, "a header field name with a bad character, or no colon");
  if (m->n_headers == HTTP_MAX_HEADERS)
    return reject (m, 431, err, "more than 100 header fields");
  h = &m->headers[m->n_headers++];
  h->name = p;
  h->name_len = i;
  for (i++; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
    ;
  h->value = p + i;
  for (; i < n; i++)
    if (!is_field_vchar ((unsigned char) p[i]))
      return reject (m, 400, err, "a control character in a header value");
  h->value_len = p + n - h->value;
  while (h->value_len > 0
         && (h->value[h->value_len - 1] == ' ' || h->value[h->value_len - 1] == '\t'))
    h->value_len--;
  return 0;
}

static int
parse_content_length (const struct http_header *h, struct http_message *m, podsock_error_t *err)
{
  uint64_t v = 0;

  if (h->value_len == 0 || h->value_len > 18)
    return reject (m, 400, err, "Content-Length is empty or too large");
  for (size_t i = 0; i < h->value_len; i++)
    {
      if (h->value[i] < '0' || h->value[i] > '9')
        return reject (m, 400, err, "Content-Length is not a decimal number");
      v = v * 10 + (uint64_t) (h->value[i] - '0');
    }
  m->content_length = v;
  return 0;
}

/* Body framing and connection options from the header fields. */
static int
parse_framing (struct http_message *m, podsock_error_t *err)
{
  const struct http_header *cl = NULL, *te = NULL;
  bool conn_close = false, conn_keep = false, conn_upgrade = false, has_upgrade = false;

  for (size_t i = 0; i < m->n_headers; i++)
    {
      const struct http_header *h = &m->headers[i];
      if (span_eq (h->name, h->name_len, "content-length"))
        {
          if (cl)
            return reject (m, 400, err, "more than one Content-Length");
          cl = h;
        }
      else if (span_eq (h->name, h->name_len, "transfer-encoding"))
        {
          if (te)
            return reject (m, 400, err, "more than one Transfer-Encoding");
          te = h;
        }
      else if (span_eq (h->name, h->name_len, "connection"))
        {
          conn_close |= http_header_has_token (h, "close");
          conn_keep |= http_header_has_token (h, "keep-alive");
          conn_upgrade |= http_header_has_token (h, "upgrade");
        }
      else if (span_eq (h->name, h->name_len, "upgrade"))
        has_upgrade = true;
    }
  if (cl && te)
    return reject (m, 400, err, "both Content-Length and Transfer-Encoding");
  if (te)
    {
      if (m->minor == 0)
        return reject (m, 400, err, "Transfer-Encoding in an HTTP/1.0 message");
      if (!span_eq (te->value, te->value_len, "chunked"))
        return reject (m, 501, err, "a Transfer-Encoding other than chunked");
      m->body = HTTP_BODY_CHUNKED;
    }
  else if (cl)
    {
      if (parse_content_length (cl, m, err) < 0)
        return -1;
      m->body = m->content_length > 0 ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
    }
  m->keep_alive = m->minor >= 1 ? !conn_close : (conn_keep && !conn_close);
  m->upgrade = conn_upgrade && has_upgrade;
  return 0;
}

/* Header fields from p (just after the start line) to the blank line. */
static int
parse_fields (const char *buf, size_t len, size_t off, struct http_message *m, podsock_error_t *err)
{
  for (;;)
    {
      ssize_t e = line_end (buf + off, len - off);
      if (e == -2)
        return reject (m, 400, err, "a bare CR or LF (lines must end with CRLF)");
      if (e == -1)
        return len >= HTTP_MAX_HEAD ? reject (m, 431, err, "the head is larger than 64 KiB") : 0;
      if (off + e + 2 > HTTP_MAX_HEAD)
        return reject (m, 431, err, "the head is larger than 64 KiB");
      if (e == 0)
        {
          m->head_len = off + 2;
          if (parse_framing (m, err) < 0)
            return -1;
          return (int) m->head_len;
        }
      if (parse_field (buf + off, e, m, err) < 0)
        return -1;
      off += e + 2;
    }
}

static int
parse_version (const char *p, size_t n, struct http_message *m, podsock_error_t *err)
{
  if (n != 8 || memcmp (p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1'))
    return reject (m, 505, err, "not HTTP/1.0 or HTTP/1.1");
  m->minor = p[7] - '0';
  return 0;
}

static int
parse_request_line (const char *p, size_t n, struct http_message *m, podsock_error_t *err)
{
  size_t i = 0, t;

  while (i < n && is_tchar ((unsigned char) p[i]))
    i++;
  if (i == 0 || i == n || p[i] != ' ')
    return reject (m, 400, err, "a bad method in the request line");
  m->method = p;
  m->method_len = i;
  t = ++i;
  while (i < n && p[i] >= 0x21 && p[i] <= 0x7e)
    i++;
  if (i == t || i == n || p[i] != ' ')
    return reject (m, 400, err, "a bad target in the request line");
  m->target = p + t;
  m->target_len = i - t;
  if (m->target[0] != '/' && !(m->target_len == 1 && m->target[0] == '*'))
    return reject (m, 400, err, "a request target that is not an absolute path");
  return parse_version (p + i + 1, n - i - 1, m, err);
}

static int
check_start (size_t len, ssize_t e, struct http_message *m, podsock_error_t *err)
{
  memset (m, 0, sizeof *m);
  if (e == -2)
    return reject (m, 400, err, "a bare CR or LF (lines must end with CRLF)");
  if (e == -1 && len >= HTTP_MAX_HEAD)
    return reject (m, 431, err, "the head is larger than 64 KiB");
  if (e >= HTTP_MAX_HEAD)
    return reject (m, 431, err, "the start line is larger than 64 KiB");
  return e == -1 ? 0 : 1;
}

/* A whole head: its start line (by start) and its fields.  > 0: the head's
 * length; 0: more bytes needed; -1: not a valid head. */
static int
parse_head (const char *buf, size_t len,
            int (*start) (const char *, size_t, struct http_message *, podsock_error_t *),
            struct http_message *m, podsock_error_t *err)
{
  ssize_t e = line_end (buf, len);
  int r = check_start (len, e, m, err);

  if (r <= 0)
    return r;
  if (start (buf, (size_t) e, m, err) < 0)
    return -1;
  return parse_fields (buf, len, (size_t) e + 2, m, err);
}

int
http_parse_request (const char *buf, size_t len, struct http_message *m, podsock_error_t *err)
{
  int r = parse_head (buf, len, parse_request_line, m, err);
  const struct http_header *host;

  if (r <= 0)
    return r;
  host = http_find_header (m, "host");
  if (m->minor == 1 && host == NULL)
    return reject (m, 400, err, "no Host field in an HTTP/1.1 request");
  for (size_t i = 0; host && i < m->n_headers; i++)
    if (&m->headers[i] != host && span_eq (m->headers[i].name, m->headers[i].name_len, "host"))
      return reject (m, 400, err, "more than one Host field");
  return r;
}

static int
parse_status_line (const char *p, size_t n, struct http_message *m, podsock_error_t *err)
{
  if (n < 12 || parse_version (p, 8, m, err) < 0 || p[8] != ' ')
    return reject (m, 502, err, "a bad status line");
  for (int i = 9; i < 12; i++)
    {
      if (p[i] < '0' || p[i] > '9')
        return reject (m, 502, err, "a bad status code");
      m->status = m->status * 10 + (p[i] - '0');
    }
  if (m->status < 100 || (n > 12 && p[12] != ' '))
    return reject (m, 502, err, "a bad status code");
  for (size_t i = 13; i < n; i++)
    if (!is_field_vchar ((unsigned char) p[i]))
      return reject (m, 502, err, "a control character in the reason phrase");
  return 0;
}

int
http_parse_response (const char *buf, size_t len, bool request_was_head, struct http_message *m,
                     podsock_error_t *err)
{
  int r = parse_head (buf, len, parse_status_line, m, err);

  if (r <= 0)
    {
      if (r < 0)
        m->reject_status = 502;
      return r;
    }
  if (m->status < 200 || m->status == 204 || m->status == 304 || request_was_head)
    m->body = HTTP_BODY_NONE;
  else if (m->body == HTTP_BODY_NONE && http_find_header (m, "content-length") == NULL)
    {
      m->body = HTTP_BODY_UNTIL_CLOSE;
      m->keep_alive = false;
    }
  return r;
}

enum
{
  CH_SIZE,       /* hex digits of a chunk size */
  CH_EXT,        /* ;extensions up to CR */
  CH_SIZE_LF,    /* LF after the size line */
  CH_DATA,       /* chunk data */
  CH_DATA_CR,    /* CR after the data */
  CH_DATA_LF,    /* LF after the data */
  CH_TRAILER,    /* start of a trailer line, or of the final CRLF */
  CH_TRAILER_IN, /* inside a trailer line */
  CH_TRAILER_LF, /* LF ending a trailer line */
  CH_END_LF,     /* LF of the final CRLF */
  CH_DONE,
};

#define CHUNK_LINE_MAX 4096

int
http_hexval (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static int
chunk_fail (podsock_error_t *err, const char *what)
{
  return podsock_error_make (err, 0, "malformed chunked body: %s", what);
}

/* The size line: hex digits, then an extension or its CR. */
static int
chunked_size_byte (struct http_chunked *c, char b, podsock_error_t *err)
{
  if (http_hexval (b) >= 0)
    {
      if (c->size >> 56)
        return chunk_fail (err, "a chunk size too large");
      c->size = c->size * 16 + (uint64_t) http_hexval (b);
      c->digits = true;
      return 0;
    }
  if (!c->digits)
    return chunk_fail (err, "a chunk size without hex digits");
  if (b == ';')
    c->state = CH_EXT;
  else if (b == '\r')
    c->state = CH_SIZE_LF;
  else
    return chunk_fail (err, "a bad character after the chunk size");
  return 0;
}

/* Inside a line (an extension or a trailer): CR ends it, then lf_state;
 * every other byte must be a field character. */
static int
line_text (struct http_chunked *c, char b, int lf_state, const char *what, podsock_error_t *err)
{
  if (b == '\r')
    c->state = lf_state;
  else if (!is_field_vchar ((unsigned char) b))
    return chunk_fail (err, what);
  return 0;
}

/* The LF after a line's CR, then next (a new line). */
static int
line_lf (struct http_chunked *c, char b, int next, const char *what, podsock_error_t *err)
{
  if (b != '\n')
    return chunk_fail (err, what);
  c->state = next;
  c->line_len = 0;
  return 0;
}

/* The trailer section: lines until an empty one. */
static int
chunked_trailer_byte (struct http_chunked *c, char b, podsock_error_t *err)
{
  switch (c->state)
    {
    case CH_TRAILER:
      c->state = b == '\r' ? CH_END_LF : CH_TRAILER_IN;
      if (b == ' ' || b == '\t' || b == '\n')
        return chunk_fail (err, "a bad trailer line");
      return 0;
    case CH_TRAILER_IN:
      return line_text (c, b, CH_TRAILER_LF, "a control character in a trailer", err);
    case CH_TRAILER_LF:
      return line_lf (c, b, CH_TRAILER, "a bare CR in a trailer", err);
    case CH_END_LF:
      return line_lf (c, b, CH_DONE, "a bare CR at the end of the body", err);
    default:
      return chunk_fail (err, "bytes after the end of the body");
    }
}

/* One byte outside chunk data.  Returns 0, or -1 on a framing error. */
static int
chunked_byte (struct http_chunked *c, char b, podsock_error_t *err)
{
  if (c->state != CH_DATA_CR && c->state != CH_DATA_LF && ++c->line_len > CHUNK_LINE_MAX)
    return chunk_fail (err, "a chunk-size or trailer line longer than 4 KiB");
  switch (c->state)
    {
    case CH_SIZE:
      return chunked_size_byte (c, b, err);
    case CH_EXT:
      return line_text (c, b, CH_SIZE_LF, "a control character in a chunk extension", err);
    case CH_SIZE_LF:
      return line_lf (c, b, c->size > 0 ? CH_DATA : CH_TRAILER, "a bare CR after the chunk size",
                      err);
    case CH_DATA_CR:
      if (b != '\r')
        return chunk_fail (err, "chunk data longer than its size");
      c->state = CH_DATA_LF;
      return 0;
    case CH_DATA_LF:
      c->digits = false;
      return line_lf (c, b, CH_SIZE, "a bare CR after chunk data", err);
    default:
      return chunked_trailer_byte (c, b, err);
    }
}

ssize_t
http_chunked_feed (struct http_chunked *c, const char *buf, size_t len, bool *done, char *data,
                   size_t *data_len, podsock_error_t *err)
{
  size_t i = 0;

  while (i < len && c->state != CH_DONE)
    {
      if (c->state == CH_DATA)
        {
          size_t n = len - i < c->size ? len - i : (size_t) c->size;
          if (data)
            {
              memcpy (data + *data_len, buf + i, n);
              *data_len += n;
            }
          c->size -= n;
          i += n;
          if (c->size == 0)
            c->state = CH_DATA_CR;
          continue;
        }
      if (chunked_byte (c, buf[i], err) < 0)
        return -1;
      i++;
    }
  *done = c->state == CH_DONE;
  return (ssize_t) i;
}
