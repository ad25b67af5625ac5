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

/* ---- probes: finding the words that may match without breaking the
 * whole text into words ----
 *
 * A word that matches a term (its stem, or itself) begins with the term's
 * first letters: English stems keep the start of the word and cut or
 * change its end ("instal" for "installation", "happi" for "happy"). So
 * the words to look at are those that start, ignoring ASCII case, with
 * one of the terms' first letters (the probes); every other word is
 * skipped unread. A non-ASCII byte where a probe or a word boundary is
 * compared may be a letter folded away (é, ß): such a place counts as a
 * candidate, so no real match is lost to folding. Only terms that are
 * ASCII have probes; any other term (Cyrillic, CJK) means the whole text
 * is broken into words, as before. */

#define PROBE_MAX 5

struct probes {
    char p[64][PROBE_MAX];
    unsigned char n[64];
    size_t count;
    uint64_t first[4]; /* first letters of probes, a bit per byte value */
};

static int ascii_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* 0 when some term cannot be probed (the whole text is scanned). */
static int probes_make(struct probes *pr, const char *const *terms, size_t nterms)
{
    memset(pr, 0, sizeof *pr);
    if (!terms || nterms == 0 || nterms > 64)
        return 0;
    for (size_t i = 0; i < nterms; i++) {
        const char *t = terms[i];
        size_t n = t ? strlen(t) : 0;
        if (n == 0)
            return 0;
        for (size_t k = 0; k < n; k++)
            if ((unsigned char)t[k] >= 0x80)
                return 0;
        /* The last letter of a stem is the one most often changed. */
        size_t k = n <= 2 ? n : n - 1 < PROBE_MAX ? n - 1 : PROBE_MAX;
        for (size_t j = 0; j < k; j++) {
            unsigned char ch = (unsigned char)t[j];
            pr->p[i][j] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        }
        pr->n[i] = (unsigned char)k;
        unsigned char f = (unsigned char)pr->p[i][0];
        pr->first[f >> 6] |= (uint64_t)1 << (f & 63);
        if (f >= 'a' && f <= 'z')
            pr->first[(f - 32) >> 6] |= (uint64_t)1 << ((f - 32) & 63);
    }
    pr->count = nterms;
    return 1;
}

/* Whether the text at s (n bytes left) may start a word matching a probe. */
static int probe_hit(const struct probes *pr, const unsigned char *s, size_t n)
{
    if (s[0] >= 0x80)
        return 1;
    if (!(pr->first[s[0] >> 6] >> (s[0] & 63) & 1))
        return 0;
    for (size_t i = 0; i < pr->count; i++) {
        size_t k = pr->n[i], j = 0;
        for (; j < k && j < n; j++) {
            unsigned char ch = s[j];
            if (ch >= 0x80)
                return 1;
            if ((ch >= 'A' && ch <= 'Z' ? ch + 32 : ch) != (unsigned char)pr->p[i][j])
                break;
        }
        if (j == k)
            return 1;
    }
    return 0;
}

/* Byte classes for the probed scan: a word's letters (ASCII letters and
 * digits, and any non-ASCII byte: a letter for all the scan can tell),
 * the underscore, and the marks that join two letters into one word. */
enum { C_LETTER = 1, C_UNDERSCORE = 2, C_JOIN = 4, C_COMMA = 8 };

static void classes(unsigned char cls[256])
{
    memset(cls, 0, 256);
    for (int ch = 0; ch < 256; ch++)
        if (ascii_alnum((unsigned char)ch) || ch >= 0x80)
            cls[ch] = C_LETTER;
    cls['_'] = C_UNDERSCORE;
    cls['\''] = cls['.'] = cls[':'] = C_JOIN;
    cls[','] = C_COMMA;
}

static int is_digit(unsigned char ch)
{
    return ch >= '0' && ch <= '9';
}

/* One word as a word breaker would see it, from i: letters and
 * underscores, joined across an apostrophe, a full stop or a colon between
 * two letters ("don't", "e.g", "1.5") and a comma between digits
 * ("1,000"). Returns its end; *hit says whether any of its parts (the
 * runs of letters) starts like a probe. */
static size_t word_scan(const struct probes *pr, const unsigned char *cls, const unsigned char *u,
                        size_t len, size_t i, int *hit)
{
    size_t z = i;
    *hit = 0;
    for (;;) {
        /* z starts a run of letters: a part. */
        if (!*hit && (pr->first[u[z] >> 6] >> (u[z] & 63) & 1 || u[z] >= 0x80))
            *hit = probe_hit(pr, u + z, len - z);
        while (z < len && cls[u[z]] & C_LETTER)
            z++;
        while (z < len && cls[u[z]] & C_UNDERSCORE)
            z++;
        if (z < len && cls[u[z]] & C_LETTER)
            continue; /* foo_bar */
        if (z + 1 < len && z > i && cls[u[z + 1]] & C_LETTER && cls[u[z - 1]] & C_LETTER &&
            (cls[u[z]] & C_JOIN ||
             (cls[u[z]] & C_COMMA && is_digit(u[z - 1]) && is_digit(u[z + 1])))) {
            z++;
            continue;
        }
        return z;
    }
}

/* Whether the byte before j continues the word j is in (so that j does
 * not start one): the backward reading of word_scan's rules. */
static int joined_before(const unsigned char *cls, const unsigned char *u, size_t len, size_t j)
{
    if (j == 0)
        return 0;
    unsigned char p = u[j - 1];
    if (cls[p] & (C_LETTER | C_UNDERSCORE))
        return 1;
    if (j < 2 || j >= len || !(cls[u[j]] & C_LETTER) || !(cls[u[j - 2]] & C_LETTER))
        return 0;
    return (cls[p] & C_JOIN) || (cls[p] & C_COMMA && is_digit(u[j - 2]) && is_digit(u[j]));
}

static int by_offset(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The matches among the words the probes pick: each such word goes
 * through kb_text_words alone, as in the whole-text scan. The places a
 * probe may start are found with memchr, one pass per first letter (in
 * either case), and a pass for non-ASCII bytes eight at a time, rather
 * than by reading every byte of a long body one by one. */
static void probe_scan(const struct probes *pr, const char *text, size_t len, struct scan *c)
{
    unsigned char cls[256];
    classes(cls);
    const unsigned char *u = (const unsigned char *)text;
    size_t lim = len < KB_SNIPPET_SCAN ? len : KB_SNIPPET_SCAN;
    size_t *at = NULL, n = 0, cap = 0;
#define PUSH(x)                                                    \
    do {                                                           \
        if (n == cap) {                                            \
            cap = cap ? cap * 2 : 64;                              \
            at = kb_xrealloc(at, cap * sizeof *at);                \
        }                                                          \
        at[n++] = (x);                                             \
    } while (0)
    /* A part of a word starts where the byte before is not a letter. */
    for (int ch = 1; ch < 128; ch++) {
        if (!(pr->first[ch >> 6] >> (ch & 63) & 1))
            continue;
        for (const unsigned char *p = memchr(u, ch, lim); p;
             p = (size_t)(p - u) + 1 < lim ? memchr(p + 1, ch, lim - (size_t)(p - u) - 1) : NULL) {
            size_t j = (size_t)(p - u);
            if ((j == 0 || !(cls[u[j - 1]] & C_LETTER)) && probe_hit(pr, p, len - j))
                PUSH(j);
        }
    }
    for (size_t j = 0; j < lim;) {
        if (j + 8 <= lim) {
            uint64_t w;
            memcpy(&w, u + j, 8);
            if (!(w & 0x8080808080808080ULL)) {
                j += 8;
                continue;
            }
        }
        if (u[j] >= 0x80 && (j == 0 || !(cls[u[j - 1]] & C_LETTER)))
            PUSH(j);
        j++;
    }
#undef PUSH
    if (n > 1)
        qsort(at, n, sizeof *at, by_offset);
    size_t done = 0; /* the end of the last word read */
    for (size_t k = 0; k < n; k++) {
        if (at[k] < done)
            continue;
        size_t i = at[k];
        while (joined_before(cls, u, len, i))
            i--;
        int hit;
        size_t z = word_scan(pr, cls, u, len, i, &hit);
        c->base = i;
        kb_text_words(text + i, z - i, on_word, c);
        done = z;
    }
    free(at);
}

char *kb_snippet_make(const char *text, size_t len, const char *fallback, size_t width,
                      size_t nterms, const char *const *terms, kb_snippet_match_fn match,
                      void *ud)
{
    if (!width)
        width = 200;
    struct scan c = {NULL, 0, 0, 0, match, ud};
    struct probes pr;
    if (nterms && probes_make(&pr, terms, nterms)) {
        probe_scan(&pr, text, len, &c);
    } else {
        for (size_t off = 0; nterms && off < len && off <= KB_SNIPPET_SCAN;) {
            size_t end = piece_end(text, len, off);
            c.base = off;
            if (kb_text_words(text + off, end - off, on_word, &c) != 0)
                break; /* past the scan limit (or ICU failed: keep what was found) */
            off = end;
        }
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
