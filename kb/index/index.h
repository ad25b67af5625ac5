/* The Xapian shim: the only C++ in the project, behind a plain C API.
 * An index directory holds two databases, public/ and internal/. Customers'
 * searches open only public; agents search both. Every exception is caught at
 * this boundary and turned into a KB_E* code and message. One handle per
 * thread. */
#ifndef KB_INDEX_H
#define KB_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/doc.h"
#include "kb/base/err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kb_index;

enum kb_db { KB_DB_PUBLIC = 1, KB_DB_INTERNAL = 2, KB_DB_BOTH = 3 };
enum kb_index_mode { KB_INDEX_READ = 0, KB_INDEX_WRITE = 1 };

/* Opens dir/public and dir/internal. WRITE creates them and takes Xapian's
 * write lock (KB_EBUSY when another process holds it). READ fails with
 * KB_ENOTFOUND when no index exists yet. Caller closes with kb_index_close. */
int kb_index_open(const char *dir, int mode, struct kb_index **out, struct kb_err *err);
void kb_index_close(struct kb_index *ix);
/* Opens a read handle over n xapian-tcpsrv shards: shard i serves its public
 * database on hosts[i]:ports[i] and its internal one on ports[i] + 1. They
 * are searched as one database (same term statistics, so the same ranking);
 * customers' searches use the public shards alone. Xapian's remote backend
 * (1.4) serves neither spelling data nor synonyms: spelling correction finds
 * nothing, and synonyms come from lexicon (a local Xapian database holding
 * only synonyms, joined to both audiences; NULL for none). timeout_ms bounds
 * connecting and each remote call. Caller closes with kb_index_close. */
int kb_index_open_remote(const char *const *hosts, const unsigned *ports, size_t n,
                         const char *lexicon, unsigned timeout_ms, struct kb_index **out,
                         struct kb_err *err);
/* A read handle picks up the latest commit. */
int kb_index_reopen(struct kb_index *ix, struct kb_err *err);
/* What a search of dbs reads through this handle right now: the index
 * folder and the identity and revision of each database, as text in buf.
 * Two searches with the same state and options return the same results
 * (but for time: recency). -1 when the handle cannot say (a writer, which
 * also sees its own uncommitted changes, or remote shards). */
int kb_index_state(struct kb_index *ix, int dbs, char *buf, size_t size);

/* Index-time options (a writer's). title_wdf: how many times title words
 * count in the main field (1 = title and body as one field). */
struct kb_index_opts {
    unsigned title_wdf;
    int spelling; /* build spelling data */
};
void kb_index_opts_default(struct kb_index_opts *o);
void kb_index_set_opts(struct kb_index *ix, const struct kb_index_opts *o);

/* Adds or replaces d (d->number and d->kind identify it) in db (PUBLIC or
 * INTERNAL), and removes it from the other one. */
int kb_index_put(struct kb_index *ix, int db, const struct kb_doc *d, struct kb_err *err);
/* kb_index_put in two steps, so that one thread can turn documents into
 * terms while another writes: kb_index_prepare reads only d and the
 * handle's options and stemmers (never the databases); *out goes to
 * kb_index_put_prepared, which takes ownership (also on error), or to
 * kb_index_prepared_free. At most one thread prepares and one writes. */
struct kb_index_prepared;
int kb_index_prepare(struct kb_index *ix, int db, const struct kb_doc *d,
                     struct kb_index_prepared **out, struct kb_err *err);
int kb_index_put_prepared(struct kb_index *ix, struct kb_index_prepared *p, struct kb_err *err);
void kb_index_prepared_free(struct kb_index_prepared *p);
/* Removes a document from both databases; absent is not an error. */
int kb_index_delete(struct kb_index *ix, int kind, int64_t number, struct kb_err *err);
/* Commits both databases, recording seq as the last applied outbox row
 * (seq < 0 keeps the recorded one). */
int kb_index_commit(struct kb_index *ix, int64_t seq, struct kb_err *err);
/* The last outbox seq committed into db (0 for a new index). */
int kb_index_last_seq(struct kb_index *ix, int db, int64_t *seq, struct kb_err *err);
/* Replaces the synonym table of both databases. terms[i] <-> syns[i]. */
int kb_index_set_synonyms(struct kb_index *ix, const char *const *terms,
                          const char *const *syns, size_t n, struct kb_err *err);
/* Number of documents in db. */
int kb_index_count(struct kb_index *ix, int db, uint64_t *n, struct kb_err *err);

/* Ranking knobs, all settable from the command line for evaluation. */
struct kb_rank_opts {
    double k1, b;          /* BM25 */
    double title_weight;   /* weight of the title field query; 0 = off */
    double phrase_weight;  /* boost for the exact phrase; 0 = off */
    double near_weight;    /* boost for query words close together; 0 = off */
    int synonyms;          /* expand with admin synonyms */
    int stopwords;         /* drop stop words (kept when the query is all stop words) */
    double stop_weight;    /* the dropped stop words still count this much; 0 = not at all */
    int prf_docs;          /* pseudo-relevance feedback: top docs used; 0 = off */
    int prf_terms;         /* terms added by feedback */
    double prf_weight;
    double asked_weight;   /* weight of the "asked as" field; 0 = off */
    double prior_weight;   /* helpful votes / clicks prior, at most 0.5; 0 = off */
    int spelling;          /* correct unknown words (when the caller asks for it) */
    double group_weight;   /* pull answers sharing a title toward their best; 0 = off */
    int joins;             /* "git hub" also finds "github" when the index has it */
    double recency_weight; /* newer tickets first among close matches; 0 = off */
    double bridge_weight;  /* words bridged to each query word (kb_index_bridges_update); 0 = off */
};
void kb_rank_opts_default(struct kb_rank_opts *r);
void kb_rank_opts_baseline(struct kb_rank_opts *r); /* plain BM25, one field */

/* A query as kb/search/query_words.c prepared it: the index parses and ranks
 * these words as given and asks nothing back. */
struct kb_query_words {
    char *norm;           /* the query normalised (kb_text_normalize) */
    char *text;           /* what the parser reads: norm with split words joined */
    char **joins;         /* stems of words typed apart the index knows as one */
    size_t njoins;
    char **typos;         /* stems of likely spellings of unknown words */
    size_t ntypos;
};
struct kb_query_plan {
    struct kb_query_words main;
    char *corrected;      /* the spelling-corrected query, or NULL */
    struct kb_query_words fixed; /* its words, when corrected */
};

struct kb_hit;
struct kb_search_opts {
    const char *query;    /* user text, for the caller's records (the cache key) */
    const struct kb_query_plan *plan; /* what is searched; NULL finds nothing */
    int dbs;              /* KB_DB_PUBLIC or KB_DB_BOTH: set from the role only */
    const char *locale;   /* filter and stemmer; NULL = any locale, English stemmer */
    const char *category; /* filters, NULL = any */
    const char *tag;
    int kind;             /* -1 = any, else enum kb_kind */
    const char *customer; /* tickets of this customer */
    const char *unit;
    const char *audience; /* "public" or "internal" (a staff copy is public); NULL = any */
    const char *product;  /* NULL = any */
    size_t offset, limit;
    int snippets;         /* build HTML-escaped snippets with <mark> */
    size_t snippet_chars; /* about this many characters; 0 = 200 */
    int facets;           /* category counts over the whole match set */
    int spelling;         /* correct the query when it finds little */
    int or_query;         /* 0: ranked OR of words (default); kept for callers */
    struct kb_rank_opts rank;
    /* The index keeps no bodies: a snippet is cut from the text this returns
     * for a hit of the page (malloc'd, *len its size), called with the
     * databases searched so that a customer's search only ever reads public
     * text. NULL from it, or no callback: the snippet is the hit's summary
     * (a body that has not reached the caller's store yet, say). */
    char *(*hit_text)(void *ud, int dbs, const struct kb_hit *h, size_t *len);
    void *hit_text_ud;
};
void kb_search_opts_init(struct kb_search_opts *o);

struct kb_hit {
    char *source_id;
    char *title;
    char *summary;
    char *snippet;   /* HTML-escaped, matches in <mark>, or NULL */
    char *category;
    char *locale;
    int kind;
    int audience;
    int64_t number;
    int64_t updated;
    double score;
};
struct kb_facet {
    char *value;
    uint64_t count;
};
struct kb_result {
    struct kb_hit *hits;
    size_t nhits;
    uint64_t total;     /* Xapian's estimate of all matches */
    int total_exact;    /* total is a count, not an estimate */
    int more;           /* another page exists */
    char *corrected;    /* the corrected query actually run, or NULL */
    struct kb_facet *facets;
    size_t nfacets;
    int facets_estimated; /* counts scaled up from the first matches checked */
};
void kb_result_free(struct kb_result *r);

/* Runs a search. *out is caller-freed with kb_result_free. KB_EQUERY for a
 * query Xapian cannot parse (rare: the parser is lenient). */
int kb_index_search(struct kb_index *ix, const struct kb_search_opts *o,
                    struct kb_result **out, struct kb_err *err);

/* Typeahead: articles whose title matches the words typed so far (norm,
 * normalised), the last one as a prefix. Hits carry titles only. */
int kb_index_suggest(struct kb_index *ix, int dbs, const char *norm, const char *locale,
                     size_t limit, struct kb_result **out, struct kb_err *err);

/* The small questions kb/search/query_words.c asks while it prepares a query,
 * answered from the databases dbs reads (an error counts as "no"):
 * whether the index holds term; the stem of word in locale's language
 * (caller frees); the spelling table's suggestion for word within
 * max_edits (caller frees; NULL for none). */
int kb_index_has_term(struct kb_index *ix, int dbs, const char *term);
char *kb_index_stem(const char *locale, const char *word);
char *kb_index_spelling(struct kb_index *ix, int dbs, const char *word, unsigned max_edits);

/* Word bridges: related words mined from each database's own content
 * (title words with the body words of the same documents, "asked as" words
 * with titles), so that the public database's come from public articles and
 * the phrases the learning rule let it learn, never from internal content.
 * A search adds each query word's bridged words at rank.bridge_weight.
 * kb_index_bridges_update mines them again in each database of a writer
 * whose documents changed enough since the last mining (every database
 * when force), into that database, for the caller's next commit. stats
 * (may be NULL) gets what was done. */
struct kb_bridge_stats {
    int mined;          /* databases mined (0: bridges still current) */
    uint64_t docs;      /* documents read */
    uint64_t words;     /* words with bridges */
    uint64_t bridges;   /* stored word -> word bridges */
    double seconds;
};
int kb_index_bridges_update(struct kb_index *ix, int force, struct kb_bridge_stats *stats,
                            struct kb_err *err);
/* The words bridged to term (a stem, as the index has it) in the databases
 * dbs reads, space separated, sorted; caller frees. "" for none. */
char *kb_index_bridges_of(struct kb_index *ix, int dbs, const char *term);

/* 1 when the public database's titles, summaries, bodies or tags use word
 * (every term indexing would make of it, stemmed for locale), as
 * committed; 0 when not, or when it cannot tell. Safe to call from the
 * thread that feeds a writer (kb/store/learn.h's vocabulary). */
int kb_index_vocab(struct kb_index *ix, const char *locale, const char *word);

/* 1 if the locale's stemmer reads accents: its text is normalised with
 * kb_text_normalize_accents (the stems are folded). */
int kb_index_keeps_accents(const char *locale);

/* 1 if the folded word is a stop word of the locale's language. */
int kb_index_stopword(const char *word, const char *locale);

/* How many documents of dbs contain the folded word (for choosing the most
 * discriminating terms of long input); total gets the document count. */
int kb_index_term_freq(struct kb_index *ix, int dbs, const char *word, const char *locale,
                       uint64_t *freq, uint64_t *total, struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
