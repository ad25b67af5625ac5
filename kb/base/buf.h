/* A growable byte buffer, always NUL-terminated. A leaf: includes no other
 * kb/ module but err.h's allocators. */
#ifndef KB_BUF_H
#define KB_BUF_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kb_buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
};

#define KB_BUF_INIT {NULL, 0, 0}

void kb_buf_init(struct kb_buf *b);
/* Frees the storage; the buffer may be reused after kb_buf_init. */
void kb_buf_release(struct kb_buf *b);
void kb_buf_reset(struct kb_buf *b); /* keeps capacity, length 0 */
void kb_buf_add(struct kb_buf *b, const void *p, size_t n);
void kb_buf_adds(struct kb_buf *b, const char *s);
void kb_buf_addc(struct kb_buf *b, char c);
void kb_buf_printf(struct kb_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void kb_buf_vprintf(struct kb_buf *b, const char *fmt, va_list ap);
/* Appends s with & < > " ' escaped for HTML text and attribute values. */
void kb_buf_add_html(struct kb_buf *b, const char *s, size_t n);
/* Returns the contents (caller frees; "" for an empty buffer) and resets b. */
char *kb_buf_detach(struct kb_buf *b);
/* The contents, "" when empty; borrowed until the next change to b. */
const char *kb_buf_str(const struct kb_buf *b);

#ifdef __cplusplus
}
#endif
#endif
