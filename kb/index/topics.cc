// Topics of similar recent tickets for kb/emerging (topics.h). Xapian's
// relevance feedback names what a group of tickets shares: an RSet of
// tickets gives an ESet of the terms that set them apart from the rest of
// the index; a ticket belongs to the topic when the terms it holds carry a
// share of the ESet's weight (CoordWeight scaled by each term's ESet
// weight, and a weight cut-off), so one rare shared word counts for more
// than several common ones. Seeded from each recent
// ticket not yet in a topic, newest first, then refined once over the
// group it found. Windows are by each ticket's created time (SLOT_CREATED).
#include "kb/index/index_int.h"

extern "C" {
#include "kb/index/topics.h"
}

namespace kbi {
namespace {

// Terms worth describing a topic by: unprefixed words (not the title,
// "asked as" or boolean terms), no numbers or addresses, no stop words.
struct WordDecider : Xapian::ExpandDecider {
    bool operator()(const std::string &t) const override
    {
        if (t.size() < 3 || t.size() > 30)
            return false;
        if (t[0] >= 'A' && t[0] <= 'Z')
            return false;
        for (unsigned char c : t)
            if ((c >= '0' && c <= '9') || c == '@' || c == '.' || c == '_' || c == ':')
                return false;
        static const Xapian::Stopper *const en = stopper("en");
        return !(*en)(t);
    }
};

Xapian::Query tickets_created(int64_t from, int64_t to)
{
    Xapian::Query range(Xapian::Query::OP_VALUE_RANGE, SLOT_CREATED,
                        Xapian::sortable_serialise(double(from)),
                        Xapian::sortable_serialise(double(to)));
    return Xapian::Query(Xapian::Query::OP_FILTER,
                         Xapian::Query(std::string(P_KIND) + kb_kind_name(KB_KIND_TICKET)), range);
}

struct Terms {
    std::vector<std::string> t;
    std::vector<double> w; // ESet weights
    double total = 0;
};

// Each term counts its ESet weight once (CoordWeight scaled), so a
// document's weight is the sum of the weights of the topic's terms it holds.
Xapian::Query weighted(const Terms &terms)
{
    std::vector<Xapian::Query> qs;
    for (size_t i = 0; i < terms.t.size(); i++)
        qs.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(terms.t[i]), terms.w[i]);
    return Xapian::Query(Xapian::Query::OP_OR, qs.begin(), qs.end());
}

// Short texts: a word in more than a share of them ("router" in the
// searches of a router maker's customers) says nothing about a topic, but
// every member of a group holds it, so the ESet would weigh it most.
struct TextDecider : WordDecider {
    const Xapian::Database *db = nullptr;
    Xapian::doccount max_freq = 0;
    bool operator()(const std::string &t) const override
    {
        return WordDecider::operator()(t) && db->get_termfreq(t) <= max_freq;
    }
};

Terms top_terms(Xapian::Enquire &enq, const std::vector<Xapian::docid> &docs, size_t k,
                const WordDecider *decider = nullptr)
{
    Xapian::RSet rs;
    for (Xapian::docid d : docs)
        rs.add_document(d);
    WordDecider words;
    // Exact term frequencies: with several databases (public, internal,
    // contact requests in memory) Xapian would otherwise scale the RSet's
    // own database's, and 8 requests about spam out of 8 would make "spam"
    // look like a word of every document.
    Xapian::ESet es = enq.get_eset(Xapian::termcount(k), rs, Xapian::Enquire::USE_EXACT_TERMFREQ,
                                   decider ? decider : &words);
    Terms out;
    for (auto t = es.begin(); t != es.end(); ++t) {
        out.t.push_back(*t);
        out.w.push_back(t.get_weight());
        out.total += t.get_weight();
    }
    return out;
}

// An Enquire over window for the documents holding share of the topic's
// weight.
void member_query(Xapian::Enquire &enq, const Xapian::Query &window, const Terms &terms,
                  double share)
{
    enq.set_query(Xapian::Query(Xapian::Query::OP_FILTER, weighted(terms), window));
    enq.set_weighting_scheme(Xapian::CoordWeight());
    enq.set_cutoff(0, terms.total * share);
}

// The documents of window holding share of the topic's weight.
std::vector<Xapian::docid> members(const Xapian::Database &db, const Xapian::Query &window,
                                   const Terms &terms, double share, size_t max)
{
    Xapian::Enquire enq(db);
    member_query(enq, window, terms, share);
    Xapian::MSet ms = enq.get_mset(0, Xapian::doccount(max));
    std::vector<Xapian::docid> out;
    for (auto it = ms.begin(); it != ms.end(); ++it)
        out.push_back(*it);
    return out;
}

uint64_t count_in(const Xapian::Database &db, const Xapian::Query &window, const Terms &terms,
                  double share)
{
    Xapian::Enquire enq(db);
    member_query(enq, window, terms, share);
    Xapian::MSet ms = enq.get_mset(0, 0, db.get_doccount());
    return ms.get_matches_lower_bound();
}

struct Found {
    Terms terms;
    std::vector<Xapian::docid> docs;
    uint64_t baseline = 0;
};

std::vector<Found> find_topics(const Xapian::Database &db, const kb_topic_opts &o, size_t *nrecent)
{
    Xapian::Query recent = tickets_created(o.recent_from, o.now);
    Xapian::Enquire all(db);
    all.set_query(recent);
    all.set_weighting_scheme(Xapian::BoolWeight());
    all.set_sort_by_value(SLOT_CREATED, true); // newest first
    Xapian::MSet ms = all.get_mset(0, Xapian::doccount(o.max_recent));
    std::vector<Xapian::docid> seeds;
    for (auto it = ms.begin(); it != ms.end(); ++it)
        seeds.push_back(*it);
    *nrecent = seeds.size();
    std::unordered_set<Xapian::docid> taken;
    std::vector<Found> out;
    Xapian::Enquire enq(db);
    for (Xapian::docid seed : seeds) {
        if (taken.count(seed))
            continue;
        taken.insert(seed);
        Terms terms = top_terms(enq, {seed}, o.terms);
        if (terms.t.size() < 3)
            continue;
        std::vector<Xapian::docid> group = members(db, recent, terms, o.share, o.max_recent);
        if (group.size() < 2)
            continue;
        // Refined: the terms the group shares, and who holds them, until
        // the group stops changing (a few rounds at most).
        bool ok = true;
        for (int round = 0; round < 3 && ok; round++) {
            Terms next = top_terms(enq, group, o.terms);
            if (next.t.size() < 3) {
                ok = false;
                break;
            }
            std::vector<Xapian::docid> again = members(db, recent, next, o.share, o.max_recent);
            terms = std::move(next);
            bool same = again == group;
            group = std::move(again);
            if (same)
                break;
        }
        if (!ok || group.empty())
            continue;
        std::vector<Xapian::docid> fresh;
        for (Xapian::docid d : group)
            if (d == seed || !taken.count(d))
                fresh.push_back(d);
        for (Xapian::docid d : group)
            taken.insert(d);
        if (fresh.size() < o.min_size)
            continue;
        Found f;
        f.terms = terms;
        f.docs = fresh;
        if (o.recent_from > o.baseline_from)
            f.baseline = count_in(db, tickets_created(o.baseline_from, o.recent_from - 1), terms,
                                  o.share);
        out.push_back(std::move(f));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Found &a, const Found &b) { return a.docs.size() > b.docs.size(); });
    return out;
}

double slot_number(const Xapian::Document &d, Xapian::valueno slot)
{
    std::string v = d.get_value(slot);
    return v.empty() ? 0.0 : Xapian::sortable_unserialise(v);
}

void topic_release(kb_topic *t)
{
    for (size_t i = 0; i < t->nterms; i++)
        std::free(t->terms[i]);
    std::free(t->terms);
    std::free(t->numbers);
    std::free(t->created);
}


// A topic's terms as a C array (caller frees each and the array).
char **copy_terms(const Terms &terms, size_t *n)
{
    char **out = static_cast<char **>(kb_xcalloc(terms.t.size() + 1, sizeof(char *)));
    *n = 0;
    for (const std::string &term : terms.t)
        out[(*n)++] = dup(term);
    return out;
}

// A temporary database in memory (Xapian's InMemory backend).
Xapian::WritableDatabase in_memory()
{
    return Xapian::WritableDatabase(std::string(), Xapian::DB_BACKEND_INMEMORY);
}

// ---- topics of short texts

// Groups the recent documents of db (those holding the term R_RECENT) and
// returns each topic's terms with every document (recent or not) holding
// its share of their weight.
const char *const R_RECENT = "XRECENT";

struct TextFound {
    Terms terms;
    std::vector<Xapian::docid> all;
};

std::vector<TextFound> find_text_topics(const Xapian::Database &db,
                                        const std::vector<Xapian::docid> &seeds,
                                        const kb_topic_opts &o)
{
    Xapian::Query recent(R_RECENT);
    Xapian::Query everything = Xapian::Query::MatchAll;
    std::unordered_set<Xapian::docid> taken;
    std::vector<TextFound> out;
    Xapian::Enquire enq(db);
    size_t all_max = db.get_doccount();
    TextDecider decider;
    decider.db = &db;
    decider.max_freq = std::max<Xapian::doccount>(20, Xapian::doccount(all_max * 0.05));
    for (Xapian::docid seed : seeds) {
        if (taken.count(seed))
            continue;
        taken.insert(seed);
        Terms terms = top_terms(enq, {seed}, o.terms, &decider);
        if (terms.t.size() < 2)
            continue;
        std::vector<Xapian::docid> group = members(db, recent, terms, o.share, o.max_recent);
        // Refined over the group while it keeps its seed (a short text's
        // own words are most of what it says).
        for (int round = 0; round < 3 && group.size() > 1; round++) {
            Terms next = top_terms(enq, group, o.terms, &decider);
            if (next.t.size() < 2)
                break;
            std::vector<Xapian::docid> again = members(db, recent, next, o.share, o.max_recent);
            if (std::find(again.begin(), again.end(), seed) == again.end())
                break;
            terms = std::move(next);
            bool same = again == group;
            group = std::move(again);
            if (same)
                break;
        }
        for (Xapian::docid d : group)
            taken.insert(d);
        TextFound f;
        f.terms = terms;
        f.all = members(db, everything, terms, o.share, all_max);
        std::sort(f.all.begin(), f.all.end());
        out.push_back(std::move(f));
    }
    return out;
}

} // namespace
} // namespace kbi

using namespace kbi;

extern "C" {

void kb_topic_opts_default(struct kb_topic_opts *o)
{
    std::memset(o, 0, sizeof *o);
    o->terms = 10;
    o->share = 0.35;
    o->min_size = 3;
    o->max_recent = 5000;
}

void kb_topics_free(struct kb_topics *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        topic_release(&t->t[i]);
    std::free(t->t);
    std::free(t);
}

int kb_index_topics(struct kb_index *h, const struct kb_topic_opts *o, struct kb_topics **out,
                    struct kb_err *err)
{
    *out = nullptr;
    kb_topic_opts opts = *o;
    if (opts.terms == 0 || opts.share <= 0 || opts.max_recent == 0) {
        kb_topic_opts d;
        kb_topic_opts_default(&d);
        opts.terms = opts.terms ? opts.terms : d.terms;
        opts.share = opts.share > 0 ? opts.share : d.share;
        opts.max_recent = opts.max_recent ? opts.max_recent : d.max_recent;
    }
    for (int attempt = 0;; attempt++) {
        kb_topics *res = nullptr;
        try {
            Xapian::Database db = pick(&h->ix, KB_DB_BOTH);
            if (opts.nextra) {
                // Contact requests beside the index, as tickets: a combined
                // database, so their terms weigh as the index's do.
                Xapian::WritableDatabase mem = in_memory();
                for (size_t i = 0; i < opts.nextra; i++) {
                    bool unused = false;
                    mem.add_document(make_document(&h->ix, &opts.extra[i], KB_AUD_INTERNAL,
                                                   nullptr, nullptr, &unused));
                }
                mem.commit();
                db.add_database(mem);
            }
            size_t nrecent = 0;
            std::vector<Found> found = find_topics(db, opts, &nrecent);
            res = static_cast<kb_topics *>(kb_xcalloc(1, sizeof *res));
            res->recent = nrecent;
            res->t = static_cast<kb_topic *>(kb_xcalloc(found.size() + 1, sizeof *res->t));
            for (const Found &f : found) {
                kb_topic *t = &res->t[res->n++];
                t->terms = copy_terms(f.terms, &t->nterms);
                std::vector<std::pair<int64_t, int64_t>> docs; // created, number
                for (Xapian::docid d : f.docs) {
                    Xapian::Document doc = db.get_document(d);
                    docs.emplace_back(int64_t(slot_number(doc, SLOT_CREATED)),
                                      int64_t(slot_number(doc, SLOT_NUMBER)));
                }
                std::sort(docs.begin(), docs.end());
                t->numbers = static_cast<int64_t *>(kb_xcalloc(docs.size() + 1, sizeof(int64_t)));
                t->created = static_cast<int64_t *>(kb_xcalloc(docs.size() + 1, sizeof(int64_t)));
                for (const auto &p : docs) {
                    t->created[t->n] = p.first;
                    t->numbers[t->n++] = p.second;
                }
                t->baseline = f.baseline;
            }
            *out = res;
            return 0;
        } catch (const Xapian::DatabaseError &) {
            kb_topics_free(res);
            if (int rc = retry_read(&h->ix, attempt, "topic search", err))
                return rc;
        } catch (...) {
            kb_topics_free(res);
            return fail(err);
        }
    }
}

void kb_text_topics_free(struct kb_text_topics *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        for (size_t k = 0; k < t->t[i].nterms; k++)
            std::free(t->t[i].terms[k]);
        std::free(t->t[i].terms);
        std::free(t->t[i].items);
    }
    std::free(t->t);
    std::free(t);
}

int kb_index_text_topics(const struct kb_text_item *items, size_t n,
                         const struct kb_topic_opts *o, struct kb_text_topics **out,
                         struct kb_err *err)
{
    *out = nullptr;
    kb_topic_opts opts = *o;
    kb_topic_opts d;
    kb_topic_opts_default(&d);
    opts.terms = opts.terms ? opts.terms : d.terms;
    opts.share = opts.share > 0 ? opts.share : d.share;
    opts.max_recent = opts.max_recent ? opts.max_recent : d.max_recent;
    kb_text_topics *res = nullptr;
    try {
        Xapian::WritableDatabase mem = in_memory();
        std::vector<Xapian::docid> seeds;
        for (size_t i = 0; i < n; i++) {
            Xapian::Document doc = text_document(items[i].locale, items[i].text);
            if (items[i].recent)
                doc.add_boolean_term(R_RECENT);
            Xapian::docid id = mem.add_document(doc); // ids 1..n in order
            if (items[i].recent && seeds.size() < opts.max_recent)
                seeds.push_back(id);
        }
        mem.commit();
        std::vector<TextFound> found = find_text_topics(mem, seeds, opts);
        res = static_cast<kb_text_topics *>(kb_xcalloc(1, sizeof *res));
        res->t = static_cast<kb_text_topic *>(kb_xcalloc(found.size() + 1, sizeof *res->t));
        for (const TextFound &f : found) {
            kb_text_topic *t = &res->t[res->n++];
            t->terms = copy_terms(f.terms, &t->nterms);
            t->items = static_cast<size_t *>(kb_xcalloc(f.all.size() + 1, sizeof(size_t)));
            for (Xapian::docid id : f.all)
                t->items[t->n++] = size_t(id) - 1;
        }
        *out = res;
        return 0;
    } catch (...) {
        kb_text_topics_free(res);
        return fail(err);
    }
}

size_t kb_index_terms_in_text(const char *text, const char *locale, const char *const *terms,
                              size_t n)
{
    try {
        Xapian::Document scratch = text_document(locale, text);
        size_t found = 0;
        for (size_t i = 0; i < n; i++) {
            Xapian::TermIterator t = scratch.termlist_begin();
            t.skip_to(terms[i]);
            if (t != scratch.termlist_end() && *t == terms[i])
                found++;
        }
        return found;
    } catch (...) {
        return 0;
    }
}

int64_t kb_index_tickets_oldest(struct kb_index *h)
{
    try {
        const Xapian::Database &db = pick(&h->ix, KB_DB_BOTH);
        if (db.get_value_freq(SLOT_CREATED) == 0)
            return 0;
        return int64_t(Xapian::sortable_unserialise(db.get_value_lower_bound(SLOT_CREATED)));
    } catch (...) {
        return 0;
    }
}

} // extern "C"
