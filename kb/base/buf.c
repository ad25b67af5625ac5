/* Growable byte buffer. */
#include "kb/base/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/err.h"

void kb_buf_init(struct kb_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void kb_buf_release(struct kb_buf *b)
{
    free(b->data);
    kb_buf_init(b);
}

void kb_buf_reset(struct kb_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static void grow(struct kb_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = kb_xrealloc(b->data, cap);
    b->cap = cap;
}

void kb_buf_add(struct kb_buf *b, const void *p, size_t n)
{
    grow(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void kb_buf_adds(struct kb_buf *b, const char *s)
{
    kb_buf_add(b, s, strlen(s));
}

void kb_buf_addc(struct kb_buf *b, char c)
{
    kb_buf_add(b, &c, 1);
}

void kb_buf_vprintf(struct kb_buf *b, const char *fmt, va_list ap)
{
    char small[256];
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(small, sizeof small, fmt, cp);
    va_end(cp);
    if (n <= 0)
        return;
    if ((size_t)n < sizeof small) {
        kb_buf_add(b, small, (size_t)n);
        return;
    }
    grow(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void kb_buf_printf(struct kb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kb_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void kb_buf_add_html(struct kb_buf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        kb_buf_add(b, s + start, i - start);
        kb_buf_adds(b, rep);
        start = i + 1;
    }
    kb_buf_add(b, s + start, n - start);
}

char *kb_buf_detach(struct kb_buf *b)
{
    char *p = b->data ? b->data : kb_xstrdup("");
    kb_buf_init(b);
    return p;
}

const char *kb_buf_str(const struct kb_buf *b)
{
    return b->data ? b->data : "";
}
