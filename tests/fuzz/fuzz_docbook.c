/* DocBook articles and books (kb_ingest_buffer and kb_in_xml). */
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
    fuzz_ingest("guide.xml", data, size, KB_IN_DOCBOOK);
    return 0;
}
