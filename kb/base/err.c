/* Error records and aborting allocators. */
#include "kb/base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kb_err_set(struct kb_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void kb_err_clear(struct kb_err *err)
{
    if (err) {
        err->code = KB_OK;
        err->msg[0] = '\0';
    }
}

const char *kb_code_name(int code)
{
    switch (code) {
    case KB_OK: return "ok";
    case KB_EINVAL: return "invalid";
    case KB_ENOTFOUND: return "not found";
    case KB_EIO: return "i/o error";
    case KB_EBUSY: return "busy";
    case KB_EQUERY: return "bad query";
    case KB_ECORRUPT: return "corrupt";
    case KB_ETOOBIG: return "too big";
    case KB_EFORMAT: return "bad format";
    case KB_EEXIST: return "exists";
    case KB_ENOSPC: return "disk full";
    case KB_EROFS: return "read-only";
    default: return "internal error";
    }
}

static void oom(size_t n)
{
    fprintf(stderr, "kb: out of memory allocating %zu bytes\n", n);
    abort();
}

void *kb_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *kb_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *kb_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *kb_xstrdup(const char *s)
{
    return s ? kb_xstrndup(s, strlen(s)) : NULL;
}

char *kb_xstrndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    size_t len = strnlen(s, n);
    char *p = kb_xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
