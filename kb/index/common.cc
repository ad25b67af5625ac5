// The shim's shared helpers: error classification, text and stemmers,
// term names, and reopening readers after a concurrent commit.
#include "kb/index/index_int.h"

namespace kbi {

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

// Languages by ISO 639-1 code and their Xapian stemmers; the first entry of
// a stemmer names its language's stop words (kb/base/stopwords.h).
const struct Lang {
    const char *lang, *stem;
} LANGS[] = {
    {"en", "english"}, {"fr", "french"}, {"de", "german"}, {"es", "spanish"},
    {"it", "italian"}, {"nl", "dutch"}, {"pt", "portuguese"}, {"sv", "swedish"},
    {"da", "danish"}, {"no", "norwegian"}, {"nb", "norwegian"}, {"nn", "norwegian"},
    {"fi", "finnish"}, {"ru", "russian"}, {"hu", "hungarian"}, {"ro", "romanian"},
    {"tr", "turkish"}, {"ar", "arabic"}, {"ca", "catalan"}, {"eu", "basque"},
    {"id", "indonesian"}, {"ga", "irish"}, {"lt", "lithuanian"}, {"ne", "nepali"},
    {"hy", "armenian"}, {"ta", "tamil"}, {"el", "greek"},
};

const char *stemmer_name(const char *locale)
{
    // Only what this libxapian has: 1.4.22 lacks some (greek, for one).
    static const std::string have = " " + Xapian::Stem::get_available_languages() + " ";
    std::string p = lower_ascii(locale_primary(locale ? locale : "en"));
    for (const auto &m : LANGS)
        if (p == m.lang)
            return have.find(std::string(" ") + m.stem + " ") != std::string::npos ? m.stem
                                                                                   : "none";
    return "none";
}

// Stemmers that read accents (Russian й and ё, Turkish ı ş ğ ç ö ü: folded
// first, "мой" became "мои", a plural): they stem the word as written and
// the stem is folded, so an unaccented query still meets it.
bool keeps_accents(const char *locale)
{
    const char *name = stemmer_name(locale);
    return std::strcmp(name, "russian") == 0 || std::strcmp(name, "turkish") == 0;
}

namespace {

class FoldStem : public Xapian::StemImplementation {
  public:
    explicit FoldStem(const char *name) : real(name) {}
    std::string operator()(const std::string &w) override
    {
        std::string st = real(w);
        bool ascii = true;
        for (unsigned char c : st)
            ascii = ascii && c < 0x80;
        if (ascii)
            return st;
        kb_buf b = KB_BUF_INIT;
        if (kb_text_fold(st.data(), st.size(), &b) == 0)
            st.assign(kb_buf_str(&b), b.len);
        kb_buf_release(&b);
        return st;
    }
    std::string get_description() const override { return "kb fold: " + real.get_description(); }
    Xapian::Stem real;
};

} // namespace

Xapian::Stem make_stem(const char *locale)
{
    try {
        if (keeps_accents(locale))
            return Xapian::Stem(new FoldStem(stemmer_name(locale)));
        return Xapian::Stem(stemmer_name(locale));
    } catch (const Xapian::InvalidArgumentError &) {
        return Xapian::Stem("none");
    }
}

std::string normalize_for(const char *locale, const char *s, size_t len)
{
    if (!keeps_accents(locale))
        return normalize(s, len);
    kb_buf b = KB_BUF_INIT;
    std::string out = kb_text_normalize_accents(s, len, &b) == 0 ? std::string(kb_buf_str(&b), b.len)
                                                                 : std::string(s, len);
    kb_buf_release(&b);
    return out;
}

std::string uid_term(int kind, int64_t number)
{
    return std::string(P_ID) + (kind == KB_KIND_TICKET ? "T" : "A") + std::to_string(number);
}



namespace {

// A language's stop words, compared folded: a word the parser hands over
// with its accents (kept for a stemmer that reads them) meets its list.
class FoldStopper : public Xapian::Stopper {
  public:
    std::unordered_set<std::string> words;
    bool operator()(const std::string &w) const override
    {
        if (words.count(w))
            return true;
        bool ascii = true;
        for (unsigned char c : w)
            ascii = ascii && c < 0x80;
        if (ascii)
            return false;
        kb_buf b = KB_BUF_INIT;
        bool stop = kb_text_fold(w.data(), w.size(), &b) == 0 &&
                    words.count(std::string(kb_buf_str(&b), b.len));
        kb_buf_release(&b);
        return stop;
    }
    std::string get_description() const override { return "kb stopper"; }
};

} // namespace

const Xapian::Stopper *stopper(const char *locale)
{
    // Every list made once, for all threads (a static's initialisation is
    // thread-safe; the stoppers are read-only afterwards).
    static const std::map<std::string, std::unique_ptr<FoldStopper>> by_stem = [] {
        std::map<std::string, std::unique_ptr<FoldStopper>> m;
        for (const auto &l : LANGS) {
            const kb_stopword_list *list = kb_stopwords_of(l.lang);
            if (!list || m.count(l.stem))
                continue;
            std::unique_ptr<FoldStopper> s(new FoldStopper);
            s->words.insert(list->words, list->words + list->count);
            if (std::strcmp(l.lang, "en") == 0)
{
                for (size_t i = 0; i < kb_stopwords_en_kept_count; i++)
                    s->words.erase(kb_stopwords_en_kept[i]);
                s->words.insert(kb_stopwords_en_extra,
                                kb_stopwords_en_extra + kb_stopwords_en_extra_count);
            }
            m.emplace(l.stem, std::move(s));
        }
        return m;
    }();
    auto it = by_stem.find(stemmer_name(locale));
    return it == by_stem.end() ? nullptr : it->second.get();
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


char *dup(const std::string &s)
{
    return kb_xstrndup(s.data(), s.size());
}

const Xapian::Database &pick(const Index *ix, int dbs)
{
    return dbs == KB_DB_PUBLIC ? ix->pub : ix->both;
}

// Before another try after a concurrent commit: from the third try on,
// back off (2, 4, ... 64 ms; 126 ms in all) so that a writer committing
// batch after batch (a large ticket import) finishes its commit before the
// next read starts.
void backoff(int attempt)
{
    if (attempt >= 2) {
        struct timespec pause = {0, (1L << (attempt - 1)) * 1000000L};
        nanosleep(&pause, nullptr);
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
    backoff(attempt);
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

} // namespace kbi

using namespace kbi;

int kb_index_keeps_accents(const char *locale)
{
    try {
        return keeps_accents(locale) ? 1 : 0;
    } catch (...) {
        return 0;
    }
}
