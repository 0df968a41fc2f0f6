/* Tests for the JSON-RPC dispatcher: every error code, the LSP lifecycle,
 * cancellation, deferred answers and server->client requests, checked on
 * the exact messages sent. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planls/jsonrpc.h"
#include "planls/log.h"

#define MAX_OUT 64

typedef struct env {
    rpc_t *rpc;
    log_t log;
    char *out[MAX_OUT]; /* every message sent, compact JSON */
    size_t n_out;
    char last_log[512];
    int n_warn;
    /* what the handlers saw */
    int n_init, n_echo, n_open, n_trace, n_exit, exit_code;
    char *open_params;
    bool fail_init, defer_init;
    json_t *deferred_id; /* from test/defer or a deferred initialize */
    int reentered;
    /* server->client responses */
    int n_resp;
    char *resp_result, *resp_error;
} env_t;

static void capture(void *ud, json_t *msg)
{
    env_t *e = ud;
    cr_assert_lt(e->n_out, MAX_OUT);
    e->out[e->n_out++] = json_dumps(msg, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void sink(void *ud, log_level_t level, const char *msg)
{
    env_t *e = ud;
    snprintf(e->last_log, sizeof(e->last_log), "%s", msg);
    if (level == LOG_WARN)
        e->n_warn++;
}

static void on_exit_cb(void *ctx, int code)
{
    env_t *e = ctx;
    e->n_exit++;
    e->exit_code = code;
}

static json_t *h_initialize(void *ctx, rpc_req_t *req, json_t *params)
{
    env_t *e = ctx;
    (void)params;
    e->n_init++;
    if (e->fail_init)
        return rpc_req_fail(req, RPC_REQUEST_FAILED, "initialize failed");
    if (e->defer_init) {
        e->deferred_id = rpc_req_defer(req);
        return NULL;
    }
    return json_pack("{s:{}}", "capabilities");
}

static json_t *h_shutdown(void *ctx, rpc_req_t *req, json_t *params)
{
    (void)ctx;
    (void)req;
    (void)params;
    return json_null();
}

static json_t *h_echo(void *ctx, rpc_req_t *req, json_t *params)
{
    env_t *e = ctx;
    (void)req;
    e->n_echo++;
    return params ? json_incref(params) : json_null();
}

static json_t *h_uri(void *ctx, rpc_req_t *req, json_t *params)
{
    (void)ctx;
    const char *uri = rpc_param_str(req, params, "textDocument.uri");
    if (!uri)
        return NULL;
    return json_string(uri);
}

static json_t *h_line(void *ctx, rpc_req_t *req, json_t *params)
{
    (void)ctx;
    unsigned line = 0;
    if (!rpc_param_u32(req, params, "position.line", &line))
        return NULL;
    return json_integer(line);
}

static json_t *h_opts(void *ctx, rpc_req_t *req, json_t *params)
{
    (void)ctx;
    json_t *o = rpc_param(req, params, "options", JSON_OBJECT);
    json_t *b = rpc_param(req, params, "flag", JSON_TRUE);
    json_t *n = rpc_param(req, params, "ratio", JSON_REAL);
    if (!o || !b || !n)
        return NULL;
    return json_pack("{s:b,s:f}", "flag", json_is_true(b), "ratio", json_number_value(n));
}

static json_t *h_defer(void *ctx, rpc_req_t *req, json_t *params)
{
    env_t *e = ctx;
    (void)params;
    json_decref(e->deferred_id);
    e->deferred_id = rpc_req_defer(req);
    return NULL;
}

static json_t *h_fail(void *ctx, rpc_req_t *req, json_t *params)
{
    (void)ctx;
    (void)params;
    rpc_req_fail(req, RPC_REQUEST_FAILED, "failed: %d", 42);
    return rpc_req_fail(req, RPC_INTERNAL_ERROR, "second failure is ignored");
}

static json_t *h_noresult(void *ctx, rpc_req_t *req, json_t *params)
{
    (void)ctx;
    (void)req;
    (void)params;
    return NULL;
}

static void on_response(void *ud, json_t *result, json_t *error)
{
    env_t *e = ud;
    e->n_resp++;
    free(e->resp_result);
    free(e->resp_error);
    e->resp_result = result ? json_dumps(result, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    e->resp_error = error ? json_dumps(error, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static json_t *h_ask(void *ctx, rpc_req_t *req, json_t *params)
{
    env_t *e = ctx;
    (void)params;
    rpc_notify(req->rpc, "window/logMessage", json_pack("{s:i,s:s}", "type", 3, "message", "hi"));
    rpc_request(req->rpc, "workspace/configuration", json_pack("{s:[]}", "items"), on_response,
                e);
    return json_string("asked");
}

static json_t *h_reenter(void *ctx, rpc_req_t *req, json_t *params)
{
    env_t *e = ctx;
    (void)params;
    e->reentered++;
    rpc_process(req->rpc); /* must return at once */
    return json_integer(e->reentered);
}

static void n_open(void *ctx, json_t *params)
{
    env_t *e = ctx;
    e->n_open++;
    free(e->open_params);
    e->open_params = params ? json_dumps(params, JSON_COMPACT) : NULL;
}

static void n_trace(void *ctx, json_t *params)
{
    env_t *e = ctx;
    (void)params;
    e->n_trace++;
}

static const rpc_method_t METHODS[] = {
    {"initialize", h_initialize, NULL},
    {"shutdown", h_shutdown, NULL},
    {"test/echo", h_echo, NULL},
    {"test/uri", h_uri, NULL},
    {"test/line", h_line, NULL},
    {"test/opts", h_opts, NULL},
    {"test/defer", h_defer, NULL},
    {"test/fail", h_fail, NULL},
    {"test/noresult", h_noresult, NULL},
    {"test/ask", h_ask, NULL},
    {"test/reenter", h_reenter, NULL},
    {"textDocument/didOpen", NULL, n_open},
    {"$/setTrace", NULL, n_trace},
    {NULL, NULL, NULL},
};

static void env_init(env_t *e)
{
    memset(e, 0, sizeof(*e));
    log_init(&e->log, LOG_DEBUG);
    e->log.to_stderr = false;
    e->log.sink = sink;
    e->log.sink_ud = e;
    e->rpc = rpc_new(METHODS, e, capture, e, on_exit_cb, &e->log);
    cr_assert_not_null(e->rpc);
}

static void clear_out(env_t *e)
{
    for (size_t i = 0; i < e->n_out; i++)
        free(e->out[i]);
    e->n_out = 0;
}

static void env_free(env_t *e)
{
    rpc_free(e->rpc);
    clear_out(e);
    json_decref(e->deferred_id);
    free(e->open_params);
    free(e->resp_result);
    free(e->resp_error);
}

static void handle(env_t *e, const char *json)
{
    rpc_handle(e->rpc, json, strlen(json));
}

static void expect_out(env_t *e, size_t n, ...)
{
    cr_assert_eq(e->n_out, n, "sent %zu messages, expected %zu (first: %s)", e->n_out, n,
                 e->n_out ? e->out[0] : "-");
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(e->out[i], va_arg(ap, const char *));
    va_end(ap);
    clear_out(e);
}

static void initialize(env_t *e)
{
    handle(e, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}");
    expect_out(e, 1, "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"capabilities\":{}}}");
    cr_assert(rpc_is_initialized(e->rpc));
    handle(e, "{\"jsonrpc\":\"2.0\",\"method\":\"initialized\",\"params\":{}}");
    expect_out(e, 0);
}

#define ERR(id, code, msg)                                                                  \
    "{\"jsonrpc\":\"2.0\",\"id\":" id ",\"error\":{\"code\":" #code ",\"message\":\"" msg \
    "\"}}"

Test(jsonrpc, parse_error)
{
    env_t e;
    env_init(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,");
    cr_assert_eq(e.n_out, 1);
    json_t *m = json_loads(e.out[0], 0, NULL);
    cr_assert_not_null(m);
    cr_assert(json_is_null(json_object_get(m, "id")));
    json_t *err = json_object_get(m, "error");
    cr_assert_eq(json_integer_value(json_object_get(err, "code")), -32700);
    const char *msg = json_string_value(json_object_get(err, "message"));
    cr_assert_not_null(msg);
    cr_assert_eq(strncmp(msg, "parse error: ", 13), 0, "%s", msg);
    json_decref(m);
    cr_assert_eq(e.n_warn, 1);
    env_free(&e);
}

Test(jsonrpc, parse_error_invalid_utf8_and_trailing_garbage)
{
    env_t e;
    env_init(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"\xff\xfe\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"} x");
    handle(&e, "");
    cr_assert_eq(e.n_out, 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *m = json_loads(e.out[i], 0, NULL);
        cr_assert_not_null(m, "output %zu is valid JSON", i);
        cr_assert_eq(json_integer_value(json_object_get(json_object_get(m, "error"), "code")),
                     -32700);
        json_decref(m);
    }
    cr_assert(!rpc_is_initialized(e.rpc));
    env_free(&e);
}

Test(jsonrpc, deep_nesting_rejected)
{
    env_t e;
    env_init(&e);
    size_t n = 100000;
    char *deep = malloc(2 * n + 1);
    cr_assert_not_null(deep);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    rpc_handle(e.rpc, deep, 2 * n);
    /* Opening brackets only, too. */
    rpc_handle(e.rpc, deep, n);
    free(deep);
    cr_assert_eq(e.n_out, 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *m = json_loads(e.out[i], 0, NULL);
        cr_assert_not_null(m);
        cr_assert(json_is_null(json_object_get(m, "id")));
        cr_assert_eq(json_integer_value(json_object_get(json_object_get(m, "error"), "code")),
                     -32700);
        json_decref(m);
    }
    env_free(&e);
}

Test(jsonrpc, invalid_requests)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    handle(&e, "[1,2]");
    handle(&e, "5");
    handle(&e, "\"str\"");
    expect_out(&e, 3, ERR("null", -32600, "invalid request: not a JSON object"),
               ERR("null", -32600, "invalid request: not a JSON object"),
               ERR("null", -32600, "invalid request: not a JSON object"));
    handle(&e, "{\"id\":1,\"method\":\"test/echo\"}");
    handle(&e, "{\"jsonrpc\":\"1.0\",\"id\":\"a\",\"method\":\"test/echo\"}");
    handle(&e, "{\"jsonrpc\":2.0,\"method\":\"test/echo\"}");
    expect_out(&e, 3, ERR("1", -32600, "invalid request: 'jsonrpc' must be \\\"2.0\\\""),
               ERR("\"a\"", -32600, "invalid request: 'jsonrpc' must be \\\"2.0\\\""),
               ERR("null", -32600, "invalid request: 'jsonrpc' must be \\\"2.0\\\""));
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":5}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":3}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"test/echo\\u0000x\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":[\"x\"]}");
    expect_out(&e, 4, ERR("2", -32600, "invalid request: 'method' must be a string"),
               ERR("3", -32600, "invalid request: 'method' must be a string"),
               ERR("4", -32600, "invalid request: 'method' must be a string"),
               ERR("null", -32600, "invalid request: 'method' must be a string"));
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"test/echo\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"test/echo\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"test/echo\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":{\"n\":1},\"method\":\"test/echo\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"test/echo\"}");
    expect_out(&e, 5, ERR("null", -32600, "invalid request: 'id' must be an integer or a string"),
               ERR("null", -32600, "invalid request: 'id' must be an integer or a string"),
               ERR("null", -32600, "invalid request: 'id' must be an integer or a string"),
               ERR("null", -32600, "invalid request: 'id' must be an integer or a string"),
               ERR("null", -32600, "invalid request: 'id' must be an integer or a string"));
    cr_assert_eq(e.n_echo, 0);
    env_free(&e);
}

Test(jsonrpc, method_not_found)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope/nothing\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"textDocument/didOpen\",\"params\":{}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"$/unknown\"}");
    expect_out(&e, 3, ERR("1", -32601, "method not found: nope/nothing"),
               ERR("2", -32601, "method not found: textDocument/didOpen"),
               ERR("3", -32601, "method not found: $/unknown"));
    cr_assert_eq(e.n_open, 0);
    env_free(&e);
}

Test(jsonrpc, invalid_params)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test/echo\",\"params\":5}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"test/echo\",\"params\":\"s\"}");
    expect_out(&e, 2,
               ERR("1", -32602, "invalid params: 'params' must be an object or an array"),
               ERR("2", -32602, "invalid params: 'params' must be an object or an array"));
    cr_assert_eq(e.n_echo, 0);

    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"test/uri\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"test/uri\",\"params\":{}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"test/uri\","
               "\"params\":{\"textDocument\":{\"uri\":7}}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"test/uri\","
               "\"params\":{\"textDocument\":\"file:///x\"}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"test/uri\","
               "\"params\":{\"textDocument\":{\"uri\":\"file:///a.md\"}}}");
    expect_out(&e, 5, ERR("3", -32602, "invalid params: 'textDocument.uri' is required (a string)"),
               ERR("4", -32602, "invalid params: 'textDocument.uri' is required (a string)"),
               ERR("5", -32602, "invalid params: 'textDocument.uri' must be a string"),
               ERR("6", -32602, "invalid params: 'textDocument.uri' is required (a string)"),
               "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"file:///a.md\"}");

    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"test/line\","
               "\"params\":{\"position\":{\"line\":-1}}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"test/line\","
               "\"params\":{\"position\":{\"line\":4294967296}}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"test/line\","
               "\"params\":{\"position\":{\"line\":1.0}}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"test/line\",\"params\":{}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"test/line\","
               "\"params\":{\"position\":{\"line\":4294967295}}}");
    expect_out(
        &e, 5,
        ERR("8", -32602, "invalid params: 'position.line' must be an integer from 0 to 4294967295"),
        ERR("9", -32602, "invalid params: 'position.line' must be an integer from 0 to 4294967295"),
        ERR("10", -32602,
            "invalid params: 'position.line' must be an integer from 0 to 4294967295"),
        ERR("11", -32602,
            "invalid params: 'position.line' is required (an integer from 0 to 4294967295)"),
        "{\"jsonrpc\":\"2.0\",\"id\":12,\"result\":4294967295}");

    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"test/opts\","
               "\"params\":{\"options\":[],\"flag\":true,\"ratio\":1}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"test/opts\","
               "\"params\":{\"options\":{},\"flag\":1,\"ratio\":1}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":15,\"method\":\"test/opts\","
               "\"params\":{\"options\":{},\"flag\":false,\"ratio\":\"1\"}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":16,\"method\":\"test/opts\","
               "\"params\":{\"options\":{},\"flag\":false,\"ratio\":2}}");
    expect_out(&e, 4, ERR("13", -32602, "invalid params: 'options' must be an object"),
               ERR("14", -32602, "invalid params: 'flag' must be a boolean"),
               ERR("15", -32602, "invalid params: 'ratio' must be a number"),
               "{\"jsonrpc\":\"2.0\",\"id\":16,\"result\":{\"flag\":false,\"ratio\":2.0}}");
    env_free(&e);
}

Test(jsonrpc, handler_failures)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test/fail\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"test/noresult\"}");
    expect_out(&e, 2, ERR("1", -32803, "failed: 42"),
               ERR("2", -32603, "internal error: the handler returned no result"));
    env_free(&e);
}

Test(jsonrpc, before_initialize)
{
    env_t e;
    env_init(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test/echo\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"shutdown\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"nope\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"$/setTrace\",\"params\":{}}");
    expect_out(&e, 3, ERR("1", -32002, "server not initialized"),
               ERR("\"x\"", -32002, "server not initialized"),
               ERR("2", -32002, "server not initialized"));
    cr_assert_eq(e.n_echo, 0);
    cr_assert_eq(e.n_open, 0);
    cr_assert_eq(e.n_trace, 0);
    cr_assert(!rpc_is_initialized(e.rpc));
    cr_assert(!rpc_is_shutdown(e.rpc));
    env_free(&e);
}

Test(jsonrpc, exit_before_shutdown_is_1)
{
    env_t e;
    env_init(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}");
    cr_assert_eq(e.n_exit, 1);
    cr_assert_eq(e.exit_code, 1);
    expect_out(&e, 0);
    env_free(&e);
}

Test(jsonrpc, exit_after_initialize_without_shutdown_is_1)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"exit\",\"params\":null}");
    cr_assert_eq(e.n_exit, 1);
    cr_assert_eq(e.exit_code, 1);
    expect_out(&e, 0);
    env_free(&e);
}

Test(jsonrpc, shutdown_then_exit_is_0)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    /* eglot sends "params": null with shutdown: same as no params. */
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"shutdown\",\"params\":null}");
    expect_out(&e, 1, "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":null}");
    cr_assert(rpc_is_shutdown(e.rpc));
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"test/echo\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"shutdown\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"initialize\",\"params\":{}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{}}");
    expect_out(&e, 3, ERR("10", -32600, "invalid request: the server is shutting down"),
               ERR("11", -32600, "invalid request: the server is shutting down"),
               ERR("12", -32600, "invalid request: the server is shutting down"));
    cr_assert_eq(e.n_echo, 0);
    cr_assert_eq(e.n_open, 0);
    cr_assert_eq(e.n_init, 1);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}");
    cr_assert_eq(e.n_exit, 1);
    cr_assert_eq(e.exit_code, 0);
    /* Everything after exit is dropped. */
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"test/echo\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}");
    handle(&e, "not json");
    expect_out(&e, 0);
    cr_assert_eq(e.n_exit, 1);
    env_free(&e);
}

Test(jsonrpc, messages_queued_behind_exit_are_dropped)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    static const char *batch[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"shutdown\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"test/echo\"}",
    };
    for (size_t i = 0; i < 3; i++)
        rpc_receive(e.rpc, batch[i], strlen(batch[i]));
    rpc_process(e.rpc);
    expect_out(&e, 1, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}");
    cr_assert_eq(e.exit_code, 0);
    cr_assert_eq(e.n_echo, 0);
    env_free(&e);
}

Test(jsonrpc, second_initialize)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":\"again\",\"method\":\"initialize\",\"params\":{}}");
    expect_out(&e, 1,
               ERR("\"again\"", -32600, "invalid request: the server is already initialized"));
    cr_assert_eq(e.n_init, 1);
    env_free(&e);
}

Test(jsonrpc, failed_initialize_can_be_retried)
{
    env_t e;
    env_init(&e);
    e.fail_init = true;
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}");
    expect_out(&e, 1, ERR("1", -32803, "initialize failed"));
    cr_assert(!rpc_is_initialized(e.rpc));
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"test/echo\"}");
    expect_out(&e, 1, ERR("2", -32002, "server not initialized"));
    e.fail_init = false;
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{}}");
    expect_out(&e, 1, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"capabilities\":{}}}");
    cr_assert(rpc_is_initialized(e.rpc));
    env_free(&e);
}

Test(jsonrpc, deferred_initialize)
{
    env_t e;
    env_init(&e);
    e.defer_init = true;
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}");
    expect_out(&e, 0);
    cr_assert(!rpc_is_initialized(e.rpc));
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"initialize\",\"params\":{}}");
    expect_out(&e, 1, ERR("2", -32600, "invalid request: the server is already initialized"));
    rpc_respond(e.rpc, e.deferred_id, json_pack("{s:{}}", "capabilities"));
    expect_out(&e, 1, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"capabilities\":{}}}");
    cr_assert(rpc_is_initialized(e.rpc));
    env_free(&e);
}

Test(jsonrpc, notifications_never_answered)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\","
               "\"params\":{\"textDocument\":{\"uri\":\"file:///a\"}}}");
    cr_assert_eq(e.n_open, 1);
    cr_assert_str_eq(e.open_params, "{\"textDocument\":{\"uri\":\"file:///a\"}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\"}");
    cr_assert_eq(e.n_open, 2);
    cr_assert_null(e.open_params);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":null}");
    cr_assert_eq(e.n_open, 3);
    cr_assert_null(e.open_params);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":3}");
    cr_assert_eq(e.n_open, 3);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"no/such\",\"params\":{}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"test/echo\",\"params\":{}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"$/progress\",\"params\":{}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"$/setTrace\",\"params\":{\"value\":\"off\"}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{\"id\":77}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\"}");
    expect_out(&e, 0);
    cr_assert_eq(e.n_echo, 0);
    cr_assert_eq(e.n_trace, 1);
    cr_assert_str_eq(e.last_log, "$/cancelRequest without a valid id ignored");
    env_free(&e);
}

Test(jsonrpc, unknown_notification_logged_at_debug)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"custom/thing\"}");
    expect_out(&e, 0);
    cr_assert_str_eq(e.last_log, "notification custom/thing ignored");
    cr_assert_eq(e.n_warn, 0);
    env_free(&e);
}

Test(jsonrpc, cancel_queued_request_in_same_batch)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    static const char *batch[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"test/echo\",\"params\":[1]}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"s8\",\"method\":\"test/echo\",\"params\":[2]}",
        "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"test/echo\",\"params\":[3]}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{\"id\":7}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{\"id\":\"s8\"}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{\"id\":\"9\"}}",
    };
    for (size_t i = 0; i < (sizeof(batch) / sizeof(batch[0])); i++)
        rpc_receive(e.rpc, batch[i], strlen(batch[i]));
    expect_out(&e, 0);
    rpc_process(e.rpc);
    expect_out(&e, 3, ERR("7", -32800, "request cancelled"),
               ERR("\"s8\"", -32800, "request cancelled"),
               "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":[3]}");
    cr_assert_eq(e.n_echo, 1);
    /* Cancelling a finished request does nothing. */
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{\"id\":9}}");
    expect_out(&e, 0);
    env_free(&e);
}

Test(jsonrpc, cancel_deferred_request)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"test/defer\"}");
    expect_out(&e, 0);
    cr_assert_not_null(e.deferred_id);
    cr_assert(!rpc_is_cancelled(e.rpc, e.deferred_id));
    /* Answered -32800 at receive time, before any rpc_process. */
    const char *cancel = "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{\"id\":21}}";
    rpc_receive(e.rpc, cancel, strlen(cancel));
    expect_out(&e, 1, ERR("21", -32800, "request cancelled"));
    cr_assert(rpc_is_cancelled(e.rpc, e.deferred_id));
    /* A second cancel is ignored. */
    handle(&e, cancel);
    expect_out(&e, 0);
    rpc_respond(e.rpc, e.deferred_id, json_string("too late"));
    expect_out(&e, 0);
    cr_assert(!rpc_is_cancelled(e.rpc, e.deferred_id));
    env_free(&e);
}

Test(jsonrpc, cancel_deferred_then_respond_error_dropped)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"method\":\"test/defer\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{\"id\":\"d\"}}");
    expect_out(&e, 1, ERR("\"d\"", -32800, "request cancelled"));
    rpc_respond_error(e.rpc, e.deferred_id, RPC_REQUEST_FAILED, "late");
    expect_out(&e, 0);
    env_free(&e);
}

Test(jsonrpc, deferred_respond)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"test/defer\"}");
    json_t *first = e.deferred_id;
    e.deferred_id = NULL;
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":\"six\",\"method\":\"test/defer\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"test/echo\",\"params\":{}}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"test/echo\",\"params\":null}");
    expect_out(&e, 2, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}",
               "{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":null}");
    rpc_respond_error(e.rpc, e.deferred_id, RPC_CONTENT_MODIFIED, "content modified");
    rpc_respond(e.rpc, first, json_pack("{s:i}", "n", 1));
    expect_out(&e, 2, ERR("\"six\"", -32801, "content modified"),
               "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"n\":1}}");
    /* Answering twice: the second answer is dropped with a warning. */
    rpc_respond(e.rpc, first, json_true());
    expect_out(&e, 0);
    cr_assert_str_eq(e.last_log, "answer to an unknown or already answered request dropped");
    json_decref(first);
    env_free(&e);
}

Test(jsonrpc, string_ids_preserved_exactly)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\\\\c/\\u00e9\\u0000z\",\"method\":"
               "\"test/echo\",\"params\":[]}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"method\":\"test/echo\",\"params\":[]}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"method\":\"test/echo\","
               "\"params\":[]}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":-3,\"method\":\"nope\"}");
    expect_out(&e, 4, "{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\\\\c/\xc3\xa9\\u0000z\",\"result\":[]}",
               "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":[]}",
               "{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"result\":[]}",
               ERR("-3", -32601, "method not found: nope"));
    env_free(&e);
}

Test(jsonrpc, integer_id_too_large_is_parse_error)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":99999999999999999999,\"method\":\"test/echo\"}");
    cr_assert_eq(e.n_out, 1);
    json_t *m = json_loads(e.out[0], 0, NULL);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(m, "error"), "code")),
                 -32700);
    json_decref(m);
    cr_assert_eq(e.n_echo, 0);
    env_free(&e);
}

Test(jsonrpc, server_to_client_requests)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    long long a = rpc_request(e.rpc, "workspace/configuration",
                              json_pack("{s:[{s:s}]}", "items", "section", "planls"), on_response,
                              &e);
    long long b = rpc_request(e.rpc, "client/registerCapability", NULL, on_response, &e);
    long long c = rpc_request(e.rpc, "window/workDoneProgress/create", NULL, NULL, NULL);
    cr_assert_eq(a, 1);
    cr_assert_eq(b, 2);
    cr_assert_eq(c, 3);
    expect_out(&e, 3,
               "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"workspace/configuration\","
               "\"params\":{\"items\":[{\"section\":\"planls\"}]}}",
               "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"client/registerCapability\"}",
               "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"window/workDoneProgress/create\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32601,\"message\":\"no\"}}");
    cr_assert_eq(e.n_resp, 1);
    cr_assert_null(e.resp_result);
    cr_assert_str_eq(e.resp_error, "{\"code\":-32601,\"message\":\"no\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[{\"rules\":{}}]}");
    cr_assert_eq(e.n_resp, 2);
    cr_assert_str_eq(e.resp_result, "[{\"rules\":{}}]");
    cr_assert_null(e.resp_error);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":null}");
    cr_assert_eq(e.n_resp, 2);
    cr_assert_eq(e.n_warn, 0);
    /* Responses are never answered; unknown and repeated ids are logged. */
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[]}");
    cr_assert_str_eq(e.last_log, "response to unknown request id 1 ignored");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":[]}");
    cr_assert_str_eq(e.last_log, "response to unknown request id 99 ignored");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"result\":[]}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"bad\"}}");
    cr_assert_str_eq(e.last_log, "response without a request id ignored: bad");
    cr_assert_eq(e.n_warn, 4);
    cr_assert_eq(e.n_resp, 2);
    expect_out(&e, 0);
    long long d = rpc_request(e.rpc, "x/y", json_array(), NULL, NULL);
    cr_assert_eq(d, 4);
    expect_out(&e, 1, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"x/y\",\"params\":[]}");
    env_free(&e);
}

Test(jsonrpc, handlers_send_reentrantly)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test/ask\"}");
    expect_out(&e, 3,
               "{\"jsonrpc\":\"2.0\",\"method\":\"window/logMessage\","
               "\"params\":{\"type\":3,\"message\":\"hi\"}}",
               "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"workspace/configuration\","
               "\"params\":{\"items\":[]}}",
               "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"asked\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[]}");
    cr_assert_eq(e.n_resp, 1);
    cr_assert_str_eq(e.resp_result, "[]");
    env_free(&e);
}

Test(jsonrpc, reentrant_process_is_a_no_op)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    static const char *batch[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test/reenter\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"test/echo\",\"params\":[2]}",
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"test/reenter\"}",
    };
    for (size_t i = 0; i < 3; i++)
        rpc_receive(e.rpc, batch[i], strlen(batch[i]));
    rpc_process(e.rpc);
    expect_out(&e, 3, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1}",
               "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":[2]}",
               "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":2}");
    env_free(&e);
}

Test(jsonrpc, batch_processed_in_arrival_order)
{
    env_t e;
    env_init(&e);
    static const char *batch[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test/echo\",\"params\":[0]}",
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"initialize\",\"params\":{}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"initialized\",\"params\":{}}",
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"test/echo\",\"params\":[1]}",
        "[]",
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"test/echo\",\"params\":[2]}",
    };
    for (size_t i = 0; i < (sizeof(batch) / sizeof(batch[0])); i++)
        rpc_receive(e.rpc, batch[i], strlen(batch[i]));
    rpc_process(e.rpc);
    expect_out(&e, 5, ERR("1", -32002, "server not initialized"),
               "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"capabilities\":{}}}",
               "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":[1]}",
               ERR("null", -32600, "invalid request: not a JSON object"),
               "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":[2]}");
    env_free(&e);
}

Test(jsonrpc, free_releases_everything_without_callbacks)
{
    env_t e;
    env_init(&e);
    initialize(&e);
    rpc_request(e.rpc, "workspace/configuration", json_object(), on_response, &e);
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"test/defer\"}");
    handle(&e, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"test/defer\"}");
    const char *queued = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"test/echo\"}";
    rpc_receive(e.rpc, queued, strlen(queued));
    clear_out(&e);
    env_free(&e);
    cr_assert_eq(e.n_resp, 0);
    cr_assert_eq(e.n_echo, 0);
}

Test(jsonrpc, get_paths)
{
    json_t *root = json_loads("{\"a\":{\"b\":{\"c\":1},\"d\":[1]},\"e\":null}", 0, NULL);
    cr_assert_not_null(root);
    cr_assert_eq(json_integer_value(rpc_get(root, "a.b.c")), 1);
    cr_assert(json_is_array(rpc_get(root, "a.d")));
    cr_assert(json_is_null(rpc_get(root, "e")));
    cr_assert_eq(rpc_get(root, ""), root);
    cr_assert_null(rpc_get(root, "a.d.x"));
    cr_assert_null(rpc_get(root, "a.x.c"));
    cr_assert_null(rpc_get(root, "e.f"));
    cr_assert_null(rpc_get(NULL, "a"));
    cr_assert_null(rpc_get(root, "a.b.c.d"));
    json_decref(root);
}
