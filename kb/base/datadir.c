/* The data directory: created 0700, and a warning for one others can enter. */
#include "kb/base/datadir.h"

#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>

#include "kb/base/log.h"

int kb_datadir_prepare(const char *dir, int create, struct kb_err *err)
{
    struct stat sb;
    if (create && mkdir(dir, KB_DIR_MODE) == 0)
        return 0; /* ours, new, and exactly 0700 (mkdir's mode goes through the umask) */
    if (create && errno != EEXIST)
        return kb_err_set(err, KB_EIO, "cannot create data directory '%s': %s", dir,
                          strerror(errno));
    if (stat(dir, &sb) != 0)
        return create ? kb_err_set(err, KB_EIO, "cannot open data directory '%s': %s", dir,
                                   strerror(errno))
                      : 0; /* the caller reports the missing store in its own words */
    if (!S_ISDIR(sb.st_mode))
        return kb_err_set(err, KB_EIO, "data directory '%s' is not a directory", dir);
    if (sb.st_mode & 077)
        kb_log(KB_LOG_WARN, "data directory '%s' is mode %04o: other users can enter it; "
               "run chmod 700 '%s'", dir, (unsigned)(sb.st_mode & 07777), dir);
    return 0;
}

static _Thread_local int64_t tree_sum; /* nftw passes no user data */

static int add_size(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)path;
    (void)ftw;
    if (flag == FTW_F)
        tree_sum += sb->st_size;
    return 0;
}

int64_t kb_tree_bytes(const char *path)
{
    tree_sum = 0;
    nftw(path, add_size, 16, FTW_PHYS);
    return tree_sum;
}
