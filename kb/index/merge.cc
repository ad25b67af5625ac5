// Merging index folders with Xapian's compaction (merge.h): a bulk build's
// shards, and the live index they add to, become one index. Compaction
// copies each table in order: postings, positions, document data and
// values renumbered source after source; spelling word frequencies summed;
// synonyms joined; user metadata from the first source holding a key.
#include <filesystem>

#include "kb/index/index_int.h"
#include "kb/index/merge.h"

using namespace kbi;

extern "C" {

int kb_index_merge(const char *const *srcs, size_t n, const char *dest, struct kb_err *err)
{
    try {
        if (n == 0)
            return kb_err_set(err, KB_EINVAL, "nothing to merge into '%s'", dest);
        std::filesystem::path out(dest);
        if (std::filesystem::exists(out))
            return kb_err_set(err, KB_EINVAL, "cannot merge into '%s': it exists", dest);
        std::filesystem::create_directories(out);
        for (const char *db : {"public", "internal"}) {
            Xapian::Database all;
            for (size_t i = 0; i < n; i++)
                all.add_database(Xapian::Database(std::string(srcs[i]) + "/" + db));
            // Standard compaction leaves room in each block: the merged index
            // is updated in place afterwards (kept rows, relearning, syncs).
            all.compact((out / db).string(), Xapian::Compactor::STANDARD);
        }
        return 0;
    } catch (...) {
        return fail(err);
    }
}

void kb_index_hold_spelling(struct kb_index *h)
{
    h->ix.hold_spelling = true;
}

int kb_index_take_spelling(struct kb_index *dst, struct kb_index *src, struct kb_err *err)
{
    try {
        for (int i = 0; i < 2; i++) {
            auto &to = i ? dst->ix.spell_int : dst->ix.spell_pub;
            auto &from = i ? src->ix.spell_int : src->ix.spell_pub;
            if (to.empty()) {
                to.swap(from);
                continue;
            }
            for (const auto &e : from)
                to[e.first] += e.second;
            from.clear();
        }
        return 0;
    } catch (...) {
        return fail(err);
    }
}

int64_t kb_index_number_max(struct kb_index *h)
{
    return h->ix.number_max;
}

} // extern "C"
