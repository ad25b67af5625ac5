// Building a Xapian query from a query plan (kb/search/query_words.c):
// parsing as xapian-omega/query.cc does (QueryParser with stemmer and
// database), filters, synonyms, the title and asked-as fields, phrase and
// proximity boosts.
#include "kb/index/index_int.h"

namespace kbi {

unsigned parse_flags()
{
    return Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_LOVEHATE |
           Xapian::QueryParser::FLAG_CJK_NGRAM | Xapian::QueryParser::FLAG_PURE_NOT;
}


// Characters of a term: 0 when any is not Chinese, Japanese or Korean.
size_t cjk_chars(const std::string &t)
{
    size_t n = 0;
    for (Xapian::Utf8Iterator i(t); i != Xapian::Utf8Iterator(); ++i, ++n) {
        unsigned c = *i;
        bool cjk = (c >= 0x1100 && c <= 0x11FF) || (c >= 0x2E80 && c <= 0x9FFF) ||
                   (c >= 0xA960 && c <= 0xA97F) || (c >= 0xAC00 && c <= 0xD7FF) ||
                   (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF00 && c <= 0xFFEF) ||
                   (c >= 0x20000 && c <= 0x2FFFF);
        if (!cjk)
            return 0;
    }
    return n;
}

// The parser makes a run of Chinese, Japanese or Korean an AND of its
// characters and character bigrams: a query typed without the page's
// punctuation (a bigram across it) or with one word the page lacks matched
// nothing. Each such run matches any of its bigrams instead, and the AND
// stays beside them, so pages with all of them score their terms twice and
// rank first. Quoted runs (phrases) stay phrases.
Xapian::Query any_bigram(const Xapian::Query &q)
{
    Xapian::Query::op op = q.get_type();
    size_t n = q.get_num_subqueries();
    if (op == Xapian::Query::OP_AND && n > 1) {
        std::vector<Xapian::Query> bigrams;
        bool all_cjk = true;
        for (size_t i = 0; i < n && all_cjk; i++) {
            Xapian::Query s = q.get_subquery(i);
            size_t chars = 0;
            if (s.get_type() == Xapian::Query::LEAF_TERM)
                chars = cjk_chars(*s.get_terms_begin());
            all_cjk = chars > 0;
            if (chars == 2)
                bigrams.push_back(s);
        }
        if (all_cjk && bigrams.size() > 1)
            return Xapian::Query(Xapian::Query::OP_OR, q,
                                 Xapian::Query(Xapian::Query::OP_OR, bigrams.begin(), bigrams.end()));
        if (all_cjk)
            return q;
    }
    // Operators without parameters are rebuilt around their changed parts.
    if (op != Xapian::Query::OP_AND && op != Xapian::Query::OP_OR &&
        op != Xapian::Query::OP_AND_MAYBE && op != Xapian::Query::OP_AND_NOT)
        return q;
    std::vector<Xapian::Query> subs;
    for (size_t i = 0; i < n; i++)
        subs.push_back(any_bigram(q.get_subquery(i)));
    return Xapian::Query(op, subs.begin(), subs.end());
}

struct Parsed {
    Xapian::Query main;
    std::vector<std::string> terms;   // main-field terms in query order
    std::vector<std::string> stopped; // stems of the stop words dropped
};

// text: what the parser reads (kb_query_words.text).
Parsed parse(const Xapian::Database &db, const std::string &text, const kb_search_opts *o,
             const char *prefix, bool stop)
{
    Xapian::QueryParser qp;
    qp.set_database(db);
    qp.set_stemmer(query_stem(o->locale));
    qp.set_stemming_strategy(std::strcmp(stemmer_name(o->locale), "none") != 0
                                 ? Xapian::QueryParser::STEM_ALL
                                 : Xapian::QueryParser::STEM_NONE);
    qp.set_default_op(Xapian::Query::OP_OR);
    if (stop)
        qp.set_stopper(stopper(o->locale));
    Parsed p;
    try {
        p.main = qp.parse_query(text, parse_flags(), prefix);
    } catch (const Xapian::QueryParserError &) {
        // Xapian 1.4 rejects a lone CJK character between other words ("x 国
        // y") with FLAG_CJK_NGRAM; without the flag it is one term, which
        // the index has too (n-grams include single characters).
        p.main = qp.parse_query(text, parse_flags() & ~unsigned(Xapian::QueryParser::FLAG_CJK_NGRAM),
                                prefix);
    }
    p.main = any_bigram(p.main);
    for (auto t = p.main.get_terms_begin(); t != p.main.get_terms_end(); ++t)
        p.terms.push_back(*t);
    if (stop) {
        const Xapian::Stem &st = query_stem(o->locale);
        bool stems = std::strcmp(stemmer_name(o->locale), "none") != 0;
        for (auto w = qp.stoplist_begin(); w != qp.stoplist_end(); ++w)
            p.stopped.push_back(std::string(prefix) + (stems ? st(*w) : *w));
    }
    return p;
}

Xapian::Query filter_query(const kb_search_opts *o)
{
    std::vector<Xapian::Query> parts;
    if (o->locale && *o->locale) {
        std::string loc = lower_ascii(o->locale);
        for (auto &c : loc)
            if (c == '_')
                c = '-';
        parts.emplace_back(P_LOCALE + loc);
    }
    if (o->category && *o->category)
        parts.emplace_back(P_CATEGORY + fold_value(o->category));
    if (o->tag && *o->tag)
        parts.emplace_back(P_TAG + fold_value(o->tag));
    if (o->kind == KB_KIND_ARTICLE || o->kind == KB_KIND_TICKET)
        parts.emplace_back(std::string(P_KIND) + kb_kind_name(o->kind));
    if (o->customer && *o->customer)
        parts.emplace_back(P_CUSTOMER + fold_value(o->customer));
    if (o->unit && *o->unit)
        parts.emplace_back(P_UNIT + fold_value(o->unit));
    if (o->audience && *o->audience)
        parts.emplace_back(P_AUDIENCE + lower_ascii(o->audience));
    if (o->product && *o->product)
        parts.emplace_back(P_PRODUCT + fold_value(o->product));
    if (parts.empty())
        return Xapian::Query();
    return Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
}

// Admin synonyms for single words and word pairs of the normalised query.
Xapian::Query synonym_query(const Xapian::Database &db, const std::string &norm,
                            const kb_search_opts *o)
{
    std::vector<std::string> words;
    std::string w;
    for (char c : norm + " ") {
        if (c == ' ' || c == '"' || c == ',' || c == '?' || c == '!' || c == ';' || c == ':') {
            if (!w.empty()) {
                while (!w.empty() && (w.back() == '.' || w.back() == '\''))
                    w.pop_back();
                if (!w.empty())
                    words.push_back(w);
            }
            w.clear();
        } else {
            w += c;
        }
    }
    std::vector<Xapian::Query> alts;
    auto look = [&](const std::string &key) {
        for (auto s = db.synonyms_begin(key); s != db.synonyms_end(key); ++s) {
            std::string syn = *s;
            char *text = kb_text_unphrase(normalize(syn.c_str()).c_str());
            std::string t(text);
            free(text);
            Parsed p = parse(db, t, o, "", false);
            if (!p.main.empty())
                alts.push_back(p.main);
        }
    };
    for (size_t i = 0; i < words.size(); i++) {
        look(words[i]);
        if (i + 1 < words.size())
            look(words[i] + " " + words[i + 1]);
    }
    if (alts.empty())
        return Xapian::Query();
    return Xapian::Query(Xapian::Query::OP_OR, alts.begin(), alts.end());
}

Xapian::Query scaled(const Xapian::Query &q, double w)
{
    return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, w);
}


// BM25's inverse document frequency as Xapian 1.4's BM25Weight computes it.
double bm25_idf(double n_docs, double tf)
{
    double tw = (n_docs - tf + 0.5) / (tf + 0.5);
    if (tw < 2)
        tw = tw * 0.5 + 1;
    return std::log(tw);
}

// The query's words in a field (prefix), each weighted by how rare the word
// is in the whole collection rather than in that field alone. A field only
// some documents have ("asked as") would otherwise make every word in it
// rare: one article taught "search gmail by date" would win every query
// that says "gmail". BM25F does the same: one idf per word across fields.
Xapian::Query field_query(const Xapian::Database &db, const std::vector<std::string> &terms,
                          const char *prefix)
{
    double n = db.get_doccount();
    std::vector<Xapian::Query> parts;
    std::set<std::string> seen;
    for (const auto &t : terms) {
        if (t.empty() || (t[0] >= 'A' && t[0] <= 'Z') || !seen.insert(t).second)
            continue;
        Xapian::termcount wqf = Xapian::termcount(std::count(terms.begin(), terms.end(), t));
        std::string ft = prefix + t;
        double ftf = db.get_termfreq(ft);
        if (ftf == 0)
            continue;
        double scale = bm25_idf(n, db.get_termfreq(t)) / bm25_idf(n, ftf);
        parts.push_back(scaled(Xapian::Query(ft, wqf), scale));
    }
    if (parts.empty())
        return Xapian::Query();
    return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
}

// Typo tolerance: how much a likely spelling of an unknown word counts,
// against 1 for a word as typed.
const double TYPO_WEIGHT = 0.5;

std::vector<std::string> word_list(char *const *v, size_t n)
{
    return std::vector<std::string>(v, v + n);
}

// A word typed apart that the index has as one ("e mails": "emails") counts
// half: a page writing "e-mail" holds the parts and the joined word.
const double JOIN_WEIGHT = 0.5;

Built build_query(const Xapian::Database &db, const kb_query_words &w, const kb_search_opts *o)
{
    const kb_rank_opts &r = o->rank;
    std::string norm = w.norm ? w.norm : "";
    std::string text = w.text ? w.text : "";
    Parsed p = parse(db, text, o, "", r.stopwords != 0);
    if (p.main.empty() && r.stopwords)
        p = parse(db, text, o, "", false); // all stop words: keep them
    Built b;
    b.terms = p.terms;
    if (p.main.empty())
        return b;
    // The stop words dropped still count a little: the second ranking
    // stage (search.cc) adds them for the first candidates.
    if (r.stop_weight > 0)
        b.stopped = p.stopped;
    // Words typed apart that the index knows as one word count as that word.
    std::vector<std::string> terms = p.terms;
    std::vector<Xapian::Query> any{p.main};
    for (const auto &j : word_list(w.joins, w.njoins)) {
        if (std::find(terms.begin(), terms.end(), j) != terms.end())
            continue;
        terms.push_back(j);
        any.push_back(scaled(Xapian::Query(j), JOIN_WEIGHT));
    }
    // Typo tolerance: each unknown word also matches its likely spelling.
    std::vector<std::string> typos = word_list(w.typos, w.ntypos);
    for (const auto &t : typos)
        if (std::find(terms.begin(), terms.end(), t) == terms.end())
            any.push_back(scaled(Xapian::Query(t), TYPO_WEIGHT));
    b.terms = terms; // what snippets highlight
    b.terms.insert(b.terms.end(), typos.begin(), typos.end());
    if (r.title_weight > 0) {
        Xapian::Query f = field_query(db, terms, P_TITLE);
        if (!f.empty())
            any.push_back(scaled(f, r.title_weight));
        f = field_query(db, typos, P_TITLE);
        if (!f.empty())
            any.push_back(scaled(f, r.title_weight * TYPO_WEIGHT));
    }
    if (r.asked_weight > 0) {
        Xapian::Query f = field_query(db, terms, P_ASKED);
        if (!f.empty())
            any.push_back(scaled(f, r.asked_weight));
    }
    if (r.synonyms) {
        Xapian::Query s = synonym_query(db, norm, o);
        if (!s.empty())
            any.push_back(scaled(s, 0.8));
    }
    if (r.bridge_weight > 0) { // word bridges (bridges.cc)
        Xapian::Query s = bridge_query(db, terms);
        if (!s.empty())
            any.push_back(scaled(s, r.bridge_weight));
    }
    Xapian::Query q = any.size() == 1 ? any[0]
                                      : Xapian::Query(Xapian::Query::OP_OR, any.begin(), any.end());
    std::vector<Xapian::Query> boosts;
    std::vector<std::string> plain;
    for (const auto &t : p.terms)
        if (!t.empty() && !(t[0] >= 'A' && t[0] <= 'Z'))
            plain.push_back(t);
    if (plain.size() >= 2 && plain.size() <= 12) {
        if (r.phrase_weight > 0)
            boosts.push_back(scaled(Xapian::Query(Xapian::Query::OP_PHRASE, plain.begin(),
                                                  plain.end(), plain.size()),
                                    r.phrase_weight));
        if (r.near_weight > 0) {
            // Pairs of adjacent query words within a few positions of each other.
            for (size_t i = 0; i + 1 < plain.size(); i++) {
                Xapian::Query pair[2] = {Xapian::Query(plain[i]), Xapian::Query(plain[i + 1])};
                boosts.push_back(scaled(Xapian::Query(Xapian::Query::OP_NEAR, pair, pair + 2, 4),
                                        r.near_weight));
            }
        }
    }
    if (!boosts.empty())
        q = Xapian::Query(Xapian::Query::OP_AND_MAYBE, q,
                          Xapian::Query(Xapian::Query::OP_OR, boosts.begin(), boosts.end()));
    b.query = q;
    return b;
}



Xapian::Query with_filter(const Xapian::Query &q, const kb_search_opts *o)
{
    Xapian::Query f = filter_query(o);
    Xapian::Query r = f.empty() ? q : q.empty() ? f : Xapian::Query(Xapian::Query::OP_FILTER, q, f);
    // Staff meet a public article once: its staff copy, not the public
    // copy that copy shadows.
    if (o->dbs != KB_DB_PUBLIC && !r.empty())
        r = Xapian::Query(Xapian::Query::OP_AND_NOT, r, Xapian::Query(P_SHADOWED));
    return r;
}

} // namespace kbi

using namespace kbi;
