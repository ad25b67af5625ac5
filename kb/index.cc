// The Xapian shim: the only C++ file. Plain C API in index.h; every exported
// function catches everything and turns it into a KB_E* code (kb_index_fail).
// Documents follow xapian-omega/index_file.cc (Q id term, S title, boolean
// filter terms, increase_termpos between fields); searching follows
// xapian-omega/query.cc (QueryParser with stemmer and database).
#include "index.h"

#include <xapian.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

extern "C" {
#include "buf.h"
#include "text.h"
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
const size_t STORED_TEXT_MAX = 32 * 1024; // body kept in the index for snippets

struct Index {
    std::string dir;
    int mode = KB_INDEX_READ;
    std::unique_ptr<Xapian::WritableDatabase> wpub, wint;
    Xapian::Database pub, both;
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
    return a == std::string::npos ? std::string() : n.substr(a, z - a + 1);
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

std::string one_line(const char *s)
{
    std::string out = s ? s : "";
    for (auto &c : out)
        if (c == '\t' || c == '\n' || c == '\r')
            c = ' ';
    return out;
}

// Document data: tab-separated header line, then the body text.
enum { D_SOURCE, D_TITLE, D_KIND, D_AUD, D_CATEGORY, D_LOCALE, D_NUMBER, D_UPDATED,
       D_SUMMARY, D_NFIELDS };

std::string make_data(const kb_doc *d, int audience)
{
    std::string h;
    h += one_line(d->source_id) + '\t' + one_line(d->title) + '\t' +
         std::to_string(d->kind) + '\t' + std::to_string(audience) + '\t' +
         one_line(d->category) + '\t' + one_line(d->locale) + '\t' +
         std::to_string(d->number) + '\t' + std::to_string(d->updated) + '\t' +
         one_line(d->summary) + '\n';
    std::string body = d->text ? d->text : "";
    if (body.size() > STORED_TEXT_MAX) {
        size_t cut = STORED_TEXT_MAX;
        while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0) == 0x80)
            cut--;
        body.resize(cut);
    }
    return h + body;
}

struct Data {
    std::string f[D_NFIELDS];
    std::string body;
};

Data parse_data(const std::string &s)
{
    Data d;
    size_t nl = s.find('\n');
    std::string head = s.substr(0, nl);
    if (nl != std::string::npos)
        d.body = s.substr(nl + 1);
    size_t at = 0;
    for (int i = 0; i < D_NFIELDS; i++) {
        size_t tab = head.find('\t', at);
        d.f[i] = head.substr(at, tab == std::string::npos ? std::string::npos : tab - at);
        if (tab == std::string::npos)
            break;
        at = tab + 1;
    }
    return d;
}

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
    Data d = parse_data(old.get_data());
    for (const auto &w : spelling_words(d.f[D_TITLE], d.body)) {
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

// words (may be NULL) gets the words of the title and body for spelling, when
// the stemmer can collect them; *collected says whether it did.
// An article's prior in [-1, 1] from how readers rated and used it: votes
// (helpful minus unhelpful, shrunk toward 0 by five pretend votes either
// way, so one vote says little) and use (clicks and "solved", on a log
// scale: 1,000 uses count fully).
double usage_prior(const kb_doc *d)
{
    double up = double(std::max<int64_t>(d->helpful, 0));
    double down = double(std::max<int64_t>(d->unhelpful, 0));
    double votes = (up - down) / (up + down + 5.0);
    double uses = double(std::max<int64_t>(d->clicks, 0)) + 2.0 * double(std::max<int64_t>(d->solved, 0));
    double use = std::min(1.0, std::log1p(uses) / std::log1p(1000.0));
    return std::max(-1.0, std::min(1.0, 0.7 * votes + 0.3 * use));
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

Xapian::Document make_document(Index *ix, const kb_doc *d, int audience,
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
    bool collect = words && cs && (!d->text || std::strlen(d->text) <= STORED_TEXT_MAX);
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
    add_field_text(tg, d->asked_as, 1, P_ASKED);

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
        doc.add_value(SLOT_PRIOR, "a" + Xapian::sortable_serialise(usage_prior(d)));
    doc.set_data(make_data(d, audience));
    return doc;
}

// ---------------------------------------------------------------- queries

const Xapian::SimpleStopper &english_stopper()
{
    static const char *const words[] = {
        "a", "about", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by",
        "can", "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have",
        "how", "i", "i'm", "if", "in", "into", "is", "it", "it's", "its", "me", "my",
        "of", "on", "or", "our", "should", "so", "some", "that", "the", "their", "them",
        "then", "there", "these", "this", "those", "to", "was", "we", "were", "what",
        "when", "where", "which", "while", "who", "why", "will", "with", "would", "you",
        "your", "am", "is", "get", "getting", "way", "there", "possible", "anyone",
        "know", "want", "need", "please", "thanks", "hi", "hello",
        // Contractions are function words too ("I'd like to ...").
        "i'd", "i've", "i'll", "you're", "you've", "you'd", "we're", "we've", "they're",
        "he's", "she's", "that's", "there's", "what's", "here's", "who's", "let's",
        "don't", "doesn't", "didn't", "can't", "won't", "isn't", "aren't", "wasn't",
        "weren't", "haven't", "hasn't", "wouldn't", "shouldn't", "couldn't", "wanna",
        "gonna",
    };
    static const Xapian::SimpleStopper stopper(std::begin(words), std::end(words));
    return stopper;
}

unsigned parse_flags()
{
    return Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_LOVEHATE |
           Xapian::QueryParser::FLAG_CJK_NGRAM | Xapian::QueryParser::FLAG_PURE_NOT;
}

// Spelling correction for a query that finds little: when at least half of
// its words (stop words aside) are unknown to the index, as typed and as
// stemmed, each unknown word is replaced by the spelling table's suggestion.
// Returns the corrected query, or "" when there is nothing to correct. A
// query whose other words match is left alone: an unknown word there is
// more often a real word the knowledge base does not use ("unreplied",
// "destiny") than a typo, and "correcting" it into a different known word
// misleads the ranking. (Xapian's own FLAG_SPELLING_CORRECTION looks the
// unstemmed word up in a stemmed index, so it even "corrects" known words:
// "procedure" -> "procedures".) Words with digits, of fewer than three
// letters, or in scripts without spelling data are never corrected.
std::string correct_spelling(const Xapian::Database &db, const std::string &norm,
                             const char *locale)
{
    Xapian::Stem stem = make_stem(locale);
    auto word_byte = [](unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'' || c >= 0x80;
    };
    struct Word {
        size_t at, len;
        std::string fix;
    };
    std::vector<Word> words;
    size_t content = 0, unknown = 0;
    for (size_t i = 0; i < norm.size();) {
        if (!word_byte(static_cast<unsigned char>(norm[i]))) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < norm.size() && word_byte(static_cast<unsigned char>(norm[j])))
            j++;
        std::string w = norm.substr(i, j - i);
        Word wd{i, j - i, std::string()};
        i = j;
        if (kb_index_stopword(w.c_str(), locale))
            continue;
        content++;
        if (db.get_termfreq(w) != 0 || db.get_termfreq(stem(w)) != 0)
            continue;
        unknown++;
        bool plain = w.size() >= 3 && w.size() <= 40 &&
                     w.find_first_of("0123456789'") == std::string::npos;
        for (unsigned char c : w)
            plain = plain && c < 0xE0; // Latin, Greek, Cyrillic; not CJK or Thai
        if (plain)
            wd.fix = db.get_spelling_suggestion(w, 2);
        if (!wd.fix.empty() && wd.fix != w)
            words.push_back(wd);
    }
    if (words.empty() || unknown * 2 < content)
        return std::string();
    std::string out;
    size_t at = 0;
    for (const auto &w : words) {
        out.append(norm, at, w.at - at);
        out += w.fix;
        at = w.at + w.len;
    }
    out.append(norm, at, std::string::npos);
    return out;
}

struct Parsed {
    Xapian::Query main;
    std::vector<std::string> terms; // main-field terms in query order
    std::string corrected;
};

Parsed parse(const Xapian::Database &db, const std::string &norm, const kb_search_opts *o,
             const char *prefix, bool stop, bool spelling)
{
    Xapian::QueryParser qp;
    qp.set_database(db);
    qp.set_stemmer(make_stem(o->locale));
    qp.set_stemming_strategy(std::strcmp(stemmer_name(o->locale), "none") != 0
                                 ? Xapian::QueryParser::STEM_ALL
                                 : Xapian::QueryParser::STEM_NONE);
    qp.set_default_op(Xapian::Query::OP_OR);
    if (stop && std::string(stemmer_name(o->locale)) == "english")
        qp.set_stopper(&english_stopper());
    Parsed p;
    p.main = qp.parse_query(norm, parse_flags(), prefix);
    if (spelling)
        p.corrected = correct_spelling(db, norm, o->locale);
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
            Parsed p = parse(db, *s, o, "", false, false);
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
    std::string corrected;
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

// Stems of the likely spellings of the query's unknown words: a word of five
// or more letters that the index knows neither as typed nor stemmed gets
// the most frequent indexed word one edit away (two from nine letters on),
// if that is not a stop word. These are added beside the query as typed, at
// TYPO_WEIGHT: a real word the knowledge base happens not to use
// ("unreplied") costs little, a typo ("colaborator") still finds its word.
std::vector<std::string> typo_fixes(const Xapian::Database &db, const std::string &norm,
                                    const char *locale)
{
    Xapian::Stem stem = make_stem(locale);
    std::vector<std::string> out;
    auto letter = [](unsigned char c) { return (c >= 'a' && c <= 'z') || c >= 0x80; };
    for (size_t i = 0; i < norm.size();) {
        if (!letter(static_cast<unsigned char>(norm[i]))) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < norm.size() && letter(static_cast<unsigned char>(norm[j])))
            j++;
        bool whole = (i == 0 || norm[i - 1] == ' ' || norm[i - 1] == '"' || norm[i - 1] == '(') &&
                     (j == norm.size() || std::strchr(" .,?!;:)\"", norm[j]));
        std::string w = norm.substr(i, j - i);
        i = j;
        size_t letters = 0;
        for (unsigned char c : w) {
            if (c >= 0xE0) // CJK, Thai: no spelling data
                letters = 0;
            letters += (c & 0xC0) != 0x80;
            if (c >= 0xE0)
                break;
        }
        if (!whole || letters < 5 || w.size() > 40 || kb_index_stopword(w.c_str(), locale) ||
            db.get_termfreq(w) != 0 || db.get_termfreq(stem(w)) != 0)
            continue;
        std::string fix = db.get_spelling_suggestion(w, letters >= 9 ? 2 : 1);
        if (!fix.empty() && !kb_index_stopword(fix.c_str(), locale))
            out.push_back(stem(fix));
    }
    return out;
}

// Stems of words the query types apart but the index knows as one word
// ("git hub", "e mail", "drop box"): each pair of adjacent words, separated
// by a space or a hyphen, whose joined form is an indexed word.
std::vector<std::string> joined_words(const Xapian::Database &db, const std::string &norm,
                                      const char *locale)
{
    Xapian::Stem stem = make_stem(locale);
    std::vector<std::string> out;
    std::string prev;
    auto letter = [](unsigned char c) { return (c >= 'a' && c <= 'z') || c >= 0x80; };
    for (size_t i = 0; i < norm.size();) {
        unsigned char c = static_cast<unsigned char>(norm[i]);
        if (!letter(c)) {
            if (c != ' ' && c != '-')
                prev.clear(); // punctuation or digits end the pair
            i++;
            continue;
        }
        size_t j = i;
        while (j < norm.size() && letter(static_cast<unsigned char>(norm[j])))
            j++;
        std::string w = norm.substr(i, j - i);
        if (j < norm.size() && !letter(static_cast<unsigned char>(norm[j])) && norm[j] != ' ' &&
            norm[j] != '-' && norm[j] != '.' && norm[j] != ',' && norm[j] != '?' && norm[j] != '!')
            w.clear(); // part of a longer token ("it's", "x2"): not a word of its own
        if (!prev.empty() && !w.empty() && prev.size() + w.size() <= 40) {
            std::string joined = prev + w;
            std::string t = stem(joined);
            if (!kb_index_stopword(joined.c_str(), locale) && db.get_termfreq(t) > 0)
                out.push_back(t);
        }
        prev = w;
        i = j;
    }
    return out;
}

Built build_query(const Xapian::Database &db, const std::string &norm, const kb_search_opts *o,
                  bool spelling)
{
    const kb_rank_opts &r = o->rank;
    Parsed p = parse(db, norm, o, "", r.stopwords != 0, spelling);
    if (p.main.empty() && r.stopwords)
        p = parse(db, norm, o, "", false, spelling); // all stop words: keep them
    Built b;
    b.terms = p.terms;
    b.corrected = p.corrected;
    if (p.main.empty())
        return b;
    // Words typed apart that the index knows as one word count as that word.
    std::vector<std::string> terms = p.terms;
    std::vector<Xapian::Query> any{p.main};
    for (const auto &j : r.joins ? joined_words(db, norm, o->locale) : std::vector<std::string>()) {
        if (std::find(terms.begin(), terms.end(), j) != terms.end())
            continue;
        terms.push_back(j);
        any.emplace_back(j);
        b.corrected.clear(); // the words were not misspelt, only split
    }
    // Typo tolerance: each unknown word also matches its likely spelling.
    std::vector<std::string> typos;
    if (spelling)
        typos = typo_fixes(db, norm, o->locale);
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

struct SnipCtx {
    const std::unordered_set<std::string> *terms;
    Xapian::Stem *stem;
    std::vector<std::pair<size_t, size_t>> spans; // matched words
    std::vector<std::string> which;               // matched term per span
    size_t limit;
};

int snip_word(void *ud, size_t start, size_t end, const char *folded, size_t flen)
{
    SnipCtx *c = static_cast<SnipCtx *>(ud);
    if (start > c->limit)
        return 1;
    std::string w(folded, flen);
    // Cheap pre-check: some term shares the first byte.
    bool maybe = false;
    for (const auto &t : *c->terms)
        if (!t.empty() && t[0] == w[0]) {
            maybe = true;
            break;
        }
    if (!maybe)
        return 0;
    std::string s = (*c->stem)(w);
    if (c->terms->count(s) || c->terms->count(w)) {
        c->spans.emplace_back(start, end);
        c->which.push_back(s);
    }
    return 0;
}

void add_escaped(kb_buf *b, const std::string &s, size_t a, size_t z)
{
    kb_buf_add_html(b, s.data() + a, z - a);
}

// Moves i back to the start of a UTF-8 character.
size_t char_start(const std::string &s, size_t i)
{
    while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80)
        i--;
    return i;
}

std::string make_snippet(const std::string &text, const std::string &fallback,
                         const std::unordered_set<std::string> &terms, Xapian::Stem &stem,
                         size_t width)
{
    SnipCtx c{&terms, &stem, {}, {}, 24 * 1024};
    if (!terms.empty())
        kb_text_words(text.data(), text.size(), snip_word, &c);
    kb_buf b = KB_BUF_INIT;
    if (c.spans.empty()) {
        const std::string &src = text.empty() ? fallback : text;
        size_t z = char_start(src, std::min(src.size(), width));
        while (z < src.size() && z > width / 2 && src[z] != ' ')
            z--;
        z = char_start(src, z); // no space in reach (Chinese): still cut between characters
        add_escaped(&b, src, 0, z);
        if (z < src.size())
            kb_buf_adds(&b, "\xE2\x80\xA6");
        std::string out(kb_buf_str(&b), b.len);
        kb_buf_release(&b);
        for (auto &ch : out)
            if (ch == '\n')
                ch = ' ';
        return out;
    }
    // Best window: most distinct terms, then most matches, within width bytes.
    size_t best = 0, best_distinct = 0, best_count = 0;
    for (size_t i = 0; i < c.spans.size(); i++) {
        std::set<std::string> seen;
        size_t count = 0;
        for (size_t j = i; j < c.spans.size() && c.spans[j].second - c.spans[i].first <= width;
             j++) {
            seen.insert(c.which[j]);
            count++;
        }
        if (seen.size() > best_distinct || (seen.size() == best_distinct && count > best_count)) {
            best = i;
            best_distinct = seen.size();
            best_count = count;
        }
    }
    size_t first = c.spans[best].first;
    // Start a little before the first match, at a word boundary.
    size_t a = first > width / 4 ? first - width / 4 : 0;
    a = char_start(text, a);
    if (a > 0) {
        size_t sp = text.find_first_of(" \n", a);
        if (sp != std::string::npos && sp < first)
            a = sp + 1;
    }
    size_t z = std::min(text.size(), a + width);
    z = char_start(text, z);
    if (z < text.size()) {
        size_t sp = text.rfind(' ', z);
        if (sp != std::string::npos && sp > c.spans[best].second)
            z = sp;
    }
    if (a > 0)
        kb_buf_adds(&b, "\xE2\x80\xA6");
    size_t at = a;
    for (const auto &sp : c.spans) {
        if (sp.first < a || sp.second > z)
            continue;
        add_escaped(&b, text, at, sp.first);
        kb_buf_adds(&b, "<mark>");
        add_escaped(&b, text, sp.first, sp.second);
        kb_buf_adds(&b, "</mark>");
        at = sp.second;
    }
    add_escaped(&b, text, at, z);
    if (z < text.size())
        kb_buf_adds(&b, "\xE2\x80\xA6");
    std::string out(kb_buf_str(&b), b.len);
    kb_buf_release(&b);
    // Paragraph breaks read as spaces in a one-line snippet.
    for (auto &ch : out)
        if (ch == '\n')
            ch = ' ';
    return out;
}

char *dup(const std::string &s)
{
    return kb_xstrndup(s.data(), s.size());
}

void fill_hit(kb_hit *h, const Data &d, double score)
{
    h->source_id = dup(d.f[D_SOURCE]);
    h->title = dup(d.f[D_TITLE]);
    h->summary = d.f[D_SUMMARY].empty() ? nullptr : dup(d.f[D_SUMMARY]);
    h->category = d.f[D_CATEGORY].empty() ? nullptr : dup(d.f[D_CATEGORY]);
    h->locale = dup(d.f[D_LOCALE]);
    h->kind = std::atoi(d.f[D_KIND].c_str());
    h->audience = std::atoi(d.f[D_AUD].c_str());
    h->number = std::strtoll(d.f[D_NUMBER].c_str(), nullptr, 10);
    h->updated = std::strtoll(d.f[D_UPDATED].c_str(), nullptr, 10);
    h->score = score;
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

// One field of a document's data header, without copying the body.
std::string data_field(const std::string &data, int field)
{
    size_t at = 0, end = data.find('\n');
    if (end == std::string::npos)
        end = data.size();
    for (int i = 0; i < field; i++) {
        at = data.find('\t', at);
        if (at == std::string::npos || at >= end)
            return std::string();
        at++;
    }
    size_t z = data.find('\t', at);
    return data.substr(at, (z == std::string::npos || z > end ? end : z) - at);
}

// A candidate of the second ranking stage.
struct Cand {
    Xapian::docid did;
    double score;
    std::string key;   // question key (title_key), or unique when unknown
    std::string prior; // SLOT_PRIOR
};

const size_t RERANK_DEPTH = 20; // candidates the second stage reorders

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
        std::string data = db.get_document(x.did).get_data();
        x.key = title_key(data_field(data, D_TITLE).c_str(), data_field(data, D_LOCALE).c_str());
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

kb_result *run_search(Index *ix, const kb_search_opts *o)
{
    const Xapian::Database &db = pick(ix, o->dbs);
    std::string norm = normalize(o->query ? o->query : "");
    kb_result *res = static_cast<kb_result *>(kb_xcalloc(1, sizeof *res));
    // Freed if anything below throws (DatabaseModifiedError is retried).
    std::unique_ptr<kb_result, void (*)(kb_result *)> guard(res, kb_result_free);
    Built b = build_query(db, norm, o, o->spelling != 0 && o->rank.spelling != 0);
    const kb_rank_opts &r = o->rank;
    size_t limit = o->limit ? o->limit : 10;
    bool rerank = r.group_weight > 0 || r.prior_weight > 0 || r.recency_weight > 0;
    // A second stage reorders the first RERANK_DEPTH, so it fetches from 0.
    size_t first = rerank ? 0 : o->offset;
    size_t count = rerank ? std::max(o->offset + limit + 1, RERANK_DEPTH) : limit + 1;

    auto run = [&](const Xapian::Query &q, Xapian::ValueCountMatchSpy *spy) {
        Xapian::Enquire enq(db);
        enq.set_query(with_filter(q, o));
        enq.set_weighting_scheme(Xapian::BM25Weight(r.k1, 0, 1, r.b, 0.5));
        if (spy)
            enq.add_matchspy(spy);
        Xapian::doccount check = Xapian::doccount(first + count);
        if (spy)
            check = std::max<Xapian::doccount>(check, std::min<Xapian::doccount>(
                                                          db.get_doccount(), 20000));
        return enq.get_mset(Xapian::doccount(first), Xapian::doccount(count), check);
    };

    if (b.query.empty() && !filter_query(o).empty() && norm.find_first_not_of(' ') == std::string::npos)
        b.query = Xapian::Query::MatchAll; // browse by filter alone
    if (b.query.empty())
        return guard.release();

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
    if (o->facets)
        spy.reset(new Xapian::ValueCountMatchSpy(SLOT_CATEGORY));
    Xapian::MSet ms = run(q, spy.get());
    std::vector<std::string> terms = b.terms;

    // Spelling: Xapian corrects only words the index does not know; run the
    // corrected query and show it when it finds at least as much.
    if (!b.corrected.empty() && b.corrected != norm) {
        Built c = build_query(db, b.corrected, o, false);
        if (!c.query.empty()) {
            std::unique_ptr<Xapian::ValueCountMatchSpy> spy2;
            if (o->facets)
                spy2.reset(new Xapian::ValueCountMatchSpy(SLOT_CATEGORY));
            Xapian::MSet ms2 = run(c.query, spy2.get());
            if (ms2.get_matches_estimated() >= ms.get_matches_estimated() &&
                ms2.get_matches_estimated() > 0) {
                ms = ms2;
                spy = std::move(spy2);
                terms = c.terms;
                res->corrected = dup(b.corrected);
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
        cands.erase(cands.begin(), cands.begin() + long(std::min(cands.size(), o->offset)));
    }
    size_t n = std::min<size_t>(cands.size(), limit);
    res->more = cands.size() > limit;
    res->hits = static_cast<kb_hit *>(kb_xcalloc(n ? n : 1, sizeof *res->hits));
    res->nhits = n; // zeroed hits: kb_result_free copes with a partial fill
    std::unordered_set<std::string> tset;
    for (const auto &t : terms)
        if (!t.empty() && !(t[0] >= 'A' && t[0] <= 'Z'))
            tset.insert(t);
    Xapian::Stem stem = make_stem(o->locale);
    size_t width = o->snippet_chars ? o->snippet_chars : 200;
    for (size_t i = 0; i < n; i++) {
        Data d = parse_data(db.get_document(cands[i].did).get_data());
        fill_hit(&res->hits[i], d, cands[i].score);
        if (o->snippets)
            res->hits[i].snippet = dup(make_snippet(d.body, d.f[D_SUMMARY], tset, stem, width));
    }
    if (spy) {
        std::vector<kb_facet> fs;
        for (auto v = spy->top_values_begin(50); v != spy->top_values_end(50); ++v)
            fs.push_back(kb_facet{dup(*v), v.get_termfreq()});
        res->nfacets = fs.size();
        res->facets = static_cast<kb_facet *>(kb_xcalloc(fs.size() ? fs.size() : 1, sizeof(kb_facet)));
        std::copy(fs.begin(), fs.end(), res->facets);
    }
    return guard.release();
}

void open_readers(Index *ix)
{
    if (ix->mode == KB_INDEX_WRITE) {
        ix->pub = *ix->wpub;
        ix->both = Xapian::Database();
        ix->both.add_database(*ix->wpub);
        ix->both.add_database(*ix->wint);
    } else {
        ix->pub = Xapian::Database(ix->dir + "/public");
        ix->both = Xapian::Database(ix->dir + "/public");
        ix->both.add_database(Xapian::Database(ix->dir + "/internal"));
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

// A database whose creation was interrupted (the process killed before
// Xapian wrote its version file "iamglass") holds nothing committed, yet
// Xapian will neither open nor recreate it ("no database"), so every later
// add or sync failed. Its leftover files are removed and DB_CREATE_OR_OPEN
// starts afresh; not when another process holds its lock (creating it now)
// or the folder holds anything else.
void clear_unborn(const std::string &path)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(path, ec) || fs::exists(path + "/iamglass", ec))
        return;
    std::vector<fs::path> files;
    for (const auto &e : fs::directory_iterator(path, ec)) {
        std::string n = e.path().filename().string();
        if (n != "flintlock" && n != "v.tmp" &&
            !(n.size() > 6 && n.compare(n.size() - 6, 6, ".glass") == 0))
            return;
        files.push_back(e.path());
    }
    if (ec || files.empty())
        return;
    int fd = ::open((path + "/flintlock").c_str(), O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        struct flock fl = {};
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
            ::close(fd);
            return;
        }
    }
    for (const auto &f : files)
        fs::remove(f, ec);
    if (fd >= 0)
        ::close(fd);
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

void kb_rank_opts_baseline(struct kb_rank_opts *r)
{
    std::memset(r, 0, sizeof *r);
    r->k1 = 1.2;
    r->b = 0.75;
}

void kb_rank_opts_default(struct kb_rank_opts *r)
{
    kb_rank_opts_baseline(r);
    r->b = 0.2;
    r->title_weight = 2.0;
    r->phrase_weight = 0.0;
    r->near_weight = 0.0;
    r->synonyms = 1;
    r->stopwords = 1;
    r->spelling = 1;
    r->joins = 1;
    r->asked_weight = 1.0;
    r->group_weight = 0.5;
    r->prior_weight = 0.1;
    r->recency_weight = 0.1;
}

void kb_search_opts_init(struct kb_search_opts *o)
{
    std::memset(o, 0, sizeof *o);
    o->dbs = KB_DB_PUBLIC;
    o->kind = -1;
    o->limit = 10;
    o->snippets = 1;
    o->spelling = 1;
    kb_rank_opts_default(&o->rank);
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
            clear_unborn(h->ix.dir + "/public");
            clear_unborn(h->ix.dir + "/internal");
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

void kb_index_set_opts(struct kb_index *h, const struct kb_index_opts *o)
{
    h->ix.opts = *o;
}

struct kb_index_prepared {
    int db;
    int kind;
    int64_t number;
    Xapian::Document doc;
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
        p->doc = make_document(&h->ix, d, audience, spell ? &words : nullptr, &collected);
        if (spell) {
            if (!collected)
                for (const auto &word : spelling_words(d->title ? d->title : "",
                                                       parse_data(p->doc.get_data()).body))
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

void kb_result_free(struct kb_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nhits; i++) {
        kb_hit *h = &r->hits[i];
        free(h->source_id);
        free(h->title);
        free(h->summary);
        free(h->snippet);
        free(h->category);
        free(h->locale);
    }
    free(r->hits);
    for (size_t i = 0; i < r->nfacets; i++)
        free(r->facets[i].value);
    free(r->facets);
    free(r->corrected);
    free(r);
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

int kb_index_suggest(struct kb_index *h, int dbs, const char *prefix, const char *locale,
                     size_t limit, struct kb_result **out, struct kb_err *err)
{
    *out = nullptr;
    for (int attempt = 0;; attempt++) try {
        const Xapian::Database &db = pick(&h->ix, dbs);
        kb_result *res = static_cast<kb_result *>(kb_xcalloc(1, sizeof *res));
        std::unique_ptr<kb_result, void (*)(kb_result *)> guard(res, kb_result_free);
        std::string norm = normalize(prefix ? prefix : "");
        if (norm.find_first_not_of(' ') == std::string::npos) {
            *out = guard.release();
            return 0;
        }
        Xapian::QueryParser qp;
        qp.set_database(db);
        qp.set_stemmer(make_stem(locale));
        qp.set_stemming_strategy(std::strcmp(stemmer_name(locale), "none") != 0
                                     ? Xapian::QueryParser::STEM_ALL
                                     : Xapian::QueryParser::STEM_NONE);
        qp.set_default_op(Xapian::Query::OP_AND);
        Xapian::Query q = qp.parse_query(norm,
                                         Xapian::QueryParser::FLAG_PARTIAL |
                                             Xapian::QueryParser::FLAG_CJK_NGRAM,
                                         P_TITLE);
        kb_search_opts o;
        kb_search_opts_init(&o);
        o.locale = locale;
        o.kind = KB_KIND_ARTICLE; // typeahead offers pages to open, not tickets
        Xapian::Enquire enq(db);
        enq.set_query(with_filter(q, &o));
        Xapian::MSet ms = enq.get_mset(0, Xapian::doccount(limit ? limit : 8));
        res->hits = static_cast<kb_hit *>(kb_xcalloc(ms.size() ? ms.size() : 1, sizeof(kb_hit)));
        for (auto m = ms.begin(); m != ms.end(); ++m) {
            Data d = parse_data(m.get_document().get_data());
            fill_hit(&res->hits[res->nhits++], d, m.get_weight());
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
        std::string w = fold_value(word);
        Xapian::Stem stem = make_stem(locale);
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
