// The Xapian shim: the only C++ file. Plain C API in index.h; every exported
// function catches everything and turns it into a KB_E* code (kb_index_fail).
// Documents follow xapian-omega/index_file.cc (Q id term, S title, boolean
// filter terms, increase_termpos between fields); searching follows
// xapian-omega/query.cc (QueryParser with stemmer and database).
#include "kb/index/index.h"

#include <xapian.h>


#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

extern "C" {
#include "kb/base/buf.h"
#include "kb/index/index_doc.h"
#include "kb/index/snippet.h"
#include "kb/base/stopwords.h"
#include "kb/base/text.h"
}

namespace {

// Prefixes and value slots.
const char *const P_ID = "Q";        // QA1042 | QT17
const char *const P_TITLE = "S";     // title words
const char *const P_ASKED = "Y";     // "asked as" words
const char *const P_CATEGORY = "XC"; // boolean
const char *const P_TAG = "K";       // boolean
const char *const P_LOCALE = "L";    // boolean: full tag and primary language
const char *const P_KIND = "XK";     // boolean: article | ticket
const char *const P_CUSTOMER = "XU"; // boolean
const char *const P_UNIT = "XN";     // boolean
const Xapian::valueno SLOT_UPDATED = 0;
const Xapian::valueno SLOT_NUMBER = 1;
const Xapian::valueno SLOT_CATEGORY = 2;
const Xapian::valueno SLOT_QUESTION = 3; // title_key(): documents asking the same question
const Xapian::valueno SLOT_PRIOR = 4;    // 'a' + usage prior of an article, 't' + ticket time
const char *const META_SEQ = "kb:last_seq";

struct Index {
    std::string dir;
    int mode = KB_INDEX_READ;
    std::unique_ptr<Xapian::WritableDatabase> wpub, wint;
    // pub: what customers search. both: what staff search, the internal
    // database alone, since it holds a copy of every public article too
    // (with the phrases staff taught it, which the public copy never has).
    Xapian::Database pub, both;
    // A local reader: intl is the internal database (both shares it, so its
    // revision is what both reads: kb_index_state).
    Xapian::Database intl;
    // A writer's view of the committed public database, for
    // kb_index_vocab (called from the thread that feeds the writer).
    std::mutex vocab_mu;
    std::unique_ptr<Xapian::Database> vocab;
    bool local_read = false;
    kb_index_opts opts{};
    // Writer state, see kb_index_put: stemmers by name, spelling counts
    // waiting for the next commit, and the highest document number the
    // index may hold (a put above it is a new document: nothing to replace).
    std::map<std::string, std::pair<Xapian::Stem, class CachingStem *>> stems;
    std::unordered_map<std::string, Xapian::termcount> spell_pub, spell_int;
    int64_t number_max = 0;
};

int fail(kb_err *err)
{
    try {
        throw;
    } catch (const Xapian::QueryParserError &e) {
        return kb_err_set(err, KB_EQUERY, "cannot parse query: %s", e.get_msg().c_str());
    } catch (const Xapian::DatabaseLockError &e) {
        return kb_err_set(err, KB_EBUSY, "index is locked by another process: %s",
                          e.get_msg().c_str());
    } catch (const Xapian::DatabaseOpeningError &e) {
        return kb_err_set(err, KB_ENOTFOUND, "cannot open index: %s", e.get_msg().c_str());
    } catch (const Xapian::DatabaseCorruptError &e) {
        return kb_err_set(err, KB_ECORRUPT, "index is corrupt: %s", e.get_msg().c_str());
    } catch (const Xapian::Error &e) {
        return kb_err_set(err, KB_EIO, "index: %s", e.get_description().c_str());
    } catch (const std::bad_alloc &) {
        return kb_err_set(err, KB_EINTERNAL, "index: out of memory");
    } catch (const std::exception &e) {
        return kb_err_set(err, KB_EINTERNAL, "index: %s", e.what());
    } catch (...) {
        return kb_err_set(err, KB_EINTERNAL, "index: unknown error");
    }
}

std::string normalize(const char *s, size_t len)
{
    kb_buf b = KB_BUF_INIT;
    if (kb_text_normalize(s, len, &b) != 0) {
        kb_buf_release(&b);
        return std::string(s, len);
    }
    std::string out(kb_buf_str(&b), b.len);
    kb_buf_release(&b);
    return out;
}

std::string normalize(const char *s)
{
    return s ? normalize(s, strlen(s)) : std::string();
}

std::string lower_ascii(std::string s)
{
    for (auto &c : s)
        if (c >= 'A' && c <= 'Z')
            c = char(c - 'A' + 'a');
    return s;
}

// Boolean term values: folded, spaces kept (Xapian terms may hold them).
std::string fold_value(const char *s)
{
    std::string n = normalize(s);
    size_t a = n.find_first_not_of(' '), z = n.find_last_not_of(' ');
    if (a == std::string::npos)
        return std::string();
    n = n.substr(a, z - a + 1);
    // Xapian refuses terms over 245 bytes (a pasted paragraph as a ticket's
    // unit or customer): cut at a character boundary, the same way for the
    // document and for the filter that looks for it.
    if (n.size() > 240) {
        size_t cut = 240;
        while (cut > 0 && (static_cast<unsigned char>(n[cut]) & 0xC0) == 0x80)
            cut--;
        n.resize(cut);
    }
    return n;
}

std::string locale_primary(const std::string &loc)
{
    size_t cut = loc.find_first_of("-_");
    return cut == std::string::npos ? loc : loc.substr(0, cut);
}

const char *stemmer_name(const char *locale)
{
    static const struct { const char *lang, *stem; } map[] = {
        {"en", "english"}, {"fr", "french"}, {"de", "german"}, {"es", "spanish"},
        {"it", "italian"}, {"nl", "dutch"}, {"pt", "portuguese"}, {"sv", "swedish"},
        {"da", "danish"}, {"no", "norwegian"}, {"nb", "norwegian"}, {"nn", "norwegian"},
        {"fi", "finnish"}, {"ru", "russian"}, {"hu", "hungarian"}, {"ro", "romanian"},
        {"tr", "turkish"}, {"ar", "arabic"}, {"ca", "catalan"}, {"eu", "basque"},
        {"id", "indonesian"}, {"ga", "irish"}, {"lt", "lithuanian"}, {"ne", "nepali"},
        {"hy", "armenian"}, {"ta", "tamil"}, {"el", "greek"},
    };
    // Only what this libxapian has: 1.4.22 lacks some (greek, for one).
    static const std::string have = " " + Xapian::Stem::get_available_languages() + " ";
    std::string p = lower_ascii(locale_primary(locale ? locale : "en"));
    for (const auto &m : map)
        if (p == m.lang)
            return have.find(std::string(" ") + m.stem + " ") != std::string::npos ? m.stem
                                                                                   : "none";
    return "none";
}

Xapian::Stem make_stem(const char *locale)
{
    try {
        return Xapian::Stem(stemmer_name(locale));
    } catch (const Xapian::InvalidArgumentError &) {
        return Xapian::Stem("none");
    }
}

std::string uid_term(int kind, int64_t number)
{
    return std::string(P_ID) + (kind == KB_KIND_TICKET ? "T" : "A") + std::to_string(number);
}

// A document's stored record (index_doc.h), parsed in place: neither
// copied nor moved, since the parse points into raw.
struct Data {
    const std::string raw;
    kb_rec r;
    explicit Data(std::string s) : raw(std::move(s)) { kb_rec_parse(raw.data(), raw.size(), &r); }
    Data(const Data &) = delete;
    Data &operator=(const Data &) = delete;
    std::string field(int i) const { return std::string(r.f[i], r.n[i]); }
    std::string body() const { return std::string(r.body, r.body_len); }
};

// The unique words of a text as the query parser sees them, for spelling.
std::set<std::string> spelling_words(const std::string &title, const std::string &body)
{
    Xapian::TermGenerator tg;
    Xapian::Document scratch;
    tg.set_document(scratch);
    tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    tg.index_text_without_positions(normalize(title.data(), title.size()));
    tg.index_text_without_positions(normalize(body.data(), body.size()));
    std::set<std::string> words;
    for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t) {
        const std::string &w = *t;
        // Spelling only suggests alphabetic words of a sensible length.
        if (w.size() < 3 || w.size() > 40 || w.find_first_of("0123456789") != std::string::npos)
            continue;
        words.insert(w);
    }
    return words;
}

// A word spelling data keeps (what spelling_words keeps).
bool spelling_word(const std::string &w)
{
    return w.size() >= 3 && w.size() <= 40 && w.find_first_of("0123456789") == std::string::npos;
}

// A stemmer that caches its answers and, while words is set, records every
// word it is asked about. With STEM_ALL the TermGenerator passes each word it
// indexes through the stemmer, so the document's words for spelling come
// from the one tokenising pass (the same words spelling_words finds).
class CachingStem : public Xapian::StemImplementation {
  public:
    explicit CachingStem(const char *name) : real(name) {}
    std::string operator()(const std::string &w) override
    {
        if (words)
            words->insert(w);
        auto it = cache.find(w);
        if (it != cache.end())
            return it->second;
        if (cache.size() >= 100000)
            cache.clear();
        return cache.emplace(w, real(w)).first->second;
    }
    std::string get_description() const override { return "kb cache: " + real.get_description(); }
    Xapian::Stem real;
    std::unordered_map<std::string, std::string> cache;
    std::unordered_set<std::string> *words = nullptr;
};

// Removes the document with uid term from db, undoing its spelling entries
// (first from pending, the counts not yet given to Xapian).
void remove_from(Xapian::WritableDatabase &db, const std::string &uid,
                 std::unordered_map<std::string, Xapian::termcount> &pending)
{
    Xapian::PostingIterator p = db.postlist_begin(uid);
    if (p == db.postlist_end(uid))
        return;
    Xapian::Document old = db.get_document(*p);
    Data d(old.get_data());
    for (const auto &w : spelling_words(d.field(KB_REC_TITLE), d.body())) {
        auto it = pending.find(w);
        if (it != pending.end()) {
            if (--it->second == 0)
                pending.erase(it);
            continue;
        }
        try {
            db.remove_spelling(w, 1);
        } catch (const Xapian::Error &) {
        }
    }
    db.delete_document(uid);
}

// Gives the pending spelling counts to Xapian: one add_spelling per word per
// commit instead of one per word per document.
void flush_spelling(Index *ix)
{
    for (auto *p : {&ix->spell_pub, &ix->spell_int}) {
        Xapian::WritableDatabase &w = p == &ix->spell_pub ? *ix->wpub : *ix->wint;
        for (const auto &e : *p)
            w.add_spelling(e.first, e.second);
        p->clear();
    }
}

void add_field_text(Xapian::TermGenerator &tg, const char *s, Xapian::termcount wdf,
                    const char *prefix)
{
    if (!s || !*s)
        return;
    tg.index_text(normalize(s), wdf, prefix);
    tg.increase_termpos(100);
}

// Documents with the same title (folded) in the same language ask the same
// question: an 8-byte FNV-1a hash of both, for the ranking's second stage.
std::string title_key(const char *title, const char *locale)
{
    std::string t = fold_value(title ? title : "");
    if (t.empty())
        return std::string();
    t += '\0';
    t += locale_primary(lower_ascii(locale && *locale ? locale : "en"));
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : t) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return std::string(reinterpret_cast<const char *>(&h), sizeof h);
}

// words (may be NULL) gets the words of the title and body for spelling, when
// the stemmer can collect them; *collected says whether it did.
Xapian::Document make_document(Index *ix, const kb_doc *d, int audience, const char *asked,
                               std::unordered_set<std::string> *words, bool *collected)
{
    Xapian::Document doc;
    Xapian::TermGenerator tg;
    tg.set_document(doc);
    // STEM_ALL with the "none" stemmer would index nothing at all.
    const char *sname = stemmer_name(d->locale);
    bool stems = std::strcmp(sname, "none") != 0;
    CachingStem *cs = nullptr;
    if (stems && ix->mode == KB_INDEX_WRITE) {
        auto it = ix->stems.find(sname);
        if (it == ix->stems.end()) {
            CachingStem *impl = new CachingStem(sname);
            it = ix->stems.emplace(sname, std::make_pair(Xapian::Stem(impl), impl)).first;
        }
        tg.set_stemmer(it->second.first);
        cs = it->second.second;
    } else {
        tg.set_stemmer(make_stem(d->locale));
    }
    tg.set_stemming_strategy(stems ? Xapian::TermGenerator::STEM_ALL
                                   : Xapian::TermGenerator::STEM_NONE);
    tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    // The stored body (what remove_from reads back) must be the whole text.
    bool collect = words && cs && (!d->text || std::strlen(d->text) <= KB_INDEX_TEXT_MAX);
    *collected = collect;

    unsigned tw = ix->opts.title_wdf ? ix->opts.title_wdf : 1;
    if (collect)
        cs->words = words;
    add_field_text(tg, d->title, tw, "");
    if (cs)
        cs->words = nullptr;
    add_field_text(tg, d->summary, 1, "");
    if (collect)
        cs->words = words;
    add_field_text(tg, d->text, 1, "");
    if (cs)
        cs->words = nullptr;
    for (size_t i = 0; i < d->ntags; i++)
        add_field_text(tg, d->tags[i], 1, "");
    add_field_text(tg, d->title, 1, P_TITLE);
    for (size_t i = 0; i < d->ntags; i++)
        add_field_text(tg, d->tags[i], 1, P_TITLE);
    add_field_text(tg, asked, 1, P_ASKED);

    doc.add_boolean_term(uid_term(d->kind, d->number));
    doc.add_boolean_term(std::string(P_KIND) + kb_kind_name(d->kind));
    std::string loc = lower_ascii(d->locale && *d->locale ? d->locale : "en");
    for (auto &c : loc)
        if (c == '_')
            c = '-';
    doc.add_boolean_term(P_LOCALE + loc);
    if (locale_primary(loc) != loc)
        doc.add_boolean_term(P_LOCALE + locale_primary(loc));
    std::string cat = fold_value(d->category);
    if (!cat.empty()) {
        doc.add_boolean_term(P_CATEGORY + cat);
        doc.add_value(SLOT_CATEGORY, d->category);
    }
    for (size_t i = 0; i < d->ntags; i++) {
        std::string t = fold_value(d->tags[i]);
        if (!t.empty())
            doc.add_boolean_term(P_TAG + t);
    }
    if (d->customer && *d->customer)
        doc.add_boolean_term(P_CUSTOMER + fold_value(d->customer));
    if (d->unit && *d->unit)
        doc.add_boolean_term(P_UNIT + fold_value(d->unit));
    doc.add_value(SLOT_UPDATED, Xapian::sortable_serialise(double(d->updated)));
    doc.add_value(SLOT_NUMBER, Xapian::sortable_serialise(double(d->number)));
    doc.add_value(SLOT_QUESTION, title_key(d->title, d->locale));
    if (d->kind == KB_KIND_TICKET)
        doc.add_value(SLOT_PRIOR, "t" + Xapian::sortable_serialise(
                                            double(d->resolved ? d->resolved : d->updated)));
    else if (d->helpful || d->unhelpful || d->clicks || d->solved)
        doc.add_value(SLOT_PRIOR, "a" + Xapian::sortable_serialise(kb_rec_usage_prior(d)));
    size_t len = 0;
    char *rec = kb_rec_make(d, audience, &len);
    doc.set_data(std::string(rec, len));
    std::free(rec);
    return doc;
}

// ---------------------------------------------------------------- queries

const Xapian::SimpleStopper &english_stopper()
{
    static const Xapian::SimpleStopper stopper(kb_stopwords_en,
                                               kb_stopwords_en + kb_stopwords_en_count);
    return stopper;
}

// The stemmer of a locale's language, made once per thread (a stemmer keeps
// state while it works, so threads do not share one): creating one costs
// more than a term lookup, and a search used to create five, assist's
// reduction of long input one per word.
const Xapian::Stem &query_stem(const char *locale)
{
    thread_local std::map<std::string, Xapian::Stem> stems;
    const char *name = stemmer_name(locale);
    auto it = stems.find(name);
    if (it == stems.end())
        it = stems.emplace(name, make_stem(locale)).first;
    return it->second;
}

unsigned parse_flags()
{
    return Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_LOVEHATE |
           Xapian::QueryParser::FLAG_CJK_NGRAM | Xapian::QueryParser::FLAG_PURE_NOT;
}

struct Parsed {
    Xapian::Query main;
    std::vector<std::string> terms; // main-field terms in query order
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
    if (stop && std::string(stemmer_name(o->locale)) == "english")
        qp.set_stopper(&english_stopper());
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
    for (auto t = p.main.get_terms_begin(); t != p.main.get_terms_end(); ++t)
        p.terms.push_back(*t);
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

struct Built {
    Xapian::Query query;
    std::vector<std::string> terms;
};

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
    // Words typed apart that the index knows as one word count as that word.
    std::vector<std::string> terms = p.terms;
    std::vector<Xapian::Query> any{p.main};
    for (const auto &j : word_list(w.joins, w.njoins)) {
        if (std::find(terms.begin(), terms.end(), j) != terms.end())
            continue;
        terms.push_back(j);
        any.emplace_back(j);
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

char *dup(const std::string &s)
{
    return kb_xstrndup(s.data(), s.size());
}

const Xapian::Database &pick(const Index *ix, int dbs)
{
    return dbs == KB_DB_PUBLIC ? ix->pub : ix->both;
}

Xapian::Query with_filter(const Xapian::Query &q, const kb_search_opts *o)
{
    Xapian::Query f = filter_query(o);
    if (f.empty())
        return q;
    if (q.empty())
        return f;
    return Xapian::Query(Xapian::Query::OP_FILTER, q, f);
}

// A candidate of the second ranking stage.
struct Cand {
    Xapian::docid did;
    double score;
    std::string key;   // question key (title_key), or unique when unknown
    std::string prior; // SLOT_PRIOR
};

const size_t RERANK_DEPTH = 20; // candidates the second stage reorders

// The best matches of a word query whose categories the facets count (the
// rest are estimated from them). Counting every match, up to 20,000, made a
// search on 100,000 documents ten times as costly as the ranking itself:
// Xapian cannot skip the documents that will not make the first page while
// a match spy must see them. (A spy that sees only a few hundred sees them
// in document order: the oldest imports, often all of one category.)
const size_t FACET_SAMPLE = 50;

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
    bool rerank = r.group_weight > 0 || r.prior_weight > 0 || r.recency_weight > 0;
    bool browse = b.query.empty() && !filter_query(o).empty() &&
                  norm.find_first_not_of(' ') == std::string::npos;
    if (browse)
        b.query = Xapian::Query::MatchAll; // browse by filter alone
    if (b.query.empty())
        return guard.release();
    // A second stage reorders the first RERANK_DEPTH, and the facets of a
    // word query count the first FACET_SAMPLE: both fetch from 0.
    bool sample = o->facets && !browse;
    bool from0 = rerank || sample;
    size_t first = from0 ? 0 : o->offset;
    size_t count = from0 ? std::max({o->offset + limit + 1, rerank ? RERANK_DEPTH : size_t(0),
                                     sample ? FACET_SAMPLE : size_t(0)})
                         : limit + 1;

    auto run = [&](const Xapian::Query &q, Xapian::ValueCountMatchSpy *spy) {
        Xapian::Enquire enq(db);
        enq.set_query(with_filter(q, o));
        enq.set_weighting_scheme(Xapian::BM25Weight(r.k1, 0, 1, r.b, 0.5));
        if (spy)
            enq.add_matchspy(spy);
        // Totals are exact up to 2,000 matches (an agent counting a ticket
        // batch, a customer's "12 results"); above that Xapian's estimate.
        // Measured at 100k documents: within the noise of the query cost.
        Xapian::doccount check =
            std::max<Xapian::doccount>(Xapian::doccount(first + count), 2000);
        if (spy) // browsing: count every document up to a bound
            check = std::max<Xapian::doccount>(
                check, std::min<Xapian::doccount>(db.get_doccount(), 20000));
        return enq.get_mset(Xapian::doccount(first), Xapian::doccount(count), check);
    };

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
    Xapian::MSet ms = run(q, spy.get());
    std::vector<std::string> terms = b.terms;

    // Spelling: Xapian corrects only words the index does not know; run the
    // corrected query and show it when it finds at least as much.
    if (plan.corrected && *plan.corrected && norm != plan.corrected) {
        Built c = build_query(db, plan.fixed, o);
        if (!c.query.empty()) {
            Xapian::MSet ms2 = run(c.query, nullptr); // words: no spy

            if (ms2.get_matches_estimated() >= ms.get_matches_estimated() &&
                ms2.get_matches_estimated() > 0) {
                ms = ms2;
                terms = c.terms;
                res->corrected = kb_xstrdup(plan.corrected);
            }
        }
    }

    res->total = ms.get_matches_estimated();
    std::vector<Cand> cands;
    cands.reserve(ms.size());
    for (auto m = ms.begin(); m != ms.end(); ++m)
        cands.push_back(Cand{*m, m.get_weight(), std::string(), std::string()});
    if (rerank) {
        size_t depth = std::min(cands.size(), RERANK_DEPTH);
        std::vector<Cand> top(cands.begin(), cands.begin() + long(depth));
        // A fresh install has no votes or clicks: nothing to read.
        if ((r.prior_weight > 0 || r.recency_weight > 0) && db.get_value_freq(SLOT_PRIOR) > 0)
            apply_priors(db, top, r, double(time(nullptr)));
        if (r.group_weight > 0) {
            read_question_keys(db, top);
            rerank_groups(top, r.group_weight);
        }
        std::stable_sort(top.begin(), top.end(),
                         [](const Cand &x, const Cand &y) { return x.score > y.score; });
        std::copy(top.begin(), top.end(), cands.begin());
    }
    if (from0)
        cands.erase(cands.begin(), cands.begin() + long(std::min(cands.size(), o->offset)));
    size_t n = std::min<size_t>(cands.size(), limit);
    res->more = cands.size() > limit;
    res->hits = static_cast<kb_hit *>(kb_xcalloc(n ? n : 1, sizeof *res->hits));
    res->nhits = n; // zeroed hits: kb_result_free copes with a partial fill
    SnipMatch sm;
    sm.stem = &query_stem(o->locale);
    for (const auto &t : terms)
        if (!t.empty() && !(t[0] >= 'A' && t[0] <= 'Z') &&
            sm.ids.emplace(t, int(sm.ids.size())).second)
            sm.first[static_cast<unsigned char>(t[0])] = true;
    for (size_t i = 0; i < n; i++) {
        Data d(db.get_document(cands[i].did).get_data());
        kb_rec_hit(&d.r, cands[i].score, &res->hits[i]);
        if (o->snippets)
            res->hits[i].snippet =
                kb_snippet_make(d.r.body, d.r.body_len, d.field(KB_REC_SUMMARY).c_str(),
                                o->snippet_chars, sm.ids.size(), snip_match, &sm);
    }
    if (o->facets)
        facet_counts(db, ms, spy.get(), res);
    return guard.release();
}

void open_readers(Index *ix)
{
    if (ix->mode == KB_INDEX_WRITE) {
        ix->pub = *ix->wpub;
        ix->both = *ix->wint;
    } else {
        ix->pub = Xapian::Database(ix->dir + "/public");
        ix->intl = Xapian::Database(ix->dir + "/internal");
        ix->both = ix->intl;
        ix->local_read = true;
    }
}

// Called in a catch block around a read. A reader two commits behind the
// index thread may read a block the writer has since reused, which shows as
// DatabaseModifiedError or as garbage ("EOF reading block"). Reopens and
// returns 0 to try again; after a few tries returns the error (busy, or the
// fault itself when it persists).
int retry_read(Index *ix, int attempt, const char *what, kb_err *err)
{
    if (attempt >= 8) {
        try {
            throw;
        } catch (const Xapian::DatabaseModifiedError &) {
            return kb_err_set(err, KB_EBUSY, "index changed too often during the %s", what);
        } catch (...) {
            return fail(err);
        }
    }
    // From the third try on, back off (2, 4, ... 64 ms; 126 ms in all) so
    // that a writer committing batch after batch (a large ticket import)
    // finishes its commit before the next read starts.
    if (attempt >= 2) {
        struct timespec pause = {0, (1L << (attempt - 1)) * 1000000L};
        nanosleep(&pause, nullptr);
    }
    for (Xapian::Database *db : {&ix->pub, &ix->both}) {
        try {
            db->reopen();
        } catch (const Xapian::DatabaseError &) {
            // Changed again while reopening: the next attempt reopens.
        } catch (...) {
            return fail(err);
        }
    }
    return 0;
}

} // namespace

struct kb_index {
    Index ix;
};

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
            for (auto *w : {h->ix.wpub.get(), h->ix.wint.get()}) {
                std::string ub = w->get_value_upper_bound(SLOT_NUMBER);
                if (!ub.empty())
                    h->ix.number_max = std::max(
                        h->ix.number_max, int64_t(std::ceil(Xapian::sortable_unserialise(ub))));
            }
        }
        open_readers(&h->ix);
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
        // Each handle holds every shard of its audience, so Xapian gathers
        // term statistics across all of them and weights match one local
        // index's. The internal shards (which hold copies of the public
        // articles) make "both": customers never query them.
        for (i = 0; i < n; i++) {
            which = 0;
            h->ix.pub.add_database(
                Xapian::Remote::open(hosts[i], ports[i], timeout_ms, timeout_ms));
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
            h->ix.pub.reopen();
            h->ix.both.reopen();
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
        if (dbs == KB_DB_PUBLIC)
            s += '\n' + h->ix.pub.get_uuid() + ':' + std::to_string(h->ix.pub.get_revision());
        else
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

// A public document goes into both databases: doc into public with its
// public phrases, copy into internal with every phrase (staff search the
// internal database alone). An internal document is doc alone.
struct kb_index_prepared {
    int db;
    int kind;
    int64_t number;
    Xapian::Document doc, copy;
    std::vector<std::string> words; // for spelling
};

int kb_index_prepare(struct kb_index *h, int db, const struct kb_doc *d,
                     struct kb_index_prepared **out, struct kb_err *err)
{
    *out = nullptr;
    try {
        if (h->ix.mode != KB_INDEX_WRITE)
            return kb_err_set(err, KB_EINVAL, "index opened read-only");
        if (db != KB_DB_PUBLIC && db != KB_DB_INTERNAL)
            return kb_err_set(err, KB_EINVAL, "put needs exactly one database");
        std::unique_ptr<kb_index_prepared> p(new kb_index_prepared());
        p->db = db;
        p->kind = d->kind;
        p->number = d->number;
        int audience = db == KB_DB_PUBLIC ? KB_AUD_PUBLIC : KB_AUD_INTERNAL;
        std::unordered_set<std::string> words;
        bool collected = false;
        bool spell = h->ix.opts.spelling != 0;
        p->doc = make_document(&h->ix, d, audience,
                               db == KB_DB_PUBLIC ? d->asked_public : d->asked_as,
                               spell ? &words : nullptr, &collected);
        if (db == KB_DB_PUBLIC) {
            // The internal copy learns every phrase: staff's and customers'.
            std::string all = d->asked_as ? d->asked_as : "";
            if (d->asked_public && *d->asked_public)
                all += std::string(all.empty() ? "" : "\n") + d->asked_public;
            bool unused = false;
            p->copy = make_document(&h->ix, d, audience, all.c_str(), nullptr, &unused);
        }
        if (spell) {
            if (!collected)
                for (const auto &word : spelling_words(d->title ? d->title : "",
                                                       Data(p->doc.get_data()).body()))
                    words.insert(word);
            for (const auto &word : words)
                if (spelling_word(word))
                    p->words.push_back(word);
        }
        *out = p.release();
        return 0;
    } catch (...) {
        return fail(err);
    }
}

int kb_index_put_prepared(struct kb_index *h, struct kb_index_prepared *prep, struct kb_err *err)
{
    std::unique_ptr<kb_index_prepared> p(prep);
    try {
        if (h->ix.mode != KB_INDEX_WRITE)
            return kb_err_set(err, KB_EINVAL, "index opened read-only");
        std::string uid = uid_term(p->kind, p->number);
        // Numbers only grow: one above every number indexed so far is new,
        // and needs no look-up for an old version to replace.
        if (p->number <= h->ix.number_max) {
            remove_from(*h->ix.wpub, uid, h->ix.spell_pub);
            remove_from(*h->ix.wint, uid, h->ix.spell_int);
        }
        h->ix.number_max = std::max<int64_t>(h->ix.number_max, p->number);
        Xapian::WritableDatabase &w = p->db == KB_DB_PUBLIC ? *h->ix.wpub : *h->ix.wint;
        w.add_document(p->doc);
        auto &pending = p->db == KB_DB_PUBLIC ? h->ix.spell_pub : h->ix.spell_int;
        for (const auto &word : p->words)
            pending[word]++;
        if (p->db == KB_DB_PUBLIC) {
            h->ix.wint->add_document(p->copy);
            for (const auto &word : p->words)
                h->ix.spell_int[word]++;
        }
        return 0;
    } catch (...) {
        return fail(err);
    }
}

void kb_index_prepared_free(struct kb_index_prepared *p)
{
    delete p;
}

int kb_index_put(struct kb_index *h, int db, const struct kb_doc *d, struct kb_err *err)
{
    struct kb_index_prepared *p = nullptr;
    int rc = kb_index_prepare(h, db, d, &p, err);
    return rc ? rc : kb_index_put_prepared(h, p, err);
}

int kb_index_delete(struct kb_index *h, int kind, int64_t number, struct kb_err *err)
{
    try {
        if (h->ix.mode != KB_INDEX_WRITE)
            return kb_err_set(err, KB_EINVAL, "index opened read-only");
        std::string uid = uid_term(kind, number);
        remove_from(*h->ix.wpub, uid, h->ix.spell_pub);
        remove_from(*h->ix.wint, uid, h->ix.spell_int);
        return 0;
    } catch (...) {
        return fail(err);
    }
}

int kb_index_commit(struct kb_index *h, int64_t seq, struct kb_err *err)
{
    try {
        if (h->ix.mode != KB_INDEX_WRITE)
            return kb_err_set(err, KB_EINVAL, "index opened read-only");
        flush_spelling(&h->ix);
        if (seq >= 0) {
            std::string s = std::to_string(seq);
            h->ix.wpub->set_metadata(META_SEQ, s);
            h->ix.wint->set_metadata(META_SEQ, s);
        }
        h->ix.wpub->commit();
        h->ix.wint->commit();
        return 0;
    } catch (...) {
        return fail(err);
    }
}

int kb_index_last_seq(struct kb_index *h, int db, int64_t *seq, struct kb_err *err)
{
    try {
        std::string v;
        if (h->ix.mode == KB_INDEX_WRITE)
            v = (db == KB_DB_INTERNAL ? *h->ix.wint : *h->ix.wpub).get_metadata(META_SEQ);
        else if (db == KB_DB_INTERNAL)
            v = Xapian::Database(h->ix.dir + "/internal").get_metadata(META_SEQ);
        else
            v = h->ix.pub.get_metadata(META_SEQ);
        *seq = v.empty() ? 0 : std::strtoll(v.c_str(), nullptr, 10);
        return 0;
    } catch (...) {
        return fail(err);
    }
}

int kb_index_set_synonyms(struct kb_index *h, const char *const *terms, const char *const *syns,
                          size_t n, struct kb_err *err)
{
    try {
        if (h->ix.mode != KB_INDEX_WRITE)
            return kb_err_set(err, KB_EINVAL, "index opened read-only");
        for (Xapian::WritableDatabase *w : {h->ix.wpub.get(), h->ix.wint.get()}) {
            std::vector<std::string> keys;
            for (auto k = w->synonym_keys_begin(); k != w->synonym_keys_end(); ++k)
                keys.push_back(*k);
            for (const auto &k : keys)
                w->clear_synonyms(k);
            for (size_t i = 0; i < n; i++) {
                std::string a = fold_value(terms[i]), b = fold_value(syns[i]);
                if (a.empty() || b.empty())
                    continue;
                w->add_synonym(a, b); // both directions: synonyms are symmetric
                w->add_synonym(b, a);
            }
        }
        return 0;
    } catch (...) {
        return fail(err);
    }
}

int kb_index_count(struct kb_index *h, int db, uint64_t *n, struct kb_err *err)
{
    try {
        // The internal database holds a copy of each public document.
        if (db == KB_DB_PUBLIC)
            *n = h->ix.pub.get_doccount();
        else if (db == KB_DB_BOTH)
            *n = h->ix.both.get_doccount();
        else
            *n = h->ix.both.get_doccount() - h->ix.pub.get_doccount();
        return 0;
    } catch (...) {
        return fail(err);
    }
}

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

int kb_index_suggest(struct kb_index *h, int dbs, const char *prefix_norm, const char *locale,
                     size_t limit, struct kb_result **out, struct kb_err *err)
{
    *out = nullptr;
    for (int attempt = 0;; attempt++) try {
        const Xapian::Database &db = pick(&h->ix, dbs);
        kb_result *res = static_cast<kb_result *>(kb_xcalloc(1, sizeof *res));
        std::unique_ptr<kb_result, void (*)(kb_result *)> guard(res, kb_result_free);
        std::string norm = prefix_norm ? prefix_norm : "";
        if (norm.find_first_not_of(' ') == std::string::npos) {
            *out = guard.release();
            return 0;
        }
        Xapian::QueryParser qp;
        qp.set_database(db);
        qp.set_stemmer(query_stem(locale));
        qp.set_stemming_strategy(std::strcmp(stemmer_name(locale), "none") != 0
                                     ? Xapian::QueryParser::STEM_ALL
                                     : Xapian::QueryParser::STEM_NONE);
        qp.set_default_op(Xapian::Query::OP_AND);
        Xapian::Query q = qp.parse_query(norm,
                                         Xapian::QueryParser::FLAG_PARTIAL |
                                             Xapian::QueryParser::FLAG_CJK_NGRAM,
                                         P_TITLE);
        kb_search_opts o{};
        o.locale = locale;
        o.kind = KB_KIND_ARTICLE; // typeahead offers pages to open, not tickets
        Xapian::Enquire enq(db);
        enq.set_query(with_filter(q, &o));
        Xapian::MSet ms = enq.get_mset(0, Xapian::doccount(limit ? limit : 8));
        res->hits = static_cast<kb_hit *>(kb_xcalloc(ms.size() ? ms.size() : 1, sizeof(kb_hit)));
        for (auto m = ms.begin(); m != ms.end(); ++m) {
            Data d(m.get_document().get_data());
            kb_rec_hit(&d.r, m.get_weight(), &res->hits[res->nhits++]);
        }
        res->total = ms.get_matches_estimated();
        *out = guard.release();
        return 0;
    } catch (const Xapian::DatabaseError &) {
        // As in kb_index_search (a 500 under writes otherwise).
        if (int rc = retry_read(&h->ix, attempt, "suggestion", err))
            return rc;
    } catch (...) {
        return fail(err);
    }
}

int kb_index_stopword(const char *word, const char *locale)
{
    try {
        return std::strcmp(stemmer_name(locale), "english") == 0 && english_stopper()(word);
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

int kb_index_vocab(struct kb_index *h, const char *locale, const char *word)
{
    try {
        if (!word || !*word)
            return 0;
        // The terms indexing would make of the word, as in make_document.
        Xapian::Document doc;
        Xapian::TermGenerator tg;
        tg.set_document(doc);
        bool stems = std::strcmp(stemmer_name(locale), "none") != 0;
        tg.set_stemmer(make_stem(locale));
        tg.set_stemming_strategy(stems ? Xapian::TermGenerator::STEM_ALL
                                       : Xapian::TermGenerator::STEM_NONE);
        tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
        tg.index_text(normalize(word));
        std::lock_guard<std::mutex> guard(h->ix.vocab_mu);
        const Xapian::Database *db = &h->ix.pub;
        if (h->ix.mode == KB_INDEX_WRITE) {
            // Committed state only: the writer's own object belongs to the
            // thread that writes.
            if (!h->ix.vocab)
                h->ix.vocab.reset(new Xapian::Database(h->ix.dir + "/public"));
            else
                h->ix.vocab->reopen();
            db = h->ix.vocab.get();
        }
        bool any = false;
        for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
            // Unprefixed terms come from titles, summaries, bodies and tags
            // alone; learned phrases are indexed under their own prefix.
            any = true;
            if (!db->term_exists(*t))
                return 0;
        }
        return any ? 1 : 0;
    } catch (...) {
        return 0; // unknown counts as not public: the safe answer
    }
}

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
