/* The data directory (--data DIR): created so that only the service's own
 * user can enter it, and checked when it already exists. A leaf: includes no
 * other kb/ module but err.h and log.h. */
#ifndef KB_DATADIR_H
#define KB_DATADIR_H

#include <stdint.h>

#include "kb/base/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The modes of everything the service creates, whatever the umask. */
#define KB_DIR_MODE 0700
#define KB_FILE_MODE 0600

/* With create, makes dir (mode 0700) unless it exists. An existing dir that
 * group or others may read, write or enter is logged as a warning naming
 * it (the files inside stay 0600). Returns 0, or KB_EIO when dir cannot be
 * created or is not a directory. */
int kb_datadir_prepare(const char *dir, int create, struct kb_err *err);

/* The bytes of the regular files at or below path (links not followed;
 * what cannot be read counts 0): an index's size on disk, an input's. */
int64_t kb_tree_bytes(const char *path);

#ifdef __cplusplus
}
#endif
#endif
