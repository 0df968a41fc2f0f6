/* fuzz_complete: completion, definition, references, hover, document links,
 * document symbols and folding at random positions of a random document.
 * The input (a raw Markdown document) is opened as a new plan in a copy of
 * the examples/ planning folder, so that links, phases and anchors resolve
 * to real documents. Cursor positions come from a generator seeded by the
 * input (plus the positions just after every trigger character, and
 * positions far out of range), go through text_offset_at as the server's
 * do, and every answer must be JSON that serialises, with its ranges well
 * formed. The encoding and client capabilities also derive from the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "fuzz_util.h"
#include "planls/complete.h"
#include "planls/navigate.h"
#include "planls/server.h"
#include "planls/symbols.h"
#include "planls/util.h"
#include "planls/workspace.h"

#define FOLDER ".engineering/artifacts/planning/2026-03-02-search-platform"
#define N_RANDOM 24
#define N_TRIGGERS 24

static const char *root;
static uv_loop_t loop;
static config_t cfg;

/* Ranges anywhere inside a result (Location, CompletionItem.textEdit,
 * DocumentSymbol, DocumentLink, ...): every object with "start" and "end"
 * must be a well-formed range. */
static void check_ranges(const json_t *v, const char *what)
{
    if (json_is_object(v)) {
        if (json_object_get(v, "start") && json_object_get(v, "end") &&
            json_is_object(json_object_get(v, "start")))
            fz_check_range(v, what);
        const char *k;
        json_t *e;
        json_object_foreach((json_t *)v, k, e) check_ranges(e, what);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) check_ranges(e, what);
    }
}

static void check_answer(json_t *v, const char *what)
{
    fz_json_check(v, what);
    check_ranges(v, what);
    json_decref(v);
}

static void at_offset(server_t *s, ws_doc_t *d, size_t off)
{
    FZ_CHECK(off <= d->text->len, "offset past the text");
    check_answer(complete_at(s, d, off), "completion");
    check_answer(nav_definition(s, d, off), "definition");
    check_answer(nav_references(s, d, off, off & 1), "references");
    check_answer(nav_hover(s, d, off), "hover");
    complete_ctx_t cx;
    complete_context(d, off, &cx);
    FZ_CHECK(cx.kind == COMPLETE_NONE || (cx.start <= cx.end && cx.end <= d->text->len),
             "completion context [%u,%u) outside the text", cx.start, cx.end);
    complete_ctx_free(&cx);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    root = fz_tmpdir("fuzz-complete");
    char *dst = xasprintf("%s/" FOLDER, root);
    fz_mkdirs(dst);
    fz_copy_tree(PLANLS_SOURCE_DIR "/examples/" FOLDER, dst);
    free(dst);
    fz_write(root, "docs/workflows/_work-package.md", "# Work package\n\n## Overview\n", 28);
    config_init(&cfg);
    json_t *j = json_pack("{s:[s]}", "externalDocs", "docs/workflows");
    char *err = NULL;
    FZ_CHECK(config_merge(&cfg, j, &err) == 0, "config");
    json_decref(j);
    FZ_CHECK(uv_loop_init(&loop) == 0, "uv_loop_init");
    return 0;
}

static void scan_done(void *ud, size_t n_folders, size_t n_docs, double ms)
{
    *(bool *)ud = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t seed = fz_hash(data, size);
    log_t log;
    log_init(&log, LOG_ERROR);
    log.to_stderr = false;
    ws_t *ws = ws_new(&loop, root, &cfg, &log);
    bool done = false;
    FZ_CHECK(ws_scan(ws, 1, NULL, scan_done, &done) == 0, "ws_scan");
    uv_run(&loop, UV_RUN_DEFAULT);
    FZ_CHECK(done, "scan did not finish");
    char *path = xasprintf("%s/" FOLDER "/08-fuzz-plan.md", root);
    ws_doc_t *d = ws_open(ws, path, (const char *)data, size, 1);
    free(path);
    FZ_CHECK(d && d->folder && d->md, "the fuzzed plan is not in its folder");

    server_t s;
    memset(&s, 0, sizeof(s));
    s.ws = ws;
    s.cfg = cfg;
    s.enc = (text_enc_t)(seed % 3);
    s.caps.snippets = seed & 8;
    s.caps.markdown_hover = seed & 16;
    s.caps.hierarchical_symbols = seed & 32;
    s.caps.completion_label_details = seed & 64;
    s.caps.related_info = true;

    const text_doc_t *t = d->text;
    uint64_t st = seed;
    for (size_t i = 0; i < N_RANDOM; i++) {
        uint64_t r = fz_next(&st);
        text_pos_t p;
        p.line = (uint32_t)(r % (t->n_lines + 1));
        size_t ll = text_line_end(t, p.line) - text_line_start(t, p.line);
        p.character = (uint32_t)((r >> 20) % (ll + 2));
        if ((r & 0xff) == 0xff)
            p.character = UINT32_MAX;
        at_offset(&s, d, text_offset_at(t, p, s.enc));
    }
    size_t n_trig = 0;
    for (size_t off = 0; off < t->len && n_trig < N_TRIGGERS; off++) {
        char c = t->data[off];
        if (c == '(' || c == '#' || c == ' ' || c == '/' || c == '*') {
            at_offset(&s, d, off + 1);
            n_trig++;
        }
    }
    text_pos_t far = {UINT32_MAX, UINT32_MAX};
    at_offset(&s, d, text_offset_at(t, far, s.enc));
    check_answer(nav_document_links(&s, d), "documentLink");
    check_answer(symbols_document(&s, d), "documentSymbol");
    check_answer(symbols_folding(&s, d), "foldingRange");
    /* A workspace-symbol query from the input's first bytes. */
    char query[17];
    size_t qn = 0;
    while (qn < size && qn < sizeof(query) - 1 && data[qn] != '\0') {
        query[qn] = (char)data[qn];
        qn++;
    }
    query[qn] = '\0';
    check_answer(symbols_workspace(&s, query), "workspace/symbol");
    ws_free(ws);
    uv_run(&loop, UV_RUN_DEFAULT);
    return 0;
}
