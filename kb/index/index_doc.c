/* The index's stored record of a document, its usage prior, and the
 * clean-up of an unborn database (see index_doc.h). */
/* F_OFD_SETLK needs _GNU_SOURCE, which the Makefile defines. */
#include "kb/index/index_doc.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kb/base/buf.h"
#include "kb/base/err.h"

/* Appends s (may be NULL) with tabs and line breaks as spaces. */
static void add_field(struct kb_buf *b, const char *s, char sep)
{
    size_t start = b->len;
    kb_buf_adds(b, s ? s : "");
    for (size_t i = start; i < b->len; i++)
        if (b->data[i] == '\t' || b->data[i] == '\n' || b->data[i] == '\r')
            b->data[i] = ' ';
    kb_buf_addc(b, sep);
}

char *kb_rec_make(const struct kb_doc *d, int audience, size_t *len)
{
    struct kb_buf b = KB_BUF_INIT;
    char num[32];
    add_field(&b, d->source_id, '\t');
    add_field(&b, d->title, '\t');
    snprintf(num, sizeof num, "%d", d->kind);
    add_field(&b, num, '\t');
    snprintf(num, sizeof num, "%d", audience);
    add_field(&b, num, '\t');
    add_field(&b, d->category, '\t');
    add_field(&b, d->locale, '\t');
    snprintf(num, sizeof num, "%lld", (long long)d->number);
    add_field(&b, num, '\t');
    snprintf(num, sizeof num, "%lld", (long long)d->updated);
    add_field(&b, num, '\t');
    /* The last field ends the record: bodies live in the store, and a hit
     * reads its text from there (kb_search_opts.hit_text). Records written
     * before carried the body after a line break; kb_rec_parse skips it. */
    add_field(&b, d->summary, '\n');
    b.len--;
    b.data[b.len] = '\0';
    *len = b.len;
    return kb_buf_detach(&b);
}

void kb_rec_parse(const char *rec, size_t len, struct kb_rec *out)
{
    static const char empty[] = "";
    memset(out, 0, sizeof *out);
    for (int i = 0; i < KB_REC_NFIELDS; i++)
        out->f[i] = empty;
    out->body = empty;
    const char *nl = memchr(rec, '\n', len);
    const char *end = nl ? nl : rec + len;
    if (nl) {
        out->body = nl + 1;
        out->body_len = len - (size_t)(nl + 1 - rec);
    }
    const char *at = rec;
    for (int i = 0; i < KB_REC_NFIELDS; i++) {
        const char *tab = memchr(at, '\t', (size_t)(end - at));
        out->f[i] = at;
        out->n[i] = (size_t)((tab ? tab : end) - at);
        if (!tab)
            break;
        at = tab + 1;
    }
}

static long long field_ll(const struct kb_rec *r, int i)
{
    char num[32];
    size_t n = r->n[i] < sizeof num - 1 ? r->n[i] : sizeof num - 1;
    memcpy(num, r->f[i], n);
    num[n] = '\0';
    return strtoll(num, NULL, 10);
}

static char *field_dup(const struct kb_rec *r, int i, int null_if_empty)
{
    return null_if_empty && r->n[i] == 0 ? NULL : kb_xstrndup(r->f[i], r->n[i]);
}

void kb_rec_hit(const struct kb_rec *r, double score, struct kb_hit *h)
{
    h->source_id = field_dup(r, KB_REC_SOURCE, 0);
    h->title = field_dup(r, KB_REC_TITLE, 0);
    h->summary = field_dup(r, KB_REC_SUMMARY, 1);
    h->category = field_dup(r, KB_REC_CATEGORY, 1);
    h->locale = field_dup(r, KB_REC_LOCALE, 0);
    h->kind = (int)field_ll(r, KB_REC_KIND);
    h->audience = (int)field_ll(r, KB_REC_AUDIENCE);
    h->number = field_ll(r, KB_REC_NUMBER);
    h->updated = field_ll(r, KB_REC_UPDATED);
    h->score = score;
}

double kb_rec_usage_prior(const struct kb_doc *d)
{
    double up = d->helpful > 0 ? (double)d->helpful : 0;
    double down = d->unhelpful > 0 ? (double)d->unhelpful : 0;
    double votes = (up - down) / (up + down + 5.0);
    double uses = (d->clicks > 0 ? (double)d->clicks : 0) + 2.0 * (d->solved > 0 ? (double)d->solved : 0);
    double use = fmin(1.0, log1p(uses) / log1p(1000.0));
    return fmax(-1.0, fmin(1.0, 0.7 * votes + 0.3 * use));
}

/* A file Xapian leaves in a database folder before "iamglass" exists. */
static int unborn_file(const char *n)
{
    size_t len = strlen(n);
    return strcmp(n, "flintlock") == 0 || strcmp(n, "v.tmp") == 0 ||
           (len > 6 && strcmp(n + len - 6, ".glass") == 0);
}

void kb_rec_clear_unborn(const char *path)
{
    char p[4096];
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return;
    if (snprintf(p, sizeof p, "%s/iamglass", path) >= (int)sizeof p || stat(p, &sb) == 0)
        return;
    DIR *dir = opendir(path);
    if (!dir)
        return;
    int nfiles = 0, other = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (unborn_file(e->d_name))
            nfiles++;
        else
            other = 1;
    }
    if (other || nfiles == 0) {
        closedir(dir);
        return;
    }
    snprintf(p, sizeof p, "%s/flintlock", path);
    int fd = open(p, O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        struct flock fl;
        memset(&fl, 0, sizeof fl);
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        if (fcntl(fd, F_OFD_SETLK, &fl) != 0) { /* another process is creating it */
            close(fd);
            closedir(dir);
            return;
        }
    }
    rewinddir(dir);
    while ((e = readdir(dir)) != NULL)
        if (unborn_file(e->d_name) &&
            snprintf(p, sizeof p, "%s/%s", path, e->d_name) < (int)sizeof p)
            unlink(p);
    closedir(dir);
    if (fd >= 0)
        close(fd);
}
