/* jsonrpc: JSON-RPC 2.0 messages, the LSP lifecycle, cancellation and
 * server->client requests, over an abstract send callback. Never does I/O
 * and never trusts a message's shape: everything is validated before use. */
#include "planls/jsonrpc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "planls/util.h"

/* One received message waiting for rpc_process. */
typedef struct rpc_item {
    json_t *msg;    /* owned */
    bool cancelled; /* `$/cancelRequest` arrived for it while queued */
} rpc_item_t;

/* A request whose handler called rpc_req_defer and has not answered yet.
 * A cancelled entry stays until its owner's rpc_respond*, which it drops. */
typedef struct rpc_deferred {
    json_t *id; /* owned reference */
    bool cancelled;
    bool is_initialize;
} rpc_deferred_t;

/* A server->client request awaiting its response. */
typedef struct rpc_pending {
    long long id;
    rpc_response_fn cb; /* may be NULL: the response is then just consumed */
    void *ud;
} rpc_pending_t;

struct rpc {
    const rpc_method_t *methods;
    void *ctx;
    rpc_send_fn send;
    void *send_ud;
    rpc_exit_fn on_exit;
    log_t *log;

    rpc_item_t *queue; /* [head, n_queue) not yet processed */
    size_t head, n_queue, cap_queue;
    rpc_deferred_t *deferred;
    size_t n_deferred, cap_deferred;
    rpc_pending_t *pending;
    size_t n_pending, cap_pending;
    long long last_id;

    bool initialized;  /* `initialize` answered with a result */
    bool init_pending; /* `initialize` deferred, not answered yet */
    bool shutdown;     /* `shutdown` received */
    bool exited;       /* `exit` received: everything after it is dropped */
    bool processing;   /* guard against re-entrant rpc_process */
};

rpc_t *rpc_new(const rpc_method_t *methods, void *ctx, rpc_send_fn send, void *send_ud,
               rpc_exit_fn on_exit, log_t *log)
{
    rpc_t *rpc = xcalloc(1, sizeof(*rpc));
    rpc->methods = methods;
    rpc->ctx = ctx;
    rpc->send = send;
    rpc->send_ud = send_ud;
    rpc->on_exit = on_exit;
    rpc->log = log;
    return rpc;
}

/* Pending server->client callbacks are released without being called: at
 * teardown the state they would touch may already be gone, so their ud stays
 * owned by whoever passed it to rpc_request. Must not be called from inside
 * a handler or callback of this rpc. */
void rpc_free(rpc_t *rpc)
{
    if (!rpc)
        return;
    for (size_t i = rpc->head; i < rpc->n_queue; i++)
        json_decref(rpc->queue[i].msg);
    for (size_t i = 0; i < rpc->n_deferred; i++)
        json_decref(rpc->deferred[i].id);
    free(rpc->queue);
    free(rpc->deferred);
    free(rpc->pending);
    free(rpc);
}

bool rpc_is_initialized(const rpc_t *rpc)
{
    return rpc->initialized;
}

bool rpc_is_shutdown(const rpc_t *rpc)
{
    return rpc->shutdown;
}

/* A JSON string for a message that may contain bytes that are not UTF-8
 * (jansson's parse errors quote the input): those become '?'. */
static json_t *safe_string(const char *s)
{
    json_t *str = json_string(s);
    if (str)
        return str;
    char *copy = xstrdup(s);
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    str = json_string(copy);
    free(copy);
    return str ? str : json_string("");
}

static bool id_is_valid(const json_t *id)
{
    return json_is_integer(id) || json_is_string(id);
}

/* Hand msg (stolen) to the sender. */
static void send_msg(rpc_t *rpc, json_t *msg)
{
    rpc->send(rpc->send_ud, msg);
    json_decref(msg);
}

/* Send an error response; id is borrowed, NULL means null. */
static void send_error(rpc_t *rpc, json_t *id, int code, const char *message)
{
    json_t *err = json_object();
    json_object_set_new(err, "code", json_integer(code));
    json_object_set_new(err, "message", safe_string(message));
    json_t *msg = json_object();
    json_object_set_new(msg, "jsonrpc", json_string("2.0"));
    json_object_set_new(msg, "id", id ? json_incref(id) : json_null());
    json_object_set_new(msg, "error", err);
    send_msg(rpc, msg);
}

/* Send a result response (result stolen). */
static void send_result(rpc_t *rpc, json_t *id, json_t *result)
{
    json_t *msg = json_object();
    json_object_set_new(msg, "jsonrpc", json_string("2.0"));
    json_object_set_new(msg, "id", json_incref(id));
    json_object_set_new(msg, "result", result);
    send_msg(rpc, msg);
}

static const rpc_method_t *find_method(const rpc_t *rpc, const char *name)
{
    for (const rpc_method_t *m = rpc->methods; m && m->name; m++)
        if (strcmp(m->name, name) == 0)
            return m;
    return NULL;
}

static rpc_deferred_t *find_deferred(rpc_t *rpc, const json_t *id)
{
    for (size_t i = 0; i < rpc->n_deferred; i++)
        if (json_equal(rpc->deferred[i].id, id))
            return &rpc->deferred[i];
    return NULL;
}

/* Remove *d from the deferred list, handing its id reference to the caller. */
static rpc_deferred_t take_deferred(rpc_t *rpc, rpc_deferred_t *d)
{
    rpc_deferred_t out = *d;
    size_t i = (size_t)(d - rpc->deferred);
    rpc->deferred[i] = rpc->deferred[rpc->n_deferred - 1];
    rpc->n_deferred--;
    return out;
}

/* `$/cancelRequest`, applied when it arrives: a queued request is marked (and
 * answered -32800 when its turn comes); a deferred one is answered -32800
 * now and its eventual answer dropped. Unknown or finished ids: ignored. */
static void apply_cancel(rpc_t *rpc, json_t *params)
{
    json_t *id = json_is_object(params) ? json_object_get(params, "id") : NULL;
    if (!id_is_valid(id)) {
        log_debug(rpc->log, "$/cancelRequest without a valid id ignored");
        return;
    }
    bool found = false;
    for (size_t i = rpc->head; i < rpc->n_queue; i++) {
        json_t *m = rpc->queue[i].msg;
        if (json_object_get(m, "method") && json_equal(json_object_get(m, "id"), id)) {
            rpc->queue[i].cancelled = true;
            found = true;
        }
    }
    for (size_t i = 0; i < rpc->n_deferred; i++) {
        rpc_deferred_t *d = &rpc->deferred[i];
        if (!d->cancelled && json_equal(d->id, id)) {
            d->cancelled = true;
            if (d->is_initialize)
                rpc->init_pending = false;
            send_error(rpc, d->id, RPC_REQUEST_CANCELLED, "request cancelled");
            found = true;
        }
    }
    if (!found)
        log_debug(rpc->log, "$/cancelRequest for an unknown or finished request ignored");
}

/* True when v is the JSON string "2.0". */
static bool is_version_2(const json_t *v)
{
    return json_is_string(v) && json_string_length(v) == 3 &&
           memcmp(json_string_value(v), "2.0", 3) == 0;
}

/* A method name usable as a C string (no embedded NUL). */
static bool is_method_name(const json_t *v)
{
    return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v);
}

void rpc_receive(rpc_t *rpc, const char *body, size_t len)
{
    if (rpc->exited) {
        log_debug(rpc->log, "message after exit dropped");
        return;
    }
    json_error_t jerr;
    /* No JSON_DECODE_INT_AS_REAL: integers stay exact, and one too large for
     * 64 bits is a parse error rather than a silently rounded id. */
    json_t *msg = json_loadb(body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!msg) {
        char text[256];
        snprintf(text, sizeof(text), "parse error: %s (line %d, column %d)", jerr.text,
                 jerr.line, jerr.column);
        log_warn(rpc->log, "%s", text);
        send_error(rpc, NULL, RPC_PARSE_ERROR, text);
        return;
    }
    json_t *method = json_object_get(msg, "method");
    if (is_method_name(method) && strcmp(json_string_value(method), "$/cancelRequest") == 0 &&
        !json_object_get(msg, "id") && is_version_2(json_object_get(msg, "jsonrpc"))) {
        apply_cancel(rpc, json_object_get(msg, "params"));
        json_decref(msg);
        return;
    }
    rpc_item_t item = {msg, false};
    UTIL_PUSH(rpc->queue, rpc->n_queue, rpc->cap_queue, item);
}

/* A message without "method" but with "result" or "error": the answer to one
 * of our requests. Routed to its callback; anything unexpected is logged. */
static void handle_response(rpc_t *rpc, json_t *msg)
{
    json_t *id = json_object_get(msg, "id");
    json_t *error = json_object_get(msg, "error");
    json_t *result = error ? NULL : json_object_get(msg, "result");
    if (!json_is_integer(id)) {
        json_t *text = json_is_object(error) ? json_object_get(error, "message") : NULL;
        log_warn(rpc->log, "response without a request id ignored%s%s",
                 json_is_string(text) ? ": " : "",
                 json_is_string(text) ? json_string_value(text) : "");
        return;
    }
    long long n = json_integer_value(id);
    size_t i = 0;
    while (i < rpc->n_pending && rpc->pending[i].id != n)
        i++;
    if (i == rpc->n_pending) {
        log_warn(rpc->log, "response to unknown request id %lld ignored", n);
        return;
    }
    /* Unlink first: the callback may send new requests. */
    rpc_pending_t p = rpc->pending[i];
    memmove(&rpc->pending[i], &rpc->pending[i + 1],
            (rpc->n_pending - i - 1) * sizeof(rpc->pending[0]));
    rpc->n_pending--;
    if (p.cb)
        p.cb(p.ud, result, error);
}

static void handle_request(rpc_t *rpc, const rpc_item_t *item, json_t *id, const char *name,
                           json_t *params)
{
    bool is_init = strcmp(name, "initialize") == 0;
    bool is_shutdown = strcmp(name, "shutdown") == 0;
    if (rpc->shutdown) {
        send_error(rpc, id, RPC_INVALID_REQUEST, "invalid request: the server is shutting down");
        return;
    }
    if (is_init && (rpc->initialized || rpc->init_pending)) {
        send_error(rpc, id, RPC_INVALID_REQUEST,
                   "invalid request: the server is already initialized");
        return;
    }
    if (!is_init && !rpc->initialized) {
        send_error(rpc, id, RPC_SERVER_NOT_INITIALIZED, "server not initialized");
        return;
    }
    if (item->cancelled) {
        send_error(rpc, id, RPC_REQUEST_CANCELLED, "request cancelled");
        return;
    }
    if (params && !json_is_object(params) && !json_is_array(params)) {
        send_error(rpc, id, RPC_INVALID_PARAMS,
                   "invalid params: 'params' must be an object or an array");
        return;
    }
    if (is_shutdown)
        rpc->shutdown = true;
    const rpc_method_t *m = find_method(rpc, name);
    if (!m || !m->request) {
        if (is_shutdown) {
            send_result(rpc, id, json_null());
            return;
        }
        char text[300];
        snprintf(text, sizeof(text), "method not found: %.256s", name);
        send_error(rpc, id, RPC_METHOD_NOT_FOUND, text);
        return;
    }
    rpc_req_t req = {.rpc = rpc, .id = id, .method = name};
    json_t *result = m->request(rpc->ctx, &req, params);
    if (req.deferred) {
        if (result) {
            log_error(rpc->log, "handler for %s deferred and returned a result; dropped", name);
            json_decref(result);
        }
        return;
    }
    if (req.err_code) {
        json_decref(result);
        send_error(rpc, id, req.err_code, req.err_msg);
        return;
    }
    if (!result) {
        log_error(rpc->log, "handler for %s returned no result", name);
        send_error(rpc, id, RPC_INTERNAL_ERROR, "internal error: the handler returned no result");
        return;
    }
    if (is_init)
        rpc->initialized = true;
    send_result(rpc, id, result);
}

static void handle_notification(rpc_t *rpc, const char *name, json_t *params)
{
    if (strcmp(name, "exit") == 0) {
        rpc->exited = true;
        if (rpc->on_exit)
            rpc->on_exit(rpc->ctx, rpc->shutdown ? 0 : 1);
        return;
    }
    if (!rpc->initialized || rpc->shutdown) {
        log_debug(rpc->log, "notification %s dropped (%s)", name,
                  rpc->shutdown ? "after shutdown" : "before initialize");
        return;
    }
    if (params && !json_is_object(params) && !json_is_array(params)) {
        log_warn(rpc->log, "notification %s dropped: params must be an object or an array",
                 name);
        return;
    }
    const rpc_method_t *m = find_method(rpc, name);
    if (!m || !m->notify) {
        log_debug(rpc->log, "notification %s ignored", name);
        return;
    }
    m->notify(rpc->ctx, params);
}

/* Validate one queued message and dispatch it. */
static void process_one(rpc_t *rpc, const rpc_item_t *item)
{
    json_t *msg = item->msg;
    if (!json_is_object(msg)) {
        send_error(rpc, NULL, RPC_INVALID_REQUEST, "invalid request: not a JSON object");
        return;
    }
    json_t *id = json_object_get(msg, "id");
    json_t *method = json_object_get(msg, "method");
    if (!method && (json_object_get(msg, "result") || json_object_get(msg, "error"))) {
        handle_response(rpc, msg);
        return;
    }
    json_t *reply_id = id_is_valid(id) ? id : NULL;
    if (!is_version_2(json_object_get(msg, "jsonrpc"))) {
        send_error(rpc, reply_id, RPC_INVALID_REQUEST,
                   "invalid request: 'jsonrpc' must be \"2.0\"");
        return;
    }
    if (!is_method_name(method)) {
        send_error(rpc, reply_id, RPC_INVALID_REQUEST,
                   "invalid request: 'method' must be a string");
        return;
    }
    if (id && !reply_id) {
        send_error(rpc, NULL, RPC_INVALID_REQUEST,
                   "invalid request: 'id' must be an integer or a string");
        return;
    }
    /* "params": null is taken as absent: clients send it for methods whose
     * params are void (eglot's `shutdown`, `exit`). */
    json_t *params = json_object_get(msg, "params");
    if (json_is_null(params))
        params = NULL;
    if (id)
        handle_request(rpc, item, id, json_string_value(method), params);
    else
        handle_notification(rpc, json_string_value(method), params);
}

void rpc_process(rpc_t *rpc)
{
    if (rpc->processing)
        return; /* the outer call drains whatever was queued meanwhile */
    rpc->processing = true;
    while (rpc->head < rpc->n_queue) {
        rpc_item_t item = rpc->queue[rpc->head++];
        if (rpc->exited)
            log_debug(rpc->log, "message after exit dropped");
        else
            process_one(rpc, &item);
        json_decref(item.msg);
    }
    rpc->head = rpc->n_queue = 0;
    rpc->processing = false;
}

void rpc_handle(rpc_t *rpc, const char *body, size_t len)
{
    rpc_receive(rpc, body, len);
    rpc_process(rpc);
}

/* The first failure reported for a request wins: it is the root cause. */
json_t *rpc_req_fail(rpc_req_t *req, int code, const char *fmt, ...)
{
    if (req->err_code != 0)
        return NULL;
    req->err_code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(req->err_msg, sizeof(req->err_msg), fmt, ap);
    va_end(ap);
    return NULL;
}

/* Registers the request as outstanding (once, however often it is called)
 * so that a `$/cancelRequest` can find it. Caller owns the returned id. */
json_t *rpc_req_defer(rpc_req_t *req)
{
    rpc_t *rpc = req->rpc;
    if (!req->deferred) {
        req->deferred = true;
        rpc_deferred_t d = {json_incref(req->id), false,
                            strcmp(req->method, "initialize") == 0};
        if (d.is_initialize)
            rpc->init_pending = true;
        UTIL_PUSH(rpc->deferred, rpc->n_deferred, rpc->cap_deferred, d);
    }
    return json_incref(req->id);
}

/* Find and unlink the deferred request id for an answer. Returns false when
 * the answer must be dropped (cancelled, unknown or already answered). */
static bool take_answer(rpc_t *rpc, json_t *id, rpc_deferred_t *out)
{
    rpc_deferred_t *d = id ? find_deferred(rpc, id) : NULL;
    if (!d) {
        log_warn(rpc->log, "answer to an unknown or already answered request dropped");
        return false;
    }
    *out = take_deferred(rpc, d);
    if (out->cancelled) {
        log_debug(rpc->log, "answer to a cancelled request dropped");
        json_decref(out->id);
        return false;
    }
    if (out->is_initialize)
        rpc->init_pending = false;
    return true;
}

void rpc_respond(rpc_t *rpc, json_t *id, json_t *result)
{
    rpc_deferred_t d;
    if (!take_answer(rpc, id, &d)) {
        json_decref(result);
        return;
    }
    if (result) {
        if (d.is_initialize)
            rpc->initialized = true;
        send_result(rpc, d.id, result);
    } else {
        send_error(rpc, d.id, RPC_INTERNAL_ERROR, "internal error: no result");
    }
    json_decref(d.id);
}

void rpc_respond_error(rpc_t *rpc, json_t *id, int code, const char *message)
{
    rpc_deferred_t d;
    if (!take_answer(rpc, id, &d))
        return;
    send_error(rpc, d.id, code, message);
    json_decref(d.id);
}

bool rpc_is_cancelled(rpc_t *rpc, json_t *id)
{
    rpc_deferred_t *d = id ? find_deferred(rpc, id) : NULL;
    return d && d->cancelled;
}

void rpc_notify(rpc_t *rpc, const char *method, json_t *params)
{
    json_t *msg = json_object();
    json_object_set_new(msg, "jsonrpc", json_string("2.0"));
    json_object_set_new(msg, "method", json_string(method));
    if (params)
        json_object_set_new(msg, "params", params);
    send_msg(rpc, msg);
}

/* The pending entry is registered before sending, so a sender that answers
 * synchronously (tests, in-process clients) is routed correctly. */
long long rpc_request(rpc_t *rpc, const char *method, json_t *params, rpc_response_fn cb,
                      void *ud)
{
    long long id = ++rpc->last_id;
    rpc_pending_t p = {id, cb, ud};
    UTIL_PUSH(rpc->pending, rpc->n_pending, rpc->cap_pending, p);
    json_t *msg = json_object();
    json_object_set_new(msg, "jsonrpc", json_string("2.0"));
    json_object_set_new(msg, "id", json_integer(id));
    json_object_set_new(msg, "method", json_string(method));
    if (params)
        json_object_set_new(msg, "params", params);
    send_msg(rpc, msg);
    return id;
}

/* Parameter access */

json_t *rpc_get(json_t *root, const char *path)
{
    json_t *cur = root;
    const char *p = path;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (!json_is_object(cur))
            return NULL;
        cur = json_object_getn(cur, p, n);
        p += n;
        if (*p == '.')
            p++;
    }
    return cur;
}

static bool type_matches(const json_t *v, json_type type)
{
    switch (type) {
    case JSON_TRUE:
    case JSON_FALSE:
        return json_is_boolean(v);
    case JSON_REAL:
        return json_is_number(v);
    default:
        return json_typeof(v) == type;
    }
}

static const char *type_name(json_type type)
{
    switch (type) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

/* Report a missing or mistyped field: the message names the dotted path and
 * what was expected, so a client author can fix the request. */
static void param_fail(rpc_req_t *req, const char *path, bool missing, const char *expected)
{
    if (missing)
        rpc_req_fail(req, RPC_INVALID_PARAMS, "invalid params: '%s' is required (%s)", path,
                     expected);
    else
        rpc_req_fail(req, RPC_INVALID_PARAMS, "invalid params: '%s' must be %s", path, expected);
}

json_t *rpc_param(rpc_req_t *req, json_t *params, const char *path, json_type type)
{
    json_t *v = rpc_get(params, path);
    if (v && type_matches(v, type))
        return v;
    param_fail(req, path, v == NULL, type_name(type));
    return NULL;
}

/* The value as a C string: a string with an embedded NUL reads as cut at the
 * NUL; use rpc_param + json_string_length where bytes matter. */
const char *rpc_param_str(rpc_req_t *req, json_t *params, const char *path)
{
    json_t *v = rpc_param(req, params, path, JSON_STRING);
    return v ? json_string_value(v) : NULL;
}

bool rpc_param_u32(rpc_req_t *req, json_t *params, const char *path, unsigned *out)
{
    json_t *v = rpc_get(params, path);
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n >= 0 && n <= (json_int_t)UINT32_MAX) {
            *out = (unsigned)n;
            return true;
        }
    }
    param_fail(req, path, v == NULL, "an integer from 0 to 4294967295");
    return false;
}
