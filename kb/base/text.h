/* Text normalisation with ICU, shared by indexing and querying: NFKC, case
 * folding, accent folding, and word segmentation for scripts written without
 * spaces (Chinese, Japanese, Thai). */
#ifndef KB_TEXT_H
#define KB_TEXT_H

#include <stddef.h>

#include "kb/base/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Normalises UTF-8 text into out (appended): NFKC, case folding, accents
 * removed from Latin, Greek and Cyrillic letters, and a space inserted
 * between the words of Thai, Lao, Khmer and Myanmar as ICU's dictionary
 * segmenter finds them. Chinese and Japanese runs are left whole for the
 * index's character bigrams (see text.c). Punctuation is kept,
 * so query syntax such as "quoted phrases" survives. Invalid UTF-8 is
 * replaced by U+FFFD. Returns 0, or KB_EINVAL when ICU fails. */
int kb_text_normalize(const char *s, size_t len, struct kb_buf *out);

/* As kb_text_normalize, but accents and stroke letters (й, ё, ş, ı) kept:
 * for a stemmer that reads them, whose stems are folded afterwards. */
int kb_text_normalize_accents(const char *s, size_t len, struct kb_buf *out);

/* Folds one word: NFKC, case fold, accents removed. Appends to out. */
int kb_text_fold(const char *s, size_t len, struct kb_buf *out);

/* Calls fn for each word of s with its byte span in s and its folded form
 * (borrowed for the call). Used to highlight matches in the original text.
 * A nonzero return from fn stops the walk. */
typedef int (*kb_text_word_fn)(void *ud, size_t start, size_t end,
                               const char *folded, size_t flen);
int kb_text_words(const char *s, size_t len, kb_text_word_fn fn, void *ud);

/* The offset of the first byte of s that is not valid UTF-8 (overlongs,
 * surrogates and values past U+10FFFF are not; nor is a NUL byte when
 * nul_bad), or (size_t)-1 when all of it is. */
size_t kb_utf8_check(const char *s, size_t len, int nul_bad);
/* 1 if s is valid UTF-8 (NUL bytes allowed). */
int kb_utf8_valid(const char *s, size_t len);
/* Copies s replacing invalid sequences with U+FFFD and dropping NUL bytes;
 * caller frees. */
char *kb_utf8_fix(const char *s, size_t len);

/* A copy of normalised query text (caller frees) with words joined by
 * "-", ".", "/", ":", "\\" or "@" typed apart, outside quotes and numbers:
 * Xapian's parser makes such pairs costly phrases. */
char *kb_text_unphrase(const char *norm);

/* The compounds of normalised text written with "-" or "." inside
 * ("wi-fi", "e-mail", "node.js") appended to out, each as one word ("wifi"),
 * space separated: the index holds both forms, so either finds the page. */
void kb_text_compounds(const char *norm, size_t len, struct kb_buf *out);

#ifdef __cplusplus
}
#endif
#endif
