/* HTML files (kb_ingest_buffer and kb_in_html), the editor's sanitiser
 * (kb_html_sanitize, checked against the allowlist) and kb_html_text. */
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
    char *clean = kb_html_sanitize((const char *)data, size);
    fuzz_check_html(clean);
    free(clean);
    char *text = kb_html_text((const char *)data, size);
    if (!kb_utf8_valid(text, strlen(text)))
        fuzz_fail("kb_html_text gave invalid utf-8");
    free(text);
    return 0;
}
