/* check: `planls check` — scans the given paths with the server's workspace
 * model, runs every rule once and prints the findings. Never writes a file;
 * prints nothing but findings and the summary on stdout. */
#include "planls/check.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "planls/config.h"
#include "planls/rules.h"
#include "planls/util.h"
#include "planls/workspace.h"

static const char *sev_word(rule_sev_t sev)
{
    switch (sev) {
    case RULE_ERROR: return "error";
    case RULE_WARNING: return "warning";
    case RULE_INFO: return "info";
    default: return "hint";
    }
}

/* The folder whose `.planls.json` applies to dir: the nearest ancestor (or
 * dir itself) holding one, not looking above a repository root (`.git`).
 * NULL when there is none. Caller frees. */
static char *find_config_dir(const char *dir)
{
    char *d = xstrdup(dir);
    for (;;) {
        char *cfg = xasprintf("%s/.planls.json", d);
        char *git = xasprintf("%s/.git", d);
        bool has_cfg = access(cfg, F_OK) == 0, has_git = access(git, F_OK) == 0;
        free(cfg);
        free(git);
        if (has_cfg)
            return d;
        char *slash = strrchr(d, '/');
        if (has_git || !slash || slash == d) {
            free(d);
            return NULL;
        }
        *slash = '\0';
    }
}

/* Configuration for dir: defaults + the `.planls.json` that applies. */
static void load_config(const char *dir, config_t *cfg, log_t *log)
{
    config_init(cfg);
    char *cdir = find_config_dir(dir);
    if (!cdir)
        return;
    char *path = xasprintf("%s/.planls.json", cdir);
    char *text = NULL;
    size_t len = 0;
    if (util_read_file(path, 1u << 20, &text, &len) == 0) {
        char *err = NULL;
        int line = 0, col = 0;
        if (config_merge_text(cfg, text, len, &err, &line, &col) < 0) {
            log_warn(log, "%s:%d:%d: %s (defaults kept)", path, line, col, err);
            free(err);
        }
    }
    /* externalDocs are relative to the folder of the configuration, which
     * may be above the checked path. */
    for (size_t i = 0; i < cfg->n_external_docs; i++) {
        if (cfg->external_docs[i][0] == '/')
            continue;
        char *abs = xasprintf("%s/%s", cdir, cfg->external_docs[i]);
        free(cfg->external_docs[i]);
        cfg->external_docs[i] = abs;
    }
    free(text);
    free(path);
    free(cdir);
}

/* A path for humans: relative to the current directory when below it. */
static const char *display_path(const char *path, const char *cwd)
{
    size_t n = strlen(cwd);
    if (n > 1 && strncmp(path, cwd, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

typedef struct totals {
    size_t errors, warnings, infos, hints, docs, folders;
} totals_t;

static void emit(const rule_diag_t *d, check_format_t fmt, FILE *out, json_t *arr,
                 const char *cwd, totals_t *t)
{
    text_pos_t s = text_pos_at(d->doc->text, d->span.start, TEXT_ENC_UTF32);
    text_pos_t e = text_pos_at(d->doc->text, d->span.end, TEXT_ENC_UTF32);
    const char *path = display_path(d->doc->path, cwd);
    switch (d->sev) {
    case RULE_ERROR: t->errors++; break;
    case RULE_WARNING: t->warnings++; break;
    case RULE_INFO: t->infos++; break;
    default: t->hints++; break;
    }
    if (fmt == CHECK_TEXT) {
        fprintf(out, "%s:%u:%u: %s: %s [%s]\n", path, s.line + 1, s.character + 1,
                sev_word(d->sev), d->message, d->code);
        return;
    }
    json_array_append_new(
        arr, json_pack("{s:s,s:i,s:i,s:i,s:i,s:s,s:s,s:s}", "path", path, "line",
                       (json_int_t)s.line + 1, "column", (json_int_t)s.character + 1, "endLine",
                       (json_int_t)e.line + 1, "endColumn", (json_int_t)e.character + 1,
                       "severity", sev_word(d->sev), "code", d->code, "message", d->message));
}

static void scan_done(void *ud, size_t n_folders, size_t n_docs, double ms)
{
    (void)ud;
    (void)n_folders;
    (void)n_docs;
    (void)ms;
}

/* Check one path. Returns 0, or 2 on I/O failure. */
static int check_path(const char *arg, check_format_t fmt, int threads, FILE *out, json_t *arr,
                      const char *cwd, totals_t *t, log_t *log)
{
    char real[PATH_MAX];
    if (!realpath(arg, real)) {
        fprintf(stderr, "planls: %s: %s\n", arg, strerror(errno));
        return 2;
    }
    struct stat st;
    if (stat(real, &st) != 0) {
        fprintf(stderr, "planls: %s: %s\n", arg, strerror(errno));
        return 2;
    }
    bool is_dir = S_ISDIR(st.st_mode);
    char *root = is_dir ? xstrdup(real) : xstrndup(real, (size_t)(strrchr(real, '/') - real));
    if (!root[0]) {
        free(root);
        root = xstrdup("/");
    }
    config_t cfg;
    load_config(root, &cfg, log);
    if (!is_dir) {
        /* A single file: its workspace is where its configuration lives
         * (externalDocs are relative to it). */
        char *cdir = find_config_dir(root);
        if (cdir) {
            free(root);
            root = cdir;
        }
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    ws_t *ws = ws_new(&loop, root, &cfg, log);
    rule_diags_t diags = {0};
    int rc = 0;
    if (is_dir) {
        ws_scan(ws, threads, NULL, scan_done, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
        for (size_t i = 0; i < ws_n_folders(ws); i++) {
            ws_folder_t *f = ws_folder_at(ws, i);
            rule_check_folder(ws, f, &cfg, &diags);
            t->folders++;
            t->docs += f->n_docs;
        }
    } else {
        ws_doc_t *d = ws_doc_load(ws, real);
        if (!d) {
            fprintf(stderr, "planls: %s: not a readable Markdown document\n", arg);
            rc = 2;
            goto done;
        }
        if (!d->folder) {
            /* The document's directory may be a planning folder: load just
             * that folder, never the whole tree above it. */
            char *dir = xstrndup(real, (size_t)(strrchr(real, '/') - real));
            ws_folder_load(ws, dir[0] ? dir : "/");
            free(dir);
            d = ws_doc_by_path(ws, real);
        }
        t->docs++;
        if (d && d->folder) {
            rule_diags_t all = {0};
            rule_check_folder(ws, d->folder, &cfg, &all);
            for (size_t i = 0; i < all.n; i++)
                if (all.items[i].doc == d)
                    emit(&all.items[i], fmt, out, arr, cwd, t);
            rule_diags_free(&all);
        } else if (d) {
            rule_check_doc(ws, d, &cfg, &diags);
        }
    }
    rule_diags_sort(&diags);
    for (size_t i = 0; i < diags.n; i++)
        emit(&diags.items[i], fmt, out, arr, cwd, t);
done:
    rule_diags_free(&diags);
    ws_free(ws);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    config_free(&cfg);
    free(root);
    return rc;
}

int check_run(char **paths, int n_paths, check_format_t fmt, int threads, FILE *out, log_t *log)
{
    static char *dot[] = {"."};
    if (n_paths == 0) {
        paths = dot;
        n_paths = 1;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd)))
        cwd[0] = '\0';
    json_t *arr = fmt == CHECK_JSON ? json_array() : NULL;
    totals_t t = {0};
    int rc = 0;
    for (int i = 0; i < n_paths; i++)
        if (check_path(paths[i], fmt, threads, out, arr, cwd, &t, log) != 0)
            rc = 2;
    if (fmt == CHECK_JSON) {
        json_dumpf(arr, out, JSON_INDENT(2));
        fputc('\n', out);
        json_decref(arr);
    } else {
        fprintf(out, "%zu error%s, %zu warning%s, %zu info, %zu hint%s in %zu document%s (%zu planning folder%s)\n",
                t.errors, t.errors == 1 ? "" : "s", t.warnings, t.warnings == 1 ? "" : "s",
                t.infos, t.hints, t.hints == 1 ? "" : "s", t.docs, t.docs == 1 ? "" : "s",
                t.folders, t.folders == 1 ? "" : "s");
    }
    if (rc == 0 && t.errors > 0)
        rc = 1;
    return rc;
}
