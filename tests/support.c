/* support: the scaffolding the unit tests share (see support.h). Test-only:
 * it asserts instead of returning errors, and it must never keep state of its
 * own between calls; everything it touches is passed in by the test. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "support.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "planls/buf.h"
#include "planls/config.h"
#include "planls/diagnostics.h"
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

bool ts_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Copy the regular file from to the new file to. */
static void copy_file(const char *from, const char *to)
{
    char *data = NULL;
    size_t len = 0;
    cr_assert_eq(util_read_file(from, 1 << 24, &data, &len), 0, "cannot read %s", from);
    FILE *f = fopen(to, "wbx");
    cr_assert_not_null(f, "cannot create %s", to);
    cr_assert_eq(fwrite(data, 1, len, f), len, "short write to %s", to);
    cr_assert_eq(fclose(f), 0, "cannot close %s", to);
    free(data);
}

void ts_copytree(const char *from, const char *to)
{
    DIR *dir = opendir(from);
    cr_assert_not_null(dir, "cannot open directory %s", from);
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *src = ts_path(from, e->d_name), *dst = ts_path(to, e->d_name);
        struct stat st;
        cr_assert_eq(lstat(src, &st), 0, "cannot stat %s", src);
        if (S_ISDIR(st.st_mode)) {
            ts_mkdirs(dst);
            ts_copytree(src, dst);
        } else {
            cr_assert(S_ISREG(st.st_mode), "%s is neither a file nor a directory", src);
            copy_file(src, dst);
        }
        free(src);
        free(dst);
    }
    closedir(dir);
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
    config_copy(&s->cfg, ws_config(s->ws)); /* as the server keeps both */
    s->diags = diag_new();
    return s;
}

void ts_server_free(server_t *s)
{
    if (!s)
        return;
    diag_free(s->diags);
    config_free(&s->cfg);
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

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

ts_findings_t ts_findings(ws_t *ws, ws_folder_t *folder, const config_t *cfg)
{
    ts_findings_t f = {NULL, 0, 0};
    rule_diags_t ds = {NULL, 0, 0};
    rule_check_folder(ws, folder, cfg, &ds);
    for (size_t i = 0; i < ds.n; i++)
        UTIL_PUSH(
            f.v, f.n, f.cap,
            xasprintf("%s|%s|%s", ds.items[i].doc->name, ds.items[i].code, ds.items[i].message));
    rule_diags_free(&ds);
    if (f.n)
        qsort(f.v, f.n, sizeof(char *), str_cmp);
    return f;
}

void ts_findings_free(ts_findings_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i]);
    free(f->v);
}

bool ts_findings_has(const ts_findings_t *f, const char *prefix)
{
    for (size_t i = 0; i < f->n; i++)
        if (util_has_prefix(f->v[i], prefix))
            return true;
    return false;
}

/* Byte offset in t of the LSP Position pos (UTF-16). */
static size_t offset_of(const text_doc_t *t, json_t *pos)
{
    json_t *l = json_object_get(pos, "line"), *c = json_object_get(pos, "character");
    cr_assert(json_is_integer(l) && json_is_integer(c));
    cr_assert_lt((size_t)json_integer_value(l), t->n_lines + 1);
    text_pos_t p = {(uint32_t)json_integer_value(l), (uint32_t)json_integer_value(c)};
    return text_offset_at(t, p, TEXT_ENC_UTF16);
}

/* Apply TextEdit[] to the file at uri: ranges refer to the text before any
 * of them; applied from the last to the first. */
static void apply_edits(const char *uri, json_t *edits)
{
    char *path = ws_uri_to_path(uri);
    cr_assert_not_null(path);
    char *data = NULL;
    size_t len = 0;
    cr_assert_eq(util_read_file(path, 1 << 24, &data, &len), 0, "edit of a missing file %s", path);
    text_doc_t *t = text_doc_new(data, len);
    size_t n = json_array_size(edits);
    size_t *a = xcalloc(n + 1, sizeof(size_t)), *b = xcalloc(n + 1, sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(edits, i);
        a[i] = offset_of(t, rpc_get(e, "range.start"));
        b[i] = offset_of(t, rpc_get(e, "range.end"));
        cr_assert_leq(a[i], b[i]);
        cr_assert(json_is_string(json_object_get(e, "newText")));
        if (i > 0)
            cr_assert_geq(a[i], b[i - 1], "overlapping edits in %s", uri);
    }
    buf_t out = BUF_INIT;
    buf_append(&out, data, len);
    for (size_t i = n; i-- > 0;) {
        json_t *nt = json_object_get(json_array_get(edits, i), "newText");
        buf_splice(&out, a[i], b[i] - a[i], json_string_value(nt), json_string_length(nt));
    }
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite(out.data ? out.data : "", 1, out.len, f);
    fclose(f);
    buf_free(&out);
    free(a);
    free(b);
    text_doc_free(t);
    free(data);
    free(path);
}

void ts_apply_edit(json_t *we)
{
    cr_assert(json_is_object(we));
    json_t *dc = json_object_get(we, "documentChanges");
    json_t *ch = json_object_get(we, "changes");
    cr_assert(!dc != !ch, "exactly one of documentChanges / changes");
    if (ch) {
        const char *uri;
        json_t *edits;
        json_object_foreach(ch, uri, edits)
            apply_edits(uri, edits);
        return;
    }
    size_t i;
    json_t *op;
    json_array_foreach(dc, i, op) {
        const char *kind = json_string_value(json_object_get(op, "kind"));
        if (!kind) {
            json_t *v = rpc_get(op, "textDocument.version");
            cr_assert_not_null(v, "a TextDocumentEdit needs a version (null for closed files)");
            apply_edits(json_string_value(rpc_get(op, "textDocument.uri")),
                        json_object_get(op, "edits"));
        } else if (strcmp(kind, "create") == 0) {
            char *p = ws_uri_to_path(json_string_value(json_object_get(op, "uri")));
            FILE *f = fopen(p, "wx");
            cr_assert_not_null(f, "create %s: exists", p);
            fclose(f);
            free(p);
        } else if (strcmp(kind, "rename") == 0) {
            char *o = ws_uri_to_path(json_string_value(json_object_get(op, "oldUri")));
            char *n = ws_uri_to_path(json_string_value(json_object_get(op, "newUri")));
            struct stat st;
            cr_assert_neq(stat(n, &st), 0, "rename onto an existing %s", n);
            cr_assert_eq(rename(o, n), 0, "rename %s", o);
            free(o);
            free(n);
        } else {
            cr_assert_fail("unexpected resource operation %s", kind);
        }
    }
}
