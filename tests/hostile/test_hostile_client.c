/* A client that vanishes: the read end of the server's stdout is closed
 * while the server writes a reply far larger than the pipe buffer. The
 * server must end cleanly (exit status 1, "client lost"), never by SIGPIPE
 * or a crash, and promptly, whether its stdin stays open or not. */
#include <criterion/criterion.h>
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
