/* support: the scaffolding the unit tests share (see support.h). Test-only:
 * it asserts instead of returning errors, and it must never keep state of its
 * own between calls; everything it touches is passed in by the test. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "support.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "planls/jsonrpc.h"
#include "planls/text.h"
#include "planls/util.h"

void ts_root_init(ts_root_t *r, const char *tag)
{
    memset(r, 0, sizeof(*r));
    int n = snprintf(r->path, sizeof(r->path), "/tmp/planls-%s-XXXXXX", tag);
    cr_assert(n > 0 && (size_t)n < sizeof(r->path), "tag too long: %s", tag);
    cr_assert_not_null(mkdtemp(r->path), "mkdtemp %s: %s", r->path, strerror(errno));
    cr_assert_eq(uv_loop_init(&r->loop), 0);
    log_init(&r->log, LOG_ERROR);
    r->log.to_stderr = false;
    config_init(&r->cfg);
}

void ts_root_fini(ts_root_t *r)
{
    ts_rmtree(r->path);
    uv_run(&r->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&r->loop), 0, "a handle is still open on the loop");
    config_free(&r->cfg);
}

char *ts_path(const char *dir, const char *rel)
{
    return xasprintf("%s/%s", dir, rel);
}

void ts_mkdirs(const char *path)
{
    char *p = xstrdup(path);
    /* Parents first; one that exists already fails harmlessly. */
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    mkdir(p, 0755);
    struct stat st;
    cr_assert(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "cannot make directory %s", p);
    free(p);
}

void ts_put(const char *dir, const char *rel, const char *text)
{
    char *path = ts_path(dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    ts_mkdirs(path);
    *slash = '/';
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    size_t len = strlen(text);
    cr_assert_eq(fwrite(text, 1, len, f), len, "short write to %s", path);
    cr_assert_eq(fclose(f), 0, "cannot close %s", path);
    free(path);
}

char *ts_read(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    int rc = util_read_file(path, 1 << 24, &data, &len);
    cr_assert_eq(rc, 0, "cannot read %s", path);
    return data;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

void ts_rmtree(const char *path)
{
    /* Depth first so directories are empty when removed; links are removed,
     * never followed (a test may plant a symlink loop). */
    cr_assert_eq(nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0, "cannot remove %s", path);
}

/* Counts the scan's completions so a double call is caught. */
static void scan_done(void *ud, size_t n_folders, size_t n_docs, double ms)
{
    (*(int *)ud)++;
}

ws_t *ts_ws_scan_at(uv_loop_t *loop, const char *dir, const config_t *cfg, log_t *log,
                    int threads)
{
    ws_t *ws = ws_new(loop, dir, cfg, log);
    cr_assert_not_null(ws);
    int done = 0;
    cr_assert_eq(ws_scan(ws, threads, NULL, scan_done, &done), 0);
    uv_run(loop, UV_RUN_DEFAULT);
    cr_assert_eq(done, 1, "scan of %s finished %d times", dir, done);
    cr_assert(ws_is_scanned(ws));
    return ws;
}

ws_t *ts_ws_scan(ts_root_t *r, int threads)
{
    return ts_ws_scan_at(&r->loop, r->path, &r->cfg, &r->log, threads);
}

void ts_ws_free(uv_loop_t *loop, ws_t *ws)
{
    if (!ws)
        return;
    ws_free(ws);
    uv_run(loop, UV_RUN_DEFAULT);
}

server_t *ts_server_new(ts_root_t *r)
{
    server_t *s = xcalloc(1, sizeof(*s));
    s->loop = &r->loop;
    s->enc = TEXT_ENC_UTF16;
    s->ws = ts_ws_scan(r, 1);
    return s;
}

void ts_server_free(server_t *s)
{
    if (!s)
        return;
    ts_ws_free(s->loop, s->ws);
    free(s);
}

ws_doc_t *ts_doc(ws_t *ws, const char *dir, const char *rel)
{
    char *path = ts_path(dir, rel);
    ws_doc_t *d = ws_doc_by_path(ws, path);
    free(path);
    cr_assert_not_null(d, "no document %s", rel);
    return d;
}

ws_folder_t *ts_folder(ws_t *ws, const char *path)
{
    ws_folder_t *f = ws_folder_by_path(ws, path);
    cr_assert_not_null(f, "no planning folder %s", path);
    return f;
}

ws_folder_t *ts_check_folder(ws_t *ws, const char *path, const config_t *cfg, rule_diags_t *out)
{
    ws_folder_t *f = ts_folder(ws, path);
    rule_check_folder(ws, f, cfg, out);
    rule_diags_sort(out);
    return f;
}

char *ts_span_text(const ws_doc_t *d, md_span_t s)
{
    cr_assert_leq(s.start, s.end);
    cr_assert_leq(s.end, d->text->len);
    return xstrndup(d->text->data + s.start, s.end - s.start);
}

long long ts_int_at(json_t *obj, const char *path)
{
    json_t *v = rpc_get(obj, path);
    return json_is_integer(v) ? json_integer_value(v) : -1;
}

const char *ts_str_at(json_t *obj, const char *path)
{
    json_t *v = rpc_get(obj, path);
    return json_is_string(v) ? json_string_value(v) : NULL;
}
