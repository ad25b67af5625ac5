/* Bulk indexing on every core (bulk.h). Not written yet: every call fails. */
#include "kb/sync/bulk.h"

unsigned kb_bulk_jobs(size_t docs)
{
    (void)docs;
    return 0;
}

int kb_bulk_rebuild(struct kb_store *st, const char *dir, const struct kb_index_opts *opts,
                    unsigned jobs, size_t *count, struct kb_err *err)
{
    (void)st, (void)dir, (void)opts, (void)jobs, (void)count;
    return kb_err_set(err, KB_EINTERNAL, "bulk rebuild not written");
}

int kb_bulk_start(struct kb_index *ix, const char *dir, unsigned jobs, struct kb_bulk **out,
                  struct kb_err *err)
{
    (void)ix, (void)dir, (void)jobs;
    *out = NULL;
    return kb_err_set(err, KB_EINTERNAL, "bulk add not written");
}

int kb_bulk_feed(struct kb_bulk *b, struct kb_store *st, size_t *fed, struct kb_err *err)
{
    (void)b, (void)st, (void)fed;
    return kb_err_set(err, KB_EINTERNAL, "bulk add not written");
}

int kb_bulk_finish(struct kb_bulk *b, struct kb_store *st, struct kb_index **ixp,
                   struct kb_err *err)
{
    (void)b, (void)st, (void)ixp;
    return kb_err_set(err, KB_EINTERNAL, "bulk add not written");
}
