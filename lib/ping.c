#include <podsock/ping.h>
#include <podsock/util.h>

#include <curl/curl.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct body
{
  char buf[PING_MAX_BODY];
  size_t len;
  int truncated;
};

static size_t
on_body (char *data, size_t size, size_t nmemb, void *userdata)
{
  struct body *b = userdata;
  size_t n = size * nmemb;

  if (n > sizeof b->buf - b->len)
    {
      b->truncated = 1;
      return 0; /* aborts the transfer: the answer is too large to be a ping */
    }
  memcpy (b->buf + b->len, data, n);
  b->len += n;
  return n;
}

int
ping_judge (long http_status, const char *body, size_t body_len, int truncated,
            podsock_error_t *err)
{
  if (truncated)
    return podsock_error_make (err, 0, "answer to /_ping is larger than %d bytes",
                               PING_MAX_BODY);
  if (http_status != 200)
    return podsock_error_make (err, 0, "/_ping answered HTTP %ld", http_status);
  if (body_len != 2 || memcmp (body, "OK", 2) != 0)
    return podsock_error_make (err, 0, "/_ping answered 200 with an unexpected body (%zu bytes)",
                               body_len);
  return 0;
}

/* Names the usual reasons with what to check, rather than curl's words. */
static int
explain_connect_failure (const char *path, CURLcode rc, podsock_error_t *err)
{
  struct stat st;

  if (stat (path, &st) < 0)
    return podsock_error_make (err, errno, "socket %s", path);
  if (!S_ISSOCK (st.st_mode))
    return podsock_error_make (err, 0, "%s is not a socket", path);
  if (access (path, R_OK | W_OK) < 0)
    return podsock_error_make (err, errno,
                               "socket %s (uid %u is not in its group; check the pod's fsGroup)",
                               path, (unsigned) getuid ());
  return podsock_error_make (err, 0, "cannot connect to %s: %s", path, curl_easy_strerror (rc));
}

int
ping_engine (const char *socket_path, long timeout_ms, podsock_error_t *err)
{
  struct body b = { .len = 0 };
  long status = 0;
  CURLcode rc;
  CURL *c;
  int ret;

  c = curl_easy_init ();
  if (c == NULL)
    return podsock_error_make (err, 0, "curl_easy_init failed");
  curl_easy_setopt (c, CURLOPT_UNIX_SOCKET_PATH, socket_path);
  curl_easy_setopt (c, CURLOPT_URL, "http://d/_ping");
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt (c, CURLOPT_PROTOCOLS_STR, "http");
#endif
  curl_easy_setopt (c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt (c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt (c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (c, CURLOPT_WRITEDATA, &b);
  rc = curl_easy_perform (c);
  curl_easy_getinfo (c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (c);

  if (rc == CURLE_COULDNT_CONNECT)
    return explain_connect_failure (socket_path, rc, err);
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return podsock_error_make (err, 0, "no answer from %s within %ld ms", socket_path,
                               timeout_ms);
  if (rc != CURLE_OK && !b.truncated)
    return podsock_error_make (err, 0, "%s: %s", socket_path, curl_easy_strerror (rc));
  ret = ping_judge (status, b.buf, b.len, b.truncated, err);
  return ret;
}
