/* kb-indexer query: the same search path customers and agents use. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kb/sync/hit_text.h"
#include "cli.h"
#include "kb/base/buf.h"
#include "kb/search/search.h"

static void help(void)
{
    printf("usage: kb-indexer [--data DIR] query [OPTIONS] WORDS...\n\n"
           "  --as ROLE          customer (default: public articles only) or agent\n"
           "  --json             print {\"hits\":[...],\"total\":N,\"corrected\":...}\n"
           "  --locale L         only documents in locale L, stemmed for it\n"
           "  --category C       only this category\n"
           "  --tag T            only this tag\n"
           "  --kind K           article or ticket\n"
           "  --limit N          hits per page (default 10, at most 1000)\n"
           "  --page N           page number, from 1\n"
           "Ranking (to see what each feature contributes; make eval takes the same):\n"
           "  --baseline         plain BM25, title and body as one field\n"
           "  --k1 X --b X       BM25 parameters\n"
           "  --title-weight X --phrase-weight X --near-weight X --asked-weight X\n"
           "  --group-weight X --prior-weight X --recency-weight X\n"
           "  --synonyms 0|1 --stopwords 0|1 --spelling 0|1 --joins 0|1\n"
           "  --prf DOCS:TERMS:WEIGHT\n");
}

/* <mark> to bold on a terminal, removed otherwise; entities decoded. */
static void print_snippet(const char *s, int tty)
{
    struct kb_buf b = KB_BUF_INIT;
    while (*s) {
        if (strncmp(s, "<mark>", 6) == 0) {
            kb_buf_adds(&b, tty ? "\033[1m" : "");
            s += 6;
        } else if (strncmp(s, "</mark>", 7) == 0) {
            kb_buf_adds(&b, tty ? "\033[0m" : "");
            s += 7;
        } else if (*s == '&') {
            static const struct { const char *ent, *ch; } ents[] = {
                {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}};
            size_t k = 0;
            for (; k < 5; k++)
                if (strncmp(s, ents[k].ent, strlen(ents[k].ent)) == 0)
                    break;
            if (k < 5) {
                kb_buf_adds(&b, ents[k].ch);
                s += strlen(ents[k].ent);
            } else {
                kb_buf_addc(&b, *s++);
            }
        } else {
            kb_buf_addc(&b, *s++);
        }
    }
    printf("    %s\n", kb_buf_str(&b));
    kb_buf_release(&b);
}

int cmd_query(struct cli *c, int argc, char **argv)
{
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    int role = KB_ROLE_CUSTOMER, json = 0;
    size_t page = 1, limit = 10;
    struct kb_buf q = KB_BUF_INIT;
    int i = 1, rc = 2;
    for (; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-' || strcmp(a, "--") == 0) {
            if (strcmp(a, "--") == 0)
                i++;
            break;
        }
        if (cli_is_help(a)) {
            help();
            rc = 0;
            goto out;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
            continue;
        } else if (strcmp(a, "--baseline") == 0) {
            kb_rank_opts_baseline(&o.rank);
            continue;
        }
        if (!v) {
            fprintf(stderr, "kb-indexer: query: %s needs a value\n", a);
            goto out;
        }
        i++;
        if (strcmp(a, "--as") == 0) {
            role = kb_role_parse(v);
            if (role < 0) {
                fprintf(stderr, "kb-indexer: --as is customer, agent, writer or admin, not '%s'\n", v);
                goto out;
            }
        } else if (strcmp(a, "--locale") == 0) {
            o.locale = v;
        } else if (strcmp(a, "--category") == 0) {
            o.category = v;
        } else if (strcmp(a, "--tag") == 0) {
            o.tag = v;
        } else if (strcmp(a, "--kind") == 0) {
            if (strcmp(v, "article") == 0)
                o.kind = KB_KIND_ARTICLE;
            else if (strcmp(v, "ticket") == 0)
                o.kind = KB_KIND_TICKET;
            else {
                fprintf(stderr, "kb-indexer: --kind is article or ticket, not '%s'\n", v);
                goto out;
            }
        } else if (strcmp(a, "--limit") == 0) {
            if (cli_parse_uint(a, v, 1000, &limit) || limit == 0) {
                if (limit == 0)
                    fprintf(stderr, "kb-indexer: --limit must be at least 1\n");
                goto out;
            }
        } else if (strcmp(a, "--page") == 0) {
            if (cli_parse_uint(a, v, 100000, &page) || page == 0) {
                if (page == 0)
                    fprintf(stderr, "kb-indexer: --page starts at 1\n");
                goto out;
            }
        } else {
            /* Every ranking knob, by the names the evaluation uses too. */
            struct kb_err kerr;
            if (kb_rank_opts_set(&o.rank, a, v, &kerr) != 0) {
                if (strncmp(kerr.msg, "unknown", 7) == 0)
                    fprintf(stderr, "kb-indexer: query: unknown option '%s'\n", a);
                else
                    fprintf(stderr, "kb-indexer: --%s\n", kerr.msg);
                goto out;
            }
        }
    }
    for (; i < argc; i++) {
        if (q.len)
            kb_buf_addc(&q, ' ');
        kb_buf_adds(&q, argv[i]);
    }
    if (!q.len && !o.category && !o.tag) {
        fprintf(stderr, "kb-indexer: query needs words to search for\n");
        goto out;
    }
    if (q.len > KB_QUERY_MAX_BYTES && role == KB_ROLE_CUSTOMER) {
        fprintf(stderr, "kb-indexer: query is %zu bytes; the limit is %d\n", q.len, KB_QUERY_MAX_BYTES);
        goto out;
    }
    o.query = kb_buf_str(&q);
    o.limit = limit;
    o.offset = (page - 1) * limit;

    struct kb_index *ix = NULL;
    struct kb_err err;
    rc = 1;
    if (kb_index_open(cli_index_dir(c), KB_INDEX_READ, &ix, &err) != 0) {
        fprintf(stderr, "kb-indexer: %s\n", err.msg);
        goto out;
    }
    /* Snippets come from the store's bodies; without a store (an index
     * copied alone), from summaries. */
    struct kb_store *st = NULL;
    char spath[4096];
    snprintf(spath, sizeof spath, "%s/kb.sqlite3", c->data);
    struct stat sb;
    if (stat(spath, &sb) == 0 && kb_store_open(spath, &st, &err) != 0)
        st = NULL;
    kb_hit_text_from_store(&o, st);
    struct kb_result *res = NULL;
    if (kb_search(ix, role, &o, &res, &err) != 0) {
        fprintf(stderr, "kb-indexer: %s\n", err.msg);
        kb_index_close(ix);
        kb_store_close(st);
        goto out;
    }
    if (json) {
        json_t *hits = json_array();
        for (size_t k = 0; k < res->nhits; k++) {
            const struct kb_hit *h = &res->hits[k];
            json_t *o2 = json_pack("{s:s, s:s, s:s?, s:f, s:s, s:s, s:I, s:s?}", "id", h->source_id,
                                   "title", h->title, "snippet", h->snippet, "score", h->score,
                                   "kind", kb_kind_name(h->kind), "audience",
                                   kb_audience_name(h->audience), "number", (json_int_t)h->number,
                                   "category", h->category);
            json_array_append_new(hits, o2);
        }
        json_t *root = json_pack("{s:o, s:I, s:s?}", "hits", hits, "total", (json_int_t)res->total,
                                 "corrected", res->corrected);
        char *s = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII * 0);
        puts(s);
        free(s);
        json_decref(root);
    } else {
        int tty = isatty(1);
        if (res->corrected)
            printf("showing results for: %s\n", res->corrected);
        printf("%llu matches\n", (unsigned long long)res->total);
        for (size_t k = 0; k < res->nhits; k++) {
            const struct kb_hit *h = &res->hits[k];
            char num[40] = "";
            if (h->kind == KB_KIND_ARTICLE)
                snprintf(num, sizeof num, "KB-%lld ", (long long)h->number);
            printf("%2zu. %s%s%s  [%s%s %s] %.2f\n", o.offset + k + 1, tty ? "\033[1m" : "", h->title,
                   tty ? "\033[0m" : "", num, kb_audience_name(h->audience), kb_kind_name(h->kind),
                   h->score);
            if (h->snippet)
                print_snippet(h->snippet, tty);
            printf("    %s\n", h->source_id);
        }
    }
    kb_result_free(res);
    kb_index_close(ix);
    kb_store_close(st);
    rc = 0;
out:
    kb_buf_release(&q);
    return rc;
}
