/* `kb-server --data DIR customer ...`: a customer's data on request from the
 * command line (export as one JSON document, erase), and the retention
 * settings of tickets, contact requests and the search log. Works while kb-server runs: the server's index thread
 * applies an erasure; otherwise it is applied to the index here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/datadir.h"
#include "kb/store/customer.h"
#include "kb/store/retention.h"
#include "kb/sync/sync.h"
#include "srv.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: kb-server [--data DIR] customer COMMAND [ARGS]\n\n"
               "  export ID_OR_EMAIL   print everything held about a customer (the `customer`\n"
               "                       value of their tickets) as one JSON document\n"
               "  erase ID_OR_EMAIL    erase it: tickets, contact requests, linked events and\n"
               "                       searches, learning evidence; the index follows\n"
               "  retention [DAYS]     show or set how long resolved tickets are kept\n"
               "                       (0 = keep, the default); applied daily by kb-server\n"
               "  contact-retention [DAYS]  show or set how long contact requests are kept\n"
               "                       after they were made (0 = keep, the default; one not\n"
               "                       yet delivered stays); applied daily by kb-server\n"
               "  search-retention [DAYS]  show or set how long logged searches are kept\n"
               "                       (default 90; 0 = keep); older ones become daily\n"
               "                       aggregates for the analytics, daily by kb-server\n");
}

/* Applies the outbox to DIR/index unless a running server holds it. */
static void apply_index(const char *data, struct kb_store *st)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/index", data);
    struct kb_index *ix = NULL;
    struct kb_err err = {0, ""};
    int rc = kb_index_open(dir, KB_INDEX_WRITE, &ix, &err);
    if (rc == KB_EBUSY) {
        printf("the running kb-server updates the index\n");
        return;
    }
    if (rc == 0 && kb_sync_apply(st, ix, 0, NULL, &err) == 0)
        printf("index updated\n");
    else
        fprintf(stderr, "kb-server customer: the index is not updated yet (%s); kb-server or "
                        "'kb-indexer sync' will apply it\n", err.msg);
    kb_index_close(ix);
}

/* `contact-retention [DAYS]`: shows the setting, or sets it from arg. */
static int contact_retention(struct kb_store *st, const char *arg, struct kb_err *err)
{
    if (arg) {
        char *end;
        long d = strtol(arg, &end, 10);
        if (*end || end == arg || d < 0 || d > KB_RETENTION_DAYS_MAX)
            d = -1;
        int rc = kb_contact_retention_set_days(st, (int)d, err);
        if (rc == 0)
            printf(d ? "contact requests are kept %ld days after they were made\n"
                     : "contact requests are kept for good\n", d);
        return rc;
    }
    int d = kb_contact_retention_days(st);
    if (d)
        printf("contact requests made more than %d days ago are erased daily (once delivered "
               "or failed)\n", d);
    else
        printf("contact requests are kept for good (no retention set)\n");
    return 0;
}

/* `search-retention [DAYS]`: shows the setting, or sets it from arg. */
static int search_retention(struct kb_store *st, const char *arg, struct kb_err *err)
{
    if (arg) {
        char *end;
        long d = strtol(arg, &end, 10);
        if (*end || end == arg || d < 0 || d > KB_RETENTION_DAYS_MAX)
            d = -1;
        int rc = kb_search_retention_set_days(st, (int)d, err);
        if (rc == 0)
            printf(d ? "searches are kept %ld days, then counted in daily aggregates\n"
                     : "searches are kept for good\n", d);
        return rc;
    }
    int d = kb_search_retention_days(st);
    if (d)
        printf("searches logged more than %d days ago are folded into daily aggregates, "
               "once a day\n", d);
    else
        printf("searches are kept for good\n");
    return 0;
}

int srv_cli_customer(const char *data, int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;
    if (!cmd || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(cmd ? stdout : stderr);
        return cmd ? 0 : 2;
    }
    int needs_id = strcmp(cmd, "export") == 0 || strcmp(cmd, "erase") == 0;
    int searches = strcmp(cmd, "search-retention") == 0;
    int contacts = strcmp(cmd, "contact-retention") == 0;
    if ((needs_id && argc != 3) ||
        (!needs_id && ((strcmp(cmd, "retention") && !searches && !contacts) || argc > 3))) {
        usage(stderr);
        return 2;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/kb.sqlite3", data);
    struct kb_err err = {0, ""};
    struct kb_store *st = NULL;
    if (kb_datadir_prepare(data, 0, &err) != 0 || kb_store_open(path, &st, &err) != 0) {
        fprintf(stderr, "kb-server customer: %s\n", err.msg);
        return 1;
    }
    int rc = 0;
    if (strcmp(cmd, "export") == 0) {
        json_t *x = NULL;
        if ((rc = kb_customer_export(st, argv[2], &x, &err)) == 0) {
            json_dumpf(x, stdout, JSON_INDENT(1) | JSON_ENSURE_ASCII);
            printf("\n");
            json_decref(x);
        }
    } else if (strcmp(cmd, "erase") == 0) {
        struct kb_customer_erased o;
        if ((rc = kb_customer_erase(st, argv[2], &o, &err)) == 0) {
            printf("erased: %lld tickets, %lld contact requests (%lld deliveries), %lld events, "
                   "%lld feedback, %lld searches, %lld learning evidence rows; %lld articles "
                   "to reindex\n", (long long)o.tickets, (long long)o.contact_requests,
                   (long long)o.contact_deliveries, (long long)o.events,
                   (long long)o.feedback, (long long)o.searches, (long long)o.evidence,
                   (long long)o.articles);
            apply_index(data, st);
        }
    } else if (searches) {
        rc = search_retention(st, argc == 3 ? argv[2] : NULL, &err);
    } else if (contacts) {
        rc = contact_retention(st, argc == 3 ? argv[2] : NULL, &err);
    } else if (argc == 3) {
        char *end;
        long d = strtol(argv[2], &end, 10);
        if (*end || end == argv[2])
            d = -1;
        if ((rc = kb_retention_set_days(st, (int)(d < 0 || d > KB_RETENTION_DAYS_MAX ? -1 : d),
                                        &err)) == 0)
            printf(d ? "tickets are kept %ld days after resolution\n"
                     : "tickets are kept for good\n", d);
    } else {
        int d = kb_retention_days(st);
        if (d)
            printf("tickets resolved more than %d days ago are erased daily\n", d);
        else
            printf("tickets are kept for good (no retention set)\n");
    }
    if (rc)
        fprintf(stderr, "kb-server customer: %s\n", err.msg);
    kb_store_close(st);
    return rc ? 1 : 0;
}
