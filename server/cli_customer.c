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

/* The retention commands: each shows its setting, or sets it from DAYS. */
struct retention_cmd {
    const char *cmd, *what;
    int (*get)(struct kb_store *st);
    int (*set)(struct kb_store *st, int days, struct kb_err *err);
    const char *set_days, *set_keep;   /* printed after setting: %ld days, or 0 */
    const char *show_days, *show_keep; /* printed when shown: %d days, or 0 */
};

static const struct retention_cmd retention_cmds[] = {
    {"retention", "ticket retention", kb_retention_days, kb_retention_set_days,
     "tickets are kept %ld days after resolution\n", "tickets are kept for good\n",
     "tickets resolved more than %d days ago are erased daily\n",
     "tickets are kept for good (no retention set)\n"},
    {"contact-retention", "contact request retention", kb_contact_retention_days,
     kb_contact_retention_set_days, "contact requests are kept %ld days after they were made\n",
     "contact requests are kept for good\n",
     "contact requests made more than %d days ago are erased daily (once delivered or "
     "failed)\n", "contact requests are kept for good (no retention set)\n"},
    {"search-retention", "search log retention", kb_search_retention_days,
     kb_search_retention_set_days, "searches are kept %ld days, then counted in daily "
     "aggregates\n", "searches are kept for good\n",
     "searches logged more than %d days ago are folded into daily aggregates, once a day\n",
     "searches are kept for good\n"},
};

static const struct retention_cmd *retention_cmd(const char *cmd)
{
    for (size_t i = 0; i < sizeof retention_cmds / sizeof *retention_cmds; i++)
        if (!strcmp(cmd, retention_cmds[i].cmd))
            return &retention_cmds[i];
    return NULL;
}

static int retention(struct kb_store *st, const struct retention_cmd *c, const char *arg,
                     struct kb_err *err)
{
    if (!arg) {
        int d = c->get(st);
        if (d)
            printf(c->show_days, d);
        else
            printf("%s", c->show_keep);
        return 0;
    }
    char *end;
    long d = strtol(arg, &end, 10);
    if (*end || end == arg || d < 0 || d > KB_RETENTION_DAYS_MAX)
        return kb_err_set(err, KB_EINVAL, "%s must be 0 (keep) to %d days, not '%s'", c->what,
                          KB_RETENTION_DAYS_MAX, arg);
    int rc = c->set(st, (int)d, err);
    if (rc == 0 && d)
        printf(c->set_days, d);
    else if (rc == 0)
        printf("%s", c->set_keep);
    return rc;
}

int srv_cli_customer(const char *data, int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;
    if (!cmd || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(cmd ? stdout : stderr);
        return cmd ? 0 : 2;
    }
    int needs_id = strcmp(cmd, "export") == 0 || strcmp(cmd, "erase") == 0;
    const struct retention_cmd *keep = retention_cmd(cmd);
    if ((needs_id && argc != 3) || (!needs_id && (!keep || argc > 3))) {
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
    } else {
        rc = retention(st, keep, argc == 3 ? argv[2] : NULL, &err);
    }
    if (rc)
        fprintf(stderr, "kb-server customer: %s\n", err.msg);
    kb_store_close(st);
    return rc ? 1 : 0;
}
