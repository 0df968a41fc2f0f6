/* fuzz_jsonrpc: the JSON-RPC dispatcher fed arbitrary message bodies through
 * an in-memory transport: rpc_new with a capturing send function and a
 * representative method table (initialize/shutdown, a request that echoes,
 * one that validates params with the rpc_param getters, one that defers and
 * is answered later, one that sends a server->client request, notifications).
 *
 * Input: message bodies separated by 0x1E (RFC 7464's record separator);
 * each record is received, and a record starting with 0x1F is received
 * without processing (so cancellations meet queued requests). Checks: every
 * outgoing message is a JSON-RPC 2.0 object that serialises, with either a
 * method, or an id and exactly one of result / error (an error with an
 * integer code and a string message); deferred requests are answered at most
 * once; and after the input the dispatcher still answers a fresh request
 * with what its lifecycle state says (result, -32002 or -32600). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "planls/jsonrpc.h"
#include "planls/util.h"

#define MAX_DEFERRED 64

typedef struct harness {
    rpc_t *rpc;
    size_t n_sent;
    json_t *last;             /* last message sent (owned copy) */
    json_t *deferred[MAX_DEFERRED];
    size_t n_deferred;
    int exit_code;            /* -1 until `exit` */
    size_t n_callbacks;
} harness_t;

static void check_outgoing(json_t *msg)
{
    fz_json_check(msg, "outgoing message");
    FZ_CHECK(json_is_object(msg), "outgoing message is not an object");
    json_t *v = json_object_get(msg, "jsonrpc");
    FZ_CHECK(json_is_string(v) && !strcmp(json_string_value(v), "2.0"), "jsonrpc is not 2.0");
    json_t *method = json_object_get(msg, "method");
    json_t *id = json_object_get(msg, "id");
    if (method) {
        FZ_CHECK(json_is_string(method), "method is not a string");
        FZ_CHECK(!json_object_get(msg, "result") && !json_object_get(msg, "error"),
                 "a request/notification with result or error");
        return;
    }
    FZ_CHECK(id && (json_is_integer(id) || json_is_string(id) || json_is_null(id)),
             "response without a valid id");
    json_t *res = json_object_get(msg, "result"), *err = json_object_get(msg, "error");
    FZ_CHECK((res != NULL) != (err != NULL), "response needs exactly one of result / error");
    if (err) {
        FZ_CHECK(json_is_integer(json_object_get(err, "code")), "error without integer code");
        FZ_CHECK(json_is_string(json_object_get(err, "message")), "error without message");
    } else {
        FZ_CHECK(!json_is_null(id), "a result with a null id");
    }
}

static void on_send(void *ud, json_t *msg)
{
    harness_t *h = ud;
    check_outgoing(msg);
    json_decref(h->last);
    h->last = json_deep_copy(msg);
    h->n_sent++;
}

static void on_exit_cb(void *ctx, int code)
{
    harness_t *h = ctx;
    FZ_CHECK(code == 0 || code == 1, "exit code %d", code);
    h->exit_code = code;
}

static json_t *h_initialize(void *ctx, rpc_req_t *req, json_t *params)
{
    if (params && !json_is_object(params))
        return rpc_req_fail(req, RPC_INVALID_PARAMS, "invalid params: initialize needs an object");
    return json_pack("{s:{}}", "capabilities");
}

static json_t *h_shutdown(void *ctx, rpc_req_t *req, json_t *params)
{
    return json_null();
}

static json_t *h_echo(void *ctx, rpc_req_t *req, json_t *params)
{
    return params ? json_deep_copy(params) : json_null();
}

/* Validates params the way feature handlers do. */
static json_t *h_position(void *ctx, rpc_req_t *req, json_t *params)
{
    const char *uri = rpc_param_str(req, params, "textDocument.uri");
    unsigned line, ch;
    if (!uri || !rpc_param_u32(req, params, "position.line", &line) ||
        !rpc_param_u32(req, params, "position.character", &ch))
        return NULL;
    return json_pack("{s:s%,s:i,s:i}", "uri", uri, strlen(uri), "line", (json_int_t)line,
                     "character", (json_int_t)ch);
}

static json_t *h_slow(void *ctx, rpc_req_t *req, json_t *params)
{
    harness_t *h = ctx;
    json_t *id = rpc_req_defer(req);
    if (h->n_deferred == MAX_DEFERRED) {
        /* Answer the oldest now, to keep the list bounded. */
        rpc_respond(h->rpc, h->deferred[0], json_string("late"));
        json_decref(h->deferred[0]);
        memmove(h->deferred, h->deferred + 1, (MAX_DEFERRED - 1) * sizeof(json_t *));
        h->n_deferred--;
    }
    h->deferred[h->n_deferred++] = id;
    return NULL;
}

static void on_response(void *ud, json_t *result, json_t *error)
{
    harness_t *h = ud;
    FZ_CHECK((result != NULL) != (error != NULL), "response callback needs result xor error");
    h->n_callbacks++;
}

static json_t *h_ask(void *ctx, rpc_req_t *req, json_t *params)
{
    harness_t *h = ctx;
    rpc_request(h->rpc, "workspace/configuration", json_pack("{s:[]}", "items"), on_response, h);
    rpc_request(h->rpc, "client/registerCapability", NULL, NULL, NULL);
    return json_true();
}

static json_t *h_fail(void *ctx, rpc_req_t *req, json_t *params)
{
    rpc_req_fail(req, RPC_REQUEST_FAILED, "failed: %s", "first");
    return rpc_req_fail(req, RPC_INTERNAL_ERROR, "second failure must not win");
}

static void n_answer(void *ctx, json_t *params)
{
    harness_t *h = ctx;
    /* Answer every deferred request: one with an error, the rest with results. */
    for (size_t i = 0; i < h->n_deferred; i++) {
        if (i % 3 == 2)
            rpc_respond_error(h->rpc, h->deferred[i], RPC_CONTENT_MODIFIED, "modified");
        else
            rpc_respond(h->rpc, h->deferred[i], json_integer((json_int_t)i));
        /* A second answer is dropped. */
        rpc_respond(h->rpc, h->deferred[i], json_integer(-1));
        json_decref(h->deferred[i]);
    }
    h->n_deferred = 0;
}

static void n_note(void *ctx, json_t *params)
{
    harness_t *h = ctx;
    rpc_notify(h->rpc, "window/logMessage", json_pack("{s:i,s:s}", "type", 3, "message", "note"));
}

static const rpc_method_t methods[] = {
    {"initialize", h_initialize, NULL},
    {"shutdown", h_shutdown, NULL},
    {"initialized", NULL, n_note},
    {"fuzz/echo", h_echo, NULL},
    {"textDocument/hover", h_position, NULL},
    {"fuzz/slow", h_slow, NULL},
    {"fuzz/ask", h_ask, NULL},
    {"fuzz/fail", h_fail, NULL},
    {"fuzz/answer", NULL, n_answer},
    {"textDocument/didOpen", NULL, n_note},
    {NULL, NULL, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harness_t h = {.exit_code = -1};
    log_t log;
    log_init(&log, LOG_ERROR);
    log.to_stderr = false;
    h.rpc = rpc_new(methods, &h, on_send, &h, on_exit_cb, &log);
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != 0x1e)
            continue;
        const char *body = (const char *)data + start;
        size_t len = i - start;
        if (len > 0 && body[0] == 0x1f)
            rpc_receive(h.rpc, body + 1, len - 1);
        else
            rpc_handle(h.rpc, body, len);
        start = i + 1;
    }
    rpc_process(h.rpc);
    n_answer(&h, NULL);

    /* The dispatcher keeps serving: a fresh request gets the answer its
     * lifecycle state calls for (nothing at all after `exit`). */
    size_t before = h.n_sent;
    static const char ping[] = "{\"jsonrpc\":\"2.0\",\"id\":\"fuzz-final\",\"method\":\"fuzz/echo\","
                               "\"params\":{\"k\":1}}";
    rpc_handle(h.rpc, ping, sizeof(ping) - 1);
    if (h.exit_code >= 0) {
        FZ_CHECK(h.n_sent == before, "answered a request after exit");
    } else {
        FZ_CHECK(h.n_sent == before + 1, "no answer to the final request");
        json_t *id = json_object_get(h.last, "id");
        FZ_CHECK(json_is_string(id) && !strcmp(json_string_value(id), "fuzz-final"),
                 "final answer has the wrong id");
        json_t *err = json_object_get(h.last, "error");
        json_int_t code = err ? json_integer_value(json_object_get(err, "code")) : 0;
        if (rpc_is_shutdown(h.rpc))
            FZ_CHECK(code == RPC_INVALID_REQUEST, "after shutdown: code %lld", (long long)code);
        else if (!rpc_is_initialized(h.rpc))
            FZ_CHECK(code == RPC_SERVER_NOT_INITIALIZED, "before initialize: code %lld",
                     (long long)code);
        else {
            json_t *want = json_pack("{s:i}", "k", 1);
            FZ_CHECK(code == 0 && json_equal(json_object_get(h.last, "result"), want),
                     "initialized: the final request failed with %lld", (long long)code);
            json_decref(want);
        }
    }
    rpc_free(h.rpc);
    json_decref(h.last);
    return 0;
}
