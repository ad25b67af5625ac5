/* Text normalisation with ICU: NFKC + case fold + accent fold, and word
 * segmentation for scripts written without spaces. Pure-ASCII input takes a
 * fast path that only lowercases. ICU buffers never leave this file. */
#include "kb/base/text.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "kb/base/err.h"

/* ---- UTF-8 ---- */

/* Decodes one code point at s[i]; returns its length, or 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t len, size_t i, uint32_t *cp)
{
    unsigned char c = s[i];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if ((c & 0xE0) == 0xC0) {
        n = 2; v = c & 0x1F; min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3; v = c & 0x0F; min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (i + n > len)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[i + k] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i + k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

size_t kb_utf8_check(const char *s, size_t len, int nul_bad)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t cp;
    for (size_t i = 0; i < len;) {
        if (u[i] < 0x80) {
            if (u[i] == 0 && nul_bad)
                return i;
            i++;
            continue;
        }
        size_t n = utf8_decode(u, len, i, &cp);
        if (!n)
            return i;
        i += n;
    }
    return (size_t)-1;
}

int kb_utf8_valid(const char *s, size_t len)
{
    return kb_utf8_check(s, len, 0) == (size_t)-1;
}

char *kb_utf8_fix(const char *s, size_t len)
{
    struct kb_buf b = KB_BUF_INIT;
    const unsigned char *u = (const unsigned char *)s;
    uint32_t cp;
    size_t start = 0, i = 0;
    kb_buf_add(&b, "", 0);
    while (i < len) {
        size_t n = u[i] == 0 ? 0 : u[i] < 0x80 ? 1 : utf8_decode(u, len, i, &cp);
        if (n) {
            i += n;
            continue;
        }
        kb_buf_add(&b, s + start, i - start);
        if (u[i] != 0) /* a NUL byte is dropped, anything else replaced */
            kb_buf_adds(&b, "\xEF\xBF\xBD");
        i++;
        start = i;
    }
    kb_buf_add(&b, s + start, len - start);
    return kb_buf_detach(&b);
}

/* UTF-8 -> UTF-16 with, for each UTF-16 unit, the byte offset it came from
 * (map has n+1 entries; the last is len). Invalid bytes become U+FFFD. */
static UChar *to_utf16(const char *s, size_t len, int32_t *n_out, size_t **map_out)
{
    const unsigned char *u = (const unsigned char *)s;
    UChar *w = kb_xmalloc((len + 1) * sizeof *w);
    size_t *map = map_out ? kb_xmalloc((len + 1) * sizeof *map) : NULL;
    int32_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_decode(u, len, i, &cp);
        if (!k) {
            cp = 0xFFFD;
            k = 1;
        }
        if (cp < 0x10000) {
            if (map)
                map[n] = i;
            w[n++] = (UChar)cp;
        } else {
            if (map)
                map[n] = map[n + 1] = i;
            w[n++] = U16_LEAD(cp);
            w[n++] = U16_TRAIL(cp);
        }
        i += k;
    }
    if (map)
        map[n] = len;
    w[n] = 0;
    *n_out = n;
    if (map_out)
        *map_out = map;
    return w;
}

static void add_utf16(struct kb_buf *out, const UChar *w, int32_t n)
{
    char stack[512];
    int32_t need = 0;
    UErrorCode st = U_ZERO_ERROR;
    u_strToUTF8WithSub(stack, sizeof stack, &need, w, n, 0xFFFD, NULL, &st);
    if (U_SUCCESS(st) && need <= (int32_t)sizeof stack) {
        kb_buf_add(out, stack, (size_t)need);
        return;
    }
    char *heap = kb_xmalloc((size_t)need + 1);
    st = U_ZERO_ERROR;
    u_strToUTF8WithSub(heap, need + 1, &need, w, n, 0xFFFD, NULL, &st);
    if (U_SUCCESS(st))
        kb_buf_add(out, heap, (size_t)need);
    free(heap);
}

/* ---- folding ---- */

static int is_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

static void add_ascii_lower(struct kb_buf *out, const char *s, size_t len)
{
    size_t at = out->len;
    kb_buf_add(out, s, len);
    for (size_t i = at; i < out->len; i++)
        if (out->data[i] >= 'A' && out->data[i] <= 'Z')
            out->data[i] += 'a' - 'A';
}

static int strips_marks(UChar32 base)
{
    UErrorCode st = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(base, &st);
    return sc == USCRIPT_LATIN || sc == USCRIPT_GREEK || sc == USCRIPT_CYRILLIC ||
           sc == USCRIPT_COMMON;
}

/* Letters that carry a "stroke" rather than a combining mark. */
static const char *stroke_fold(UChar32 c)
{
    switch (c) {
    case 0x00F8: return "o";  /* ø */
    case 0x0142: return "l";  /* ł */
    case 0x0111: return "d";  /* đ */
    case 0x0127: return "h";  /* ħ */
    case 0x0131: return "i";  /* ı */
    case 0x00E6: return "ae"; /* æ */
    case 0x0153: return "oe"; /* œ */
    case 0x00FE: return "th"; /* þ */
    default: return NULL;
    }
}

/* Folds UTF-16 w[0..n) (NFKC casefold, NFD, marks dropped after Latin, Greek
 * and Cyrillic bases, stroke letters mapped, NFC). Returns a new buffer. */
static UChar *fold16(const UChar *w, int32_t n, int32_t *n_out, UErrorCode *st, int strip)
{
    const UNormalizer2 *nfkc_cf = unorm2_getNFKCCasefoldInstance(st);
    const UNormalizer2 *nfd = unorm2_getNFDInstance(st);
    const UNormalizer2 *nfc = unorm2_getNFCInstance(st);
    if (U_FAILURE(*st))
        return NULL;
    int32_t cap = n * 3 + 16;
    UChar *a = kb_xmalloc((size_t)cap * sizeof *a);
    int32_t na = unorm2_normalize(nfkc_cf, w, n, a, cap, st);
    if (*st == U_BUFFER_OVERFLOW_ERROR) {
        *st = U_ZERO_ERROR;
        cap = na + 16;
        a = kb_xrealloc(a, (size_t)cap * sizeof *a);
        na = unorm2_normalize(nfkc_cf, w, n, a, cap, st);
    }
    if (U_FAILURE(*st)) {
        free(a);
        return NULL;
    }
    int32_t capb = na * 4 + 16;
    UChar *b = kb_xmalloc((size_t)capb * sizeof *b);
    int32_t nb = unorm2_normalize(nfd, a, na, b, capb, st);
    if (*st == U_BUFFER_OVERFLOW_ERROR) {
        *st = U_ZERO_ERROR;
        capb = nb + 16;
        b = kb_xrealloc(b, (size_t)capb * sizeof *b);
        nb = unorm2_normalize(nfd, a, na, b, capb, st);
    }
    if (U_FAILURE(*st)) {
        free(a);
        free(b);
        return NULL;
    }
    /* Strip marks in place into a (reuse: nb <= capacity check). */
    if (cap < nb * 2 + 16) {
        cap = nb * 2 + 16;
        a = kb_xrealloc(a, (size_t)cap * sizeof *a);
    }
    int32_t k = 0;
    UChar32 base = 0;
    for (int32_t i = 0; i < nb;) {
        UChar32 c;
        U16_NEXT(b, i, nb, c);
        if (strip && u_charType(c) == U_NON_SPACING_MARK && strips_marks(base))
            continue;
        base = c;
        const char *sf = strip ? stroke_fold(c) : NULL;
        if (sf) {
            for (; *sf; sf++)
                a[k++] = (UChar)*sf;
            continue;
        }
        U16_APPEND_UNSAFE(a, k, c);
    }
    int32_t nc = unorm2_normalize(nfc, a, k, b, capb, st);
    free(a);
    if (U_FAILURE(*st)) {
        free(b);
        return NULL;
    }
    *n_out = nc;
    return b;
}

int kb_text_fold(const char *s, size_t len, struct kb_buf *out)
{
    if (is_ascii(s, len)) {
        add_ascii_lower(out, s, len);
        return 0;
    }
    int32_t n, nf;
    UChar *w = to_utf16(s, len, &n, NULL);
    UErrorCode st = U_ZERO_ERROR;
    UChar *f = fold16(w, n, &nf, &st, 1);
    free(w);
    if (!f)
        return KB_EINVAL;
    add_utf16(out, f, nf);
    free(f);
    return 0;
}

/* ---- segmentation ---- */

static _Thread_local UBreakIterator *tl_brk;

/* Each thread's breaker is closed when the thread exits (server worker
 * threads come and go with the daemon), through a key destructor. */
static pthread_key_t brk_key;
static pthread_once_t brk_once = PTHREAD_ONCE_INIT;

static void brk_close(void *p)
{
    ubrk_close(p);
}

static void brk_key_init(void)
{
    pthread_key_create(&brk_key, brk_close);
}

static UBreakIterator *word_breaker(const UChar *w, int32_t n, UErrorCode *st)
{
    if (!tl_brk) {
        tl_brk = ubrk_open(UBRK_WORD, "", w, n, st);
        if (U_FAILURE(*st))
            return tl_brk = NULL;
        pthread_once(&brk_once, brk_key_init);
        pthread_setspecific(brk_key, tl_brk);
        return tl_brk;
    }
    ubrk_setText(tl_brk, w, n, st);
    return U_SUCCESS(*st) ? tl_brk : NULL;
}

/* 1 for code points of scripts written without spaces between words that
 * ICU's dictionaries segment well. Chinese and Japanese are left whole: the
 * index splits them into overlapping character bigrams (Xapian's CJK n-gram
 * mode), because ICU's dictionary misses much product vocabulary (it cuts
 * "路由器", router, into single characters) and bigrams find any word. */
static int spaceless(UChar32 c)
{
    return (c >= 0x0E00 && c <= 0x0EFF) ||  /* Thai, Lao */
           (c >= 0x1000 && c <= 0x109F) ||  /* Myanmar */
           (c >= 0x1780 && c <= 0x17FF);    /* Khmer */
}

static int normalize(const char *s, size_t len, int strip, struct kb_buf *out)
{
    if (is_ascii(s, len)) {
        add_ascii_lower(out, s, len);
        return 0;
    }
    int32_t n, nf;
    UChar *w = to_utf16(s, len, &n, NULL);
    UErrorCode st = U_ZERO_ERROR;
    UChar *f = fold16(w, n, &nf, &st, strip);
    free(w);
    if (!f)
        return KB_EINVAL;
    int any_spaceless = 0;
    for (int32_t i = 0; i < nf && !any_spaceless;) {
        UChar32 c;
        U16_NEXT(f, i, nf, c);
        any_spaceless = spaceless(c);
    }
    if (!any_spaceless) {
        add_utf16(out, f, nf);
        free(f);
        return 0;
    }
    /* ICU's segmenter finds word boundaries inside spaceless runs; two word
     * segments that touch get a space between them. */
    UBreakIterator *bi = word_breaker(f, nf, &st);
    if (!bi) {
        free(f);
        return KB_EINVAL;
    }
    int prev_word = 0;
    int32_t prev = ubrk_first(bi);
    for (int32_t end = ubrk_next(bi); end != UBRK_DONE; prev = end, end = ubrk_next(bi)) {
        int is_word = ubrk_getRuleStatus(bi) != UBRK_WORD_NONE;
        if (is_word && prev_word)
            kb_buf_addc(out, ' ');
        add_utf16(out, f + prev, end - prev);
        prev_word = is_word;
    }
    static const UChar empty[1] = {0};
    ubrk_setText(bi, empty, 0, &st);
    free(f);
    return 0;
}

int kb_text_normalize(const char *s, size_t len, struct kb_buf *out)
{
    return normalize(s, len, 1, out);
}

int kb_text_normalize_accents(const char *s, size_t len, struct kb_buf *out)
{
    return normalize(s, len, 0, out);
}

int kb_text_words(const char *s, size_t len, kb_text_word_fn fn, void *ud)
{
    struct kb_buf fold = KB_BUF_INIT;
    int rc = 0;
    if (is_ascii(s, len)) {
        size_t i = 0;
        while (i < len) {
            while (i < len && !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                                (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
                i++;
            size_t start = i;
            while (i < len && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                               (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
                               (s[i] == '\'' && i + 1 < len && i > start &&
                                ((s[i + 1] | 32) >= 'a' && (s[i + 1] | 32) <= 'z'))))
                i++;
            if (i > start) {
                kb_buf_reset(&fold);
                add_ascii_lower(&fold, s + start, i - start);
                if ((rc = fn(ud, start, i, fold.data, fold.len)))
                    break;
            }
        }
        kb_buf_release(&fold);
        return rc;
    }
    int32_t n;
    size_t *map;
    UChar *w = to_utf16(s, len, &n, &map);
    UErrorCode st = U_ZERO_ERROR;
    UBreakIterator *bi = word_breaker(w, n, &st);
    if (!bi) {
        free(w);
        free(map);
        return KB_EINVAL;
    }
    int32_t prev = ubrk_first(bi);
    for (int32_t end = ubrk_next(bi); end != UBRK_DONE; prev = end, end = ubrk_next(bi)) {
        if (ubrk_getRuleStatus(bi) == UBRK_WORD_NONE)
            continue;
        size_t a = map[prev], z = map[end];
        kb_buf_reset(&fold);
        if (kb_text_fold(s + a, z - a, &fold) != 0)
            continue;
        if ((rc = fn(ud, a, z, kb_buf_str(&fold), fold.len)))
            break;
    }
    /* The iterator keeps a pointer to w: point it at an empty text. */
    static const UChar empty[1] = {0};
    ubrk_setText(bi, empty, 0, &st);
    kb_buf_release(&fold);
    free(w);
    free(map);
    return rc;
}

/* ---- query text ---- */

static int query_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int query_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || query_digit(c) || c >= 0x80;
}

/* The query text with words joined by "-", ".", "/", ":", "\\" or "@" typed
 * apart ("command-line", "scriptforge.timer"): Xapian's parser makes each
 * such pair a phrase, and a phrase of common words means reading positions
 * of thousands of documents (30 ms on 100,000 documents against 2). As
 * separate words they still rank documents that have both first, and the
 * index holds them as separate words too. Numbers ("4.2") and phrases the
 * user quoted stay as typed. */
char *kb_text_unphrase(const char *norm)
{
    char *out = kb_xstrdup(norm ? norm : "");
    size_t n = strlen(out);
    int quoted = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c == '"') {
            quoted = !quoted;
            continue;
        }
        if (quoted || i == 0 || i + 1 >= n || !strchr("-./:\\@", c))
            continue;
        unsigned char a = (unsigned char)out[i - 1], z = (unsigned char)out[i + 1];
        if (query_word_byte(a) && query_word_byte(z) && !(query_digit(a) && query_digit(z)))
            out[i] = ' ';
    }
    return out;
}

/* The parts of one compound: at most this many, joined at most this long. */
enum { COMPOUND_PARTS = 4, COMPOUND_MAX = 32 };

static void add_joined(struct kb_buf *out, const char *s, const size_t *start,
                       const size_t *end, int from, int to)
{
    size_t total = 0;
    for (int p = from; p <= to; p++)
        total += end[p] - start[p];
    if (total > COMPOUND_MAX)
        return;
    if (out->len)
        kb_buf_addc(out, ' ');
    for (int p = from; p <= to; p++)
        kb_buf_add(out, s + start[p], end[p] - start[p]);
}

/* Words written with "-" or "." inside ("wi-fi", "e-mail", "node.js",
 * "wi-fi-netzwerk") appended to out as one word each, space separated:
 * every run of two or more adjacent parts that each begin with a letter
 * ("wifi", "wifinetzwerk", "finetzwerk"), so a search typed either way
 * finds the page. Numbers ("1.4", "v2-3") are not joined, nor a token of
 * more than COMPOUND_PARTS parts, nor a dotted one of more than two parts or
 * inside a path or address (host names, file names in URLs). */
void kb_text_compounds(const char *s, size_t len, struct kb_buf *out)
{
    size_t i = 0;
    while (i < len) {
        if (!query_word_byte((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t start[COMPOUND_PARTS], end[COMPOUND_PARTS];
        int np = 0;
        size_t j = i;
        for (;;) {
            size_t a = j;
            while (j < len && query_word_byte((unsigned char)s[j]))
                j++;
            if (np < COMPOUND_PARTS) {
                start[np] = a;
                end[np] = j;
            }
            np++;
            if (j + 1 < len && (s[j] == '-' || s[j] == '.') &&
                query_word_byte((unsigned char)s[j + 1])) {
                j++;
                continue;
            }
            break;
        }
        size_t first = start[0];
        i = j;
        if (np < 2 || np > COMPOUND_PARTS)
            continue;
        /* A dotted word is one name ("node.js"), not a host or file in a
         * path or address ("mail.google.com", "x.org/y", "a@b.c"). */
        int dotted = 0;
        for (size_t k = first; k < j && !dotted; k++)
            dotted = s[k] == '.';
        if (dotted && (np > 2 || (first > 0 && strchr("/@:\\", s[first - 1])) ||
                       (j < len && strchr("/@:\\", s[j]))))
            continue;
        for (int from = 0; from < np; from++)
            for (int to = from + 1; to < np; to++) {
                int letters = 1;
                for (int p = from; p <= to && letters; p++)
                    letters = !query_digit((unsigned char)s[start[p]]);
                if (letters)
                    add_joined(out, s, start, end, from, to);
            }
    }
}
