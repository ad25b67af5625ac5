/* Shared by the libFuzzer targets: scratch directories, an ingest sink that
 * checks what every parser promises about the documents it hands back, and
 * an HTML oracle for the sanitiser's allowlist. Any broken promise aborts,
 * so libFuzzer records the input as a crash. */
#ifndef KB_FUZZ_COMMON_H
#define KB_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/doc.h"
#include "kb/index/index.h"
#include "kb/ingest/ingest.h"

/* Prints "fuzz: broken promise: ..." and aborts. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A new scratch directory on tmpfs when there is one (/dev/shm), removed at
 * exit. The returned path is static storage. */
const char *fuzz_tmpdir(const char *tag);

/* Checks a parsed document: required fields present, every string valid
 * UTF-8, tickets internal, html passes fuzz_check_html. */
void fuzz_check_doc(const struct kb_doc *d);

/* Checks that html, the output of the sanitiser or of a parser, holds only
 * allowlisted elements and attributes, and only safe URLs. */
void fuzz_check_html(const char *html);

/* The sink: checks each document, then (when fuzz_index_docs was called)
 * adds it to a scratch Xapian index, committing now and then. Counters are
 * for the target's own checks. */
struct fuzz_sink_state {
    size_t docs, bad;
};
extern struct fuzz_sink_state fuzz_sink_st;
extern const struct kb_ingest_sink fuzz_sink;
void fuzz_index_docs(void);

/* Runs kb_ingest_buffer under name through fuzz_sink; when the content is
 * not detected as want, also runs the format's parser on it directly (after
 * the checks the dispatcher makes), so each target keeps its parser busy. */
void fuzz_ingest(const char *name, const uint8_t *data, size_t size, int want);

/* A scratch data directory like kb-server's: kb.sqlite3 holding the sample
 * knowledge base (samples/ under $KB_FUZZ_ROOT, default "."), two synonyms,
 * one user per staff role (user_id[role]; password "fuzz-password-1"), an
 * admin session and an admin API token; index/ built from it. */
struct fuzz_kb {
    char data[256];
    char store_path[4096];
    char index_dir[4096];
    const char *root;
    int64_t user_id[4];
    const char *user_name[4];
    char token[72];
    char session[72];
};
void fuzz_kb_build(struct fuzz_kb *kb);

/* value with "@TOKEN@" and "@SESSION@" replaced by kb's admin credentials
 * (caller frees; len bytes in, *out_len bytes out, NULs kept). */
char *fuzz_kb_subst(const struct fuzz_kb *kb, const char *value, size_t len, size_t *out_len);

/* Splits off the first byte of the input as option bits. */
static inline unsigned fuzz_take_byte(const uint8_t **data, size_t *size)
{
    if (*size == 0)
        return 0;
    unsigned b = (*data)[0];
    (*data)++;
    (*size)--;
    return b;
}

#endif
