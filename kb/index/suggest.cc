// Typeahead: titles ranked as titles (issue 16). Xapian finds the
// candidates: articles whose title has a word starting with the last word
// typed (its unstemmed title words, P_TITLE_WORD) and every earlier word
// (as typed or stemmed), in the customer's language, or in any language
// when that one has nothing. They are then ranked here, not by BM25 over
// the whole document (which put one-line stubs first): the typed prefix at
// the start of a title word, the words typed in order, early in the title,
// shorter titles, pages with some text over stubs, and the usage prior;
// same titles collapsed into their best page. Each document's SLOT_SUGGEST
// carries what that needs (suggest_value), so ranking reads no records.
#include "kb/index/index_int.h"

namespace kbi {

namespace {

// Candidates ranked per request: the matches with the best static score
// (SLOT_SUGGEST sorts by it) when there are more.
const Xapian::doccount CAND_MAX = 200;
// An index without P_TITLE_WORD terms (built before them) gets this many,
// each read from its record.
const Xapian::doccount CAND_OLD_MAX = 100;
// Last-word expansions over the title words, the most frequent kept.
const Xapian::termcount EXPAND_MAX = 200;

// The layout of SLOT_SUGGEST: a format byte, the static sort key (2 bytes,
// lower first), the title's length in characters (2), its text's length in
// bytes (2), the usage prior (1: 0..200 for -1..1), then the title's words
// separated by spaces.
const char SUGGEST_FORMAT = '1';
const size_t SUGGEST_HEAD = 8;

unsigned get16(const std::string &s, size_t at)
{
    return unsigned(static_cast<unsigned char>(s[at])) << 8 | static_cast<unsigned char>(s[at + 1]);
}

void put16(std::string &s, double v)
{
    unsigned u = unsigned(std::max(0.0, std::min(65535.0, v)));
    s += char(u >> 8);
    s += char(u & 0xff);
}

// What a title is worth before anything is typed: shorter first (0.015 a
// character: 10 characters outweigh an early-word bonus), a page with
// about a sentence of text or less (a stub, a list of links) well below an
// article of the same length, more used first (kb_rec_usage_prior: a page
// 400 people opened is worth about 10 characters).
double static_score(unsigned chars, unsigned text_bytes, double prior)
{
    double stub = 0.5 * std::max(0.0, 1.0 - double(text_bytes) / 400.0);
    return -0.015 * double(chars) - stub + 0.6 * prior;
}

// Counts UTF-8 characters.
unsigned utf8_chars(const std::string &s)
{
    unsigned n = 0;
    for (unsigned char c : s)
        n += (c & 0xC0) != 0x80;
    return n;
}

struct Cand {
    Xapian::docid did;
    std::string value; // SLOT_SUGGEST
    double score = 0;
    std::string words; // the title's words, the collapse key
};

// The value's parts; false for a value of another format.
bool parse_value(const std::string &v, double *stat, std::string *words)
{
    if (v.size() < SUGGEST_HEAD || v[0] != SUGGEST_FORMAT)
        return false;
    unsigned chars = get16(v, 3), text = get16(v, 5);
    double prior = double(static_cast<unsigned char>(v[7])) / 100.0 - 1.0;
    *stat = static_score(chars, text, prior);
    *words = v.substr(SUGGEST_HEAD);
    return true;
}

// The typed words: all but the last complete, the last a prefix.
struct Typed {
    std::vector<std::string> words; // earlier words
    std::string last;
};

// How a title's words answer what was typed: the prefix at the start of a
// word (+10), with the earlier words right before it, as typed (+2), or
// else each earlier word somewhere in the title (+0.5), at the title's
// start (+0.15), or a little less the later it starts (0.01 a word).
double match_score(const std::string &title_words, const Typed &t)
{
    std::vector<std::string> tw;
    size_t a = 0;
    while (a < title_words.size()) {
        size_t b = title_words.find(' ', a);
        if (b == std::string::npos)
            b = title_words.size();
        if (b > a)
            tw.push_back(title_words.substr(a, b - a));
        a = b + 1;
    }
    size_t k = t.words.size();
    double best = 0;
    bool found = false;
    for (size_t j = 0; j < tw.size(); j++) {
        if (tw[j].compare(0, t.last.size(), t.last) != 0)
            continue;
        double s = 10;
        size_t start = j;
        bool phrase = k > 0 && j >= k;
        for (size_t i = 0; phrase && i < k; i++)
            phrase = tw[j - k + i] == t.words[i];
        if (phrase) {
            s += 2;
            start = j - k;
        } else {
            for (const auto &w : t.words)
                if (std::find(tw.begin(), tw.end(), w) != tw.end())
                    s += 0.5;
        }
        s += start == 0 ? 0.15 : -0.01 * double(std::min<size_t>(start, 10));
        if (!found || s > best)
            best = s;
        found = true;
    }
    return best;
}

// kb_rec_usage_prior as SLOT_PRIOR holds it ("a" + sortable), or 0.
double prior_of(const std::string &slot)
{
    if (slot.size() < 2 || slot[0] != 'a')
        return 0;
    return std::max(-1.0, std::min(1.0, Xapian::sortable_unserialise(slot.substr(1))));
}

// One search for candidates and their ranking, in the locale given (its
// primary language; NULL: any). Returns the number of matches.
Xapian::doccount rank(const Xapian::Database &db, int dbs, const Typed &t, const char *stem_locale,
                      const char *lang, bool words_indexed, std::vector<Cand> &out)
{
    const Xapian::Stem &stem = query_stem(stem_locale);
    std::vector<Xapian::Query> parts;
    for (const auto &w : t.words)
        parts.emplace_back(Xapian::Query::OP_OR, Xapian::Query(P_TITLE_WORD + w),
                           Xapian::Query(P_TITLE + stem(w)));
    // The last word: a prefix of a title word, or a whole word in another
    // form ("printers" finds "printer"), ranked below.
    std::string pre = words_indexed ? P_TITLE_WORD : P_TITLE;
    parts.emplace_back(Xapian::Query::OP_OR,
                       Xapian::Query(Xapian::Query::OP_WILDCARD, pre + t.last, EXPAND_MAX,
                                     Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT),
                       Xapian::Query(P_TITLE + stem(t.last)));
    Xapian::Query q(Xapian::Query::OP_AND, parts.begin(), parts.end());
    kb_search_opts o{};
    o.dbs = dbs;
    o.locale = lang;
    o.kind = KB_KIND_ARTICLE; // typeahead offers pages to open, not tickets
    Xapian::Enquire enq(db);
    enq.set_query(with_filter(q, &o));
    enq.set_weighting_scheme(Xapian::BoolWeight());
    enq.set_sort_by_value(SLOT_SUGGEST, false); // best static score first
    Xapian::MSet ms = enq.get_mset(0, words_indexed ? CAND_MAX : CAND_OLD_MAX);
    for (auto m = ms.begin(); m != ms.end(); ++m) {
        Cand c;
        c.did = *m;
        double stat = 0;
        if (!parse_value(m.get_sort_key(), &stat, &c.words)) {
            // Indexed before SLOT_SUGGEST: from the record (its text's
            // length unknown: not taken for a stub).
            Xapian::Document doc = m.get_document();
            Data d(doc.get_data());
            std::string v = suggest_value(d.field(KB_REC_TITLE).c_str(), 1000,
                                          prior_of(doc.get_value(SLOT_PRIOR)));
            parse_value(v, &stat, &c.words);
        }
        c.score = stat + match_score(c.words, t);
        out.push_back(std::move(c));
    }
    return ms.get_matches_estimated();
}

} // namespace

namespace {
bool word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}
} // namespace

// Title words, and typed words, with compounds written as one ("Wi-Fi
// settings" as "wifi settings", "node.js" as "nodejs"), so typing "wifi",
// "wi-f" or "wi" all reach the title; as search does (kb_text_compounds).
std::vector<std::string> title_words(const std::string &norm)
{
    std::string text;
    text.reserve(norm.size());
    for (size_t i = 0; i < norm.size(); i++) {
        char c = norm[i];
        if ((c == '-' || c == '.') && i > 0 && i + 1 < norm.size() &&
            word_byte((unsigned char)norm[i - 1]) && word_byte((unsigned char)norm[i + 1]))
            continue;
        text += c;
    }
    Xapian::TermGenerator tg;
    Xapian::Document scratch;
    tg.set_document(scratch);
    tg.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
    tg.index_text(text);
    std::vector<std::pair<Xapian::termpos, std::string>> at;
    for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t)
        for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
            at.emplace_back(*p, *t);
    std::sort(at.begin(), at.end());
    std::vector<std::string> words;
    for (auto &x : at)
        words.push_back(std::move(x.second));
    return words;
}

std::string suggest_value(const char *title, size_t text_bytes, double prior)
{
    std::string norm = normalize(title ? title : "");
    std::string words;
    for (const auto &w : title_words(norm))
        words += (words.empty() ? "" : " ") + w;
    unsigned chars = utf8_chars(title ? title : "");
    unsigned text = unsigned(std::min<size_t>(text_bytes, 65535));
    prior = std::max(-1.0, std::min(1.0, prior));
    std::string v(1, SUGGEST_FORMAT);
    put16(v, (4.0 - static_score(chars, text, prior)) * 1000.0);
    put16(v, chars);
    put16(v, text);
    v += char(static_cast<unsigned char>(std::lround((prior + 1.0) * 100.0)));
    v += words;
    return v;
}

} // namespace kbi

using namespace kbi;

extern "C" int kb_index_suggest(struct kb_index *h, int dbs, const char *prefix_norm,
                                const char *locale, size_t limit, struct kb_result **out,
                                struct kb_err *err)
{
    *out = nullptr;
    for (int attempt = 0;; attempt++) try {
        const Xapian::Database &db = pick(&h->ix, dbs);
        kb_result *res = static_cast<kb_result *>(kb_xcalloc(1, sizeof *res));
        std::unique_ptr<kb_result, void (*)(kb_result *)> guard(res, kb_result_free);
        Typed t;
        t.words = title_words(prefix_norm ? prefix_norm : "");
        if (t.words.empty()) {
            *out = guard.release();
            return 0;
        }
        t.last = t.words.back();
        t.words.pop_back();
        // An index built before P_TITLE_WORD: prefixes of stemmed title
        // words (kb-indexer rebuild adds them).
        bool words_indexed = db.get_value_freq(SLOT_SUGGEST) > 0;
        std::vector<Cand> c;
        std::string lang = locale && *locale ? locale_primary(lower_ascii(locale)) : "";
        if (!lang.empty())
            res->total = rank(db, dbs, t, locale, lang.c_str(), words_indexed, c);
        if (c.empty()) // the customer's language has nothing: any other
            res->total = rank(db, dbs, t, locale, nullptr, words_indexed, c);
        std::stable_sort(c.begin(), c.end(),
                         [](const Cand &x, const Cand &y) { return x.score > y.score; });
        // Same titles collapsed: the first (best) of each kept.
        std::unordered_set<std::string> seen;
        size_t n = limit ? limit : 8;
        std::vector<const Cand *> keep;
        for (const auto &x : c) {
            if (keep.size() >= n)
                break;
            if (x.words.empty() || seen.insert(x.words).second)
                keep.push_back(&x);
        }
        res->hits = static_cast<kb_hit *>(kb_xcalloc(keep.size() ? keep.size() : 1, sizeof(kb_hit)));
        for (const Cand *x : keep) {
            Data d(db.get_document(x->did).get_data());
            kb_rec_hit(&d.r, x->score, &res->hits[res->nhits++]);
        }
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
