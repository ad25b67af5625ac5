/* One line per event on stderr: time, level, message. A leaf. */
#ifndef KB_LOG_H
#define KB_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

enum kb_log_level { KB_LOG_DEBUG = 0, KB_LOG_INFO, KB_LOG_WARN, KB_LOG_ERROR };

extern int kb_log_level; /* messages below it are dropped before formatting */

void kb_log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define kb_log(level, ...) \
    do { if ((level) >= kb_log_level) kb_log_msg((level), __VA_ARGS__); } while (0)

#ifdef __cplusplus
}
#endif
#endif
