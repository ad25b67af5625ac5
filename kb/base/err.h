/* Error codes, the error record every kb_ function may fill, and the
 * allocation wrappers that abort on out-of-memory. A leaf: includes no other
 * kb/ module. */
#ifndef KB_ERR_H
#define KB_ERR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum kb_code {
    KB_OK = 0,
    KB_EINVAL = -1,   /* bad input from the caller: names what was wrong */
    KB_ENOTFOUND = -2,
    KB_EIO = -3,      /* file system or database I/O */
    KB_EBUSY = -4,    /* locked by another process */
    KB_EQUERY = -5,   /* query syntax */
    KB_ECORRUPT = -6, /* stored data is damaged */
    KB_ETOOBIG = -7,  /* over an explicit limit */
    KB_EFORMAT = -8,  /* a file or record is not in a format we read */
    KB_EEXIST = -9,
    KB_EINTERNAL = -10,
    KB_ENOSPC = -11,  /* the disk is full: nothing was written */
    KB_EROFS = -12    /* the data is on read-only storage: nothing was written */
};

/* An optional out-parameter: code plus a lowercase message with no full stop. */
struct kb_err {
    int code;
    char msg[512];
};

/* Fills err (if not NULL) with code and a printf-style message; returns code. */
int kb_err_set(struct kb_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err to KB_OK with an empty message. */
void kb_err_clear(struct kb_err *err);

/* A short constant name for a code ("invalid", "not found", ...). */
const char *kb_code_name(int code);

/* malloc/calloc/realloc/strdup that abort the process on out-of-memory. */
void *kb_xmalloc(size_t n);
void *kb_xcalloc(size_t n, size_t size);
void *kb_xrealloc(void *p, size_t n);
char *kb_xstrdup(const char *s);             /* NULL in, NULL out */
char *kb_xstrndup(const char *s, size_t n);  /* copies at most n bytes, NUL-terminates */

#ifdef __cplusplus
}
#endif
#endif
