/* HTML files (kb_ingest_buffer and kb_in_html), the editor's sanitiser
 * (kb_html_sanitize, checked against the allowlist, and its report of what it removed) and kb_html_text. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "kb/base/text.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_index_docs();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    fuzz_ingest("page.html", data, size, KB_IN_HTML);
    struct kb_san_report rep;
    char *clean = kb_html_sanitize_report((const char *)data, size, &rep);
    fuzz_check_html(clean);
    if (rep.n > KB_SAN_KINDS)
        fuzz_fail("the sanitiser's report has %zu kinds", rep.n);
    for (size_t i = 0; i < rep.n; i++)
        if (!rep.item[i].count || !memchr(rep.item[i].what, '\0', sizeof rep.item[i].what))
            fuzz_fail("the sanitiser's report has a bad item");
    free(clean);
    char *text = kb_html_text((const char *)data, size);
    if (!kb_utf8_valid(text, strlen(text)))
        fuzz_fail("kb_html_text gave invalid utf-8");
    free(text);
    return 0;
}
