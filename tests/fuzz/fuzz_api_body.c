/* The JSON (and form, and JSONL) request bodies of every route, through the
 * real handlers on a scratch knowledge base (srv_harness.c). Input:
 *     METHOD /path ROLE
 *     body...
 * e.g. "POST /api/v1/articles writer\n{\"title\":...}". The harness checks
 * each response (no 500, valid JSON with an error object for 4xx). */
#include "srv_harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_srv_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 128 * 1024)
        return 0;
    fuzz_srv_run_text(data, size, 0);
    return 0;
}
