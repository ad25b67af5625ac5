/* CSV out (RFC 4180) for exported reports: a field is quoted when it holds
 * a comma, a quote, CR or LF (quotes doubled), and a cell a spreadsheet
 * would run as a formula (starting with =, +, -, @, tab or CR) gets a
 * leading apostrophe first. A leaf: only kb/base/buf. */
#ifndef KB_CSV_OUT_H
#define KB_CSV_OUT_H

#include <stddef.h>

#include "kb/base/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Appends one field (NULL = empty) to b, neutralised and quoted as needed;
 * first says whether it starts a row (else a comma comes before it). */
void kb_csv_field(struct kb_buf *b, const char *v, int first);
/* Appends a number field (never neutralised: "-3" stays a number). */
void kb_csv_num(struct kb_buf *b, double v, int first);
/* Ends a row with CRLF. */
void kb_csv_end_row(struct kb_buf *b);
/* Appends a whole row of n fields and its CRLF. */
void kb_csv_row(struct kb_buf *b, const char *const *fields, size_t n);

#ifdef __cplusplus
}
#endif
#endif
