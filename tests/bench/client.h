/* client: the benchmark's language client. Starts a server with pipes on its
 * stdin/stdout (as an editor does), frames JSON-RPC with Content-Length,
 * answers the server's requests the way VS Code does, and stamps every
 * message with the monotonic time at which its last byte arrived. It never
 * interprets results: the driver does. */
#ifndef PLANLS_BENCH_CLIENT_H
#define PLANLS_BENCH_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct lsp_client lsp_client_t;

/* Milliseconds on the monotonic clock. */
double lsp_now_ms(void);

/* Start argv[0] with argv; the server's stderr goes to stderr_path (or
 * /dev/null when NULL). config (borrowed, may be NULL) is the answer to
 * every workspace/configuration item. Returns NULL (reason on stderr) when
 * the process cannot be started. Free with lsp_close(). */
lsp_client_t *lsp_spawn(char *const argv[], const char *stderr_path, json_t *config);
pid_t lsp_pid(const lsp_client_t *c);

/* Send a request (params stolen; NULL: no params member); returns its id,
 * or -1 when the server is gone. */
long lsp_request(lsp_client_t *c, const char *method, json_t *params);
/* Send a notification (params stolen); 0 or -1. */
int lsp_notify(lsp_client_t *c, const char *method, json_t *params);

/* The next message from the server (new reference), waiting at most
 * timeout_ms; *t_ms receives its arrival time. Requests from the server are
 * answered before they are returned. NULL on timeout, end of output or a
 * framing error (lsp_error() says which). */
json_t *lsp_next(lsp_client_t *c, double timeout_ms, double *t_ms);
const char *lsp_error(const lsp_client_t *c);

/* Counters of what the server sent. */
typedef struct lsp_counts {
    size_t messages, bytes, server_requests;
} lsp_counts_t;
lsp_counts_t lsp_counts(const lsp_client_t *c);

/* Close the pipes, wait for the process (killing it after timeout_ms) and
 * free. Returns its exit status (0..255), 128+signal when killed, or -1. */
int lsp_close(lsp_client_t *c, double timeout_ms);

/* Read a "Key:   value kB" line of /proc/PID/status; -1 when unavailable. */
long lsp_proc_status_kb(pid_t pid, const char *key);
/* The main thread's scheduler statistics (/proc/PID/schedstat): time on a
 * CPU and time spent runnable but waiting for one, in ms (ns resolution).
 * The server does all request work on its main (event loop) thread. -1 when
 * unavailable. */
int lsp_proc_schedstat(pid_t pid, double *run_ms, double *wait_ms);
/* CPU time (user + system, all threads) of a live process in ms, from
 * /proc/PID/stat (clock-tick resolution); -1 when unavailable. */
double lsp_proc_cpu_ms(pid_t pid);

#endif
