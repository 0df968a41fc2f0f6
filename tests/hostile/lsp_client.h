/* lsp_client: a small LSP client for the hostile-input tests. It starts the
 * real planls binary on pipes in a temporary workspace, writes and reads
 * framed JSON-RPC messages without ever blocking on one side while the
 * other is full (poll on both pipes), and reads the server's memory use from
 * /proc. Test code only. */
#ifndef PLANLS_LSP_CLIENT_H
#define PLANLS_LSP_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "planls/buf.h"
#include "planls/framer.h"

#ifndef PLANLS_BINARY
#define PLANLS_BINARY "planls"
#endif
#ifndef PLANLS_SOURCE_DIR
#define PLANLS_SOURCE_DIR "."
#endif

typedef struct lc {
    pid_t pid;
    int to_server;     /* server's stdin (write end), -1 once closed */
    int from_server;   /* server's stdout (read end), -1 once closed */
    buf_t out;         /* bytes queued for the server */
    size_t out_off;
    framer_t framer;   /* frames the server's output */
    json_t **inbox;    /* received, not yet taken */
    size_t n_inbox, cap_inbox, inbox_head;
    bool eof;          /* server closed its stdout */
    bool exited;
    int status;        /* waitpid status once exited */
    char root[256];    /* the workspace (a temp dir) */
    char root_uri[300];
    int next_id;
    size_t bytes_in;   /* total bytes read from the server */
} lc_t;

/* Seconds to multiply waits by: PLANLS_FIXTURE_TIMEOUT / 10 when it is
 * larger than 10 (valgrind), else 1. */
double lc_slow(void);
/* True under valgrind (scripts/memcheck.sh sets PLANLS_UNDER_VALGRIND) or a
 * sanitizer build: memory numbers are then the tool's, not ours. */
bool lc_instrumented(void);

/* A fresh temporary workspace directory in c->root (realpath'd). */
void lc_workspace(lc_t *c);
/* Write root/rel (parents created). */
void lc_write(const lc_t *c, const char *rel, const char *data, size_t len);
void lc_write_str(const lc_t *c, const char *rel, const char *text);
/* rm -rf the workspace. */
void lc_cleanup(lc_t *c);
/* rm -rf path (permissions restored first). */
void lc_rm_rf(const char *path);
/* Stop every server and remove every workspace of this test process that
 * is still there: a suite's .fini, for tests that end on an assertion. */
void lc_fini(void);

/* Start planls (extra args, NULL-terminated, may be NULL) in c->root.
 * argv0_wrapper: a command run before the binary (e.g. strace), NULL-ended,
 * or NULL. */
void lc_start(lc_t *c, const char *const *extra_args, const char *const *wrapper);
/* initialize (capabilities JSON, stolen; NULL = {}) + initialized; returns
 * the initialize result (owned). */
json_t *lc_initialize(lc_t *c, json_t *capabilities, json_t *init_options);

/* Queue a message (stolen) and push what the pipe takes without blocking. */
void lc_send(lc_t *c, json_t *msg);
/* Queue raw bytes. */
void lc_send_raw(lc_t *c, const char *data, size_t len);
/* A request with the next integer id; returns that id. params stolen. */
int lc_request(lc_t *c, const char *method, json_t *params);
void lc_notify(lc_t *c, const char *method, json_t *params);
/* Move bytes both ways for at most ms milliseconds (returns early once
 * something was received, or once queued output has all been written). */
void lc_pump(lc_t *c, int ms);
/* Flush everything queued (pumping input meanwhile), within ms. */
bool lc_flush(lc_t *c, int ms);

/* The next received message (owned), waiting up to ms; NULL on timeout/EOF.
 * Server->client requests are answered with a null result automatically
 * (and still returned). */
json_t *lc_next(lc_t *c, int ms);
/* Wait for the response to id (owned; others before it are dropped unless
 * keep is non-NULL, in which case they are appended to keep). */
json_t *lc_response(lc_t *c, int id, int ms, json_t *keep);
/* Wait for a notification method whose params.uri is uri (NULL = any).
 * Returns its params (owned). */
json_t *lc_notification(lc_t *c, const char *method, const char *uri, int ms);

void lc_close_stdin(lc_t *c);
/* Wait for the server to exit; returns true and sets c->status when it did
 * within ms. */
bool lc_wait_exit(lc_t *c, int ms);
/* Kill (SIGKILL) and reap when still running; close pipes; free buffers. */
void lc_stop(lc_t *c);

/* Resident memory of the server in KiB (VmRSS / VmHWM), 0 when unknown. */
long lc_rss_kb(const lc_t *c);
long lc_hwm_kb(const lc_t *c);

/* "${root_uri}/" + rel, caller frees. */
char *lc_uri(const lc_t *c, const char *rel);
/* The params of a didOpen for rel with text (len bytes). */
json_t *lc_open_params(const lc_t *c, const char *rel, const char *text, size_t len);
/* Milliseconds since an arbitrary start. */
double lc_now_ms(void);

#endif
