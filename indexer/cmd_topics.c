/* kb-indexer topics FILE.json: imports topic definitions (names,
 * descriptions, icons, positions of categories and sections). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kb/base/buf.h"
#include "kb/store/topic_store.h"

#define TOPICS_FILE_MAX (4u * 1024u * 1024u)

int cmd_topics(struct cli *c, int argc, char **argv)
{
    const char *usage = "usage: kb-indexer [--data DIR] topics FILE.json\n\n"
                        "Imports topics: a JSON array of {\"slug\", \"name\", \"description\", "
                        "\"icon\", \"position\", \"parent\", \"locale\"}.\nTopics an admin "
                        "edited keep the admin's version.\n";
    if (argc == 2 && cli_is_help(argv[1])) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc != 2) {
        fputs(usage, stderr);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "kb-indexer: cannot open '%s'\n", argv[1]);
        return 1;
    }
    struct kb_buf b = KB_BUF_INIT;
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= TOPICS_FILE_MAX)
        kb_buf_add(&b, chunk, got);
    fclose(f);
    if (b.len > TOPICS_FILE_MAX) {
        fprintf(stderr, "kb-indexer: '%s' is larger than %u bytes\n", argv[1], TOPICS_FILE_MAX);
        kb_buf_release(&b);
        return 1;
    }
    struct kb_store *st = cli_open_store(c, 1);
    if (!st) {
        kb_buf_release(&b);
        return 1;
    }
    struct kb_err err;
    size_t n = 0;
    int rc = kb_topic_import_json(st, b.data ? b.data : "", b.len, &n, &err);
    if (rc != 0)
        fprintf(stderr, "kb-indexer: '%s': %s\n", argv[1], err.msg);
    else if (!c->quiet)
        printf("topics: %zu imported\n", n);
    kb_store_close(st);
    kb_buf_release(&b);
    return rc ? 1 : 0;
}
