/* A client that vanishes: the read end of the server's stdout is closed
 * while the server writes a reply far larger than the pipe buffer. The
 * server must end cleanly (exit status 1, "client lost"), never by SIGPIPE
 * or a crash, and promptly, whether its stdin stays open or not.
 * A client that sends without reading: the server stops reading its stdin
 * once its output queue is long (flow control), so its memory stays bounded
 * and the client's writes block; once the client reads, every request is
 * answered, in order. */
#include <criterion/criterion.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostile_util.h"
#include "lsp_client.h"
#include "planls/buf.h"
#include "planls/util.h"

TestSuite(client, .fini = lc_fini);

static const char *const ARGS[] = {"--threads", "1", NULL};
#define BIG HX_FOLDER "/09-big-plan.md"

/* A document whose documentSymbol answer is megabytes: 50,000 headings. */
static char *big_doc(size_t *len)
{
    buf_t b = BUF_INIT;
    buf_append_str(&b, "# Phase 9: Big\n\n");
    for (int i = 0; i < 50000; i++)
        buf_printf(&b, "## Section number %d with a long enough title\n\ntext\n\n", i);
    return buf_detach(&b, len);
}

/* Start, open the big document, ask for its symbols and wait until the
 * answer has started to arrive (the server is then writing it). */
static void start_big_reply(lc_t *c)
{
    lc_workspace(c);
    hx_copy_examples(c);
    lc_start(c, ARGS, NULL);
    json_decref(lc_initialize(c, hx_caps(), NULL));
    size_t len;
    char *text = big_doc(&len);
    lc_notify(c, "textDocument/didOpen", lc_open_params(c, BIG, text, len));
    free(text);
    char *uri = lc_uri(c, BIG);
    json_t *d = lc_notification(c, "textDocument/publishDiagnostics", uri, 60000);
    cr_assert_not_null(d, "no diagnostics for the big document");
    json_decref(d);
    lc_request(c, "textDocument/documentSymbol", json_pack("{s:{s:s}}", "textDocument", "uri", uri));
    free(uri);
    cr_assert(lc_flush(c, 30000));
    /* Read a little of the reply, far less than all of it. */
    size_t start = c->bytes_in;
    char tmp[4096];
    double end = lc_now_ms() + 60000 * lc_slow();
    while (c->bytes_in == start && lc_now_ms() < end) {
        ssize_t r = read(c->from_server, tmp, sizeof(tmp));
        if (r > 0)
            c->bytes_in += (size_t)r;
        else
            usleep(1000);
    }
    cr_assert_gt(c->bytes_in, start, "the reply never started");
}

static void expect_clean_exit(lc_t *c)
{
    cr_assert(lc_wait_exit(c, 30000), "the server did not end after its client vanished");
    cr_assert(!WIFSIGNALED(c->status), "the server died of signal %d%s", WTERMSIG(c->status),
              WTERMSIG(c->status) == SIGPIPE ? " (SIGPIPE)" : "");
    cr_assert(WIFEXITED(c->status), "abnormal end");
    cr_assert_eq(WEXITSTATUS(c->status), 1, "exit status %d (want 1: client lost)",
                 WEXITSTATUS(c->status));
    lc_stop(c);
    lc_cleanup(c);
}

Test(client, vanishes_mid_reply_with_stdin_open, .timeout = 900)
{
    lc_t c;
    start_big_reply(&c);
    /* Only the read end goes: the server learns from EPIPE, not from EOF. */
    close(c.from_server);
    c.from_server = -1;
    expect_clean_exit(&c);
}

Test(client, vanishes_mid_reply_closing_both_pipes, .timeout = 900)
{
    lc_t c;
    start_big_reply(&c);
    close(c.from_server);
    c.from_server = -1;
    close(c.to_server);
    c.to_server = -1;
    expect_clean_exit(&c);
}

Test(client, vanishes_while_the_server_has_requests_queued, .timeout = 900)
{
    lc_t c;
    start_big_reply(&c);
    /* More big replies queued behind the first, then the client goes. */
    char *uri = lc_uri(&c, BIG);
    for (int i = 0; i < 2; i++)
        lc_request(&c, "textDocument/documentSymbol",
                   json_pack("{s:{s:s}}", "textDocument", "uri", uri));
    free(uri);
    lc_flush(&c, 30000);
    close(c.from_server);
    c.from_server = -1;
    expect_clean_exit(&c);
}

/* ---- a client that does not read ------------------------------------------ */

#define PLAN_REL HX_FOLDER "/04-query-parser-plan.md"

/* Mostly documentSymbol (about 4 KB per answer for the plan), some
 * completion and hover: far more output than the server queues before it
 * stops reading. */
static int unread_request(lc_t *c, const char *uri, unsigned k)
{
    json_t *params = json_pack("{s:{s:s}}", "textDocument", "uri", uri);
    const char *m = "textDocument/documentSymbol";
    if (k % 4 == 1 || k % 4 == 3) {
        m = k % 4 == 1 ? "textDocument/completion" : "textDocument/hover";
        json_object_set_new(params, "position",
                            json_pack("{s:i,s:i}", "line", (int)(k * 7 % 60), "character",
                                      (int)(k % 40)));
    }
    return lc_request(c, m, params);
}

/* Push queued requests to the server without reading anything, until all
 * are written or no byte went through for stall_ms. Returns true when the
 * client's writes stalled. *peak_kb: the server's VmHWM meanwhile. */
static bool push_without_reading(lc_t *c, double stall_ms, long *peak_kb)
{
    double last = lc_now_ms();
    while (c->out.len > 0) {
        struct pollfd p = {c->to_server, POLLOUT, 0};
        poll(&p, 1, 50);
        size_t before = c->out.len - c->out_off;
        lc_send_raw(c, "", 0); /* writes what the pipe takes */
        size_t after = c->out.len - c->out_off;
        long hwm = lc_hwm_kb(c);
        if (hwm > *peak_kb)
            *peak_kb = hwm;
        if (after < before)
            last = lc_now_ms();
        else if (lc_now_ms() - last > stall_ms)
            return true;
    }
    return false;
}

Test(client, sends_without_reading_memory_bounded_then_all_answered, .timeout = 900)
{
    /* Under valgrind or ASan: fewer requests (still several times the
     * output the server queues before it stops reading). */
    const unsigned n = lc_instrumented() ? 4000 : 20000;
    lc_t c;
    lc_workspace(&c);
    hx_copy_examples(&c);
    lc_start(&c, ARGS, NULL);
    json_decref(lc_initialize(&c, hx_caps(), NULL));
    size_t len;
    char *text = hx_example("04-query-parser-plan.md", &len);
    lc_notify(&c, "textDocument/didOpen", lc_open_params(&c, PLAN_REL, text, len));
    free(text);
    char *uri = lc_uri(&c, PLAN_REL);
    json_t *d = lc_notification(&c, "textDocument/publishDiagnostics", uri, 20000);
    cr_assert_not_null(d, "no diagnostics for the opened plan");
    json_decref(d);
    /* Warm-up, read as it comes: caches and allocator pools. */
    for (unsigned k = 0; k < 100; k++) {
        json_t *r = lc_response(&c, unread_request(&c, uri, k), 30000, NULL);
        cr_assert_not_null(r, "no answer to warm-up request %u", k);
        json_decref(r);
    }
    long rss0 = lc_rss_kb(&c);

    /* n requests; not one byte of the answers is read for a while. */
    int first = 0, last = 0;
    for (unsigned k = 0; k < n; k++) {
        int id = unread_request(&c, uri, k);
        if (k == 0)
            first = id;
        last = id;
    }
    size_t total = c.out.len;
    long peak = lc_hwm_kb(&c);
    bool stalled = push_without_reading(&c, 1500 * lc_slow(), &peak);
    size_t unsent = c.out.len - c.out_off;
    cr_log_info("%u requests: %zu of %zu queued bytes not taken by the server; RSS %ld KiB "
                "before, peak %ld KiB while not reading",
                n, unsent, total, rss0, peak);
    cr_assert_lt(unsent, total, "the server read nothing");
    if (!lc_instrumented()) {
        /* Without flow control the server reads all n requests and queues
         * tens of megabytes of answers. */
        cr_assert(stalled, "the server read all %u requests while its output was not read", n);
        cr_assert_lt(peak - rss0, 32 * 1024, "the server grew by %ld KiB while not read",
                     peak - rss0);
        cr_assert_lt(peak, 64 * 1024, "the server's peak RSS is %ld KiB", peak);
    }

    /* The client reads: every request answered once, in order, with a
     * result. */
    hx_expect_answers(&c, first, last);
    free(uri);

    int id = lc_request(&c, "shutdown", NULL);
    json_t *r = lc_response(&c, id, 30000, NULL);
    cr_assert_not_null(r, "no answer to shutdown");
    json_decref(r);
    lc_notify(&c, "exit", NULL);
    cr_assert(lc_wait_exit(&c, 30000), "the server did not exit");
    cr_assert(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0, "exit status %d", c.status);
    lc_stop(&c);
    lc_cleanup(&c);
}
