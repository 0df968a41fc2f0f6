/* jsonrpc: JSON-RPC 2.0 messages over an abstract sender (no I/O here).
 *
 * Incoming bodies are parsed with jansson (depth-limited by jansson, so
 * nesting can never overflow the stack), validated, queued, and dispatched
 * through a table from method name to handler. The module also owns the LSP
 * lifecycle rules (DESIGN §4), `$/cancelRequest`, deferred answers, and
 * server->client requests whose responses are routed back to a callback.
 *
 * Error codes: -32700 parse error, -32600 invalid request (also: any request
 * after `shutdown`, a second `initialize`), -32601 unknown method, -32602
 * invalid params, -32002 request before `initialize`, -32800 cancelled. */
#ifndef PLANLS_JSONRPC_H
#define PLANLS_JSONRPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "planls/log.h"

#define RPC_PARSE_ERROR -32700
#define RPC_INVALID_REQUEST -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS -32602
#define RPC_INTERNAL_ERROR -32603
#define RPC_SERVER_NOT_INITIALIZED -32002
#define RPC_REQUEST_FAILED -32803
#define RPC_REQUEST_CANCELLED -32800
#define RPC_CONTENT_MODIFIED -32801

typedef struct rpc rpc_t;

/* One incoming request being handled. Handlers report failure with
 * rpc_req_fail(); a handler that answers later calls rpc_req_defer(). */
typedef struct rpc_req {
    rpc_t *rpc;
    json_t *id;          /* borrowed; integer or string */
    const char *method;  /* borrowed */
    int err_code;        /* 0 = no error */
    char err_msg[512];
    bool deferred;
} rpc_req_t;

/* Request handler: returns the result (a new reference, json_null() is a
 * valid result) or NULL after rpc_req_fail() / rpc_req_defer(). */
typedef json_t *(*rpc_request_fn)(void *ctx, rpc_req_t *req, json_t *params);
/* Notification handler. params may be NULL when absent. */
typedef void (*rpc_notify_fn)(void *ctx, json_t *params);

typedef struct rpc_method {
    const char *name;
    rpc_request_fn request;  /* exactly one of request / notify is set */
    rpc_notify_fn notify;
} rpc_method_t;

/* Called with every outgoing message (steals nothing: the callee serialises
 * msg and must not keep the reference). */
typedef void (*rpc_send_fn)(void *ud, json_t *msg);
/* Response to a server->client request: exactly one of result / error is
 * non-NULL (borrowed). */
typedef void (*rpc_response_fn)(void *ud, json_t *result, json_t *error);
/* `exit` was received: code is 0 after shutdown, 1 otherwise. */
typedef void (*rpc_exit_fn)(void *ctx, int code);

/* A new dispatcher. methods is a table ending with a {NULL} entry and must
 * outlive rpc. ctx is passed to every handler. Caller frees with rpc_free().
 * `initialize`, `shutdown` and `exit` are handled by the dispatcher's
 * lifecycle: `initialize` and `shutdown` must still be in the table (their
 * handlers do the server's part); `exit` calls on_exit. */
rpc_t *rpc_new(const rpc_method_t *methods, void *ctx, rpc_send_fn send, void *send_ud,
               rpc_exit_fn on_exit, log_t *log);
void rpc_free(rpc_t *rpc);

/* Parse and queue one message body. Malformed JSON is answered with -32700
 * (id null) at once; `$/cancelRequest` marks a queued or deferred request as
 * cancelled at once (a queued one is then answered with -32800 instead of
 * being run; a deferred one is answered -32800 and its later answer
 * dropped). Responses to our own requests are routed to their callbacks when
 * processed. */
void rpc_receive(rpc_t *rpc, const char *body, size_t len);
/* Handle every queued message in arrival order. */
void rpc_process(rpc_t *rpc);
/* rpc_receive + rpc_process. */
void rpc_handle(rpc_t *rpc, const char *body, size_t len);

/* True once `initialize` was answered successfully / `shutdown` received. */
bool rpc_is_initialized(const rpc_t *rpc);
bool rpc_is_shutdown(const rpc_t *rpc);

/* Mark req failed: the dispatcher answers with code and the formatted
 * message. Returns NULL so handlers can `return rpc_req_fail(...)`. */
json_t *rpc_req_fail(rpc_req_t *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Take over answering req: returns a new reference to its id, to pass later
 * to rpc_respond / rpc_respond_error. Returns... NULL is never returned. */
json_t *rpc_req_defer(rpc_req_t *req);
/* Answer a deferred request (result stolen). Dropped silently when the
 * request was cancelled meanwhile. id is borrowed. */
void rpc_respond(rpc_t *rpc, json_t *id, json_t *result);
void rpc_respond_error(rpc_t *rpc, json_t *id, int code, const char *message);
/* True when the deferred request id was cancelled by the client. */
bool rpc_is_cancelled(rpc_t *rpc, json_t *id);

/* Send a notification (params stolen, may be NULL). */
void rpc_notify(rpc_t *rpc, const char *method, json_t *params);
/* Send a server->client request (params stolen); cb (may be NULL) gets its
 * response. Returns the integer id used. */
long long rpc_request(rpc_t *rpc, const char *method, json_t *params, rpc_response_fn cb,
                      void *ud);

/* Parameter access with -32602 errors that name the field. path is a dotted
 * path into params ("textDocument.uri", "position.line"). On failure the
 * getter calls rpc_req_fail(req, -32602, "...'textDocument.uri'...") and
 * returns NULL / false. Integers must be non-negative and fit uint32 for
 * rpc_param_u32. */
json_t *rpc_param(rpc_req_t *req, json_t *params, const char *path, json_type type);
const char *rpc_param_str(rpc_req_t *req, json_t *params, const char *path);
bool rpc_param_u32(rpc_req_t *req, json_t *params, const char *path, unsigned *out);
/* Lookup without errors: the value at path, or NULL. Borrowed. */
json_t *rpc_get(json_t *root, const char *path);

#endif
