/* Tests for kb/base/csv_out: RFC 4180 quoting and formula neutralising,
 * table-driven. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "kb/base/buf.h"
#include "kb/base/csv_out.h"

static void test_fields(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"printer offline", "printer offline"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\rhere", "\"cr\rhere\""},
        /* A spreadsheet would run these: an apostrophe makes them text. */
        {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
        {"+1+2", "\"'+1+2\""},
        {"-2+3", "\"'-2+3\""},
        {"@SUM(A1)", "\"'@SUM(A1)\""},
        {"\tcmd", "\"'\tcmd\""},
        {"\rcmd", "\"'\rcmd\""},
        {"a=b", "a=b"},
        {"KB-1042", "KB-1042"},
        {"café", "café"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct kb_buf b = KB_BUF_INIT;
        kb_csv_field(&b, cases[i].in, 1);
        CHECK_STR(kb_buf_str(&b), cases[i].out);
        kb_buf_release(&b);
    }
    struct kb_buf b = KB_BUF_INIT;
    kb_csv_field(&b, NULL, 1);
    CHECK_STR(kb_buf_str(&b), "");
    kb_buf_release(&b);
}

static void test_rows(void)
{
    struct kb_buf b = KB_BUF_INIT;
    const char *h[] = {"query", "searches"};
    kb_csv_row(&b, h, 2);
    kb_csv_field(&b, "a, b", 1);
    kb_csv_num(&b, 3, 0);
    kb_csv_end_row(&b);
    kb_csv_field(&b, "x", 1);
    kb_csv_num(&b, -3, 0); /* a number stays a number */
    kb_csv_num(&b, 0.25, 0);
    kb_csv_field(&b, NULL, 0);
    kb_csv_end_row(&b);
    CHECK_STR(kb_buf_str(&b), "query,searches\r\n\"a, b\",3\r\nx,-3,0.2500,\r\n");
    kb_buf_release(&b);
}

int main(void)
{
    test_fields();
    test_rows();
    return check_report("test_csv_out");
}
