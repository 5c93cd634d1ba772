/* A strict HTTP/1.1 message-head parser for the gateway (RFC 9110/9112).
 *
 * It reads the head of a request or a response in place (no copies): start
 * line, header fields, and the body framing that follows from them.  It is
 * strict where leniency lets two parsers disagree about where a message
 * ends (request smuggling): obs-fold, whitespace before the colon, bare CR
 * or LF, control characters, duplicate or malformed Content-Length,
 * Transfer-Encoding other than "chunked", and both framings together are all
 * rejected.  Why not a library: Debian 12 has no llhttp for C, and
 * libhttp-parser (nodejs's old http_parser) is deprecated upstream and
 * lenient by design (it accepts obs-fold and bare LF). */
#ifndef PODSOCK_HTTP_H
#define PODSOCK_HTTP_H

#include <podsock/error.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP_MAX_HEAD (64 * 1024) /* start line + header fields + blank line */
#define HTTP_MAX_HEADERS 100

struct http_header
{
  const char *name;
  size_t name_len;
  const char *value; /* without surrounding whitespace */
  size_t value_len;
};

enum http_body
{
  HTTP_BODY_NONE,
  HTTP_BODY_LENGTH,      /* content_length bytes */
  HTTP_BODY_CHUNKED,     /* chunked transfer coding */
  HTTP_BODY_UNTIL_CLOSE, /* responses only: until the server closes */
};

struct http_message
{
  const char *method; /* requests */
  size_t method_len;
  const char *target;
  size_t target_len;
  int status; /* responses */
  int minor;  /* HTTP/1.<minor> */
  size_t n_headers;
  struct http_header headers[HTTP_MAX_HEADERS];
  size_t head_len; /* bytes of the head, blank line included */
  enum http_body body;
  uint64_t content_length;
  bool keep_alive;
  bool upgrade;      /* Connection: upgrade with an Upgrade field */
  int reject_status; /* on error: the HTTP status to answer (400, 431, 501) */
};

/* Both return the head's length (> 0) when buf holds a whole head, 0 when
 * more bytes are needed, and -1 (with err set and m->reject_status) when
 * the bytes cannot be a valid head, or no head ends within HTTP_MAX_HEAD. */
int http_parse_request (const char *buf, size_t len, struct http_message *m, podsock_error_t *err);
int http_parse_response (const char *buf, size_t len, bool request_was_head, struct http_message *m,
                         podsock_error_t *err);

/* The first field named name (case-insensitive), or NULL. */
const struct http_header *http_find_header (const struct http_message *m, const char *name);

/* Does the value of field h hold token (a comma-separated list, case-insensitive)? */
bool http_header_has_token (const struct http_header *h, const char *token);

/* Follows a chunked body as its bytes pass by, so the gateway can forward
 * them untouched and still know where the message ends. */
struct http_chunked
{
  int state;
  uint64_t size;     /* of the current chunk: bytes left */
  unsigned line_len; /* bytes of the current size or trailer line */
  bool digits;
};

/* Consumes up to len bytes of buf.  Returns how many belong to the body
 * (all of them unless the body ends inside buf), or -1 on a framing error.
 * *done becomes true when the last byte of the body was consumed.  When
 * data is not NULL, the chunk data (decoded) is appended there: it must
 * have room for len bytes; *data_len grows by what was written. */
ssize_t http_chunked_feed (struct http_chunked *c, const char *buf, size_t len, bool *done,
                           char *data, size_t *data_len, podsock_error_t *err);

/* The value of a hexadecimal digit, or -1. */
int http_hexval (char c);

#endif
