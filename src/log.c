/* log: leveled logging to stderr and to an optional sink (window/logMessage).
 * Must never write to stdout. */
#include "planls/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void log_init(log_t *log, log_level_t level)
{
    memset(log, 0, sizeof(*log));
    log->level = level;
    log->to_stderr = true;
}

bool log_level_parse(const char *name, log_level_t *level)
{
    static const struct { const char *name; log_level_t level; } names[] = {
        {"error", LOG_ERROR}, {"warn", LOG_WARN}, {"warning", LOG_WARN},
        {"info", LOG_INFO},   {"debug", LOG_DEBUG}, {"trace", LOG_DEBUG},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i].name, name) == 0) {
            *level = names[i].level;
            return true;
        }
    return false;
}

void log_msg(log_t *log, log_level_t level, const char *fmt, ...)
{
    if (!log || level > log->level)
        return;
    static const char *tags[] = {"", "error", "warn", "info", "debug"};
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (log->to_stderr)
        fprintf(stderr, "planls: %s: %s\n", tags[level], msg);
    if (log->sink)
        log->sink(log->sink_ud, level, msg);
}
