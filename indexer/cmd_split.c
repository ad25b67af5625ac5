/* kb-indexer split: the arguments and the report of kb_sync_split
 * (kb/sync/split.h), which writes the store's documents into N shard
 * indexes for xapian-tcpsrv to serve and `kb-server --shard` to search. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "kb/base/datadir.h"
#include "kb/sync/split.h"

#define SPLIT_MAX_SHARDS 256

int cmd_split(struct cli *c, int argc, char **argv)
{
    size_t n = 0;
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs("usage: kb-indexer [--data DIR] split --shards N OUTDIR\n\n"
                  "Writes the store's indexed documents into OUTDIR/shard-0 ... shard-(N-1), each\n"
                  "with public/ and internal/ databases, choosing a document's shard by a stable\n"
                  "hash of its id. Serve shard K with two xapian-tcpsrv processes, public/ on\n"
                  "PORT and internal/ on PORT+1, and search them with\n"
                  "kb-server --shard HOST:PORT.\n"
                  "OUTDIR/shard-K must not exist yet.\n",
                  stdout);
            return 0;
        }
        if (strcmp(argv[i], "--shards") == 0 && i + 1 < argc) {
            if (cli_parse_uint("--shards", argv[++i], SPLIT_MAX_SHARDS, &n))
                return 2;
        } else if (argv[i][0] == '-' || out) {
            fprintf(stderr, "kb-indexer: split: unexpected argument '%s' (see split --help)\n",
                    argv[i]);
            return 2;
        } else {
            out = argv[i];
        }
    }
    if (n < 1 || !out) {
        fprintf(stderr, "kb-indexer: split needs --shards N (1-%d) and OUTDIR\n", SPLIT_MAX_SHARDS);
        return 2;
    }
    if (mkdir(out, KB_DIR_MODE) != 0 && errno != EEXIST) {
        fprintf(stderr, "kb-indexer: cannot create '%s': %s\n", out, strerror(errno));
        return 1;
    }
    struct kb_store *st = cli_open_store(c, 0);
    if (!st)
        return 1;
    size_t *count = kb_xcalloc(n, sizeof *count);
    /* The whole index, when there is one, for the public phrases. */
    struct kb_index *vocab = NULL;
    struct kb_err err;
    if (kb_index_open(cli_index_dir(c), KB_INDEX_READ, &vocab, &err) != 0)
        vocab = NULL;
    int status = 1;
    if (kb_sync_split(st, vocab, out, n, count, &err) != 0) {
        fprintf(stderr, "kb-indexer: split: %s\n", err.msg);
    } else {
        status = 0;
        if (!c->quiet)
            for (size_t k = 0; k < n; k++)
                printf("%s/shard-%zu: %zu documents\n", out, k, count[k]);
    }
    kb_index_close(vocab);
    free(count);
    kb_store_close(st);
    return status;
}
