/* CSV out: see csv_out.h. */
#include "kb/base/csv_out.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void kb_csv_field(struct kb_buf *b, const char *v, int first)
{
    if (!first)
        kb_buf_addc(b, ',');
    if (!v || !*v)
        return;
    /* A spreadsheet runs a cell starting with one of these as a formula
     * (OWASP "CSV injection"): a customer's search could be one. */
    int formula = strchr("=+-@\t\r", v[0]) != NULL;
    int quote = formula || strpbrk(v, ",\"\r\n") != NULL;
    if (quote)
        kb_buf_addc(b, '"');
    if (formula)
        kb_buf_addc(b, '\'');
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            kb_buf_addc(b, '"');
        kb_buf_addc(b, *p);
    }
    if (quote)
        kb_buf_addc(b, '"');
}

void kb_csv_num(struct kb_buf *b, double v, int first)
{
    if (!first)
        kb_buf_addc(b, ',');
    if (isfinite(v) && v == (double)(long long)v && fabs(v) < 9e15)
        kb_buf_printf(b, "%lld", (long long)v);
    else if (isfinite(v))
        kb_buf_printf(b, "%.4f", v);
}

void kb_csv_end_row(struct kb_buf *b)
{
    kb_buf_adds(b, "\r\n");
}

void kb_csv_row(struct kb_buf *b, const char *const *fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_csv_field(b, fields[i], i == 0);
    kb_csv_end_row(b);
}
