/* kb-indexer: the command-line ingester and query tool. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "kb/base/datadir.h"
#include "kb/sync/sync.h"

static const struct {
    const char *name;
    int (*fn)(struct cli *, int, char **);
    const char *what;
} commands[] = {
    {"add", cmd_add, "ingest files or directories (HTML, Markdown, DocBook, Mallard, JSON, JSONL, CSV)"},
    {"query", cmd_query, "search as a customer or an agent"},
    {"remove", cmd_remove, "delete documents by number (KB-1042) or source id"},
    {"rebuild", cmd_rebuild, "recreate the index from the store alone"},
    {"stats", cmd_stats, "counts of documents, index size, pending changes"},
    {"sync", cmd_sync, "apply pending changes to the index"},
    {"synonym", cmd_synonym, "list, add or remove admin synonyms"},
    {"split", cmd_split, "write the documents into N shard indexes for xapian-tcpsrv"},
    {"emerging", cmd_emerging, "emerging problems: one detection cycle, or a replay over past time"},
    {"sync-rt", cmd_sync_rt, "pull resolved tickets from Request Tracker (reopened ones leave)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: kb-indexer [--data DIR] COMMAND [ARGS]\n\n"
               "  --data DIR   data directory (default ./data): DIR/kb.sqlite3 and DIR/index/\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].what);
    fprintf(f, "\n'kb-indexer COMMAND --help' describes each.\n");
}

int cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_parse_uint(const char *opt, const char *val, size_t max, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = val ? strtoull(val, &end, 10) : 0;
    if (!val || !*val || *end || errno || val[0] == '-' || v > max) {
        fprintf(stderr, "kb-indexer: %s needs a whole number from 0 to %zu, not '%s'\n", opt, max,
                val ? val : "");
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int cli_parse_double(const char *opt, const char *val, double *out)
{
    char *end;
    double v = val ? strtod(val, &end) : 0;
    if (!val || !*val || *end || v < 0) {
        fprintf(stderr, "kb-indexer: %s needs a number >= 0, not '%s'\n", opt, val ? val : "");
        return -1;
    }
    *out = v;
    return 0;
}

struct kb_store *cli_open_store(struct cli *c, int create)
{
    struct kb_err derr;
    if (kb_datadir_prepare(c->data, create, &derr) != 0) {
        fprintf(stderr, "kb-indexer: %s\n", derr.msg);
        return NULL;
    }
    static char path[4096];
    snprintf(path, sizeof path, "%s/kb.sqlite3", c->data);
    struct stat sb;
    if (!create && stat(path, &sb) != 0) {
        fprintf(stderr, "kb-indexer: no knowledge base in '%s': run 'kb-indexer --data %s add PATH' first\n",
                c->data, c->data);
        return NULL;
    }
    struct kb_store *st = NULL;
    struct kb_err err;
    if (kb_store_open(path, &st, &err) != 0) {
        fprintf(stderr, "kb-indexer: %s\n", err.msg);
        return NULL;
    }
    return st;
}

const char *cli_index_dir(struct cli *c)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/index", c->data);
    return path;
}

int cli_sync(struct cli *c, struct kb_store *st)
{
    struct kb_index *ix = NULL;
    struct kb_err err;
    int rc = kb_index_open(cli_index_dir(c), KB_INDEX_WRITE, &ix, &err);
    if (rc == KB_EBUSY) {
        if (!c->quiet)
            fprintf(stderr, "kb-indexer: the index is open in kb-server, which applies the changes\n");
        return 0;
    }
    if (rc) {
        fprintf(stderr, "kb-indexer: %s\n", err.msg);
        return 1;
    }
    size_t applied = 0;
    rc = kb_sync_apply(st, ix, 0, &applied, &err);
    kb_index_close(ix);
    if (rc) {
        fprintf(stderr, "kb-indexer: cannot update the index: %s\n", err.msg);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct cli c = {"data", 0};
    int i = 1;
    /* The store and the index are for the service's user only, whatever
     * the umask (a shell's 022 would leave them readable by everyone). */
    umask(077);
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            c.data = argv[++i];
        } else if (strncmp(argv[i], "--data=", 7) == 0) {
            c.data = argv[i] + 7;
        } else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            c.quiet = 1;
        } else if (cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "kb-indexer: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    for (size_t k = 0; k < sizeof commands / sizeof *commands; k++)
        if (strcmp(argv[i], commands[k].name) == 0)
            return commands[k].fn(&c, argc - i, argv + i);
    fprintf(stderr, "kb-indexer: unknown command '%s'\n", argv[i]);
    usage(stderr);
    return 2;
}
