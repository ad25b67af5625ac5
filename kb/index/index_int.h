// Internals of the Xapian shim shared by its files (kb/index/*.cc) and
// included by nothing else: the index handle, term prefixes and value
// slots, the stored record, and the helpers the files share.
#ifndef KB_INDEX_INT_H
#define KB_INDEX_INT_H

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kb/index/index.h"

extern "C" {
#include "kb/base/buf.h"
#include "kb/base/stopwords.h"
#include "kb/base/text.h"
#include "kb/index/index_doc.h"
#include "kb/index/snippet.h"
}

namespace kbi {

// Prefixes and value slots.
inline const char *const P_ID = "Q";        // QA1042 | QT17
inline const char *const P_TITLE = "S";     // title words
inline const char *const P_ASKED = "Y";     // "asked as" words
inline const char *const P_TITLE_WORD = "XT"; // title words unstemmed, for typeahead
inline const char *const P_CATEGORY = "XC"; // boolean
inline const char *const P_TAG = "K";       // boolean
inline const char *const P_LOCALE = "L";    // boolean: full tag and primary language
inline const char *const P_KIND = "XK";     // boolean: article | ticket
inline const char *const P_CUSTOMER = "XU"; // boolean
inline const char *const P_UNIT = "XN";     // boolean
inline const char *const P_AUDIENCE = "XA"; // boolean: public | internal (a staff copy is public)
inline const char *const P_PRODUCT = "XP";  // boolean
// A public article staff taught phrases customers may not see is indexed
// twice: its public copy carries P_SHADOWED (staff searches skip it) and
// its internal copy P_STAFF_COPY (with every phrase).
inline const char *const P_SHADOWED = "XSHADOWED";
inline const char *const P_STAFF_COPY = "XSTAFFCOPY";
inline const Xapian::valueno SLOT_UPDATED = 0;
inline const Xapian::valueno SLOT_NUMBER = 1;
inline const Xapian::valueno SLOT_CATEGORY = 2;
inline const Xapian::valueno SLOT_QUESTION = 3; // title_key(): documents asking the same question
inline const Xapian::valueno SLOT_PRIOR = 4;    // 'a' + usage prior of an article, 't' + ticket time
inline const Xapian::valueno SLOT_CREATED = 5;  // a ticket's created time (topics.cc)
inline const Xapian::valueno SLOT_SUGGEST = 6;  // an article's title for typeahead (suggest_value)
inline const char *const META_SEQ = "kb:last_seq";
// The text analysis the terms were made with; a change of terms bumps it.
// 2: Russian and Turkish stem accented words, then fold the stem.
// 3: compounds also as one word ("wifi"), summaries in the title field,
//    title words unstemmed for typeahead (XT, SLOT_SUGGEST).
// 4: audience (XA) and product (XP) terms, for the agent console's filters.
inline const char *const META_ANALYSIS = "kb:analysis";
inline const char *const ANALYSIS_VERSION = "4";

class CachingStem;

struct Index {
    std::string dir;
    int mode = KB_INDEX_READ;
    std::unique_ptr<Xapian::WritableDatabase> wpub, wint;
    // pub: what customers search. both: what staff search, public and
    // internal together, without the public copies a staff copy shadows
    // (P_SHADOWED, filtered out by with_filter).
    Xapian::Database pub, both;
    // A local reader: intl is the internal database, and both shares the
    // open databases of pub and intl, so their revisions are what both
    // reads (kb_index_state).
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
    // A bulk build's shard keeps its spelling counts here across commits,
    // for the merged index to write once (merge.h).
    bool hold_spelling = false;
    int64_t number_max = 0;
    // Opened empty or built with ANALYSIS_VERSION: commits record it.
    bool analysis_current = false;
};


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


// ---- common.cc
// Classifies the exception being handled into err (STYLE.md's shim rule).
int fail(kb_err *err);
// Text as index and queries see it (kb_text_normalize).
std::string normalize(const char *s, size_t len);
std::string normalize(const char *s);
std::string lower_ascii(std::string s);
std::string fold_value(const char *s);
std::string locale_primary(const std::string &loc);
// Xapian's stemmer name for a locale ("none" when there is none).
const char *stemmer_name(const char *locale);
// 1 for stemmers that read accents: text keeps them for the stemmer
// (normalize_for) and make_stem's stemmer folds each stem.
bool keeps_accents(const char *locale);
Xapian::Stem make_stem(const char *locale);
// Text as index and queries of a locale see it: normalize(), accents kept
// where keeps_accents.
std::string normalize_for(const char *locale, const char *s, size_t len);
// The stemmer of a locale's language, one per thread.
const Xapian::Stem &query_stem(const char *locale);
std::string uid_term(int kind, int64_t number);
// The stop words of a locale's stemmer language (folded before they are
// compared), or nullptr when it has none. Shared by all threads.
const Xapian::Stopper *stopper(const char *locale);
char *dup(const std::string &s);
// The database a search of dbs reads.
const Xapian::Database &pick(const Index *ix, int dbs);
// Pauses before another try after a concurrent commit (2 ms doubling from
// the third try).
void backoff(int attempt);
// Runs f (an open or reopen) again while a concurrent commit makes it fail
// (DatabaseModifiedError, or a reused block read as garbage), backing off;
// after 9 tries the error stands (a corrupt index stays corrupt).
template <class F> void retry_changed(F &&f)
{
    for (int attempt = 0;; attempt++) {
        try {
            f();
            return;
        } catch (const Xapian::DatabaseModifiedError &) {
            if (attempt >= 8)
                throw;
        } catch (const Xapian::DatabaseCorruptError &) {
            if (attempt >= 8)
                throw;
        }
        backoff(attempt);
    }
}
// After a read failed on a concurrent commit: reopens and returns 0 to try
// again, or the error after a few tries.
int retry_read(Index *ix, int attempt, const char *what, kb_err *err);

// ---- write.cc
void remove_from(Xapian::WritableDatabase &db, const std::string &uid,
                 std::unordered_map<std::string, Xapian::termcount> &pending);
void flush_spelling(Index *ix);
// Documents with the same folded title and language ask the same question:
// an 8-byte hash of both.
std::string title_key(const char *title, const char *locale);
// The terms indexing makes of a short text's words (a body's, without
// its fields' extras such as joined compounds), stemmed for locale (NULL =
// English), in a scratch document without positions.
Xapian::Document text_document(const char *locale, const char *text);
// The document kb_index_put would write for d (no write: topics.cc groups
// tickets that are not in the index with those that are). words may be
// nullptr (then *collected is false).
Xapian::Document make_document(Index *ix, const kb_doc *d, int audience, const char *asked,
                               std::unordered_set<std::string> *words, bool *collected);

// ---- query.cc
struct Built {
    Xapian::Query query;
    std::vector<std::string> terms;
    std::vector<std::string> stopped; // stems of the stop words the query dropped
};
Xapian::Query filter_query(const kb_search_opts *o);
Xapian::Query with_filter(const Xapian::Query &q, const kb_search_opts *o);
Xapian::Query scaled(const Xapian::Query &q, double w);
// BM25's inverse document frequency as Xapian 1.4's BM25Weight computes it.
double bm25_idf(double n_docs, double tf);
Built build_query(const Xapian::Database &db, const kb_query_words &w, const kb_search_opts *o);

// ---- suggest.cc
// The words of normalised text in order, unstemmed (a title's, or what a
// customer typed).
std::vector<std::string> title_words(const std::string &norm);
// An article's SLOT_SUGGEST: its title's words and what ranks it before
// anything is typed (length, text_bytes of text, usage prior in [-1, 1]).
std::string suggest_value(const char *title, size_t text_bytes, double prior);
// ---- bridges.cc
extern const char BRIDGE_KEY[]; // synonym-table keys of word bridges start with it
// The words the database bridges to terms, each weighted by how many of
// the terms bridge to it; empty when none.
Xapian::Query bridge_query(const Xapian::Database &db, const std::vector<std::string> &terms);

// ---- open.cc
void open_readers(Index *ix);

} // namespace kbi

struct kb_index {
    kbi::Index ix;
};

#endif
