// The plain-Xapian peer of make eval's GNOME help blocks: what a new user of
// Xapian gets with default settings, one database per language.
//
//   xapian_ml DUMP.jsonl QUERIES.tsv RUN TAG
//
// DUMP.jsonl: the documents exactly as kb ingested them (kb_eval
// ingest-help writes it: {locale, id, title, summary, text}), so both sides
// index the same text. Each locale gets its own in-memory database:
// TermGenerator with the language's stemmer when Xapian has one (else none),
// FLAG_CJK_NGRAM, title, then description, then body (increase_termpos
// between). QUERIES.tsv: qid, locale, text. Each query is parsed by a
// QueryParser with that database, the same stemmer, STEM_SOME, default flags
// plus FLAG_CJK_NGRAM and the default operator (OR), ranked with BM25's
// defaults; the top 100 go to RUN as TREC lines naming LOCALE/ID.
#include <xapian.h>

#include <jansson.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>

static const unsigned DEPTH = 100;

// Xapian's stemmer for a locale's language ("pt-BR" -> "pt"), or none.
static Xapian::Stem stem_for(const std::string &locale)
{
    std::string lang = locale.substr(0, locale.find_first_of("-_"));
    try {
        return Xapian::Stem(lang);
    } catch (const Xapian::InvalidArgumentError &) {
        return Xapian::Stem();
    }
}

struct lang_db {
    Xapian::WritableDatabase db{std::string(), Xapian::DB_BACKEND_INMEMORY};
    Xapian::Stem stem;
    Xapian::TermGenerator tg;
};

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        std::fprintf(stderr, "usage: xapian_ml DUMP.jsonl QUERIES.tsv RUN TAG\n");
        return 2;
    }
    try {
        std::map<std::string, std::unique_ptr<lang_db>> dbs;
        std::ifstream dump(argv[1]);
        if (!dump) {
            std::fprintf(stderr, "xapian_ml: cannot read '%s'\n", argv[1]);
            return 1;
        }
        std::string line;
        size_t ndocs = 0;
        while (std::getline(dump, line)) {
            json_error_t jerr;
            json_t *o = json_loads(line.c_str(), 0, &jerr);
            if (!o) {
                std::fprintf(stderr, "xapian_ml: bad dump line: %s\n", jerr.text);
                return 1;
            }
            std::string loc = str(o, "locale");
            auto &l = dbs[loc];
            if (!l) {
                l.reset(new lang_db);
                l->stem = stem_for(loc);
                l->tg.set_stemmer(l->stem);
                l->tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
            }
            Xapian::Document doc;
            l->tg.set_document(doc);
            l->tg.index_text(str(o, "title"));
            l->tg.increase_termpos();
            l->tg.index_text(str(o, "summary"));
            l->tg.increase_termpos();
            l->tg.index_text(str(o, "text"));
            std::string name = loc + "/" + str(o, "id");
            doc.set_data(name);
            doc.add_boolean_term("Q" + name);
            l->db.replace_document("Q" + name, doc);
            json_decref(o);
            ndocs++;
        }
        for (auto &kv : dbs)
            kv.second->db.commit();

        std::ifstream qf(argv[2]);
        std::FILE *out = std::fopen(argv[3], "w");
        if (!qf || !out) {
            std::fprintf(stderr, "xapian_ml: cannot read '%s' or write '%s'\n", argv[2], argv[3]);
            return 1;
        }
        size_t nq = 0, missing = 0;
        while (std::getline(qf, line)) {
            size_t t1 = line.find('\t'), t2 = t1 == std::string::npos ? t1 : line.find('\t', t1 + 1);
            if (t2 == std::string::npos)
                continue;
            std::string qid = line.substr(0, t1), loc = line.substr(t1 + 1, t2 - t1 - 1);
            std::string text = line.substr(t2 + 1);
            nq++;
            auto it = dbs.find(loc);
            if (it == dbs.end()) {
                missing++;
                continue;
            }
            lang_db &l = *it->second;
            Xapian::QueryParser qp;
            qp.set_database(l.db);
            qp.set_stemmer(l.stem);
            qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
            Xapian::Query q;
            try {
                q = qp.parse_query(text, Xapian::QueryParser::FLAG_DEFAULT |
                                             Xapian::QueryParser::FLAG_CJK_NGRAM);
            } catch (const Xapian::QueryParserError &) {
                continue; // a query plain Xapian refuses finds nothing
            }
            Xapian::Enquire enq(l.db);
            enq.set_query(q);
            Xapian::MSet m = enq.get_mset(0, DEPTH);
            unsigned rank = 0;
            for (auto d = m.begin(); d != m.end(); ++d) {
                rank++;
                std::fprintf(out, "%s Q0 %s %u %.6f %s\n", qid.c_str(),
                             d.get_document().get_data().c_str(), rank, d.get_weight(), argv[4]);
            }
        }
        std::fclose(out);
        std::fprintf(stderr, "xapian_ml: %zu documents in %zu languages, %zu queries%s\n", ndocs,
                     dbs.size(), nq, missing ? " (some in a language with no documents)" : "");
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "xapian_ml: %s\n", e.get_description().c_str());
        return 1;
    }
    return 0;
}
