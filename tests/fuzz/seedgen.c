/* seedgen: builds the seed corpora of the fuzz targets from the project's
 * own data, at build time, so that the seeds follow the fixtures:
 *   OUT/framer/<fixture>   the bytes a fixture sends (framed), as one stream
 *   OUT/jsonrpc/<fixture>  the fixture's message bodies, joined by 0x1E
 *   OUT/server/<fixture>   [capability byte] + the framed stream without the
 *                          fixture's own `initialize` (fuzz_server sends its
 *                          own, rooted in FZ_SERVER_ROOT)
 *   OUT/text/<doc>         a document of examples/ in fuzz_text's format,
 *                          with a few edits
 * ${root} and ${rootUri} become FZ_SERVER_ROOT. Usage: seedgen SRC_DIR OUT. */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_server_caps.h"
#include "fuzz_util.h"
#include "planls/buf.h"
#include "planls/framer.h"
#include "planls/util.h"

/* s with ${root} and ${rootUri} replaced. Caller frees. */
static char *subst(const char *s)
{
    buf_t b = BUF_INIT;
    while (*s) {
        if (!strncmp(s, "${rootUri}", 10)) {
            buf_append_str(&b, "file://" FZ_SERVER_ROOT);
            s += 10;
        } else if (!strncmp(s, "${root}", 7)) {
            buf_append_str(&b, FZ_SERVER_ROOT);
            s += 7;
        } else {
            buf_append_char(&b, *s++);
        }
    }
    size_t n;
    return buf_detach(&b, &n);
}

/* A deep copy of v with every string and object key substituted. */
static json_t *subst_json(json_t *v)
{
    if (json_is_string(v)) {
        char *s = subst(json_string_value(v));
        json_t *r = json_string(s);
        free(s);
        return r ? r : json_incref(v);
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) json_array_append_new(a, subst_json(e));
        return a;
    }
    if (json_is_object(v)) {
        json_t *o = json_object();
        const char *k;
        json_t *e;
        json_object_foreach(v, k, e) {
            char *key = subst(k);
            json_object_set_new(o, key, subst_json(e));
            free(key);
        }
        return o;
    }
    return json_incref(v);
}

static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
    fz_mkdirs(dir);
    char *rel = xstrdup(name);
    fz_write(dir, rel, data, len);
    free(rel);
}

static bool get_true(json_t *o, const char *path)
{
    json_t *cur = o;
    char *p = xstrdup(path);
    for (char *tok = strtok(p, "."); tok && cur; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    free(p);
    return json_is_true(cur);
}

static bool has_value(json_t *arr, const char *v)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) if (json_is_string(e) && !strcmp(json_string_value(e), v)) return true;
    return false;
}

/* fuzz_server's capability byte for a fixture's initialize params. */
static unsigned caps_byte(json_t *params)
{
    json_t *c = json_object_get(params, "capabilities");
    unsigned b = 0;
    json_t *encs = json_object_get(json_object_get(c, "general"), "positionEncodings");
    if (has_value(encs, "utf-8"))
        b |= FZ_CAP_UTF8;
    else if (has_value(encs, "utf-32") && !has_value(encs, "utf-16"))
        b |= FZ_CAP_UTF32;
    if (get_true(c, "textDocument.completion.completionItem.snippetSupport"))
        b |= FZ_CAP_SNIPPETS;
    if (json_is_object(json_object_get(json_object_get(c, "textDocument"), "diagnostic")))
        b |= FZ_CAP_PULL;
    if (get_true(c, "textDocument.publishDiagnostics.relatedInformation"))
        b |= FZ_CAP_RELATED;
    if (get_true(c, "textDocument.documentSymbol.hierarchicalDocumentSymbolSupport"))
        b |= FZ_CAP_HIERARCHY;
    if (json_object_get(json_object_get(json_object_get(c, "textDocument"), "hover"),
                        "contentFormat"))
        b |= FZ_CAP_MD_HOVER;
    if (get_true(c, "workspace.configuration"))
        b |= FZ_CAP_CONFIG;
    return b;
}

static void one_fixture(const char *path, const char *name, const char *out)
{
    json_error_t err;
    json_t *fx = json_load_file(path, 0, &err);
    if (!fx) {
        fprintf(stderr, "seedgen: %s: %s (skipped)\n", path, err.text);
        return;
    }
    buf_t stream = BUF_INIT, server = BUF_INIT, bodies = BUF_INIT;
    buf_append_char(&server, 0);
    /* The fixture's files are not in FZ_SERVER_ROOT: open them instead (the
     * server never writes files, so an overlay is as good). */
    const char *rel;
    json_t *text;
    json_object_foreach(json_object_get(fx, "files"), rel, text) {
        if (!json_is_string(text) || !util_has_suffix(rel, ".md"))
            continue;
        char *t = subst(json_string_value(text));
        char *uri = xasprintf("file://%s/%s", FZ_SERVER_ROOT, rel);
        json_t *open = json_pack("{s:s,s:s,s:{s:{s:s,s:s,s:i,s:s}}}", "jsonrpc", "2.0", "method",
                                 "textDocument/didOpen", "params", "textDocument", "uri", uri,
                                 "languageId", "markdown", "version", 0, "text", t);
        if (open) {
            char *body = json_dumps(open, JSON_COMPACT);
            framer_encode(&server, body, strlen(body));
            free(body);
            json_decref(open);
        }
        free(uri);
        free(t);
    }
    size_t i;
    json_t *step;
    json_array_foreach(json_object_get(fx, "steps"), i, step) {
        json_t *send = json_object_get(step, "send");
        json_t *raw = json_object_get(step, "sendRaw");
        if (send) {
            json_t *msg = subst_json(send);
            char *body = json_dumps(msg, JSON_COMPACT);
            size_t n = strlen(body);
            framer_encode(&stream, body, n);
            json_t *m = json_object_get(msg, "method");
            if (json_is_string(m) && !strcmp(json_string_value(m), "initialize"))
                server.data[0] = (char)caps_byte(json_object_get(msg, "params"));
            else
                framer_encode(&server, body, n);
            if (bodies.len)
                buf_append_char(&bodies, 0x1e);
            buf_append(&bodies, body, n);
            free(body);
            json_decref(msg);
        } else if (json_is_string(raw)) {
            char *s = subst(json_string_value(raw));
            buf_append_str(&stream, s);
            buf_append_str(&server, s);
            /* The body of a raw message is what follows its blank line. */
            const char *b = strstr(s, "\r\n\r\n");
            if (bodies.len)
                buf_append_char(&bodies, 0x1e);
            buf_append_str(&bodies, b ? b + 4 : s);
            free(s);
        }
    }
    char *dir;
    dir = xasprintf("%s/framer", out);
    write_file(dir, name, stream.data ? stream.data : "", stream.len);
    free(dir);
    dir = xasprintf("%s/server", out);
    write_file(dir, name, server.data, server.len);
    free(dir);
    dir = xasprintf("%s/jsonrpc", out);
    write_file(dir, name, bodies.data ? bodies.data : "", bodies.len);
    free(dir);
    buf_free(&stream);
    buf_free(&server);
    buf_free(&bodies);
    json_decref(fx);
}

/* fuzz_text's format: [enc][u16 len][text] + edits that type, delete and
 * replace across lines. */
static void one_text(const char *path, const char *name, const char *out, unsigned k)
{
    char *data = NULL;
    size_t len = 0;
    if (util_read_file(path, 1u << 20, &data, &len) != 0)
        return;
    if (len > 4000)
        len = 4000;
    buf_t b = BUF_INIT;
    buf_append_char(&b, (char)(k % 3));
    buf_append_char(&b, (char)(len & 0xff));
    buf_append_char(&b, (char)(len >> 8));
    buf_append(&b, data, len);
    static const unsigned char edits[][6] = {
        {0, 2, 0, 2, 0, 1},  {1, 3, 4, 5, 1, 0},    {2, 0, 0, 0, 0, 2},
        {0, 1, 200, 1, 250, 1}, {4, 250, 0, 251, 0, 3}, {0, 7, 3, 2, 1, 0},
    };
    static const char *ins[] = {"x", "", "\r\n", "\xf0\x9f\x98\x80", "a\rb", ""};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(edits); i++) {
        buf_append(&b, edits[i], 5);
        size_t n = strlen(ins[i]);
        buf_append_char(&b, (char)n);
        buf_append(&b, ins[i], n);
    }
    char *dir = xasprintf("%s/text", out);
    write_file(dir, name, b.data, b.len);
    free(dir);
    buf_free(&b);
    free(data);
}

static void walk_md(const char *dir, const char *out, unsigned *k)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *p = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            walk_md(p, out, k);
        } else if (util_has_suffix(de->d_name, ".md")) {
            char *name = xasprintf("%02u-%s", (*k)++, de->d_name);
            one_text(p, name, out, *k);
            free(name);
        }
        free(p);
    }
    closedir(dp);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: seedgen SRC_DIR OUT_DIR\n");
        return 2;
    }
    char *fdir = xasprintf("%s/protocol-fixtures", argv[1]);
    DIR *dp = opendir(fdir);
    if (!dp) {
        fprintf(stderr, "seedgen: cannot open %s\n", fdir);
        return 1;
    }
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (!util_has_suffix(de->d_name, ".json"))
            continue;
        char *p = xasprintf("%s/%s", fdir, de->d_name);
        char *name = xstrndup(de->d_name, strlen(de->d_name) - 5);
        one_fixture(p, name, argv[2]);
        free(name);
        free(p);
    }
    closedir(dp);
    free(fdir);
    char *ex = xasprintf("%s/examples", argv[1]);
    unsigned k = 0;
    walk_md(ex, argv[2], &k);
    free(ex);
    /* A stamp for the build system. */
    fz_write(argv[2], "stamp", "", 0);
    return 0;
}
