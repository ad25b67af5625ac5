// Writing the index: a document's terms, values and stored record, both
// copies of a public article, spelling data, commits, synonyms, and the
// public vocabulary the learning rule asks about. Documents follow
// xapian-omega/index_file.cc (Q id term, S title, boolean filter terms,
// increase_termpos between fields).
#include "kb/index/index_int.h"

namespace kbi {

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
    explicit CachingStem(const Xapian::Stem &s) : real(s) {}
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

// Removes the document with uid term from db. A record of an index built
// before bodies left the index carries its body: its spelling entries are
// undone (first from pending, the counts not yet given to Xapian). Newer
// documents leave theirs: a word's count only orders suggestions, and a
// suggestion is offered only when the index still holds its stem
// (kb/search/query_words.c), so a word no document has any more is never
// suggested, whichever database it was in.
void remove_from(Xapian::WritableDatabase &db, const std::string &uid,
                 std::unordered_map<std::string, Xapian::termcount> &pending)
{
    Xapian::PostingIterator p = db.postlist_begin(uid);
    if (p == db.postlist_end(uid))
        return;
    Data d(db.get_document(*p).get_data());
    if (d.r.body_len)
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

// A field's text, normalised (as normalize()) straight from the C buffer
// into the term generator: a body is not copied into a std::string first.
// cs: the stemmer collecting the words for spelling, if any: the joined
// form of a compound is not a word the page wrote ("nimbuscli"), so
// spelling never offers it.
void add_field_text(Xapian::TermGenerator &tg, const char *s, Xapian::termcount wdf,
                    const char *prefix, bool accents, CachingStem *cs = nullptr)
{
    if (!s || !*s)
        return;
    struct Buf {
        kb_buf b = KB_BUF_INIT, joined = KB_BUF_INIT;
        ~Buf()
        {
            kb_buf_release(&b);
            kb_buf_release(&joined);
        }
    } n;
    size_t len = std::strlen(s);
    const char *text = s;
    if ((accents ? kb_text_normalize_accents(s, len, &n.b) : kb_text_normalize(s, len, &n.b)) ==
        0) {
        text = kb_buf_str(&n.b);
        len = n.b.len;
    }
    tg.index_text(Xapian::Utf8Iterator(text, len), wdf, prefix);
    tg.increase_termpos(100);
    // "Wi-Fi" is indexed as "wi" and "fi" above, and also as "wifi" here.
    if (!*prefix && (std::memchr(text, '-', len) || std::memchr(text, '.', len))) {
        kb_text_compounds(text, len, &n.joined);
        if (n.joined.len) {
            auto *collecting = cs ? cs->words : nullptr;
            if (cs)
                cs->words = nullptr;
            tg.index_text(Xapian::Utf8Iterator(kb_buf_str(&n.joined), n.joined.len), wdf,
                          prefix);
            tg.increase_termpos(100);
            if (cs)
                cs->words = collecting;
        }
    }
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

Xapian::Document text_document(const char *locale, const char *text)
{
    Xapian::Document doc;
    Xapian::TermGenerator tg;
    tg.set_document(doc);
    bool stems = std::strcmp(stemmer_name(locale), "none") != 0;
    tg.set_stemmer(make_stem(locale));
    tg.set_stemming_strategy(stems ? Xapian::TermGenerator::STEM_ALL
                                   : Xapian::TermGenerator::STEM_NONE);
    tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    const char *t = text ? text : "";
    tg.index_text_without_positions(normalize_for(locale, t, std::strlen(t)));
    return doc;
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
            CachingStem *impl = new CachingStem(make_stem(d->locale));
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
    bool collect = words && cs;
    bool accents = keeps_accents(d->locale);
    *collected = collect;

    unsigned tw = ix->opts.title_wdf ? ix->opts.title_wdf : 1;
    if (collect)
        cs->words = words;
    add_field_text(tg, d->title, tw, "", accents, cs);
    if (cs)
        cs->words = nullptr;
    add_field_text(tg, d->summary, 1, "", accents);
    if (collect)
        cs->words = words;
    add_field_text(tg, d->text, 1, "", accents, cs);
    if (cs)
        cs->words = nullptr;
    for (size_t i = 0; i < d->ntags; i++)
        add_field_text(tg, d->tags[i], 1, "", accents);
    add_field_text(tg, d->title, 1, P_TITLE, accents);
    add_field_text(tg, d->summary, 1, P_TITLE, accents);
    for (size_t i = 0; i < d->ntags; i++)
        add_field_text(tg, d->tags[i], 1, P_TITLE, accents);
    add_field_text(tg, asked, 1, P_ASKED, accents);

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
    doc.add_boolean_term(std::string(P_AUDIENCE) + kb_audience_name(audience));
    std::string product = fold_value(d->product);
    if (!product.empty())
        doc.add_boolean_term(P_PRODUCT + product);
    doc.add_value(SLOT_UPDATED, Xapian::sortable_serialise(double(d->updated)));
    doc.add_value(SLOT_NUMBER, Xapian::sortable_serialise(double(d->number)));
    doc.add_value(SLOT_QUESTION, title_key(d->title, d->locale));
    if (d->kind == KB_KIND_TICKET) {
        doc.add_value(SLOT_PRIOR, "t" + Xapian::sortable_serialise(
                                            double(d->resolved ? d->resolved : d->updated)));
        doc.add_value(SLOT_CREATED, Xapian::sortable_serialise(
                                        double(d->created ? d->created : d->updated)));
    } else if (d->helpful || d->unhelpful || d->clicks || d->solved)
        doc.add_value(SLOT_PRIOR, "a" + Xapian::sortable_serialise(kb_rec_usage_prior(d)));
    if (d->kind == KB_KIND_ARTICLE && d->title && *d->title) {
        // Typeahead (suggest.cc): the title's words as written, and what
        // ranks the title.
        std::string norm = normalize(d->title);
        for (const auto &w : title_words(norm))
            doc.add_boolean_term(P_TITLE_WORD + w);
        bool used = d->helpful || d->unhelpful || d->clicks || d->solved;
        doc.add_value(SLOT_SUGGEST, suggest_value(d->title, d->text ? std::strlen(d->text) : 0,
                                                  used ? kb_rec_usage_prior(d) : 0.0));
    }
    size_t len = 0;
    char *rec = kb_rec_make(d, audience, &len);
    doc.set_data(std::string(rec, len));
    std::free(rec);
    return doc;
}

} // namespace kbi

using namespace kbi;

extern "C" {

// A document and, for a public article staff taught phrases customers may
// not see (d->asked_as), its staff copy: doc goes into public with the
// public phrases and P_SHADOWED, copy into internal with every phrase.
// Staff search both databases without shadowed documents, so they meet
// each article once. Every other document is doc alone.
struct kb_index_prepared {
    int db;
    int kind;
    int64_t number;
    bool has_copy;
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
        p->has_copy = db == KB_DB_PUBLIC && d->asked_as && *d->asked_as;
        if (p->has_copy) {
            // The staff copy learns every phrase: staff's and customers'.
            p->doc.add_boolean_term(P_SHADOWED);
            std::string all = d->asked_as;
            if (d->asked_public && *d->asked_public)
                all += std::string(all.empty() ? "" : "\n") + d->asked_public;
            bool unused = false;
            p->copy = make_document(&h->ix, d, audience, all.c_str(), nullptr, &unused);
            p->copy.add_boolean_term(P_STAFF_COPY);
        }
        if (spell) {
            if (!collected)
                for (const auto &word : spelling_words(d->title ? d->title : "",
                                                       d->text ? d->text : ""))
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
        if (p->has_copy) {
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
        if (!h->ix.hold_spelling)
            flush_spelling(&h->ix);
        if (h->ix.analysis_current)
            for (auto *w : {h->ix.wpub.get(), h->ix.wint.get()})
                if (w->get_metadata(META_ANALYSIS) != ANALYSIS_VERSION)
                    w->set_metadata(META_ANALYSIS, ANALYSIS_VERSION);
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
                if ((*k)[0] != BRIDGE_KEY[0]) // word bridges are mined, not the admins'
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

} // extern "C"

int kb_index_vocab(struct kb_index *h, const char *locale, const char *word)
{
    try {
        if (!word || !*word)
            return 0;
        // The terms indexing would make of the word, as in make_document.
        Xapian::Document doc = text_document(locale, word);
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
