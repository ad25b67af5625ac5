// Searching: running a built query, the second ranking stage (priors,
// same-question groups), facets, snippets, and the small
// questions kb/search/query_words.c asks while it prepares a query.
#include "kb/index/index_int.h"

namespace kbi {

// ---------------------------------------------------------------- snippets

// Which query term a word of a hit's text is, for kb_snippet_make: the
// word's stem, or the word itself, among the query's terms. The words of a
// few hits repeat a lot, and stemming is the costly part, so each word is
// stemmed once per search.
struct SnipMatch {
    std::unordered_map<std::string, int> ids;  // term -> its number
    std::unordered_map<std::string, int> memo; // word -> term number or -1
    bool first[256] = {};                      // first bytes of the terms
    const Xapian::Stem *stem = nullptr;
};

int snip_match(void *ud, const char *folded, size_t flen)
{
    SnipMatch *m = static_cast<SnipMatch *>(ud);
    if (!flen || !m->first[static_cast<unsigned char>(folded[0])])
        return -1;
    try { // nothing may be thrown through the C snippet code
        std::string w(folded, flen);
        auto hit = m->memo.find(w);
        if (hit != m->memo.end())
            return hit->second;
        if (m->memo.size() >= 20000)
            m->memo.clear();
        auto it = m->ids.find((*m->stem)(w));
        if (it == m->ids.end())
            it = m->ids.find(w);
        int id = it == m->ids.end() ? -1 : it->second;
        m->memo.emplace(std::move(w), id);
        return id;
    } catch (...) {
        return -1; // out of memory: the word goes unmarked
    }
}



// A candidate of the second ranking stage.
struct Cand {
    Xapian::docid did;
    double score;
    std::string key;   // question key (title_key), or unique when unknown
    std::string prior; // SLOT_PRIOR
    std::string number = std::string(); // SLOT_NUMBER, for ties
};

const size_t RERANK_DEPTH = 20; // candidates the second stage reorders

// A word query that may match at most this many documents (Xapian's upper
// bound after the first pass) is counted whole by a second pass: its
// total, and its categories for the facets, are exact (the help center's
// "Billing (11)", an agent counting a batch of 1,000 imported tickets).
// Above it, Xapian stops once it has the page (and the
// candidates the second stage reorders), the total is its estimate and the
// facets are the categories of those first matches, scaled up to it and
// marked "about". Checking 2,000 matches on every search, as before, turned
// off Xapian's early termination and was most of a search's cost.
const Xapian::doccount EXACT_MAX = 2000;

// Reads one value slot of every candidate into field, going through the
// value stream in docid order (one forward pass, not a lookup per document).
void read_slot(const Xapian::Database &db, std::vector<Cand> &c, Xapian::valueno slot,
               std::string Cand::*field)
{
    std::vector<size_t> order(c.size());
    for (size_t i = 0; i < c.size(); i++)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return c[a].did < c[b].did; });
    Xapian::ValueIterator v = db.valuestream_begin(slot);
    const Xapian::ValueIterator end = db.valuestream_end(slot);
    for (size_t i : order) {
        if (v != end)
            v.skip_to(c[i].did);
        if (v != end && v.get_docid() == c[i].did)
            c[i].*field = *v;
    }
}

// The document numbers of the candidates whose score another candidate
// shares: only ties need them. Reading the number slot of every candidate
// cost 11% of a search (kb_micro under callgrind, 30k documents: 571K of
// 5.24M instructions a query), and ties are rare outside duplicated pages.
void read_tied_numbers(const Xapian::Database &db, std::vector<Cand> &c)
{
    std::vector<double> scores;
    scores.reserve(c.size());
    for (const auto &x : c)
        scores.push_back(x.score);
    std::sort(scores.begin(), scores.end());
    std::vector<Cand> tied;
    std::vector<size_t> at;
    for (size_t i = 0; i < c.size(); i++) {
        auto r = std::equal_range(scores.begin(), scores.end(), c[i].score);
        if (r.second - r.first > 1) {
            tied.push_back(Cand{c[i].did, c[i].score, std::string(), std::string()});
            at.push_back(i);
        }
    }
    if (tied.empty())
        return;
    read_slot(db, tied, SLOT_NUMBER, &Cand::number);
    for (size_t k = 0; k < tied.size(); k++)
        c[at[k]].number = std::move(tied[k].number);
}

void read_question_keys(const Xapian::Database &db, std::vector<Cand> &c)
{
    read_slot(db, c, SLOT_QUESTION, &Cand::key);
    for (auto &x : c) {
        if (!x.key.empty())
            continue;
        // Indexed before the slot existed: the title from the data (slower).
        Data d(db.get_document(x.did).get_data());
        x.key = title_key(d.field(KB_REC_TITLE).c_str(), d.field(KB_REC_LOCALE).c_str());
        if (x.key.empty()) // no title: a group of its own
            x.key = "#" + std::to_string(x.did);
    }
}

// BM25 of one term in one document, as Xapian 1.4's BM25Weight(k1, 0, 1, b,
// 0.5) weighs it for a query that has the term once.
double bm25_term(double idf, double wdf, double doclen, double avlen, const kb_rank_opts &r)
{
    double norm = std::max(0.5, avlen > 0 ? doclen / avlen : 1.0);
    double k = r.k1 * ((1 - r.b) + r.b * norm);
    return idf * (r.k1 + 1) * wdf / (k + wdf);
}

// The stop words a query dropped still count a little among the first
// candidates, in the body and in the title field: they tell a page's own
// wording ("copy files from the phone") from pages sharing only its other
// words. Read here from the postings of at most RERANK_DEPTH documents: in
// the query itself, the long postings of "the" and "to" cost 43% more CPU a
// search (make eval, StackFAQ dev: 4.41M instructions a query against 6.31M).
// StackFAQ dev nDCG@10 0.8370 -> 0.8408, GNOME known items 0.976 -> 0.981.
void apply_stop_words(const Xapian::Database &db, std::vector<Cand> &c,
                      const std::vector<std::string> &stopped, const kb_rank_opts &r)
{
    if (stopped.empty() || c.empty() || r.stop_weight <= 0)
        return;
    std::vector<size_t> order(c.size());
    for (size_t i = 0; i < c.size(); i++)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return c[a].did < c[b].did; });
    double n = db.get_doccount(), avlen = db.get_avlength();
    std::vector<double> bonus(c.size(), 0.0);
    std::vector<std::string> seen;
    for (const auto &t : stopped) {
        if (t.empty() || std::find(seen.begin(), seen.end(), t) != seen.end())
            continue;
        seen.push_back(t);
        double tf = db.get_termfreq(t);
        if (tf == 0)
            continue;
        double idf = bm25_idf(n, tf);
        for (int field = 0; field < 2; field++) {
            if (field == 1 && r.title_weight <= 0)
                break;
            std::string term = field ? P_TITLE + t : t;
            // In a title, at half the title field's weight: a full one put
            // "I cannot connect my Bluetooth device" above "Connect your
            // computer to a Bluetooth device" for "connect my computer to a
            // bluetooth device" (StackFAQ dev nDCG@10 0.8416 against 0.8408).
            double w = r.stop_weight * (field ? r.title_weight / 2 : 1.0);
            Xapian::PostingIterator p = db.postlist_begin(term);
            const Xapian::PostingIterator end = db.postlist_end(term);
            for (size_t i : order) {
                if (p == end)
                    break;
                p.skip_to(c[i].did);
                if (p != end && *p == c[i].did)
                    bonus[i] += w * bm25_term(idf, p.get_wdf(), p.get_doclength(), avlen, r);
            }
        }
    }
    // At most stop_weight of what the other words earned: a page made of
    // function words ("comment est-ce que je peux le faire ?") is not lifted
    // by a question full of them.
    for (size_t i = 0; i < c.size(); i++)
        c[i].score += std::min(bonus[i], r.stop_weight * c[i].score);
}

// The gentle priors: an article's score is multiplied by 1 + prior_weight *
// its usage prior (in [-1, 1]), a ticket's by 1 + recency_weight * 2^(-age
// / 180 days). So a prior can reorder documents whose text scores are within
// a factor (1 + w) / (1 - w) of each other, never one that matches clearly
// better, and only among the first RERANK_DEPTH.
void apply_priors(const Xapian::Database &db, std::vector<Cand> &c, const kb_rank_opts &r,
                  double now)
{
    read_slot(db, c, SLOT_PRIOR, &Cand::prior);
    for (auto &x : c) {
        if (x.prior.size() < 2)
            continue;
        double v = Xapian::sortable_unserialise(x.prior.substr(1));
        if (x.prior[0] == 'a' && r.prior_weight > 0) {
            x.score *= 1.0 + std::min(r.prior_weight, 0.5) * std::max(-1.0, std::min(1.0, v));
        } else if (x.prior[0] == 't' && r.recency_weight > 0 && v > 0) {
            double age_days = std::max(0.0, now - v) / 86400.0;
            x.score *= 1.0 + std::min(r.recency_weight, 0.5) * std::exp2(-age_days / 180.0);
        }
    }
}

// Documents with the same title answer the same question: each one moves
// toward the best score of its group by weight w (0..1), so that the answers
// to the question the query asks come together ahead of other questions.
void rerank_groups(std::vector<Cand> &c, double w)
{
    std::unordered_map<std::string, double> best;
    for (const auto &x : c) {
        auto it = best.find(x.key);
        if (it == best.end() || it->second < x.score)
            best[x.key] = x.score;
    }
    for (auto &x : c)
        x.score += w * (best[x.key] - x.score);
}

// res->facets: categories by count, from spy (browsing by filter: up to
// 20,000 documents in document order) or else from ms's matches. Counts of a
// sample are scaled up to the estimated number of matches and marked so.
void facet_counts(const Xapian::Database &db, const Xapian::MSet &ms,
                  const Xapian::ValueCountMatchSpy *spy, kb_result *res)
{
    std::map<std::string, uint64_t> by;
    double seen = 0, all = ms.get_matches_estimated();
    if (spy) {
        for (auto v = spy->values_begin(); v != spy->values_end(); ++v)
            by[*v] = v.get_termfreq();
        seen = spy->get_total();
    } else {
        std::vector<Cand> c;
        for (auto m = ms.begin(); m != ms.end(); ++m)
            c.push_back(Cand{*m, 0, std::string(), std::string()});
        read_slot(db, c, SLOT_CATEGORY, &Cand::key);
        for (const auto &x : c)
            if (!x.key.empty())
                by[x.key]++;
        seen = double(c.size());
    }
    bool exact = seen >= all && ms.get_matches_lower_bound() == ms.get_matches_upper_bound();
    res->facets_estimated = !exact;
    std::vector<std::pair<std::string, uint64_t>> v(by.begin(), by.end());
    std::stable_sort(v.begin(), v.end(), [](const auto &x, const auto &y) { return x.second > y.second; });
    v.resize(std::min<size_t>(v.size(), 50));
    res->facets = static_cast<kb_facet *>(kb_xcalloc(v.size() ? v.size() : 1, sizeof(kb_facet)));
    for (const auto &f : v) {
        uint64_t n = f.second;
        if (!exact && seen > 0)
            n = std::max<uint64_t>(n, uint64_t(std::llround(double(n) * all / seen)));
        res->facets[res->nfacets++] = kb_facet{dup(f.first), n};
    }
}

kb_result *run_search(Index *ix, const kb_search_opts *o)
{
    const Xapian::Database &db = pick(ix, o->dbs);
    kb_result *res = static_cast<kb_result *>(kb_xcalloc(1, sizeof *res));
    // Freed if anything below throws (DatabaseModifiedError is retried).
    std::unique_ptr<kb_result, void (*)(kb_result *)> guard(res, kb_result_free);
    if (!o->plan)
        return guard.release();
    const kb_query_plan &plan = *o->plan;
    std::string norm = plan.main.norm ? plan.main.norm : "";
    Built b = build_query(db, plan.main, o);
    const kb_rank_opts &r = o->rank;
    size_t limit = o->limit ? o->limit : 10;
    bool rerank = r.group_weight > 0 || r.prior_weight > 0 || r.recency_weight > 0 ||
                  !b.stopped.empty();
    bool browse = b.query.empty() && !filter_query(o).empty() &&
                  norm.find_first_not_of(' ') == std::string::npos;
    if (browse)
        b.query = Xapian::Query::MatchAll; // browse by filter alone
    if (b.query.empty())
        return guard.release();
    // A second stage reorders the first RERANK_DEPTH: it fetches from 0.
    size_t first = rerank ? 0 : o->offset;
    size_t count = rerank ? std::max(o->offset + limit + 1, RERANK_DEPTH) : limit + 1;

    // check: how many matches Xapian must look at (it may stop after that
    // many once nothing further can reach the page).
    auto run = [&](const Xapian::Query &q, Xapian::ValueCountMatchSpy *spy,
                   Xapian::doccount check) {
        Xapian::Enquire enq(db);
        enq.set_query(with_filter(q, o));
        enq.set_weighting_scheme(Xapian::BM25Weight(r.k1, 0, 1, r.b, 0.5));
        if (spy)
            enq.add_matchspy(spy);
        return enq.get_mset(Xapian::doccount(first), Xapian::doccount(count),
                            std::max(check, Xapian::doccount(first + count)));
    };
    // Browsing by filter counts every document up to a bound, for the
    // facets and the total.
    Xapian::doccount browse_check = std::min<Xapian::doccount>(db.get_doccount(), 20000);

    Xapian::Query q = b.query;
    // Pseudo-relevance feedback: expand with the best terms of the top docs.
    if (r.prf_docs > 0 && r.prf_terms > 0) {
        Xapian::Enquire enq(db);
        enq.set_query(with_filter(q, o));
        enq.set_weighting_scheme(Xapian::BM25Weight(r.k1, 0, 1, r.b, 0.5));
        Xapian::MSet top = enq.get_mset(0, Xapian::doccount(r.prf_docs));
        Xapian::RSet rs;
        for (auto m = top.begin(); m != top.end(); ++m)
            rs.add_document(*m);
        if (!rs.empty()) {
            struct NoPrefix : public Xapian::ExpandDecider {
                bool operator()(const std::string &t) const override {
                    return !t.empty() && !(t[0] >= 'A' && t[0] <= 'Z') && t.size() > 2;
                }
            } decider;
            Xapian::ESet es = enq.get_eset(Xapian::termcount(r.prf_terms), rs, &decider);
            std::vector<Xapian::Query> ex;
            for (auto e = es.begin(); e != es.end(); ++e)
                ex.emplace_back(*e);
            if (!ex.empty())
                q = Xapian::Query(Xapian::Query::OP_OR, q,
                                  scaled(Xapian::Query(Xapian::Query::OP_OR, ex.begin(), ex.end()),
                                         r.prf_weight));
        }
    }

    std::unique_ptr<Xapian::ValueCountMatchSpy> spy;
    if (o->facets && browse)
        spy.reset(new Xapian::ValueCountMatchSpy(SLOT_CATEGORY));
    Xapian::MSet ms = run(q, spy.get(), browse ? browse_check : 0);
    std::vector<std::string> terms = b.terms;

    // Spelling: Xapian corrects only words the index does not know; run the
    // corrected query and show it when it finds at least as much.
    if (plan.corrected && *plan.corrected && norm != plan.corrected) {
        Built c = build_query(db, plan.fixed, o);
        if (!c.query.empty()) {
            Xapian::MSet ms2 = run(c.query, nullptr, 0); // words: no spy
            if (ms2.get_matches_estimated() >= ms.get_matches_estimated() &&
                ms2.get_matches_estimated() > 0) {
                ms = ms2;
                q = c.query;
                terms = c.terms;
                res->corrected = kb_xstrdup(plan.corrected);
            }
        }
    }
    // A small match set is counted whole (EXACT_MAX): run again, checking
    // every match, with the facets' spy: the same ranking, exact counts.
    // Not when the page already holds every match, counted.
    bool exact = ms.get_matches_lower_bound() == ms.get_matches_upper_bound();
    bool all_here = exact && first == 0 && ms.size() >= ms.get_matches_upper_bound();
    if (!browse && ms.get_matches_upper_bound() <= EXACT_MAX &&
        (!exact || (o->facets && !all_here))) {
        if (o->facets)
            spy.reset(new Xapian::ValueCountMatchSpy(SLOT_CATEGORY));
        ms = run(q, spy.get(), ms.get_matches_upper_bound());
    }
    res->total_exact = ms.get_matches_lower_bound() == ms.get_matches_upper_bound();
    res->total = ms.get_matches_estimated();
    std::vector<Cand> cands;
    cands.reserve(ms.size());
    for (auto m = ms.begin(); m != ms.end(); ++m)
        cands.push_back(Cand{*m, m.get_weight(), std::string(), std::string()});
    if (rerank) {
        size_t depth = std::min(cands.size(), RERANK_DEPTH);
        std::vector<Cand> top(cands.begin(), cands.begin() + long(depth));
        apply_stop_words(db, top, b.stopped, r);
        // A fresh install has no votes or clicks: nothing to read.
        if ((r.prior_weight > 0 || r.recency_weight > 0) && db.get_value_freq(SLOT_PRIOR) > 0)
            apply_priors(db, top, r, double(time(nullptr)));
        if (r.group_weight > 0) {
            read_question_keys(db, top);
            rerank_groups(top, r.group_weight);
        }
        // Equal scores in document-number order, not by docid: sharded and
        // single indexes number documents differently (Xapian breaks ties by
        // docid), and must list the same page the same way.
        read_tied_numbers(db, top);
        std::stable_sort(top.begin(), top.end(), [](const Cand &x, const Cand &y) {
            return x.score > y.score || (x.score == y.score && x.number < y.number);
        });
        std::copy(top.begin(), top.end(), cands.begin());
    }
    if (rerank)
        cands.erase(cands.begin(), cands.begin() + long(std::min(cands.size(), o->offset)));
    size_t n = std::min<size_t>(cands.size(), limit);
    res->more = cands.size() > limit;
    res->hits = static_cast<kb_hit *>(kb_xcalloc(n ? n : 1, sizeof *res->hits));
    res->nhits = n; // zeroed hits: kb_result_free copes with a partial fill
    SnipMatch sm;
    sm.stem = &query_stem(o->locale);
    std::vector<const char *> term_text; // term number -> its text, for the probes
    for (const auto &t : terms)
        if (!t.empty() && !(t[0] >= 'A' && t[0] <= 'Z') &&
            sm.ids.emplace(t, int(sm.ids.size())).second) {
            sm.first[static_cast<unsigned char>(t[0])] = true;
            term_text.push_back(sm.ids.find(t)->first.c_str());
        }
    for (size_t i = 0; i < n; i++) {
        Data d(db.get_document(cands[i].did).get_data());
        kb_rec_hit(&d.r, cands[i].score, &res->hits[i]);
        if (!o->snippets)
            continue;
        // The text from the caller's store; a record of an index built
        // before bodies left it still carries its own.
        size_t len = 0;
        char *text = o->hit_text ? o->hit_text(o->hit_text_ud, o->dbs, &res->hits[i], &len)
                                 : nullptr;
        std::unique_ptr<char, void (*)(void *)> owned(text, std::free);
        const char *body = text ? text : d.r.body;
        if (!text)
            len = d.r.body_len;
        res->hits[i].snippet = kb_snippet_make(body, len, d.field(KB_REC_SUMMARY).c_str(),
                                               o->snippet_chars, sm.ids.size(),
                                               term_text.data(), snip_match, &sm);
    }
    if (o->facets)
        facet_counts(db, ms, spy.get(), res);
    return guard.release();
}

} // namespace kbi

using namespace kbi;

extern "C" {

int kb_index_search(struct kb_index *h, const struct kb_search_opts *o, struct kb_result **out,
                    struct kb_err *err)
{
    *out = nullptr;
    for (int attempt = 0;; attempt++) {
        try {
            *out = run_search(&h->ix, o);
            return 0;
        } catch (const Xapian::DatabaseError &) {
            if (int rc = retry_read(&h->ix, attempt, "search", err))
                return rc;
        } catch (...) {
            return fail(err);
        }
    }
}

int kb_index_stopword(const char *word, const char *locale)
{
    try {
        const Xapian::Stopper *s = stopper(locale);
        return s && (*s)(word ? word : "");
    } catch (...) {
        return 0;
    }
}

int kb_index_term_freq(struct kb_index *h, int dbs, const char *word, const char *locale,
                       uint64_t *freq, uint64_t *total, struct kb_err *err)
{
    for (int attempt = 0;; attempt++) try {
        const Xapian::Database &db = pick(&h->ix, dbs);
        // Words from kb_text_words are folded already: lower-case ASCII
        // skips ICU (assist looks up every word of a pasted e-mail).
        bool plain = true;
        for (const char *p = word; *p && plain; p++)
            plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '\'';
        std::string w = plain ? std::string(word) : fold_value(word);
        const Xapian::Stem &stem = query_stem(locale);
        *freq = db.get_termfreq(stem(w));
        *total = db.get_doccount();
        return 0;
    } catch (const Xapian::DatabaseError &) {
        if (int rc = retry_read(&h->ix, attempt, "lookup", err))
            return rc;
    } catch (...) {
        return fail(err);
    }
}

} // extern "C"

// ---- the small questions of kb/search/query_words.c ----

namespace {

// Runs f on the databases dbs reads, reopening them after a concurrent
// commit (as searches do); any other failure answers "no".
template <class F> auto ask(kb_index *h, F f) -> decltype(f())
{
    for (int attempt = 0; attempt < 4; attempt++) {
        try {
            return f();
        } catch (const Xapian::DatabaseModifiedError &) {
            for (Xapian::Database *db : {&h->ix.pub, &h->ix.both}) {
                try {
                    db->reopen();
                } catch (...) {
                }
            }
        } catch (...) {
            break;
        }
    }
    return decltype(f())();
}

} // namespace

int kb_index_has_term(struct kb_index *h, int dbs, const char *term)
{
    return ask(h, [&] { return pick(&h->ix, dbs).term_exists(term ? term : "") ? 1 : 0; });
}

char *kb_index_stem(const char *locale, const char *word)
{
    try {
        std::string s = query_stem(locale)(word ? word : "");
        return kb_xstrndup(s.data(), s.size());
    } catch (...) {
        return nullptr;
    }
}

char *kb_index_spelling(struct kb_index *h, int dbs, const char *word, unsigned max_edits)
{
    std::string s = ask(h, [&] {
        return pick(&h->ix, dbs).get_spelling_suggestion(word ? word : "", max_edits);
    });
    return s.empty() ? nullptr : kb_xstrndup(s.data(), s.size());
}
