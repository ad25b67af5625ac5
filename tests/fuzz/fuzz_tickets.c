/* Resolved tickets: each input as ticket JSONL (kb_ingest_buffer and
 * kb_in_jsonl) and as ticket CSV (kb_ingest_buffer and kb_in_csv); both
 * fill tickets through kb_in_ticket_field and kb_in_ticket_finish. */
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
    fuzz_ingest("tickets.jsonl", data, size, KB_IN_TICKETS_JSONL);
    fuzz_ingest("tickets.csv", data, size, KB_IN_TICKETS_CSV);
    return 0;
}
