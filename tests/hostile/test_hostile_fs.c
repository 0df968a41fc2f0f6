/* Hostile file systems under the real server: symlink loops, a FIFO named
 * like a document (opening it for reading would block forever), file names
 * that are not UTF-8, files too large to model and, when not root, an
 * unreadable file. The server must index what it can, answer, and keep
 * serving. (Files deleted, renamed or replaced by a directory while open
 * are protocol fixtures: protocol-fixtures/hostile_file_*.json.) */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostile_util.h"
#include "lsp_client.h"
#include "planls/buf.h"
#include "planls/util.h"

TestSuite(fs, .fini = lc_fini);

#define DEMO ".engineering/artifacts/planning/2026-01-15-demo"
static const char *const ARGS[] = {"--threads", "1", NULL};

static const char START[] = "# Demo\n\n**Created:** 2026-01-15\n**Status:** In Progress\n\n"
                            "## Executive Summary\n\nDemo.\n";
static const char README[] = "# Demo\n\n**Created:** 2026-01-15\n**Status:** In Progress\n\n"
                             "## Overview\n\nDemo.\n";
static const char PLAN[] = "# Phase 3: Plan\n\n**Priority:** HIGH\n\n## Overview\n\n"
                           "See [notes](notes.md#top), [up](up/up/x.md) and [loop](loop.md).\n";

static void demo_folder(lc_t *c)
{
    lc_write_str(c, DEMO "/START-HERE.md", START);
    lc_write_str(c, DEMO "/README.md", README);
    lc_write_str(c, DEMO "/03-plan-plan.md", PLAN);
}

static void sym(const lc_t *c, const char *target, const char *rel)
{
    char *path = xasprintf("%s/%s", c->root, rel);
    cr_assert_eq(symlink(target, path), 0, "symlink %s: %s", path, strerror(errno));
    free(path);
}

/* A request that must be answered within ms; on failure the server is
 * killed first (a server stuck in a system call would outlive the test). */
static json_t *must_answer(lc_t *c, const char *method, json_t *params, int ms, const char *what)
{
    int id = lc_request(c, method, params);
    json_t *r = lc_response(c, id, ms, NULL);
    if (!r) {
        lc_stop(c);
        lc_cleanup(c);
        cr_assert_fail("%s: %s not answered within %d ms: the server is stuck", what, method, ms);
    }
    json_t *res = json_incref(json_object_get(r, "result"));
    json_decref(r);
    return res;
}

static json_t *doc_params(lc_t *c, const char *rel, int line, int ch)
{
    char *uri = lc_uri(c, rel);
    json_t *p = json_pack("{s:{s:s}}", "textDocument", "uri", uri);
    if (line >= 0)
        json_object_set_new(p, "position", json_pack("{s:i,s:i}", "line", line, "character", ch));
    free(uri);
    return p;
}

static void finish(lc_t *c)
{
    json_decref(must_answer(c, "shutdown", NULL, 30000, "end"));
    lc_notify(c, "exit", NULL);
    cr_assert(lc_wait_exit(c, 30000), "server did not exit");
    cr_assert(WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0, "exit status %d", c->status);
    lc_stop(c);
    lc_cleanup(c);
}

/* The diagnostics of rel after opening it (or NULL: the test then fails
 * after stopping the server). */
static json_t *open_and_diagnose(lc_t *c, const char *rel, const char *text, int ms)
{
    lc_notify(c, "textDocument/didOpen", lc_open_params(c, rel, text, strlen(text)));
    char *uri = lc_uri(c, rel);
    json_t *d = lc_notification(c, "textDocument/publishDiagnostics", uri, ms);
    free(uri);
    if (!d) {
        lc_stop(c);
        lc_cleanup(c);
        cr_assert_fail("no diagnostics for %s within %d ms: the server is stuck", rel, ms);
    }
    return d;
}

Test(fs, symlink_loops, .timeout = 300)
{
    lc_t c;
    lc_workspace(&c);
    demo_folder(&c);
    sym(&c, ".", "loop");                      /* root/loop -> root */
    sym(&c, "b", "a");                         /* a -> b -> a: dangling loop */
    sym(&c, "a", "b");
    sym(&c, "..", DEMO "/up");                 /* inside the planning folder */
    sym(&c, "loop.md", DEMO "/loop.md");       /* a document linking to itself */
    sym(&c, "05-self-plan.md", DEMO "/05-self-plan.md");
    sym(&c, "../../../../" DEMO, DEMO "/again"); /* the folder inside itself */
    lc_write_str(&c, "docs/x.md", "# X\n");
    sym(&c, "../docs", "docs/docs");
    /* No dynamic watch registration: the server watches the tree itself. */
    lc_start(&c, ARGS, NULL);
    json_decref(lc_initialize(&c, json_object(), NULL));
    json_t *syms = must_answer(&c, "workspace/symbol", json_pack("{s:s}", "query", ""), 30000,
                               "symlink loops");
    json_decref(syms);
    json_t *d = open_and_diagnose(&c, DEMO "/03-plan-plan.md", PLAN, 30000);
    json_decref(d);
    json_decref(must_answer(&c, "textDocument/completion", doc_params(&c, DEMO "/03-plan-plan.md", 6, 39),
                            30000, "link completion over loops"));
    json_decref(must_answer(&c, "textDocument/definition", doc_params(&c, DEMO "/03-plan-plan.md", 6, 33),
                            30000, "definition through a looping link"));
    json_decref(must_answer(&c, "textDocument/documentLink", doc_params(&c, DEMO "/03-plan-plan.md", -1, 0),
                            30000, "document links"));
    finish(&c);
}

Test(fs, fifo_named_like_a_document, .timeout = 300)
{
    lc_t c;
    lc_workspace(&c);
    demo_folder(&c);
    /* On the stack: an assertion below may end the test early. */
    char fifo[sizeof(c.root) + 128], fifo_plan[sizeof(c.root) + 128];
    snprintf(fifo, sizeof(fifo), "%s/" DEMO "/notes.md", c.root);
    snprintf(fifo_plan, sizeof(fifo_plan), "%s/" DEMO "/05-fifo-plan.md", c.root);
    cr_assert_eq(mkfifo(fifo, 0644), 0, "mkfifo: %s", strerror(errno));
    cr_assert_eq(mkfifo(fifo_plan, 0644), 0);
    lc_start(&c, ARGS, NULL);
    json_decref(lc_initialize(&c, hx_caps(), NULL));
    /* The plan links to notes.md#top: checking the anchor (PL041), hover
     * and definition must not open the FIFO and wait for a writer. */
    json_t *d = open_and_diagnose(&c, DEMO "/03-plan-plan.md", PLAN, 20000);
    json_decref(d);
    json_decref(must_answer(&c, "textDocument/hover", doc_params(&c, DEMO "/03-plan-plan.md", 6, 8),
                            20000, "hover on a link to a FIFO"));
    json_decref(must_answer(&c, "textDocument/definition", doc_params(&c, DEMO "/03-plan-plan.md", 6, 14),
                            20000, "definition of a link to a FIFO"));
    /* The client reports the FIFOs as created files. */
    char *u1 = lc_uri(&c, DEMO "/notes.md"), *u2 = lc_uri(&c, DEMO "/05-fifo-plan.md");
    lc_notify(&c, "workspace/didChangeWatchedFiles",
              json_pack("{s:[{s:s,s:i},{s:s,s:i}]}", "changes", "uri", u1, "type", 1, "uri", u2,
                        "type", 2));
    free(u1);
    free(u2);
    json_decref(must_answer(&c, "workspace/symbol", json_pack("{s:s}", "query", ""), 20000,
                            "after FIFO file events"));
    /* Unblock a reader that would still be waiting (never needed when the
     * server is right), so that no process outlives the test. */
    int fd = open(fifo, O_WRONLY | O_NONBLOCK);
    if (fd >= 0)
        close(fd);
    finish(&c);
}

Test(fs, file_names_that_are_not_utf8, .timeout = 300)
{
    lc_t c;
    lc_workspace(&c);
    demo_folder(&c);
    lc_write_str(&c, DEMO "/04-caf\xe9-plan.md", "# Phase 4: Latin-1 name\n");
    lc_write_str(&c, DEMO "/\xff\xfe.md", "# Junk name\n");
    lc_write_str(&c, DEMO "/06-ok-plan.md", "# Phase 6: Fine [x](04-caf%E9-plan.md)\n");
    lc_write_str(&c, "notes/\xc3\x28/x.md", "# In a bad directory\n");
    lc_start(&c, ARGS, NULL);
    json_decref(lc_initialize(&c, hx_caps(), NULL));
    /* Every message the server sends must be valid JSON (the client
     * checks): URIs of such files percent-encoded, or the files skipped. */
    json_t *d = open_and_diagnose(&c, DEMO "/START-HERE.md", START, 30000);
    json_decref(d);
    json_decref(must_answer(&c, "workspace/symbol", json_pack("{s:s}", "query", ""), 30000,
                            "non-UTF-8 names"));
    json_decref(must_answer(&c, "textDocument/completion",
                            doc_params(&c, DEMO "/START-HERE.md", 7, 0), 30000, "completion"));
    finish(&c);
}

Test(fs, files_too_large_to_model, .timeout = 300)
{
    lc_t c;
    lc_workspace(&c);
    demo_folder(&c);
    /* 5 MiB on disk: above the 4 MiB maxFileSize; skipped, not read whole. */
    buf_t b = BUF_INIT;
    buf_append_str(&b, "# Phase 7: Huge\n");
    while (b.len < (5u << 20))
        buf_append_str(&b, "A line of a huge plan that nobody should have written.\n");
    lc_write(&c, DEMO "/07-huge-plan.md", b.data, b.len);
    buf_free(&b);
    lc_start(&c, ARGS, NULL);
    json_decref(lc_initialize(&c, hx_caps(), NULL));
    json_t *d = open_and_diagnose(&c, DEMO "/START-HERE.md", START, 30000);
    json_decref(d);
    json_decref(must_answer(&c, "workspace/symbol", json_pack("{s:s}", "query", ""), 30000,
                            "huge file"));
    if (!lc_instrumented())
        cr_expect_lt(lc_hwm_kb(&c), 32 * 1024, "peak RSS %ld KiB: the huge file was read",
                     lc_hwm_kb(&c));
    finish(&c);
}

Test(fs, unreadable_file_while_open, .timeout = 300)
{
    if (geteuid() == 0)
        cr_skip_test("running as root: chmod 000 does not stop root from reading (the "
                     "unreadable path is covered by hostile_file_replaced_by_directory)");
    lc_t c;
    lc_workspace(&c);
    demo_folder(&c);
    lc_start(&c, ARGS, NULL);
    json_decref(lc_initialize(&c, hx_caps(), NULL));
    json_t *d = open_and_diagnose(&c, DEMO "/03-plan-plan.md", PLAN, 30000);
    json_decref(d);
    char *path = xasprintf("%s/" DEMO "/README.md", c.root);
    cr_assert_eq(chmod(path, 0), 0);
    char *uri = lc_uri(&c, DEMO "/README.md");
    lc_notify(&c, "workspace/didChangeWatchedFiles",
              json_pack("{s:[{s:s,s:i}]}", "changes", "uri", uri, "type", 2));
    json_decref(must_answer(&c, "workspace/symbol", json_pack("{s:s}", "query", ""), 30000,
                            "unreadable file"));
    lc_notify(&c, "textDocument/didClose", doc_params(&c, DEMO "/03-plan-plan.md", -1, 0));
    json_decref(must_answer(&c, "workspace/symbol", json_pack("{s:s}", "query", ""), 30000,
                            "after close"));
    chmod(path, 0644);
    free(uri);
    free(path);
    finish(&c);
}
