/* log: leveled logging to stderr and, once a client is connected, to
 * `window/logMessage` through a sink the server installs. Never writes to
 * stdout (stdout carries only framed messages). */
#ifndef PLANLS_LOG_H
#define PLANLS_LOG_H

#include <stdbool.h>

typedef enum log_level {
    LOG_ERROR = 1, /* values match LSP MessageType */
    LOG_WARN = 2,
    LOG_INFO = 3,
    LOG_DEBUG = 4,
} log_level_t;

typedef void (*log_sink_fn)(void *ud, log_level_t level, const char *msg);

typedef struct log {
    log_level_t level;     /* messages above this level are dropped */
    bool to_stderr;
    log_sink_fn sink;      /* optional second destination */
    void *sink_ud;
} log_t;

void log_init(log_t *log, log_level_t level);
/* "error" | "warn" | "info" | "debug" -> level; false when unknown. */
bool log_level_parse(const char *name, log_level_t *level);
void log_msg(log_t *log, log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(l, ...) log_msg((l), LOG_ERROR, __VA_ARGS__)
#define log_warn(l, ...) log_msg((l), LOG_WARN, __VA_ARGS__)
#define log_info(l, ...) log_msg((l), LOG_INFO, __VA_ARGS__)
#define log_debug(l, ...) log_msg((l), LOG_DEBUG, __VA_ARGS__)

#endif
