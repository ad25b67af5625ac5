/* Shared by kb-indexer's subcommands: the data directory, opening the store
 * and index, option parsing helpers. */
#ifndef KB_INDEXER_CLI_H
#define KB_INDEXER_CLI_H

#include <stddef.h>

#include "kb/index/index.h"
#include "kb/store/store.h"

struct cli {
    const char *data; /* --data DIR */
    int quiet;
};

/* Each subcommand: argv[0] is its name. Returns the process exit status. */
int cmd_add(struct cli *c, int argc, char **argv);
int cmd_query(struct cli *c, int argc, char **argv);
int cmd_remove(struct cli *c, int argc, char **argv);
int cmd_rebuild(struct cli *c, int argc, char **argv);
int cmd_stats(struct cli *c, int argc, char **argv);
int cmd_sync(struct cli *c, int argc, char **argv);
int cmd_synonym(struct cli *c, int argc, char **argv);
int cmd_split(struct cli *c, int argc, char **argv); /* cmd_split.c */
int cmd_emerging(struct cli *c, int argc, char **argv); /* cmd_emerging.c */
int cmd_sync_rt(struct cli *c, int argc, char **argv); /* cmd_sync_rt.c */

/* Opens DATA/kb.sqlite3, creating DATA when create is set; prints the error
 * and returns NULL on failure. */
struct kb_store *cli_open_store(struct cli *c, int create);
/* DATA/index (static storage, valid until the next call). */
const char *cli_index_dir(struct cli *c);
/* Applies pending outbox rows when the index write lock is free; says so
 * when kb-server holds it. Returns 0, or 1 after printing an error. */
int cli_sync(struct cli *c, struct kb_store *st);
/* 1 when arg is "-h" or "--help". */
int cli_is_help(const char *arg);
/* Parses a non-negative integer option value; prints an error naming opt. */
int cli_parse_uint(const char *opt, const char *val, size_t max, size_t *out);
int cli_parse_double(const char *opt, const char *val, double *out);

#endif
