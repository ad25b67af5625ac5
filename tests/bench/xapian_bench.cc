// The plain-Xapian peer of the benchmark: what a program gets from Xapian
// with default settings. TermGenerator with the English stemmer (default
// strategy STEM_SOME), positions, title then body; the document data holds
// the id and title; Xapian's default flush threshold and one commit at the
// end. Searching: QueryParser with the same stemmer (default OR), top 10.
//
//   xapian_bench index DB CORPUS.jsonl           -> one JSON line of figures
//   xapian_bench search DB QUERIES THREADS SECS  -> one JSON line of figures
// The threads read QUERIES in order through one shared position (as the
// other engines' programs do), so no query is asked twice until the file is
// used up: "repeats" counts the searches after that.
#include <xapian.h>

#include <jansson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

static double now()
{
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

static double pct(std::vector<double> &v, double p)
{
    if (v.empty())
        return 0;
    size_t i = size_t(p / 100.0 * double(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

static int do_index(const char *dbpath, const char *corpus)
{
    FILE *f = std::fopen(corpus, "r");
    if (!f) {
        std::perror(corpus);
        return 1;
    }
    double t0 = now();
    Xapian::WritableDatabase db(dbpath, Xapian::DB_CREATE_OR_OVERWRITE);
    Xapian::TermGenerator tg;
    tg.set_stemmer(Xapian::Stem("english"));
    char *line = nullptr;
    size_t cap = 0;
    ssize_t n;
    size_t docs = 0, bytes = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        bytes += size_t(n);
        json_error_t e;
        json_t *o = json_loadb(line, size_t(n), 0, &e);
        if (!o)
            continue;
        const char *id = json_string_value(json_object_get(o, "id"));
        const char *title = json_string_value(json_object_get(o, "title"));
        const char *body = json_string_value(json_object_get(o, "body"));
        if (id && title && body) {
            Xapian::Document doc;
            tg.set_document(doc);
            tg.index_text(title);
            tg.increase_termpos();
            tg.index_text(body);
            doc.set_data(std::string(id) + "\t" + title);
            std::string uid = std::string("Q") + id;
            doc.add_boolean_term(uid);
            db.replace_document(uid, doc);
            docs++;
        }
        json_decref(o);
    }
    std::free(line);
    std::fclose(f);
    db.commit();
    db.close();
    double secs = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    std::printf("{\"docs\": %zu, \"bytes\": %zu, \"seconds\": %.3f, \"docs_per_s\": %.1f, "
                "\"mb_per_s\": %.2f, \"cpu_s\": %.2f, \"peak_rss_kb\": %ld}\n",
                docs, bytes, secs, double(docs) / secs, double(bytes) / 1e6 / secs,
                double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                    double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
                ru.ru_maxrss);
    return 0;
}

static int do_search(const char *dbpath, const char *qfile, int threads, double secs)
{
    std::vector<std::string> qs;
    std::ifstream in(qfile);
    for (std::string l; std::getline(in, l);)
        if (!l.empty())
            qs.push_back(l);
    if (qs.empty()) {
        std::fprintf(stderr, "no queries in %s\n", qfile);
        return 1;
    }
    std::vector<std::vector<double>> lat(static_cast<size_t>(threads));
    std::atomic<bool> stop{false};
    std::atomic<long> errors{0};
    std::atomic<size_t> next{0};
    std::vector<std::thread> ts;
    double t0 = now();
    for (int t = 0; t < threads; t++)
        ts.emplace_back([&, t] {
            Xapian::Database db(dbpath);
            Xapian::QueryParser qp;
            qp.set_stemmer(Xapian::Stem("english"));
            qp.set_database(db);
            // XB_STEM_ALL=1: query an index built with STEM_ALL (kb's), to
            // compare engines on the same index.
            if (std::getenv("XB_STEM_ALL"))
                qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
            Xapian::Enquire enq(db);
            std::string sink;
            while (!stop.load(std::memory_order_relaxed)) {
                double a = now();
                try {
                    size_t i = next.fetch_add(1);
                    enq.set_query(qp.parse_query(qs[i % qs.size()]));
                    Xapian::MSet ms = enq.get_mset(0, 10);
                    for (auto m = ms.begin(); m != ms.end(); ++m)
                        sink = m.get_document().get_data();
                } catch (const Xapian::Error &) {
                    errors++;
                }
                lat[size_t(t)].push_back((now() - a) * 1000.0);
            }
        });
    std::this_thread::sleep_for(std::chrono::duration<double>(secs));
    stop = true;
    for (auto &t : ts)
        t.join();
    double el = now() - t0;
    std::vector<double> all;
    for (auto &v : lat)
        all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    std::printf("{\"threads\": %d, \"requests\": %zu, \"rps\": %.1f, \"p50_ms\": %.3f, "
                "\"p99_ms\": %.3f, \"p999_ms\": %.3f, \"errors\": %ld, \"queries\": %zu, "
                "\"repeats\": %zu}\n",
                threads, all.size(), double(all.size()) / el, pct(all, 50), pct(all, 99),
                pct(all, 99.9), errors.load(), qs.size(),
                all.size() > qs.size() ? all.size() - qs.size() : 0);
    return 0;
}

int main(int argc, char **argv)
{
    try {
        if (argc == 4 && std::strcmp(argv[1], "index") == 0)
            return do_index(argv[2], argv[3]);
        if (argc == 6 && std::strcmp(argv[1], "search") == 0)
            return do_search(argv[2], argv[3], std::atoi(argv[4]), std::atof(argv[5]));
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "xapian_bench: %s\n", e.get_description().c_str());
        return 1;
    }
    std::fprintf(stderr, "usage: xapian_bench index DB CORPUS | search DB QUERIES THREADS SECS\n");
    return 2;
}
