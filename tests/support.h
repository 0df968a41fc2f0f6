/* support: scaffolding shared by the Criterion unit tests (temporary
 * workspace roots, files written into them, scanned workspaces, a feature
 * server_t, rules run over a folder). Every helper asserts with cr_assert, so
 * it may only be called from a test, its .init or its .fini. Holds no state
 * of its own: what a helper works on is passed in. */
#ifndef PLANLS_TESTS_SUPPORT_H
#define PLANLS_TESTS_SUPPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "planls/config.h"
#include "planls/log.h"
#include "planls/markdown.h"
#include "planls/rules.h"
#include "planls/server.h"
#include "planls/workspace.h"

/* A fresh temporary directory and what a ws_t over it needs. The test owns
 * it (a static for a suite's .init/.fini, or a local); ts_root_init() fills
 * it, ts_root_fini() removes the directory and releases the rest. */
typedef struct ts_root {
    char path[128];  /* "/tmp/planls-<tag>-XXXXXX", no trailing slash */
    uv_loop_t loop;
    log_t log;       /* LOG_ERROR, not to stderr */
    config_t cfg;    /* defaults; the test may merge into it */
} ts_root_t;

/* Create /tmp/planls-<tag>-XXXXXX and initialise r's loop, log and config.
 * Release with ts_root_fini(). */
void ts_root_init(ts_root_t *r, const char *tag);
/* Remove r's directory tree, run the loop dry, close it (asserting no handle
 * is left open) and free the config. Free every ws_t first. */
void ts_root_fini(ts_root_t *r);

/* dir/rel. Caller frees with free(). */
char *ts_path(const char *dir, const char *rel);
/* Make path and every missing parent directory; asserts path ends up a
 * directory. */
void ts_mkdirs(const char *path);
/* Write the NUL-terminated text to dir/rel, creating missing parents. */
void ts_put(const char *dir, const char *rel, const char *text);
/* The whole file at path, NUL-terminated; asserts it can be read. Caller
 * frees with free(). */
char *ts_read(const char *path);
/* Remove the tree at path (files, directories, links, not followed); asserts
 * every entry was removed. */
void ts_rmtree(const char *path);

/* Whether anything (file, directory, ...) exists at path. */
bool ts_exists(const char *path);
/* Copy the directory tree from (its directories and regular files) into
 * the existing directory to, as `cp -R from/. to/`; asserts every entry was
 * copied. */
void ts_copytree(const char *from, const char *to);

/* A ws_t over dir with loop, cfg and log (as ws_new), scanned with `threads`
 * (0 = the libuv pool): runs the loop until the scan is done and asserts it
 * finished exactly once. Caller frees with ts_ws_free(). */
ws_t *ts_ws_scan_at(uv_loop_t *loop, const char *dir, const config_t *cfg, log_t *log,
                    int threads);
/* ts_ws_scan_at() over r's directory with r's loop, config and log. Caller
 * frees with ts_ws_free(). */
ws_t *ts_ws_scan(ts_root_t *r, int threads);
/* Free ws and run loop until its closed handles are gone. NULL is fine. */
void ts_ws_free(uv_loop_t *loop, ws_t *ws);

/* A server_t as the feature handlers see it, without transport: the loop
 * and a workspace scanned from r (ts_ws_scan, one thread), UTF-16 positions,
 * no client capabilities (the test sets srv->caps). Caller frees with
 * ts_server_free() before ts_root_fini(). */
server_t *ts_server_new(ts_root_t *r);
/* Free the workspace and the server. NULL is fine. */
void ts_server_free(server_t *s);

/* The document at dir/rel in ws; asserts it exists. Borrowed from ws. */
ws_doc_t *ts_doc(ws_t *ws, const char *dir, const char *rel);
/* The planning folder at the absolute path; asserts it exists. Borrowed. */
ws_folder_t *ts_folder(ws_t *ws, const char *path);
/* Run every rule on the planning folder at the absolute path into out (which
 * the caller frees with rule_diags_free()), sorted. Returns the folder. */
ws_folder_t *ts_check_folder(ws_t *ws, const char *path, const config_t *cfg, rule_diags_t *out);
/* The bytes a span of d covers; asserts the span lies inside the text.
 * Caller frees with free(). */
char *ts_span_text(const ws_doc_t *d, md_span_t s);

/* A folder's findings as sorted "file|code|message" strings. */
typedef struct ts_findings {
    char **v;
    size_t n, cap;
} ts_findings_t;

/* Every rule's findings on folder (rule_check_folder with cfg), as
 * "file|code|message" sorted by strcmp. Caller frees with
 * ts_findings_free(). */
ts_findings_t ts_findings(ws_t *ws, ws_folder_t *folder, const config_t *cfg);
void ts_findings_free(ts_findings_t *f);
/* Whether one of f's strings starts with prefix ("04-x-plan.md|PL030|"). */
bool ts_findings_has(const ts_findings_t *f, const char *prefix);

/* Apply an LSP WorkspaceEdit (UTF-16 positions) to the files on disk as a
 * client would: either `changes` or `documentChanges` (TextDocumentEdits,
 * which need a version, and CreateFile / RenameFile operations); each
 * document's TextEdits refer to the text before any of them and are applied
 * from the last to the first. Asserts the edit is well-formed: edits in
 * order without overlap, no create or rename onto an existing file. */
void ts_apply_edit(json_t *we);

/* JSON lookups by rpc_get() path ("range.start.line"): the integer there or
 * -1, the string there or NULL (borrowed from obj). */
long long ts_int_at(json_t *obj, const char *path);
const char *ts_str_at(json_t *obj, const char *path);

#endif
