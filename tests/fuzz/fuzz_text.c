/* The ICU normaliser shared by indexing and querying: kb_text_normalize,
 * kb_text_fold, kb_text_words, kb_utf8_valid and kb_utf8_fix. Checks: the
 * output is valid UTF-8; word spans lie inside the input, in order, on
 * character boundaries; fixing valid UTF-8 changes nothing. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "kb/base/buf.h"
#include "kb/base/text.h"

struct words {
    const char *s;
    size_t len, last_end, n;
    int strict; /* the text is valid utf-8 */
};

static int on_word(void *ud, size_t start, size_t end, const char *folded, size_t flen)
{
    struct words *w = ud;
    if (start >= end || end > w->len || start < w->last_end)
        fuzz_fail("word span %zu-%zu (text %zu bytes, previous end %zu)", start, end, w->len,
                  w->last_end);
    if (w->strict && !kb_utf8_valid(w->s + start, end - start))
        fuzz_fail("word span %zu-%zu cuts a character", start, end);
    if (strlen(folded) != flen || !kb_utf8_valid(folded, flen))
        fuzz_fail("folded word is not valid utf-8 or its length is wrong");
    w->last_end = end;
    w->n++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    const char *s = (const char *)data;

    char *fixed = kb_utf8_fix(s, size);
    size_t flen = strlen(fixed);
    if (!kb_utf8_valid(fixed, flen))
        fuzz_fail("kb_utf8_fix gave invalid utf-8");
    if (kb_utf8_valid(s, size) && !memchr(s, 0, size) && (flen != size || memcmp(fixed, s, size)))
        fuzz_fail("kb_utf8_fix changed valid utf-8");

    /* The callers hand valid text on (parsers and the server check first). */
    struct kb_buf out = KB_BUF_INIT;
    if (kb_text_normalize(fixed, flen, &out) == 0 && !kb_utf8_valid(kb_buf_str(&out), out.len))
        fuzz_fail("kb_text_normalize gave invalid utf-8");
    kb_buf_reset(&out);
    if (kb_text_fold(fixed, flen, &out) == 0 && !kb_utf8_valid(kb_buf_str(&out), out.len))
        fuzz_fail("kb_text_fold gave invalid utf-8");
    kb_buf_release(&out);

    struct words w = {fixed, flen, 0, 0, 1};
    kb_text_words(fixed, flen, on_word, &w);

    /* And the raw bytes, as a careless caller might pass them. */
    struct kb_buf raw = KB_BUF_INIT;
    kb_text_normalize(s, size, &raw);
    kb_buf_release(&raw);
    struct words w2 = {s, size, 0, 0, 0};
    kb_text_words(s, size, on_word, &w2);
    free(fixed);
    return 0;
}
