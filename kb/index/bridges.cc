// Word bridges: related words mined from a database's own content and added
// to queries at a low weight ("videos start immediately" also looks for
// "autoplay"). Each database is mined from its own documents alone, so the
// public database's bridges come from public articles and the phrases the
// learning rule let it learn ("asked as"), and customers, who search only
// that database, never meet a bridge internal content taught.
//
// The model: two words are bridged when documents whose title has one have
// the other in their body (not in their title) far more often than chance,
// and likewise an "asked as" word with a title word. Strength is Dunning's
// log-likelihood ratio (G²) over questions (documents sharing a title, the
// answers of one question, count once, with their words together); a pair
// needs MIN_DOCS questions (one document, or two, never makes a bridge: a
// rare word stays put) and a positive association; each word keeps its
// PER_WORD strongest bridges, and words in a tenth of the questions (above
// 50) join none.
// They live in the database's synonym table under keys BRIDGE_KEY + term
// (admin synonyms use plain words, so the two never meet), which a query
// reads with one look-up per word; a staff search reads both databases'
// tables merged, as Xapian merges synonyms of a multi-database.
#include "kb/index/index_int.h"

namespace kbi {

const char BRIDGE_KEY[] = "\x01";                // synonym key: "\x01" + term
const char *const META_BRIDGES = "kb:bridges";   // "uuid lastdocid doccount" mined
const uint32_t MIN_DOCS = 3;                     // documents a pair needs
const size_t PER_WORD = 3;                       // bridges kept per word
const double MIN_G2 = 6.63;                      // p < 0.01 for one degree of freedom
const size_t MAX_WORDS = 100000;                 // words with bridges, per database
const size_t MAX_QUERY_BRIDGES = 24;             // bridged terms one query may add

namespace {

// A word a bridge may join: unprefixed, 2 to 40 bytes, not a number, not a
// stop word.
bool bridge_word(const std::string &t)
{
    if (t.size() < 2 || t.size() > 40 || (t[0] >= 'A' && t[0] <= 'Z'))
        return false;
    if (t.find_first_not_of("0123456789.,:-_") == std::string::npos)
        return false;
    static const Xapian::Stopper *en = stopper("en");
    return !(en && (*en)(t));
}

struct Vocab {
    std::unordered_map<std::string, uint32_t> ids;
    std::vector<std::string> names;
    uint32_t id(const std::string &t)
    {
        auto it = ids.find(t);
        if (it != ids.end())
            return it->second;
        names.push_back(t);
        return ids.emplace(t, uint32_t(names.size() - 1)).first->second;
    }
};

// A document's words by field: title (and tags), body words the title does
// not have, "asked as" words the title does not have.
struct DocWords {
    std::vector<uint32_t> title, body, asked;
};

double xlogx(double k, double expect)
{
    return k > 0 ? k * std::log(k / expect) : 0;
}

// G² of the 2x2 table: a documents with both, nx with x, ny with y, of n.
double g2(double a, double nx, double ny, double n)
{
    double b = nx - a, c = ny - a, d = n - nx - ny + a;
    if (d < 0)
        return 0;
    return 2 * (xlogx(a, nx * ny / n) + xlogx(b, nx * (n - ny) / n) +
                xlogx(c, (n - nx) * ny / n) + xlogx(d, (n - nx) * (n - ny) / n));
}

struct Cand {
    double score;
    uint32_t to;
};

// Pairs of a word of field X with a word of field Y across docs, scored;
// each strong pair is offered to both words' lists in out.
void pair_up(const std::vector<DocWords> &docs, std::vector<uint32_t> DocWords::*X,
             std::vector<uint32_t> DocWords::*Y, const std::vector<uint32_t> &dfx,
             const std::vector<uint32_t> &dfy, uint32_t max_df,
             std::vector<std::vector<Cand>> &out)
{
    size_t nterms = dfx.size();
    std::vector<std::vector<uint32_t>> post(nterms);
    for (uint32_t d = 0; d < docs.size(); d++)
        for (uint32_t x : docs[d].*X)
            if (dfx[x] >= MIN_DOCS && dfx[x] <= max_df)
                post[x].push_back(d);
    std::vector<uint32_t> cnt(nterms, 0), touched;
    double n = double(docs.size());
    for (uint32_t x = 0; x < nterms; x++) {
        if (post[x].size() < MIN_DOCS)
            continue;
        touched.clear();
        for (uint32_t d : post[x])
            for (uint32_t y : docs[d].*Y)
                if (dfy[y] >= MIN_DOCS && dfy[y] <= max_df && y != x) {
                    if (cnt[y]++ == 0)
                        touched.push_back(y);
                }
        for (uint32_t y : touched) {
            double a = cnt[y];
            cnt[y] = 0;
            if (a < MIN_DOCS || a * n <= double(dfx[x]) * double(dfy[y]))
                continue; // too few, or no more often than chance
            double s = g2(a, dfx[x], dfy[y], n);
            if (s < MIN_G2)
                continue;
            out[x].push_back(Cand{s, y});
            out[y].push_back(Cand{s, x});
        }
    }
}

// Whether w's content changed enough since its bridges were mined: a
// fiftieth of its documents, and at least 20 (so mining, which reads them
// all, and its commit cost a bounded amount per document changed).
// Documents are replaced by delete and add, so every add (new or updated)
// takes a new, higher docid; deletions show in the count. A compacted or
// rebuilt database has another uuid.
bool stale(Xapian::WritableDatabase &w)
{
    std::string fp = w.get_metadata(META_BRIDGES);
    Xapian::docid last = w.get_lastdocid();
    Xapian::doccount count = w.get_doccount();
    if (fp.empty())
        return true;
    char uuid[64] = "";
    unsigned long long mlast = 0, mcount = 0;
    if (std::sscanf(fp.c_str(), "%63s %llu %llu", uuid, &mlast, &mcount) != 3 ||
        w.get_uuid() != uuid || last < mlast)
        return true;
    double added = double(last - mlast);
    double deleted = double(mcount) + added - double(count);
    if (deleted < 0)
        return true;
    double changes = std::max(added, deleted); // an update is one of each
    return changes >= std::max(20.0, double(count) / 50);
}

// Mines w's bridges and replaces the stored ones; counts go to st.
void mine(Xapian::WritableDatabase &w, kb_bridge_stats *st)
{
    Vocab v;
    std::vector<DocWords> docs;
    docs.reserve(w.get_doccount());
    std::vector<uint32_t> tdf, bdf, adf;
    auto bump = [](std::vector<uint32_t> &df, uint32_t id) {
        if (df.size() <= id)
            df.resize(id + 1, 0);
        df[id]++;
    };
    // Documents with the same title ask the same question (title_key): they
    // count once, their words together, so that one question with many
    // answers cannot make a bridge alone.
    std::unordered_map<std::string, size_t> unit_of;
    std::vector<uint32_t> plain;
    for (auto p = w.postlist_begin(""); p != w.postlist_end(""); ++p) {
        DocWords dw;
        plain.clear();
        for (auto t = w.termlist_begin(*p); t != w.termlist_end(*p); ++t) {
            const std::string &term = *t;
            if (term.empty())
                continue;
            if (term[0] == P_TITLE[0] && term.size() > 1 && !(term[1] >= 'A' && term[1] <= 'Z')) {
                std::string s = term.substr(1);
                if (bridge_word(s))
                    dw.title.push_back(v.id(s));
            } else if (term[0] == P_ASKED[0] && term.size() > 1 &&
                       !(term[1] >= 'A' && term[1] <= 'Z')) {
                std::string s = term.substr(1);
                if (bridge_word(s))
                    dw.asked.push_back(v.id(s));
            } else if (bridge_word(term)) {
                plain.push_back(v.id(term));
            }
        }
        st->docs++;
        std::string key = w.get_document(*p).get_value(SLOT_QUESTION);
        size_t u = docs.size();
        if (!key.empty()) {
            auto it = unit_of.emplace(key, docs.size()).first;
            u = it->second;
        }
        if (u == docs.size())
            docs.emplace_back();
        DocWords &d = docs[u];
        d.title.insert(d.title.end(), dw.title.begin(), dw.title.end());
        d.body.insert(d.body.end(), plain.begin(), plain.end());
        d.asked.insert(d.asked.end(), dw.asked.begin(), dw.asked.end());
    }
    auto uniq = [](std::vector<uint32_t> &x) {
        std::sort(x.begin(), x.end());
        x.erase(std::unique(x.begin(), x.end()), x.end());
    };
    for (auto &d : docs) {
        uniq(d.title);
        uniq(d.body);
        uniq(d.asked);
        auto in_title = [&](uint32_t id) {
            return std::binary_search(d.title.begin(), d.title.end(), id);
        };
        d.body.erase(std::remove_if(d.body.begin(), d.body.end(), in_title), d.body.end());
        d.asked.erase(std::remove_if(d.asked.begin(), d.asked.end(), in_title), d.asked.end());
        for (uint32_t id : d.title)
            bump(tdf, id);
        for (uint32_t id : d.body)
            bump(bdf, id);
        for (uint32_t id : d.asked)
            bump(adf, id);
    }
    size_t nterms = v.names.size();
    tdf.resize(nterms, 0);
    bdf.resize(nterms, 0);
    adf.resize(nterms, 0);
    // A word in a tenth of the questions says little about any other.
    uint32_t max_df = std::max<uint32_t>(uint32_t(docs.size() / 10), 50);
    std::vector<std::vector<Cand>> out(nterms);
    pair_up(docs, &DocWords::title, &DocWords::body, tdf, bdf, max_df, out);
    pair_up(docs, &DocWords::asked, &DocWords::title, adf, tdf, max_df, out);

    // Each word's strongest few; at most MAX_WORDS words, the strongest.
    std::vector<std::pair<double, uint32_t>> keys;
    for (uint32_t x = 0; x < nterms; x++) {
        auto &c = out[x];
        if (c.empty())
            continue;
        std::sort(c.begin(), c.end(), [](const Cand &a, const Cand &b) {
            return a.score != b.score ? a.score > b.score : a.to < b.to;
        });
        // The same pair may come from both fields: keep it once.
        std::vector<Cand> kept;
        for (const auto &e : c) {
            if (kept.size() >= PER_WORD)
                break;
            bool dup = false;
            for (const auto &k : kept)
                dup |= k.to == e.to;
            if (!dup)
                kept.push_back(e);
        }
        c = kept;
        keys.emplace_back(c[0].score, x);
    }
    if (keys.size() > MAX_WORDS) {
        std::nth_element(keys.begin(), keys.begin() + long(MAX_WORDS), keys.end(),
                         [](const auto &a, const auto &b) { return a.first > b.first; });
        keys.resize(MAX_WORDS);
    }

    std::vector<std::string> old;
    for (auto k = w.synonym_keys_begin(BRIDGE_KEY); k != w.synonym_keys_end(BRIDGE_KEY); ++k)
        old.push_back(*k);
    for (const auto &k : old)
        w.clear_synonyms(k);
    for (const auto &k : keys) {
        std::string key = BRIDGE_KEY + v.names[k.second];
        for (const auto &e : out[k.second]) {
            w.add_synonym(key, v.names[e.to]);
            st->bridges++;
        }
        st->words++;
    }
    st->mined++;
    w.set_metadata(META_BRIDGES, w.get_uuid() + " " + std::to_string(w.get_lastdocid()) + " " +
                                     std::to_string(w.get_doccount()));
}

} // namespace

Xapian::Query bridge_query(const Xapian::Database &db, const std::vector<std::string> &terms)
{
    std::set<std::string> have(terms.begin(), terms.end());
    std::map<std::string, Xapian::termcount> to; // bridged term -> query words bridging to it
    std::set<std::string> asked;
    for (const auto &t : terms) {
        if (t.empty() || (t[0] >= 'A' && t[0] <= 'Z') || !asked.insert(t).second)
            continue;
        std::string key = BRIDGE_KEY + t;
        for (auto s = db.synonyms_begin(key); s != db.synonyms_end(key); ++s)
            if (!have.count(*s) && (to.size() < MAX_QUERY_BRIDGES || to.count(*s)))
                to[*s]++;
    }
    std::vector<Xapian::Query> parts;
    for (const auto &e : to)
        parts.emplace_back(e.first, e.second);
    if (parts.empty())
        return Xapian::Query();
    return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
}

} // namespace kbi

using namespace kbi;

extern "C" {

int kb_index_bridges_update(struct kb_index *h, int force, struct kb_bridge_stats *stats,
                            struct kb_err *err)
{
    kb_bridge_stats st{};
    if (stats)
        *stats = st;
    try {
        if (h->ix.mode != KB_INDEX_WRITE)
            return kb_err_set(err, KB_EINVAL, "index opened read-only");
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (auto *w : {h->ix.wpub.get(), h->ix.wint.get()})
            if (force || stale(*w))
                mine(*w, &st);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        st.seconds = double(t1.tv_sec - t0.tv_sec) + double(t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (stats)
            *stats = st;
        return 0;
    } catch (...) {
        return fail(err);
    }
}

char *kb_index_bridges_of(struct kb_index *h, int dbs, const char *term)
{
    try {
        const Xapian::Database &db = pick(&h->ix, dbs);
        std::string key = BRIDGE_KEY + std::string(term ? term : "");
        std::string s;
        for (auto t = db.synonyms_begin(key); t != db.synonyms_end(key); ++t)
            s += (s.empty() ? "" : " ") + *t;
        return dup(s);
    } catch (...) {
        return nullptr;
    }
}

} // extern "C"
