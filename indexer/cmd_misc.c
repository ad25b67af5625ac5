/* kb-indexer remove, rebuild, stats, sync, synonym. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "kb/base/datadir.h"
#include "kb/sync/bulk.h"
#include "kb/sync/sync.h"

static int wants_help(int argc, char **argv, const char *text)
{
    for (int i = 1; i < argc; i++)
        if (cli_is_help(argv[i])) {
            fputs(text, stdout);
            return 1;
        }
    return 0;
}

int cmd_remove(struct cli *c, int argc, char **argv)
{
    if (wants_help(argc, argv,
                   "usage: kb-indexer [--data DIR] remove REF...\n\n"
                   "Deletes documents from the store and the index. REF is an article number\n"
                   "(KB-1042 or 1042), an article's source id, or a ticket id.\n"))
        return 0;
    if (argc < 2) {
        fprintf(stderr, "kb-indexer: remove needs a document number or id\n");
        return 2;
    }
    struct kb_store *st = cli_open_store(c, 0);
    if (!st)
        return 1;
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        struct kb_err err;
        int kind;
        int64_t number;
        if (kb_store_find(st, argv[i], &kind, &number, &err) != 0 ||
            kb_store_remove(st, kind, number, &err) != 0) {
            fprintf(stderr, "kb-indexer: %s\n", err.msg);
            failed = 1;
            continue;
        }
        if (!c->quiet)
            printf("removed %s %s\n", kb_kind_name(kind), argv[i]);
    }
    int rc = cli_sync(c, st);
    kb_store_close(st);
    return failed || rc;
}

int cmd_rebuild(struct cli *c, int argc, char **argv)
{
    if (wants_help(argc, argv,
                   "usage: kb-indexer [--data DIR] rebuild [--jobs N]\n\n"
                   "Recreates the index from the store alone (DIR/kb.sqlite3), building the new\n"
                   "index beside the old one and swapping it in when complete. Stop kb-server\n"
                   "first: it holds the index's write lock.\n\n"
                   "  --jobs N  build N shards in parallel and merge them (default or 0: the cores,\n"
                   "            for stores of several thousand documents; 1: one writer)\n"))
        return 0;
    unsigned jobs = 0;
    if (argc == 3 && strcmp(argv[1], "--jobs") == 0) {
        size_t j;
        if (cli_parse_uint("--jobs", argv[2], 64, &j) != 0)
            return 2;
        jobs = (unsigned)j; /* 0: the cores, as without it */
    } else if (argc > 1) {
        fprintf(stderr, "kb-indexer: rebuild: unknown option '%s'\n", argv[1]);
        return 2;
    }
    struct kb_store *st = cli_open_store(c, 0);
    if (!st)
        return 1;
    struct kb_index *probe = NULL;
    struct kb_err err;
    /* Refuse while kb-server holds the lock on the live index. */
    int rc = kb_index_open(cli_index_dir(c), KB_INDEX_WRITE, &probe, &err);
    if (rc == KB_EBUSY) {
        fprintf(stderr, "kb-indexer: %s; stop kb-server before rebuilding\n", err.msg);
        kb_store_close(st);
        return 1;
    }
    kb_index_close(probe);
    if (!jobs) {
        struct kb_store_stats s;
        jobs = 1;
        if (kb_store_stats(st, &s, &err) == 0)
            jobs = kb_bulk_jobs((size_t)(s.articles_public + s.articles_internal + s.tickets));
    }
    size_t n = 0;
    rc = jobs > 1 ? kb_bulk_rebuild(st, cli_index_dir(c), NULL, jobs, &n, &err)
                  : kb_sync_rebuild(st, cli_index_dir(c), NULL, &n, &err);
    kb_store_close(st);
    if (rc) {
        fprintf(stderr, "kb-indexer: rebuild failed: %s\n", err.msg);
        return 1;
    }
    if (!c->quiet)
        printf("rebuilt the index: %zu documents\n", n);
    return 0;
}

int cmd_stats(struct cli *c, int argc, char **argv)
{
    if (wants_help(argc, argv, "usage: kb-indexer [--data DIR] stats [--json]\n\n"
                               "Documents by kind, audience and status; index size; pending changes.\n"))
        return 0;
    int json = argc > 1 && strcmp(argv[1], "--json") == 0;
    struct kb_store *st = cli_open_store(c, 0);
    if (!st)
        return 1;
    struct kb_store_stats s;
    struct kb_err err;
    if (kb_store_stats(st, &s, &err) != 0) {
        fprintf(stderr, "kb-indexer: %s\n", err.msg);
        kb_store_close(st);
        return 1;
    }
    kb_store_close(st);
    uint64_t npub = 0, nint = 0;
    int64_t seq_pub = 0;
    struct kb_index *ix = NULL;
    if (kb_index_open(cli_index_dir(c), KB_INDEX_READ, &ix, &err) == 0) {
        kb_index_count(ix, KB_DB_PUBLIC, &npub, NULL);
        kb_index_count(ix, KB_DB_INTERNAL, &nint, NULL);
        kb_index_last_seq(ix, KB_DB_PUBLIC, &seq_pub, NULL);
        kb_index_close(ix);
    }
    long long tree_bytes = (long long)kb_tree_bytes(cli_index_dir(c));
    long long pending = s.last_seq - seq_pub;
    if (json) {
        printf("{\"articles_public\":%lld,\"articles_internal\":%lld,\"drafts\":%lld,"
               "\"archived\":%lld,\"tickets\":%lld,\"index_public\":%llu,\"index_internal\":%llu,"
               "\"index_bytes\":%lld,\"last_seq\":%lld,\"index_seq\":%lld,\"pending\":%lld}\n",
               (long long)s.articles_public, (long long)s.articles_internal, (long long)s.drafts,
               (long long)s.archived, (long long)s.tickets, (unsigned long long)npub,
               (unsigned long long)nint, (long long)tree_bytes, (long long)s.last_seq,
               (long long)seq_pub, pending);
        return 0;
    }
    printf("articles   %lld public, %lld internal published; %lld drafts, %lld archived\n",
           (long long)s.articles_public, (long long)s.articles_internal, (long long)s.drafts,
           (long long)s.archived);
    printf("tickets    %lld\n", (long long)s.tickets);
    printf("index      %llu public, %llu internal documents; %.1f MB on disk\n",
           (unsigned long long)npub, (unsigned long long)nint, tree_bytes / 1e6);
    printf("changes    %lld written, %lld applied to the index, %lld pending\n",
           (long long)s.last_seq, (long long)seq_pub, pending);
    return 0;
}

int cmd_sync(struct cli *c, int argc, char **argv)
{
    if (wants_help(argc, argv, "usage: kb-indexer [--data DIR] sync\n\n"
                               "Applies changes written to the store but not yet indexed (after an\n"
                               "interrupted run). kb-server does this itself while it runs.\n"))
        return 0;
    struct kb_store *st = cli_open_store(c, 0);
    if (!st)
        return 1;
    int rc = cli_sync(c, st);
    kb_store_close(st);
    return rc;
}

int cmd_synonym(struct cli *c, int argc, char **argv)
{
    const char *text = "usage: kb-indexer [--data DIR] synonym list\n"
                       "       kb-indexer [--data DIR] synonym add TERM SYNONYM\n"
                       "       kb-indexer [--data DIR] synonym remove TERM SYNONYM\n\n"
                       "Synonyms work both ways: a search for either finds the other.\n";
    if (wants_help(argc, argv, text))
        return 0;
    int list = argc == 2 && strcmp(argv[1], "list") == 0;
    int add = argc == 4 && strcmp(argv[1], "add") == 0;
    int del = argc == 4 && strcmp(argv[1], "remove") == 0;
    if (!list && !add && !del) {
        fputs(text, stderr);
        return 2;
    }
    struct kb_store *st = cli_open_store(c, add);
    if (!st)
        return 1;
    struct kb_err err;
    int rc = 0;
    if (list) {
        struct kb_synonym *s = NULL;
        size_t n = 0;
        if ((rc = kb_store_synonyms(st, &s, &n, &err)) == 0)
            for (size_t i = 0; i < n; i++)
                printf("%s\t%s\n", s[i].term, s[i].synonym);
        kb_synonyms_free(s, n);
    } else {
        rc = add ? kb_store_synonym_add(st, argv[2], argv[3], &err)
                 : kb_store_synonym_remove(st, argv[2], argv[3], &err);
        if (rc == 0) {
            struct kb_index *ix = NULL;
            rc = kb_index_open(cli_index_dir(c), KB_INDEX_WRITE, &ix, &err);
            if (rc == 0) {
                rc = kb_sync_synonyms(st, ix, &err);
                if (rc == 0)
                    rc = kb_index_commit(ix, -1, &err) ? 1 : 0;
                kb_index_close(ix);
            } else if (rc == KB_EBUSY) {
                fprintf(stderr, "kb-indexer: saved; kb-server will load it on its next reload\n");
                rc = 0;
            }
        }
    }
    if (rc)
        fprintf(stderr, "kb-indexer: %s\n", err.msg);
    kb_store_close(st);
    return rc ? 1 : 0;
}
