// Word bridges (stub).
#include "kb/index/index_int.h"

extern "C" {
int kb_index_bridges_update(struct kb_index *, int, struct kb_bridge_stats *stats, struct kb_err *)
{
    if (stats)
        *stats = kb_bridge_stats{};
    return 0;
}
char *kb_index_bridges_of(struct kb_index *, int, const char *)
{
    return kb_xstrdup("");
}
}
