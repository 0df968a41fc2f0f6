/* What the server may touch: it never writes the user's files (every file
 * of the workspace has the same content, size, mode and mtime after a
 * session with edits, code actions, renames, commands, saves and closes),
 * and it opens no file outside the workspace and its externalDocs (checked
 * with strace when installed: every open/openat path is under the
 * workspace, /proc, /sys, /dev, /etc, /usr or /lib*, and no call creates,
 * renames, removes or truncates anything; stat()s of link targets are
 * allowed and not traced). */
#define _GNU_SOURCE 1
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostile_util.h"
#include "lsp_client.h"
#include "planls/buf.h"
#include "planls/util.h"

TestSuite(sandbox, .fini = lc_fini);

static const char *const ARGS[] = {"--threads", "1", NULL};

/* ---- snapshot ------------------------------------------------------------- */

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint64_t fnv(const char *d, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)d[i]) * 1099511628211ull;
    return h;
}

static void snap_dir(const char *root, const char *rel, char ***v, size_t *n, size_t *cap)
{
    char *dir = *rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
    DIR *dp = opendir(dir);
    cr_assert_not_null(dp, "opendir %s", dir);
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *r = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
        char *p = xasprintf("%s/%s", root, r);
        struct stat st;
        cr_assert_eq(lstat(p, &st), 0);
        uint64_t h = 0;
        if (S_ISREG(st.st_mode)) {
            char *data = NULL;
            size_t len = 0;
            cr_assert_eq(util_read_file(p, 1u << 26, &data, &len), 0);
            h = fnv(data, len);
            free(data);
        }
        UTIL_PUSH(*v, *n, *cap,
                  xasprintf("%s mode=%o size=%lld mtime=%lld.%09ld hash=%016llx", r,
                            (unsigned)st.st_mode, (long long)st.st_size,
                            (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                            (unsigned long long)h));
        if (S_ISDIR(st.st_mode))
            snap_dir(root, r, v, n, cap);
        free(p);
        free(r);
    }
    closedir(dp);
    free(dir);
}

/* Every entry of the tree, one line each, sorted. Caller frees. */
static char *snapshot(const char *root)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    snap_dir(root, "", &v, &n, &cap);
    qsort(v, n, sizeof(*v), str_cmp);
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        buf_append_str(&b, v[i]);
        buf_append_char(&b, '\n');
        free(v[i]);
    }
    free(v);
    size_t len;
    return buf_detach(&b, &len);
}

/* ---- a busy session ---------------------------------------------------------- */

static json_t *full_caps(void)
{
    json_t *caps = hx_caps();
    json_t *td = json_object_get(caps, "textDocument");
    json_object_set_new(td, "codeAction",
                        json_pack("{s:{s:{s:[s,s,s]}},s:{s:[s]}}", "codeActionLiteralSupport",
                                  "codeActionKind", "valueSet", "quickfix", "source", "refactor",
                                  "resolveSupport", "properties", "edit"));
    json_object_set_new(td, "rename", json_pack("{s:b}", "prepareSupport", 1));
    json_t *ws = json_object_get(caps, "workspace");
    json_object_set_new(ws, "workspaceEdit",
                        json_pack("{s:b,s:[s,s,s]}", "documentChanges", 1, "resourceOperations",
                                  "create", "rename", "delete"));
    json_object_set_new(ws, "applyEdit", json_true());
    return caps;
}

/* Line/character (UTF-16 = bytes: the examples are ASCII where we point)
 * of the first occurrence of needle in text, plus skip bytes. */
static bool find_pos(const char *text, const char *needle, size_t skip, int *line, int *ch)
{
    const char *at = strstr(text, needle);
    if (!at)
        return false;
    at += skip;
    *line = 0;
    const char *ls = text;
    for (const char *p = text; p < at; p++)
        if (*p == '\n') {
            (*line)++;
            ls = p + 1;
        }
    *ch = (int)(at - ls);
    return true;
}

static json_t *answer(lc_t *c, int id)
{
    json_t *r = lc_response(c, id, 30000, NULL);
    cr_assert_not_null(r, "request %d not answered", id);
    return r;
}

static void busy_session(lc_t *c)
{
    json_t *init = lc_initialize(c, full_caps(), NULL);
    json_t *cmds = json_incref(json_object_get(
        json_object_get(json_object_get(init, "capabilities"), "executeCommandProvider"),
        "commands"));
    json_decref(init);
    static const char *const docs[] = {"START-HERE.md", "README.md", "03-indexing-plan.md",
                                       "04-query-parser-plan.md", "01-COMPLETION-ANALYSIS.md"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(docs); i++) {
        size_t len;
        char *text = hx_example(docs[i], &len);
        char *rel = xasprintf("%s/%s", HX_FOLDER, docs[i]);
        char *uri = lc_uri(c, rel);
        lc_notify(c, "textDocument/didOpen", lc_open_params(c, rel, text, len));
        /* Damage it so that quick fixes exist: a bad priority, a missing
         * section, a broken link. */
        lc_notify(c, "textDocument/didChange",
                  json_pack("{s:{s:s,s:i},s:[{s:{s:{s:i,s:i},s:{s:i,s:i}},s:s}]}", "textDocument",
                            "uri", uri, "version", 2, "contentChanges", "range", "start", "line",
                            1, "character", 0, "end", "line", 1, "character", 0, "text",
                            "**Priority:** URGENT\n[gone](99-gone-plan.md)\n"));
        json_t *d = lc_notification(c, "textDocument/publishDiagnostics", uri, 30000);
        cr_assert_not_null(d, "no diagnostics for %s", docs[i]);
        json_t *diags = json_incref(json_object_get(d, "diagnostics"));
        json_decref(d);
        /* Every code action: quick fixes for the diagnostics, and source
         * actions; resolved when lazy; their commands executed. */
        json_t *range = json_pack("{s:{s:i,s:i},s:{s:i,s:i}}", "start", "line", 0, "character", 0,
                                  "end", "line", 100000, "character", 0);
        for (int only = 0; only < 2; only++) {
            json_t *ctx = json_pack("{s:O}", "diagnostics", diags);
            if (only)
                json_object_set_new(ctx, "only", json_pack("[s]", "source"));
            json_t *r = answer(c, lc_request(c, "textDocument/codeAction",
                                             json_pack("{s:{s:s},s:O,s:o}", "textDocument", "uri",
                                                       uri, "range", range, "context", ctx)));
            size_t k;
            json_t *a;
            json_array_foreach(json_object_get(r, "result"), k, a) {
                if (json_object_get(a, "data") && !json_object_get(a, "edit"))
                    json_decref(answer(c, lc_request(c, "codeAction/resolve", json_incref(a))));
                json_t *cmd = json_object_get(a, "command");
                if (json_is_object(cmd))
                    json_decref(answer(
                        c, lc_request(c, "workspace/executeCommand",
                                      json_pack("{s:O,s:O*}", "command",
                                                json_object_get(cmd, "command"), "arguments",
                                                json_object_get(cmd, "arguments")))));
            }
            json_decref(r);
        }
        json_decref(range);
        json_decref(diags);
        int line, ch;
        if (find_pos(text, "](0", 3, &line, &ch)) {
            json_t *pos = json_pack("{s:i,s:i}", "line", line + 2, "character", ch);
            json_decref(answer(c, lc_request(c, "textDocument/prepareRename",
                                             json_pack("{s:{s:s},s:O}", "textDocument", "uri",
                                                       uri, "position", pos))));
            json_decref(answer(c, lc_request(c, "textDocument/rename",
                                             json_pack("{s:{s:s},s:O,s:s}", "textDocument", "uri",
                                                       uri, "position", pos, "newName",
                                                       "09-renamed-plan.md"))));
            json_decref(pos);
        }
        lc_notify(c, "textDocument/didSave", json_pack("{s:{s:s}}", "textDocument", "uri", uri));
        free(uri);
        free(rel);
        free(text);
    }
    char *old_uri = lc_uri(c, HX_FOLDER "/03-indexing-plan.md");
    char *new_uri = lc_uri(c, HX_FOLDER "/03-search-indexing-plan.md");
    json_decref(answer(c, lc_request(c, "workspace/willRenameFiles",
                                     json_pack("{s:[{s:s,s:s}]}", "files", "oldUri", old_uri,
                                               "newUri", new_uri))));
    free(old_uri);
    free(new_uri);
    size_t k;
    json_t *cmd;
    json_array_foreach(cmds, k, cmd) {
        if (json_is_string(cmd))
            json_decref(answer(c, lc_request(c, "workspace/executeCommand",
                                             json_pack("{s:O,s:[]}", "command", cmd,
                                                       "arguments"))));
    }
    json_decref(cmds);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(docs); i++) {
        char *rel = xasprintf("%s/%s", HX_FOLDER, docs[i]);
        char *uri = lc_uri(c, rel);
        lc_notify(c, "textDocument/didClose", json_pack("{s:{s:s}}", "textDocument", "uri", uri));
        free(uri);
        free(rel);
    }
    json_decref(answer(c, lc_request(c, "shutdown", NULL)));
    lc_notify(c, "exit", NULL);
    cr_assert(lc_wait_exit(c, 30000), "server did not exit");
    cr_assert(WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0, "exit status %d", c->status);
}

static void sandbox_workspace(lc_t *c)
{
    lc_workspace(c);
    hx_copy_examples(c);
    lc_write_str(c, ".planls.json", "{\"externalDocs\": [\"docs/workflows\"]}\n");
    lc_write_str(c, "docs/workflows/_work-package.md", "# Work package\n\n## Overview\n");
}

Test(sandbox, never_writes_the_users_files, .timeout = 600)
{
    lc_t c;
    sandbox_workspace(&c);
    char *before = snapshot(c.root);
    /* Make "modified just now" detectable even on coarse clocks. */
    usleep(20000);
    lc_start(&c, ARGS, NULL);
    busy_session(&c);
    lc_stop(&c);
    char *after = snapshot(c.root);
    cr_assert_str_eq(after, before, "the workspace changed during the session");
    free(before);
    free(after);
    lc_cleanup(&c);
}

/* ---- strace ------------------------------------------------------------------- */

static bool strace_works(void)
{
    return system("strace -f -qq -o /dev/null true >/dev/null 2>&1") == 0;
}

static bool allowed(const char *path, const char *root)
{
    static const char *const sys[] = {"/proc/", "/sys/", "/dev/", "/etc/", "/usr/", "/lib/",
                                      "/lib64/", "/lib32/"};
    size_t rl = strlen(root);
    if (path[0] != '/')
        return strstr(path, "..") == NULL; /* relative to the cwd: the root */
    if (!strncmp(path, root, rl) && (path[rl] == '/' || path[rl] == '\0'))
        return strstr(path + rl, "/../") == NULL;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(sys); i++)
        if (!strncmp(path, sys[i], strlen(sys[i])))
            return true;
    return false;
}

Test(sandbox, opens_nothing_outside_the_workspace, .timeout = 600)
{
    if (!strace_works())
        cr_skip_test("strace is not installed (or cannot trace here)");
    lc_t c;
    sandbox_workspace(&c);
    /* A Markdown file outside the workspace, linked (with an anchor) from a
     * plan: PL040 may stat it, nothing may open it. */
    char outside[sizeof(c.root) + 16];
    snprintf(outside, sizeof(outside), "%s-outside", c.root);
    mkdir(outside, 0755);
    char *secret = xasprintf("%s/secret.md", outside);
    FILE *fp = fopen(secret, "w");
    cr_assert_not_null(fp);
    fputs("# Secret\n\n## Heading\n", fp);
    fclose(fp);
    const char *base = strrchr(outside, '/') + 1;
    char *plan = xasprintf("# Phase 9: Outside\n\n**Priority:** HIGH\n\n## Overview\n\n"
                           "See [secret](../../../../../%s/secret.md#heading) and "
                           "[wp](_work-package.md#overview).\n",
                           base);
    char *log = xasprintf("%s.strace", c.root);
    const char *const wrapper[] = {"strace", "-f", "-qq", "-o", log, "-e",
                                   "trace=open,openat,openat2,creat,truncate,unlink,unlinkat,"
                                   "rename,renameat,renameat2,mkdir,mkdirat,rmdir,link,linkat,"
                                   "symlink,symlinkat,chmod,fchmodat,utimensat",
                                   NULL};
    lc_start(&c, ARGS, wrapper);
    json_decref(lc_initialize(&c, hx_caps(), NULL));
    const char *rel = HX_FOLDER "/09-outside-plan.md";
    char *uri = lc_uri(&c, rel);
    lc_notify(&c, "textDocument/didOpen", lc_open_params(&c, rel, plan, strlen(plan)));
    json_t *d = lc_notification(&c, "textDocument/publishDiagnostics", uri, 30000);
    cr_assert_not_null(d, "no diagnostics");
    json_decref(d);
    static const char *const methods[] = {"textDocument/hover", "textDocument/definition",
                                          "textDocument/references", "textDocument/completion"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(methods); i++)
        for (int ch = 8; ch <= 40; ch += 16) {
            json_t *p = json_pack("{s:{s:s},s:{s:i,s:i},s:{s:b}}", "textDocument", "uri", uri,
                                  "position", "line", 6, "character", ch, "context",
                                  "includeDeclaration", 1);
            json_decref(answer(&c, lc_request(&c, methods[i], p)));
        }
    json_decref(answer(&c, lc_request(&c, "textDocument/documentLink",
                                      json_pack("{s:{s:s}}", "textDocument", "uri", uri))));
    json_decref(answer(&c, lc_request(&c, "shutdown", NULL)));
    lc_notify(&c, "exit", NULL);
    cr_assert(lc_wait_exit(&c, 30000), "server did not exit");
    lc_stop(&c);

    char *trace = NULL;
    size_t len = 0;
    cr_assert_eq(util_read_file(log, 1u << 26, &trace, &len), 0, "no strace log");
    size_t n_open = 0;
    buf_t bad = BUF_INIT;
    for (char *line = strtok(trace, "\n"); line; line = strtok(NULL, "\n")) {
        if (strstr(line, "resumed>") || strstr(line, "+++") || strstr(line, "---"))
            continue;
        /* "PID  call(args) = result" */
        const char *call = line;
        while (*call >= '0' && *call <= '9')
            call++;
        while (*call == ' ')
            call++;
        bool is_open = !strncmp(call, "open(", 5) || !strncmp(call, "openat(", 7) ||
                       !strncmp(call, "openat2(", 8);
        bool writes = !is_open || strstr(call, "O_WRONLY") || strstr(call, "O_RDWR") ||
                      strstr(call, "O_CREAT") || strstr(call, "O_TRUNC");
        const char *q = strchr(call, '"');
        const char *e = q ? strchr(q + 1, '"') : NULL;
        char *path = q && e ? xstrndup(q + 1, (size_t)(e - q - 1)) : xstrdup("?");
        if (is_open)
            n_open++;
        if (!allowed(path, c.root) || (writes && strncmp(path, "/dev/", 5)))
            buf_printf(&bad, "  %s\n", line);
        free(path);
    }
    /* Everything freed before asserting, so that a failure leaks nothing. */
    char report[4096];
    snprintf(report, sizeof(report), "%s", bad.data ? bad.data : "");
    bool clean = bad.len == 0;
    buf_free(&bad);
    free(trace);
    unlink(log);
    unlink(secret);
    rmdir(outside);
    free(log);
    free(secret);
    free(plan);
    free(uri);
    lc_cleanup(&c);
    cr_assert_gt(n_open, 5, "strace saw no open: the log is not what we think");
    cr_assert(clean, "the server touched files outside the workspace or wrote:\n%s", report);
}

Test(sandbox, file_events_outside_the_workspace_are_ignored, .timeout = 300)
{
    lc_t c;
    sandbox_workspace(&c);
    /* A planning folder next to the workspace, announced by the client as
     * created (as a confused or hostile client might): the server must not
     * read it, nor walk the tree above it. */
    char outside[sizeof(c.root) + 16];
    snprintf(outside, sizeof(outside), "%s-elsewhere", c.root);
    mkdir(outside, 0755);
    char *start = xasprintf("%s/START-HERE.md", outside);
    char *plan = xasprintf("%s/42-outside-plan.md", outside);
    FILE *fp = fopen(start, "w");
    cr_assert_not_null(fp);
    fputs("# Elsewhere\n", fp);
    fclose(fp);
    fp = fopen(plan, "w");
    cr_assert_not_null(fp);
    fputs("# Phase 42: Outside Secret\n", fp);
    fclose(fp);
    lc_start(&c, ARGS, NULL);
    json_decref(lc_initialize(&c, hx_caps(), NULL));
    char *u1 = xasprintf("file://%s", outside), *u2 = xasprintf("file://%s", plan);
    lc_notify(&c, "workspace/didChangeWatchedFiles",
              json_pack("{s:[{s:s,s:i},{s:s,s:i},{s:s,s:i}]}", "changes", "uri", u1, "type", 1,
                        "uri", u2, "type", 1, "uri", u2, "type", 2));
    json_t *r = answer(&c, lc_request(&c, "workspace/symbol", json_pack("{s:s}", "query",
                                                                         "Outside Secret")));
    json_t *res = json_object_get(r, "result");
    char *dump = json_dumps(res, JSON_COMPACT);
    cr_expect(json_is_array(res) && json_array_size(res) == 0,
              "a folder outside the workspace was indexed after a file event: %s", dump);
    free(dump);
    json_decref(r);
    json_decref(answer(&c, lc_request(&c, "shutdown", NULL)));
    lc_notify(&c, "exit", NULL);
    cr_assert(lc_wait_exit(&c, 30000), "server did not exit");
    lc_stop(&c);
    unlink(start);
    unlink(plan);
    rmdir(outside);
    free(u1);
    free(u2);
    free(start);
    free(plan);
    lc_cleanup(&c);
}
