// Opening and closing the index: local databases (a writer, or readers
// that reopen), remote shards, what a reader reads (kb_index_state), and
// document counts.
#include <filesystem>

#include "kb/index/index_int.h"

extern "C" {
#include "kb/base/log.h"
}

namespace kbi {

void open_readers(Index *ix)
{
    if (ix->mode == KB_INDEX_WRITE) {
        ix->pub = *ix->wpub;
        ix->both = Xapian::Database();
        ix->both.add_database(*ix->wpub);
        ix->both.add_database(*ix->wint);
    } else {
        ix->pub = Xapian::Database(ix->dir + "/public");
        ix->intl = Xapian::Database(ix->dir + "/internal");
        ix->both = Xapian::Database();
        ix->both.add_database(ix->pub);
        ix->both.add_database(ix->intl);
        ix->local_read = true;
    }
}

} // namespace kbi

using namespace kbi;

extern "C" {

void kb_index_opts_default(struct kb_index_opts *o)
{
    o->title_wdf = 1;
    o->spelling = 1;
}

int kb_index_open(const char *dir, int mode, struct kb_index **out, struct kb_err *err)
{
    *out = nullptr;
    kb_index *h = nullptr;
    try {
        h = new kb_index();
        h->ix.dir = dir;
        h->ix.mode = mode;
        kb_index_opts_default(&h->ix.opts);
        if (mode == KB_INDEX_WRITE) {
            std::filesystem::create_directories(h->ix.dir); // Xapian makes only the leaf
            kb_rec_clear_unborn((h->ix.dir + "/public").c_str());
            kb_rec_clear_unborn((h->ix.dir + "/internal").c_str());
            h->ix.wpub.reset(new Xapian::WritableDatabase(h->ix.dir + "/public",
                                                          Xapian::DB_CREATE_OR_OPEN));
            h->ix.wint.reset(new Xapian::WritableDatabase(h->ix.dir + "/internal",
                                                          Xapian::DB_CREATE_OR_OPEN));
            // The analysis an index was built with (index_int.h): an empty
            // index takes today's at its next commit; an older one is named
            // until rebuilt.
            h->ix.analysis_current = true;
            for (auto *w : {h->ix.wpub.get(), h->ix.wint.get()}) {
                if (w->get_doccount() == 0 || w->get_metadata(META_ANALYSIS) == ANALYSIS_VERSION)
                    continue;
                h->ix.analysis_current = false;
                if (w == h->ix.wpub.get())
                    kb_log(KB_LOG_WARN, "index: '%s' was built by an older text analysis "
                                        "(compounds, summaries, typeahead titles, Russian and "
                                        "Turkish stems, audience and product filters): run "
                                        "'kb-indexer rebuild'", h->ix.dir.c_str());
            }
            for (auto *w : {h->ix.wpub.get(), h->ix.wint.get()}) {
                std::string ub = w->get_value_upper_bound(SLOT_NUMBER);
                if (!ub.empty())
                    h->ix.number_max = std::max(
                        h->ix.number_max, int64_t(std::ceil(Xapian::sortable_unserialise(ub))));
            }
        }
        // A commit landing between reading the version file and a table's
        // root (two commits on a loaded machine) discards the revision
        // being opened, or shows a reused block as garbage: open again, as
        // a read retries (retry_read).
        retry_changed([h] { open_readers(&h->ix); });
        *out = h;
        return 0;
    } catch (...) {
        delete h;
        int rc = fail(err);
        if (err && rc == KB_ENOTFOUND)
            kb_err_set(err, KB_ENOTFOUND, "no index in '%s': run 'kb-indexer add' or 'rebuild' first", dir);
        return rc;
    }
}

int kb_index_open_remote(const char *const *hosts, const unsigned *ports, size_t n,
                         const char *lexicon, unsigned timeout_ms, struct kb_index **out,
                         struct kb_err *err)
{
    *out = nullptr;
    kb_index *h = nullptr;
    size_t i = 0;
    int which = 0; // 0 public, 1 internal: named in the error
    try {
        h = new kb_index();
        h->ix.dir = "remote";
        h->ix.mode = KB_INDEX_READ;
        kb_index_opts_default(&h->ix.opts);
        // Both handles hold every shard, so Xapian gathers term statistics
        // across all of them and weights match one local index's. The
        // internal shards join only "both": customers never query them.
        for (i = 0; i < n; i++) {
            which = 0;
            Xapian::Database pub = Xapian::Remote::open(hosts[i], ports[i], timeout_ms, timeout_ms);
            h->ix.pub.add_database(pub);
            h->ix.both.add_database(pub);
        }
        for (i = 0; i < n; i++) {
            which = 1;
            h->ix.both.add_database(
                Xapian::Remote::open(hosts[i], ports[i] + 1, timeout_ms, timeout_ms));
        }
        // A local database with no documents, only synonyms: the remote
        // backend does not serve them, a multi-database merges them. Last,
        // so that metadata (the last seq) still comes from the first shard.
        if (lexicon) {
            Xapian::Database lex(lexicon);
            h->ix.pub.add_database(lex);
            h->ix.both.add_database(lex);
        }
        *out = h;
        return 0;
    } catch (...) {
        delete h;
        int rc = fail(err);
        if (err && i < n)
            kb_err_set(err, rc, "cannot open %s shard '%s:%u': %s", which ? "internal" : "public",
                       hosts[i], ports[i] + unsigned(which), std::string(err->msg).c_str());
        return rc;
    }
}

void kb_index_close(struct kb_index *h)
{
    if (!h)
        return;
    try {
        if (h->ix.wpub)
            flush_spelling(&h->ix);
        if (h->ix.wpub)
            h->ix.wpub->close();
        if (h->ix.wint)
            h->ix.wint->close();
    } catch (...) {
    }
    delete h;
}

int kb_index_reopen(struct kb_index *h, struct kb_err *err)
{
    try {
        if (h->ix.mode == KB_INDEX_READ) {
            retry_changed([h] { // changed again while reopening
                h->ix.pub.reopen();
                h->ix.both.reopen();
            });
        }
        return 0;
    } catch (...) {
        return fail(err);
    }
}

int kb_index_state(struct kb_index *h, int dbs, char *buf, size_t size)
{
    if (!h->ix.local_read || size == 0)
        return -1;
    try {
        // The first line names what is read (result_cache.c's scope): the
        // two audiences read different databases of one folder.
        std::string s = h->ix.dir + (dbs == KB_DB_PUBLIC ? "#public" : "#internal");
        s += '\n' + h->ix.pub.get_uuid() + ':' + std::to_string(h->ix.pub.get_revision());
        if (dbs != KB_DB_PUBLIC)
            s += '\n' + h->ix.intl.get_uuid() + ':' + std::to_string(h->ix.intl.get_revision());
        if (s.size() >= size)
            return -1;
        std::memcpy(buf, s.c_str(), s.size() + 1);
        return 0;
    } catch (...) {
        return -1;
    }
}

void kb_index_set_opts(struct kb_index *h, const struct kb_index_opts *o)
{
    h->ix.opts = *o;
}


int kb_index_count(struct kb_index *h, int db, uint64_t *n, struct kb_err *err)
{
    try {
        // Staff copies of public articles count once, as public documents.
        uint64_t copies = h->ix.both.get_termfreq(P_STAFF_COPY);
        if (db == KB_DB_PUBLIC)
            *n = h->ix.pub.get_doccount();
        else if (db == KB_DB_BOTH)
            *n = h->ix.both.get_doccount() - copies;
        else
            *n = h->ix.both.get_doccount() - h->ix.pub.get_doccount() - copies;
        return 0;
    } catch (...) {
        return fail(err);
    }
}

} // extern "C"
