/* Load against the real server: a burst of 10,000 requests is answered in
 * order, every one, with bounded memory; a storm of 1,000 didChange with
 * interleaved requests and `$/cancelRequest` ends with the diagnostics a
 * fresh server computes from the final text (no stale state), and every
 * request is answered exactly once (result or -32800). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile_util.h"
#include "lsp_client.h"
#include "planls/buf.h"
#include "planls/util.h"

TestSuite(load, .fini = lc_fini);

#define PLAN "04-query-parser-plan.md"
#define PLAN_REL HX_FOLDER "/" PLAN

static const char *const ARGS[] = {"--threads", "1", NULL};

/* Start a server on the examples with the plan open; waits for its first
 * diagnostics. */
static void start_with_plan(lc_t *c, const char *text, size_t len)
{
    lc_start(c, ARGS, NULL);
    json_decref(lc_initialize(c, hx_caps(), NULL));
    lc_notify(c, "textDocument/didOpen", lc_open_params(c, PLAN_REL, text, len));
    char *uri = lc_uri(c, PLAN_REL);
    json_t *p = lc_notification(c, "textDocument/publishDiagnostics", uri, 20000);
    cr_assert_not_null(p, "no diagnostics for the opened plan");
    json_decref(p);
    free(uri);
}

static void shutdown_exit(lc_t *c)
{
    int id = lc_request(c, "shutdown", NULL);
    json_t *r = lc_response(c, id, 30000, NULL);
    cr_assert_not_null(r, "no answer to shutdown");
    json_decref(r);
    lc_notify(c, "exit", NULL);
    cr_assert(lc_wait_exit(c, 30000), "server did not exit");
    cr_assert(WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0, "exit status %d", c->status);
}

/* One request of a mix of cheap and expensive features at a position. */
static int mixed_request(lc_t *c, unsigned k)
{
    char *uri = lc_uri(c, PLAN_REL);
    json_t *td = json_pack("{s:s}", "uri", uri);
    json_t *pos = json_pack("{s:i,s:i}", "line", (int)(k * 7 % 60), "character", (int)(k % 40));
    free(uri);
    static const char *const methods[] = {
        "textDocument/hover",          "textDocument/documentSymbol", "textDocument/completion",
        "textDocument/definition",     "textDocument/foldingRange",   "textDocument/references",
        "textDocument/documentLink",
    };
    const char *m = methods[k % UTIL_ARRAY_LEN(methods)];
    json_t *params = json_pack("{s:o}", "textDocument", td);
    if (!strcmp(m, "textDocument/references"))
        json_object_set_new(params, "context", json_pack("{s:b}", "includeDeclaration", 1));
    if (strcmp(m, "textDocument/documentSymbol") && strcmp(m, "textDocument/foldingRange") &&
        strcmp(m, "textDocument/documentLink"))
        json_object_set_new(params, "position", pos);
    else
        json_decref(pos);
    return lc_request(c, m, params);
}

/* Send n requests, then collect their answers: each must be a result, in
 * the order sent. */
static void burst(lc_t *c, unsigned n)
{
    int first = 0, last = 0;
    for (unsigned k = 0; k < n; k++) {
        int id = mixed_request(c, k);
        if (k == 0)
            first = id;
        last = id;
        if (k % 256 == 0)
            lc_pump(c, 0);
    }
    hx_expect_answers(c, first, last);
}

Test(load, burst_of_10000_requests_in_order_with_bounded_memory, .timeout = 600)
{
    lc_t c;
    lc_workspace(&c);
    hx_copy_examples(&c);
    size_t len;
    char *text = hx_example(PLAN, &len);
    start_with_plan(&c, text, len);
    burst(&c, 1000); /* warm-up: caches, allocator pools */
    long rss0 = lc_rss_kb(&c);
    double t0 = lc_now_ms();
    burst(&c, 10000);
    double ms = lc_now_ms() - t0;
    long rss1 = lc_rss_kb(&c);
    /* A second burst: memory must not keep growing with the number of
     * requests served (the first may still fill allocator pools). */
    burst(&c, 10000);
    long rss2 = lc_rss_kb(&c);
    cr_log_info("10,000 requests in %.0f ms; RSS %ld -> %ld -> %ld KiB (peak %ld)", ms, rss0,
                rss1, rss2, lc_hwm_kb(&c));
    if (!lc_instrumented()) {
        cr_expect_lt(rss1 - rss0, 32 * 1024, "RSS grew by %ld KiB over 10,000 requests",
                     rss1 - rss0);
        cr_expect_lt(rss2 - rss1, 4 * 1024, "RSS grew by %ld KiB over 10,000 more requests",
                     rss2 - rss1);
    }
    shutdown_exit(&c);
    lc_stop(&c);
    lc_cleanup(&c);
    free(text);
}

/* ---- storm ---------------------------------------------------------------- */

typedef struct model {
    buf_t text;
} model_t;

/* Line starts of the ASCII model (positions are then bytes in UTF-16). */
static size_t line_start(const model_t *m, size_t line, size_t *line_len)
{
    size_t off = 0, l = 0;
    while (l < line && off < m->text.len) {
        const char *nl = memchr(m->text.data + off, '\n', m->text.len - off);
        if (!nl) {
            off = m->text.len;
            break;
        }
        off = (size_t)(nl - m->text.data) + 1;
        l++;
    }
    const char *nl = off < m->text.len ? memchr(m->text.data + off, '\n', m->text.len - off) : NULL;
    *line_len = (nl ? (size_t)(nl - m->text.data) : m->text.len) - off;
    return off;
}

static size_t n_lines(const model_t *m)
{
    size_t n = 1;
    for (size_t i = 0; i < m->text.len; i++)
        n += m->text.data[i] == '\n';
    return n;
}

static const char *const SNIPPETS[] = {
    "**Priority:** URGENT\n", "## Overview\n", "Phase 9 ", "[gone](missing-plan.md) ",
    "- [ ] Phase 3 must be complete\n", "**Status:** Done\n", "[Feature Name]", "\n",
    "## Success Criteria\n- [x] done\n", "[anchor](#no-such-heading) ", "X-Yh ", "# Phase 4: Q\n",
};

Test(load, change_storm_with_cancels_ends_like_a_fresh_parse, .timeout = 900)
{
    lc_t c;
    lc_workspace(&c);
    hx_copy_examples(&c);
    size_t len;
    char *text = hx_example(PLAN, &len);
    start_with_plan(&c, text, len);
    model_t m = {BUF_INIT};
    buf_append(&m.text, text, len);
    free(text);

    char *uri = lc_uri(&c, PLAN_REL);
    uint64_t rng = 12345;
    int version = 1;
    int *req_ids = NULL;
    size_t n_req = 0, cap_req = 0;
    long rss0 = lc_rss_kb(&c);
    for (int i = 0; i < 1000; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t r = (uint32_t)(rng >> 33);
        size_t nl = n_lines(&m), l1 = r % nl, ll1;
        size_t s = line_start(&m, l1, &ll1);
        size_t c1 = (r >> 8) % (ll1 + 1);
        size_t l2 = l1, c2 = c1;
        const char *ins = "";
        switch ((r >> 16) % 4) {
        case 0:
        case 1:
            ins = SNIPPETS[(r >> 20) % UTIL_ARRAY_LEN(SNIPPETS)];
            break;
        case 2: { /* delete up to two lines on */
            size_t ll2;
            l2 = UTIL_MIN(nl - 1, l1 + (r >> 20) % 3);
            line_start(&m, l2, &ll2);
            c2 = l2 == l1 ? c1 + (ll1 - c1) / 2 : (r >> 24) % (ll2 + 1);
            break;
        }
        default: /* replace the rest of the line */
            c2 = ll1;
            ins = SNIPPETS[(r >> 20) % UTIL_ARRAY_LEN(SNIPPETS)];
            break;
        }
        size_t ll2;
        size_t so = s + c1, eo = line_start(&m, l2, &ll2) + c2;
        buf_splice(&m.text, so, eo - so, ins, strlen(ins));
        json_t *change = json_pack("{s:{s:{s:i,s:i},s:{s:i,s:i}},s:s}", "range", "start", "line",
                                   (int)l1, "character", (int)c1, "end", "line", (int)l2,
                                   "character", (int)c2, "text", ins);
        version++;
        lc_notify(&c, "textDocument/didChange",
                  json_pack("{s:{s:s,s:i},s:[o]}", "textDocument", "uri", uri, "version", version,
                            "contentChanges", change));
        if (i % 10 == 3) {
            /* A request, and usually its cancellation right behind it. */
            json_t *params = json_pack("{s:{s:s},s:{s:i,s:i}}", "textDocument", "uri", uri,
                                       "position", "line", (int)l1, "character", (int)c1);
            int id = lc_request(&c, (i % 20 == 3) ? "textDocument/hover" : "textDocument/completion",
                                params);
            UTIL_PUSH(req_ids, n_req, cap_req, id);
            if (i % 30 != 13)
                lc_notify(&c, "$/cancelRequest", json_pack("{s:i}", "id", id));
        }
        if (i % 50 == 0)
            lc_pump(&c, 0);
    }
    cr_assert(lc_flush(&c, (int)(60000 * lc_slow())), "the server stopped reading");

    /* Every request answered once; then the diagnostics of the final
     * version (the last publication for it). */
    json_t *final = NULL;
    size_t answered = 0;
    char *seen = xcalloc(n_req + 1, 1);
    double deadline = lc_now_ms() + 120000 * lc_slow();
    while (lc_now_ms() < deadline) {
        json_t *msg = lc_next(&c, final && answered == n_req ? 500 : 5000);
        if (!msg) {
            if (final && answered == n_req)
                break;
            continue;
        }
        json_t *meth = json_object_get(msg, "method");
        json_t *params = json_object_get(msg, "params");
        if (json_is_string(meth) &&
            !strcmp(json_string_value(meth), "textDocument/publishDiagnostics") &&
            !strcmp(json_string_value(json_object_get(params, "uri")), uri)) {
            json_t *v = json_object_get(params, "version");
            if (json_is_integer(v) && json_integer_value(v) == version) {
                json_decref(final);
                final = json_incref(params);
            }
        } else if (!meth) {
            json_int_t id = json_integer_value(json_object_get(msg, "id"));
            size_t k = 0;
            while (k < n_req && req_ids[k] != id)
                k++;
            cr_assert_lt(k, n_req, "answer to an unknown id %lld", (long long)id);
            cr_assert_eq(seen[k], 0, "request %lld answered twice", (long long)id);
            seen[k] = 1;
            answered++;
            json_t *err = json_object_get(msg, "error");
            if (err)
                cr_assert_eq(json_integer_value(json_object_get(err, "code")), -32800,
                             "request %lld failed with something else than -32800",
                             (long long)id);
        }
        json_decref(msg);
    }
    cr_assert_eq(answered, n_req, "%zu of %zu requests answered", answered, n_req);
    cr_assert_not_null(final, "no diagnostics for the final version %d", version);
    long rss1 = lc_rss_kb(&c);
    cr_log_info("storm: RSS %ld -> %ld KiB", rss0, rss1);
    if (!lc_instrumented())
        cr_expect_lt(rss1 - rss0, 16 * 1024, "RSS grew by %ld KiB over 1,000 edits", rss1 - rss0);
    shutdown_exit(&c);
    lc_stop(&c);

    /* A fresh server opening the final text must publish the same. */
    lc_t f;
    memset(&f, 0, sizeof(f));
    memcpy(f.root, c.root, sizeof(f.root));
    memcpy(f.root_uri, c.root_uri, sizeof(f.root_uri));
    f.pid = -1;
    f.to_server = f.from_server = -1;
    f.next_id = 1;
    lc_start(&f, ARGS, NULL);
    json_decref(lc_initialize(&f, hx_caps(), NULL));
    lc_notify(&f, "textDocument/didOpen", lc_open_params(&f, PLAN_REL, m.text.data, m.text.len));
    json_t *fresh = lc_notification(&f, "textDocument/publishDiagnostics", uri, 30000);
    cr_assert_not_null(fresh, "the fresh server published nothing");
    json_t *a = hx_diag_summary(final), *b = hx_diag_summary(fresh);
    char *sa = json_dumps(a, JSON_INDENT(1)), *sb = json_dumps(b, JSON_INDENT(1));
    cr_assert(json_equal(a, b), "diagnostics after the storm differ from a fresh parse:\n"
                                "after storm:\n%s\nfresh:\n%s", sa, sb);
    free(sa);
    free(sb);
    json_decref(a);
    json_decref(b);
    json_decref(fresh);
    json_decref(final);
    shutdown_exit(&f);
    lc_stop(&f);
    lc_cleanup(&c);
    free(seen);
    free(req_ids);
    free(uri);
    buf_free(&m.text);
}
