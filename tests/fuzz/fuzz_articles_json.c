/* Article records: the Zendesk Help Center export {"articles":[...]} and
 * article JSONL (kb_ingest_buffer, kb_in_articles_json and kb_in_jsonl). */
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
    fuzz_ingest("export.json", data, size, KB_IN_ARTICLES_JSON);
    fuzz_ingest("articles.jsonl", data, size, KB_IN_ARTICLES_JSONL);
    return 0;
}
