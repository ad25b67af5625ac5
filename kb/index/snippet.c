/* Search-result snippets (see snippet.h). Moved out of the Xapian shim: it
 * is text work only, and the project keeps C++ to the one index file. */
#include "kb/index/snippet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/buf.h"
#include "kb/base/err.h"
#include "kb/base/text.h"

/* Bytes handed to kb_text_words at a time at most: a text with one curly
 * quote used to go through ICU whole (converted to UTF-16, then its word
 * breaker); in pieces, its ASCII lines take kb_text_words' fast path. */
#define CHUNK 4096

struct span {
    size_t a, z; /* byte span of the matched word */
    int term;
};

struct scan {
    struct span *v;
    size_t n, cap;
    size_t base; /* offset of the piece being walked */
    kb_snippet_match_fn match;
    void *ud;
};

static uint64_t term_bit(int term)
{
    return (uint64_t)1 << (term < 63 ? term : 63);
}

static size_t bits(uint64_t m)
{
    size_t n = 0;
    for (; m; m &= m - 1)
        n++;
    return n;
}

static int on_word(void *ud, size_t start, size_t end, const char *folded, size_t flen)
{
    struct scan *c = ud;
    if (c->base + start > KB_SNIPPET_SCAN)
        return 1;
    int t = c->match(c->ud, folded, flen);
    if (t < 0)
        return 0;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->v = kb_xrealloc(c->v, c->cap * sizeof *c->v);
    }
    c->v[c->n++] = (struct span){c->base + start, c->base + end, t};
    return 0;
}

/* The first span of the best window: most distinct terms, then most
 * matches, within width bytes. */
static size_t best_window(const struct scan *c, size_t width)
{
    size_t best = 0, best_distinct = 0, best_count = 0;
    for (size_t i = 0; i < c->n; i++) {
        uint64_t m = 0;
        size_t count = 0;
        for (size_t j = i; j < c->n && c->v[j].z - c->v[i].a <= width; j++) {
            m |= term_bit(c->v[j].term);
            count++;
        }
        size_t d = bits(m);
        if (d > best_distinct || (d == best_distinct && count > best_count)) {
            best = i;
            best_distinct = d;
            best_count = count;
        }
    }
    return best;
}

/* Moves i back to the start of a UTF-8 character. */
static size_t char_start(const char *s, size_t len, size_t i)
{
    while (i > 0 && i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* Where the piece starting at off ends: whole lines of the same kind, all
 * ASCII or not, so that one curly quote does not send the whole text
 * through ICU (a line break always ends a word); at most about CHUNK bytes,
 * then cut at a space so that no word is cut in two (between characters
 * when there is none). */
static size_t piece_end(const char *s, size_t len, size_t off)
{
    size_t max = len - off <= CHUNK ? len : off + CHUNK;
    int kind = -1; /* 1: ASCII lines so far, 0: not */
    size_t i = off;
    while (i < max) {
        size_t eol = i;
        int ascii = 1;
        while (eol < len && s[eol] != '\n') {
            ascii &= (unsigned char)s[eol] < 0x80;
            eol++;
        }
        if (kind >= 0 && ascii != kind)
            return i;
        kind = ascii;
        if (eol >= max)
            break;
        i = eol + 1;
    }
    if (max == len)
        return len;
    for (size_t j = max; j < len && j < max + 256; j++)
        if (s[j] == ' ' || s[j] == '\n' || s[j] == '\t')
            return j;
    return char_start(s, len, max);
}

static char *finish(struct kb_buf *b)
{
    /* Paragraph breaks read as spaces in a one-line snippet. */
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] == '\n')
            b->data[i] = ' ';
    return kb_buf_detach(b);
}

static char *start_of(const char *src, size_t n, size_t width)
{
    struct kb_buf b = KB_BUF_INIT;
    size_t z = char_start(src, n, n < width ? n : width);
    while (z < n && z > width / 2 && src[z] != ' ')
        z--;
    z = char_start(src, n, z); /* no space in reach (Chinese): still cut between characters */
    kb_buf_add_html(&b, src, z);
    if (z < n)
        kb_buf_adds(&b, "\xE2\x80\xA6");
    return finish(&b);
}

char *kb_snippet_make(const char *text, size_t len, const char *fallback, size_t width,
                      size_t nterms, kb_snippet_match_fn match, void *ud)
{
    if (!width)
        width = 200;
    struct scan c = {NULL, 0, 0, 0, match, ud};
    for (size_t off = 0; nterms && off < len && off <= KB_SNIPPET_SCAN;) {
        size_t end = piece_end(text, len, off);
        c.base = off;
        if (kb_text_words(text + off, end - off, on_word, &c) != 0)
            break; /* past the scan limit (or ICU failed: keep what was found) */
        off = end;
    }
    if (c.n == 0) {
        if (len == 0 && fallback)
            return start_of(fallback, strlen(fallback), width);
        return start_of(text, len, width);
    }
    size_t best = best_window(&c, width);
    size_t first = c.v[best].a;
    /* Start a little before the first match, at a word boundary. */
    size_t a = first > width / 4 ? first - width / 4 : 0;
    a = char_start(text, len, a);
    if (a > 0) {
        for (size_t i = a; i < first; i++)
            if (text[i] == ' ' || text[i] == '\n') {
                a = i + 1;
                break;
            }
    }
    size_t z = a + width < len ? a + width : len;
    z = char_start(text, len, z);
    if (z < len) {
        size_t sp = z;
        while (sp > c.v[best].z && text[sp] != ' ')
            sp--;
        if (sp > c.v[best].z)
            z = sp;
    }
    struct kb_buf b = KB_BUF_INIT;
    if (a > 0)
        kb_buf_adds(&b, "\xE2\x80\xA6");
    size_t at = a;
    for (size_t i = 0; i < c.n; i++) {
        if (c.v[i].a < a || c.v[i].z > z)
            continue;
        kb_buf_add_html(&b, text + at, c.v[i].a - at);
        kb_buf_adds(&b, "<mark>");
        kb_buf_add_html(&b, text + c.v[i].a, c.v[i].z - c.v[i].a);
        kb_buf_adds(&b, "</mark>");
        at = c.v[i].z;
    }
    kb_buf_add_html(&b, text + at, z - at);
    if (z < len)
        kb_buf_adds(&b, "\xE2\x80\xA6");
    free(c.v);
    return finish(&b);
}
