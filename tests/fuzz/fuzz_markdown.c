/* Markdown with front matter (kb_ingest_buffer and kb_in_markdown) and the
 * editor's renderer kb_markdown_html, checked against the allowlist. */
#include <stdlib.h>

#include "fuzz_common.h"

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
    fuzz_ingest("article.md", data, size, KB_IN_MARKDOWN);
    char *html = kb_markdown_html((const char *)data, size);
    fuzz_check_html(html);
    free(html);
    return 0;
}
