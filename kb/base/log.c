/* stderr logging, one line per event. */
#include "kb/base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

int kb_log_level = KB_LOG_INFO;

void kb_log_msg(int level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    char line[2048], ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (level < 0 || level > 3)
        level = 3;
    fprintf(stderr, "%s %s %s\n", ts, names[level], line);
}
