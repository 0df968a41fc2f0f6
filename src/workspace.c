/* workspace: the live model of every planning folder under the root. Owns the
 * documents and folders, resolves links, keeps the per-folder indexes, runs
 * the initial scan on the thread pool and watches folders with libuv.
 * It never writes a file, and parses nothing on a request path: documents
 * are parsed when their text changes, indexes rebuilt when a folder changed. */
#include "planls/workspace.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "planls/buf.h"
#include "planls/util.h"

#define WS_MAX_DEPTH 64
#define WS_BINARY_PROBE 8192

enum { STAT_EXISTS = 1, STAT_MISSING = 2 };

typedef struct ws_watch {
    uv_fs_event_t handle;
    char *dir;
    ws_t *ws;
} ws_watch_t;

struct ws {
    uv_loop_t *loop;
    char *root;
    config_t cfg;
    log_t *log;
    map_t docs;          /* path -> ws_doc_t* */
    map_t folder_map;    /* path -> ws_folder_t* */
    ws_folder_t **folders;
    size_t n_folders, cap_folders;
    map_t stat_cache;    /* path -> STAT_EXISTS / STAT_MISSING */
    map_t backlinks;     /* resolved link path -> backrefs_t*: who links there */
    ws_change_fn on_change;
    ws_remove_fn on_remove;
    void *cb_ud;
    ws_file_fn on_file;
    void *file_ud;
    /* scan */
    bool scanned;
    bool scanning;
    bool roots_stale;    /* planning roots changed while the scan walked */
    size_t jobs_pending;
    size_t folders_total, folders_done, docs_scanned;
    uint64_t scan_start;
    ws_progress_fn scan_progress;
    ws_scan_done_fn scan_done;
    void *scan_ud;
    /* watchers */
    ws_watch_t **watches;
    size_t n_watches, cap_watches;
    bool watching;
    uint64_t next_uid;
};

/* ---- paths and URIs ---------------------------------------------------- */

char *ws_path_normalize(const char *path)
{
    size_t n = strlen(path);
    char *out = xmalloc(n + 2);
    size_t o = 0;
    const char *p = path;
    bool abs = *p == '/';
    if (abs)
        out[o++] = '/';
    while (*p) {
        while (*p == '/')
            p++;
        const char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t sl = (size_t)(p - seg);
        if (sl == 0 || (sl == 1 && seg[0] == '.'))
            continue;
        if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
            /* Drop the last segment (never above the root). */
            size_t keep = abs ? 1 : 0;
            if (o > keep) {
                while (o > keep && out[o - 1] != '/')
                    o--;
                if (o > keep)
                    o--;
            }
            continue;
        }
        if (o > 0 && out[o - 1] != '/')
            out[o++] = '/';
        memcpy(out + o, seg, sl);
        o += sl;
    }
    if (o == 0)
        out[o++] = abs ? '/' : '.';
    out[o] = '\0';
    return out;
}

char *ws_path_resolve(const char *from_path, const char *target)
{
    if (target[0] == '/')
        return ws_path_normalize(target);
    const char *slash = strrchr(from_path, '/');
    size_t dl = slash ? (size_t)(slash - from_path) : 0, tl = strlen(target);
    /* Joined by hand: every distinct link target of every document comes
     * here during the scan, and vsnprintf was a quarter of the cost. */
    char *joined = xmalloc(dl + 1 + tl + 1);
    memcpy(joined, from_path, dl);
    joined[dl] = '/';
    memcpy(joined + dl + 1, target, tl + 1);
    char *out = ws_path_normalize(joined);
    free(joined);
    return out;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

char *ws_uri_to_path(const char *uri)
{
    if (!util_ieqn(uri, "file://", 7))
        return NULL;
    const char *p = uri + 7;
    /* "file://localhost/x" and "file:///x" */
    if (util_ieqn(p, "localhost/", 10))
        p += 9;
    if (*p != '/')
        return NULL;
    buf_t b = BUF_INIT;
    for (; *p && *p != '?' && *p != '#'; p++) {
        if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            char c = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            if (c == '\0') {
                buf_free(&b);
                return NULL; /* a NUL can never be part of a path */
            }
            buf_append_char(&b, c);
            p += 2;
        } else {
            buf_append_char(&b, *p);
        }
    }
    char *raw = buf_detach(&b, NULL);
    char *out = ws_path_normalize(raw);
    free(raw);
    return out;
}

char *ws_path_to_uri(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    buf_t b = BUF_INIT;
    buf_append_str(&b, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (isalnum(*p) || strchr("/-._~!$&'()*+,;=:@", *p)) {
            buf_append_char(&b, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            buf_append(&b, e, 3);
        }
    }
    size_t len;
    char *uri = buf_detach(&b, &len);
    return xrealloc(uri, len + 1); /* kept as long as the document: exact size */
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static bool is_md_name(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && util_ieq(name + n - 3, ".md");
}

/* ---- folders ------------------------------------------------------------ */

/* A directory is a planning folder when its parent ends with a configured
 * planning root, or when it holds START-HERE.md. */
static bool dir_under_root(const config_t *cfg, const char *dir)
{
    char *parent = dir_of(dir);
    bool yes = false;
    for (size_t i = 0; i < cfg->n_planning_roots && !yes; i++) {
        const char *r = cfg->planning_roots[i];
        while (r[0] == '.' && r[1] == '/')
            r += 2;
        size_t pl = strlen(parent), rl = strlen(r);
        if (rl == 0)
            continue;
        if (r[0] == '/') {
            yes = strcmp(parent, r) == 0;
        } else if (pl >= rl && strcmp(parent + pl - rl, r) == 0 &&
                   (pl == rl || parent[pl - rl - 1] == '/')) {
            yes = true;
        }
    }
    free(parent);
    return yes;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static bool is_planning_dir(const config_t *cfg, const char *dir)
{
    if (dir_under_root(cfg, dir))
        return true;
    char *sh = xasprintf("%s/START-HERE.md", dir);
    bool yes = file_exists(sh);
    free(sh);
    return yes;
}

static int doc_cmp(const void *a, const void *b)
{
    const ws_doc_t *x = *(ws_doc_t *const *)a, *y = *(ws_doc_t *const *)b;
    return strcmp(x->name, y->name);
}

static void folder_mark(ws_folder_t *f)
{
    f->index_stale = true;
    f->gen++;
}

static void folder_refresh_members(ws_folder_t *f)
{
    if (f->n_docs > 1)
        qsort(f->docs, f->n_docs, sizeof(*f->docs), doc_cmp);
    f->start = f->readme = NULL;
    for (size_t i = 0; i < f->n_docs; i++) {
        if (f->docs[i]->kind == MD_KIND_START)
            f->start = f->docs[i];
        else if (f->docs[i]->kind == MD_KIND_README)
            f->readme = f->docs[i];
    }
    folder_mark(f);
}

static ws_folder_t *folder_get_or_add(ws_t *ws, const char *dir)
{
    ws_folder_t *f = map_get(&ws->folder_map, dir);
    if (f)
        return f;
    f = xcalloc(1, sizeof(*f));
    f->path = xstrdup(dir);
    f->name = xstrdup(base_of(f->path));
    f->under_root = dir_under_root(&ws->cfg, dir);
    f->index_stale = true;
    f->uid = ++ws->next_uid;
    map_put(&ws->folder_map, dir, f);
    UTIL_PUSH(ws->folders, ws->n_folders, ws->cap_folders, f);
    return f;
}

static void folder_free(ws_folder_t *f)
{
    free(f->path);
    free(f->name);
    free(f->docs);
    free(f->plans);
    free(f->edges);
    free(f->refs);
    free(f->ref_phase);
    free(f);
}

static void folder_remove_doc(ws_folder_t *f, ws_doc_t *d)
{
    for (size_t i = 0; i < f->n_docs; i++) {
        if (f->docs[i] == d) {
            memmove(&f->docs[i], &f->docs[i + 1], (f->n_docs - i - 1) * sizeof(*f->docs));
            f->n_docs--;
            break;
        }
    }
    folder_refresh_members(f);
}

/* Add d to f; the member order is restored by folder_refresh_members(),
 * which callers adding many documents run once at the end. */
static void folder_push_doc(ws_folder_t *f, ws_doc_t *d)
{
    d->folder = f;
    UTIL_PUSH(f->docs, f->n_docs, f->cap_docs, d);
}

static void folder_add_doc(ws_folder_t *f, ws_doc_t *d)
{
    folder_push_doc(f, d);
    folder_refresh_members(f);
}

/* ---- documents ---------------------------------------------------------- */

/* link_paths is one block (doc_resolve_links): the array and its strings. */
/* The documents linking to one path. */
typedef struct backrefs {
    ws_doc_t **docs;
    size_t n, cap;
} backrefs_t;

/* Each distinct path of d's link_paths block, once. */
#define FOR_LINK_PATH(d, p)                                                       \
    for (const char *p = (const char *)((d)->link_paths + (d)->n_link_paths),    \
                    *p##_end = (const char *)(d)->link_paths + (d)->link_paths_size; \
         p < p##_end; p += strlen(p) + 1)

static void backlinks_add(ws_t *ws, ws_doc_t *d)
{
    FOR_LINK_PATH(d, p) {
        backrefs_t *b = map_get(&ws->backlinks, p);
        if (!b) {
            b = xcalloc(1, sizeof(*b));
            map_put(&ws->backlinks, p, b);
        }
        UTIL_PUSH(b->docs, b->n, b->cap, d);
    }
}

/* Searched from the end: a document re-resolved after an edit was most
 * often the last to link there. */
static void backlinks_del(ws_t *ws, ws_doc_t *d)
{
    FOR_LINK_PATH(d, p) {
        backrefs_t *b = map_get(&ws->backlinks, p);
        for (size_t i = b ? b->n : 0; i-- > 0;)
            if (b->docs[i] == d) {
                b->docs[i] = b->docs[--b->n];
                break;
            }
        if (b && b->n == 0) {
            map_del(&ws->backlinks, p);
            free(b->docs);
            free(b);
        }
    }
}

/* Drop d's resolved links (and their entries in the backlink index; ws is
 * NULL when the whole workspace goes). */
static void doc_free_links(ws_t *ws, ws_doc_t *d)
{
    if (ws && d->link_paths)
        backlinks_del(ws, d);
    free(d->link_paths);
    d->link_paths = NULL;
    d->n_link_paths = d->link_paths_size = 0;
}

ws_doc_t *const *ws_backlinks(const ws_t *ws, const char *path, size_t *n)
{
    backrefs_t *b = path ? map_get(&ws->backlinks, path) : NULL;
    *n = b ? b->n : 0;
    return b ? b->docs : NULL;
}

static void doc_free(ws_t *ws, ws_doc_t *d)
{
    doc_free_links(ws, d);
    if (d->md)
        md_doc_free(d->md);
    if (d->text)
        text_doc_free(d->text);
    free(d->path);
    free(d->uri);
    free(d->skip_reason);
    free(d);
}

#define STAT_CACHE_MAX 16384

static int stat_cached(ws_t *ws, const char *path)
{
    void *v = map_get(&ws->stat_cache, path);
    if (v)
        return (int)(intptr_t)v;
    int r = file_exists(path) ? STAT_EXISTS : STAT_MISSING;
    /* Typing a link target asks for a new path per keystroke: the cache is
     * emptied when it grows past what any workspace's links need. */
    if (ws->stat_cache.count >= STAT_CACHE_MAX)
        map_clear(&ws->stat_cache);
    map_put(&ws->stat_cache, path, (void *)(intptr_t)r);
    return r;
}

bool ws_path_exists(ws_t *ws, const char *path)
{
    if (!path)
        return false;
    ws_doc_t *d = map_get(&ws->docs, path);
    if (d)
        return d->on_disk || d->is_open;
    return stat_cached(ws, path) == STAT_EXISTS;
}

/* The absolute path a relative link target (non-empty l_path) of d resolves
 * to: beside the document, else in the first configured externalDocs folder
 * that has it (DESIGN §6), else the path beside the document. Caller
 * frees. */
static char *resolve_target(ws_t *ws, const ws_doc_t *d, const char *l_path)
{
    char *p;
    if (l_path[0] == '/') {
        char *joined = xasprintf("%s%s", ws->root, l_path);
        p = ws_path_normalize(joined);
        free(joined);
    } else {
        p = ws_path_resolve(d->path, l_path);
    }
    if (ws_path_exists(ws, p))
        return p;
    for (size_t e = 0; e < ws->cfg.n_external_docs; e++) {
        const char *ed = ws->cfg.external_docs[e];
        char *cand = ed[0] == '/' ? xasprintf("%s/%s", ed, l_path)
                                  : xasprintf("%s/%s/%s", ws->root, ed, l_path);
        char *norm = ws_path_normalize(cand);
        free(cand);
        if (ws_path_exists(ws, norm)) {
            free(p);
            return norm;
        }
        free(norm);
    }
    return p;
}

/* A distinct link target text of a document, resolved. */
typedef struct resolved {
    char *path;  /* owned until packed */
    size_t off;  /* its offset in the link_paths block */
} resolved_t;

/* Resolve every relative link of d into d->link_paths: one block holding
 * the pointer array, then each distinct resolved path once. Each distinct
 * target text is resolved once (a long plan's hundreds of links name a few
 * dozen files; resolving costs an allocation, a normalisation and a hash of
 * the whole path), and links naming the same file share one string. */
static void doc_resolve_links(ws_t *ws, ws_doc_t *d)
{
    doc_free_links(ws, d);
    if (!d->md || d->md->n_links == 0)
        return;
    size_t n = d->md->n_links;
    map_t by_text = MAP_INIT;  /* link target text -> index in res + 1 */
    map_t by_path = MAP_INIT;  /* resolved path -> its offset in the block + 1 */
    resolved_t *res = NULL;    /* one per distinct target text */
    size_t n_res = 0, cap_res = 0;
    size_t *which = xmalloc(n * sizeof(*which)); /* link -> index in res, SIZE_MAX: none */
    size_t total = n * sizeof(char *);
    for (size_t i = 0; i < n; i++) {
        const md_link_t *l = &d->md->links[i];
        which[i] = SIZE_MAX;
        if (l->is_external)
            continue;
        const char *text = l->path ? l->path : "";
        uintptr_t k = (uintptr_t)map_get(&by_text, text);
        if (k) {
            which[i] = k - 1;
            continue;
        }
        char *p = text[0] ? resolve_target(ws, d, text) : xstrdup(d->path);
        size_t off = (uintptr_t)map_get(&by_path, p);
        if (!off) {
            off = total + 1;
            map_put(&by_path, p, (void *)(uintptr_t)off);
            total += strlen(p) + 1;
        }
        resolved_t r = {p, off - 1};
        UTIL_PUSH(res, n_res, cap_res, r);
        map_put(&by_text, text, (void *)(uintptr_t)n_res);
        which[i] = n_res - 1;
    }
    char **out = xmalloc(total);
    char *base = (char *)out;
    for (size_t k = 0; k < n_res; k++) {
        memcpy(base + res[k].off, res[k].path, strlen(res[k].path) + 1); /* same bytes when shared */
        free(res[k].path);
    }
    for (size_t i = 0; i < n; i++)
        out[i] = which[i] == SIZE_MAX ? NULL : base + res[which[i]].off;
    free(which);
    free(res);
    map_free(&by_text);
    map_free(&by_path);
    d->link_paths = out;
    d->n_link_paths = n;
    d->link_paths_size = total;
    backlinks_add(ws, d);
}

static void notify_change(ws_t *ws, ws_doc_t *d)
{
    if (ws->on_change)
        ws->on_change(ws->cb_ud, d->folder, d);
}

/* Install text (owned) as d's content: parse, resolve, mark the folder. */
static void doc_set_text(ws_t *ws, ws_doc_t *d, text_doc_t *text)
{
    doc_free_links(ws, d);
    if (d->text && d->text != text)
        text_doc_free(d->text);
    d->text = text;
    md_doc_t *old = d->md;
    d->md = md_parse(text->data, text->len);
    if (old)
        md_doc_free(old);
    d->skipped = false;
    free(d->skip_reason);
    d->skip_reason = NULL;
    doc_resolve_links(ws, d);
    d->gen++;
    if (d->folder)
        folder_mark(d->folder);
}

static ws_doc_t *doc_new(ws_t *ws, const char *path)
{
    ws_doc_t *d = xcalloc(1, sizeof(*d));
    d->path = xstrdup(path);
    d->uri = ws_path_to_uri(path);
    d->name = base_of(d->path);
    d->kind = md_kind_from_name(d->name, &d->number, &d->name_malformed);
    d->version = -1;
    map_put(&ws->docs, path, d);
    map_del(&ws->stat_cache, path);
    return d;
}

static void doc_attach_folder(ws_t *ws, ws_doc_t *d)
{
    char *dir = dir_of(d->path);
    ws_folder_t *f = map_get(&ws->folder_map, dir);
    if (f)
        folder_add_doc(f, d);
    free(dir);
}

static void folder_drop(ws_t *ws, ws_folder_t *f);

/* Forget a document entirely. */
static void doc_remove(ws_t *ws, ws_doc_t *d)
{
    if (ws->on_remove)
        ws->on_remove(ws->cb_ud, d);
    ws_folder_t *f = d->folder;
    if (f) {
        folder_remove_doc(f, d);
        d->folder = NULL;
    }
    map_del(&ws->docs, d->path);
    doc_free(ws, d);
    if (f) {
        if (ws->on_change)
            ws->on_change(ws->cb_ud, f, NULL);
        /* A folder that was planning only because of START-HERE.md ends
         * with it. */
        if (!f->start && !f->under_root && !is_planning_dir(&ws->cfg, f->path))
            folder_drop(ws, f);
    }
}

/* Read a document from disk. Returns the text (caller owns) or NULL with
 * *reason (caller frees) saying why it is skipped. */
static text_doc_t *read_doc(const char *path, size_t max_len, char **reason)
{
    char *data = NULL;
    size_t len = 0;
    const char *name = base_of(path);
    if (!text_utf8_valid(name, strlen(name))) {
        *reason = xstrdup("file name is not valid UTF-8");
        return NULL;
    }
    int rc = util_read_file(path, max_len, &data, &len);
    if (rc == -EFBIG) {
        *reason = xasprintf("larger than the %zu-byte limit (maxFileSize)", max_len);
        return NULL;
    }
    if (rc < 0) {
        *reason = xasprintf("cannot read: %s", strerror(-rc));
        return NULL;
    }
    if (memchr(data, '\0', UTIL_MIN(len, (size_t)WS_BINARY_PROBE))) {
        free(data);
        *reason = xstrdup("binary file (NUL bytes)");
        return NULL;
    }
    return text_doc_adopt(data, len);
}

/* (Re)load a closed document's disk copy. Returns false when it is gone. */
static bool doc_reload(ws_t *ws, ws_doc_t *d)
{
    char *reason = NULL;
    text_doc_t *t = read_doc(d->path, ws->cfg.max_file_size, &reason);
    if (!t) {
        bool gone = !file_exists(d->path);
        if (!gone)
            log_warn(ws->log, "skipping %s: %s", d->path, reason);
        free(reason);
        return false;
    }
    d->on_disk = true;
    doc_set_text(ws, d, t);
    return true;
}

/* ---- folder discovery and loading --------------------------------------- */

/* Every *.md directly inside dir (caller frees each and the array). */
static char **list_md(const char *dir, size_t *n)
{
    char **out = NULL;
    size_t cap = 0;
    *n = 0;
    DIR *dp = opendir(dir);
    if (!dp)
        return NULL;
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (de->d_name[0] == '.' || !is_md_name(de->d_name))
            continue;
        char *p = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        /* d_type spares a stat per file; symlinks and file systems that do
         * not fill it in are checked. */
        if (de->d_type == DT_REG || (de->d_type != DT_DIR && stat(p, &st) == 0 &&
                                     S_ISREG(st.st_mode)))
            UTIL_PUSH(out, *n, cap, p);
        else
            free(p);
    }
    closedir(dp);
    return out;
}

typedef struct walk {
    const config_t *cfg;
    char **dirs;   /* planning folders found */
    size_t n_dirs, cap_dirs;
    map_t seen;    /* "dev:ino" of visited directories */
} walk_t;

static bool skip_dir_name(const char *name)
{
    if (name[0] == '.')
        return strcmp(name, ".engineering") != 0;
    return strcmp(name, "node_modules") == 0;
}

/* Depth-first walk for planning folders, with an explicit stack of paths;
 * symlink loops are cut by remembering (dev, inode) of visited dirs. */
static void walk_tree(walk_t *w, const char *root)
{
    char **stack = NULL;
    size_t n = 0, cap = 0;
    int *depth = NULL;
    size_t dcap = 0, dn = 0;
    UTIL_PUSH(stack, n, cap, xstrdup(root));
    UTIL_PUSH(depth, dn, dcap, 0);
    while (n > 0) {
        char *dir = stack[--n];
        int dep = depth[--dn];
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            free(dir);
            continue;
        }
        char key[64];
        snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino);
        if (map_has(&w->seen, key) || dep > WS_MAX_DEPTH) {
            free(dir);
            continue;
        }
        map_put(&w->seen, key, (void *)1);
        if (is_planning_dir(w->cfg, dir))
            UTIL_PUSH(w->dirs, w->n_dirs, w->cap_dirs, xstrdup(dir));
        DIR *dp = opendir(dir);
        if (dp) {
            struct dirent *de;
            while ((de = readdir(dp))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
                    skip_dir_name(de->d_name))
                    continue;
                if (de->d_type != DT_DIR && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
                    continue;
                UTIL_PUSH(stack, n, cap, xasprintf("%s/%s", dir, de->d_name));
                UTIL_PUSH(depth, dn, dcap, dep + 1);
            }
            closedir(dp);
        }
        free(dir);
    }
    free(stack);
    free(depth);
}

/* One folder's documents read and parsed off the loop thread. */
typedef struct scan_file {
    char *path;
    text_doc_t *text;
    md_doc_t *md;
    char *skip;
    bool open;          /* open in the editor: not read, the overlay wins */
} scan_file_t;

typedef struct scan_job {
    uv_work_t req;
    ws_t *ws;
    size_t max_len;
    bool walk;          /* the first job: find the folders */
    bool on_loop;       /* runs on the loop thread: may look at ws->docs */
    char *dir;          /* parse job: the folder */
    scan_file_t *files;
    size_t n_files;
    walk_t w;           /* walk job: result */
    config_t cfg;       /* walk job: its own copy (the loop may replace ws->cfg) */
} scan_job_t;

static void job_parse_folder(scan_job_t *job)
{
    size_t n = 0;
    char **paths = list_md(job->dir, &n);
    job->files = xcalloc(n ? n : 1, sizeof(*job->files));
    job->n_files = n;
    for (size_t i = 0; i < n; i++) {
        scan_file_t *sf = &job->files[i];
        sf->path = paths[i];
        ws_doc_t *d = job->on_loop ? map_get(&job->ws->docs, sf->path) : NULL;
        if (d && d->is_open) {
            sf->open = true; /* its editor text is parsed already */
            continue;
        }
        sf->text = read_doc(sf->path, job->max_len, &sf->skip);
        if (sf->text)
            sf->md = md_parse(sf->text->data, sf->text->len);
    }
    free(paths);
}

static void job_work(uv_work_t *req)
{
    scan_job_t *job = req->data;
    if (job->walk)
        walk_tree(&job->w, job->ws->root);
    else
        job_parse_folder(job);
}

static void job_free(scan_job_t *job)
{
    for (size_t i = 0; i < job->n_files; i++) {
        free(job->files[i].path);
        if (job->files[i].text)
            text_doc_free(job->files[i].text);
        if (job->files[i].md)
            md_doc_free(job->files[i].md);
        free(job->files[i].skip);
    }
    free(job->files);
    for (size_t i = 0; i < job->w.n_dirs; i++)
        free(job->w.dirs[i]);
    free(job->w.dirs);
    map_free(&job->w.seen);
    config_free(&job->cfg);
    free(job->dir);
    free(job);
}

/* Merge a parsed folder into the model (loop thread). Open documents keep
 * their editor text. */
static void merge_folder(ws_t *ws, scan_job_t *job)
{
    /* During the initial scan scan_complete() resolves every link once the
     * whole model is in. A folder already in the model (loaded on the loop
     * thread because a document of it was opened early) may be diagnosed
     * before that: it is resolved now, as is any folder loaded later. */
    bool resolve = !ws->scanning || job->on_loop || map_get(&ws->folder_map, job->dir);
    ws_folder_t *f = folder_get_or_add(ws, job->dir);
    for (size_t i = 0; i < job->n_files; i++) {
        scan_file_t *sf = &job->files[i];
        if (!sf->text && !sf->open) {
            log_warn(ws->log, "skipping %s: %s", sf->path, sf->skip);
            continue;
        }
        ws_doc_t *d = map_get(&ws->docs, sf->path);
        if (!d)
            d = doc_new(ws, sf->path);
        if (!d->folder)
            folder_push_doc(f, d); /* new, or loaded on demand before */
        if (d->is_open) {
            d->on_disk = true;
            continue;
        }
        d->on_disk = true;
        /* Adopt the parsed model as is: no second parse. */
        doc_free_links(ws, d);
        if (d->md)
            md_doc_free(d->md);
        if (d->text)
            text_doc_free(d->text);
        d->text = sf->text;
        d->md = sf->md;
        sf->text = NULL;
        sf->md = NULL;
        if (resolve)
            doc_resolve_links(ws, d);
        d->gen++;
        ws->docs_scanned++;
    }
    folder_refresh_members(f);
}

/* Every scan job is in: resolve links again (targets found later) and tell
 * the server. */
static void apply_roots(ws_t *ws);

static void scan_complete(ws_t *ws)
{
    ws->scanning = false;
    ws->scanned = true;
    if (ws->roots_stale) {
        ws->roots_stale = false;
        apply_roots(ws); /* the walk used the roots of its start */
    }
    ws_doc_t *d;
    for (size_t it = 0; ws_doc_next(ws, &it, &d);)
        doc_resolve_links(ws, d);
    double ms = (double)(uv_hrtime() - ws->scan_start) / 1e6;
    /* Count what the folders hold: a folder loaded early (a document opened
     * during the scan) is merged twice but holds its documents once. */
    ws->docs_scanned = 0;
    for (size_t i = 0; i < ws->n_folders; i++)
        ws->docs_scanned += ws->folders[i]->n_docs;
    log_info(ws->log, "indexed %zu planning folders, %zu documents in %.1f ms", ws->n_folders,
             ws->docs_scanned, ms);
    for (size_t i = 0; i < ws->n_folders; i++)
        if (ws->on_change)
            ws->on_change(ws->cb_ud, ws->folders[i], NULL);
    if (ws->scan_done)
        ws->scan_done(ws->scan_ud, ws->n_folders, ws->docs_scanned, ms);
}

static void scan_finish_one(ws_t *ws)
{
    ws->folders_done++;
    if (ws->scan_progress)
        ws->scan_progress(ws->scan_ud, ws->folders_done, ws->folders_total);
    if (ws->jobs_pending == 0 && ws->scanning)
        scan_complete(ws);
}

static void queue_job(ws_t *ws, scan_job_t *job, bool threaded);

static void job_after(uv_work_t *req, int status)
{
    scan_job_t *job = req->data;
    ws_t *ws = job->ws;
    ws->jobs_pending--;
    if (status == 0 && job->walk) {
        ws->folders_total = job->w.n_dirs;
        /* A sentinel keeps the scan open while jobs are queued: a job that
         * runs inline (queueing failed) must not complete the scan early. */
        ws->jobs_pending++;
        for (size_t i = 0; i < job->w.n_dirs; i++) {
            scan_job_t *pj = xcalloc(1, sizeof(*pj));
            pj->ws = ws;
            pj->max_len = ws->cfg.max_file_size;
            pj->dir = job->w.dirs[i];
            job->w.dirs[i] = NULL;
            queue_job(ws, pj, true);
        }
        job_free(job);
        if (--ws->jobs_pending == 0 && ws->scanning)
            scan_complete(ws);
        return;
    }
    if (status == 0)
        merge_folder(ws, job);
    job_free(job);
    if (status == 0)
        scan_finish_one(ws);
}

static void queue_job(ws_t *ws, scan_job_t *job, bool threaded)
{
    job->req.data = job;
    ws->jobs_pending++;
    if (threaded && uv_queue_work(ws->loop, &job->req, job_work, job_after) == 0)
        return;
    job_work(&job->req);
    job_after(&job->req, 0);
}

int ws_scan(ws_t *ws, int threads, ws_progress_fn progress, ws_scan_done_fn done, void *ud)
{
    if (ws->scanning)
        return -EBUSY;
    ws->scanning = true;
    ws->scanned = false;
    ws->scan_progress = progress;
    ws->scan_done = done;
    ws->scan_ud = ud;
    ws->scan_start = uv_hrtime();
    ws->folders_done = ws->folders_total = ws->docs_scanned = 0;
    scan_job_t *job = xcalloc(1, sizeof(*job));
    job->ws = ws;
    job->walk = true;
    /* The walk runs on the thread pool while the loop may take a new
     * configuration (workspace/configuration answers arrive meanwhile). */
    config_copy(&job->cfg, &ws->cfg);
    job->w.cfg = &job->cfg;
    if (threads == 1) {
        /* Deterministic: everything on the calling thread. */
        job->req.data = job;
        ws->jobs_pending++;
        job_work(&job->req);
        size_t nd = job->w.n_dirs;
        char **dirs = job->w.dirs;
        job->w.dirs = NULL;
        job->w.n_dirs = 0;
        ws->jobs_pending--;
        job_free(job);
        ws->folders_total = nd;
        ws->jobs_pending++; /* sentinel, as in job_after */
        for (size_t i = 0; i < nd; i++) {
            scan_job_t *pj = xcalloc(1, sizeof(*pj));
            pj->ws = ws;
            pj->max_len = ws->cfg.max_file_size;
            pj->dir = dirs[i];
            queue_job(ws, pj, false);
        }
        free(dirs);
        if (--ws->jobs_pending == 0 && ws->scanning)
            scan_complete(ws);
        return 0;
    }
    queue_job(ws, job, true);
    return 0;
}

bool ws_is_scanned(const ws_t *ws)
{
    return ws->scanned;
}

/* Load a planning folder found after the scan (created, or made planning by
 * a new START-HERE.md), synchronously. */
static ws_folder_t *folder_load(ws_t *ws, const char *dir)
{
    scan_job_t job;
    memset(&job, 0, sizeof(job));
    job.ws = ws;
    job.on_loop = true;
    job.max_len = ws->cfg.max_file_size;
    job.dir = xstrdup(dir);
    job_parse_folder(&job);
    merge_folder(ws, &job);
    for (size_t i = 0; i < job.n_files; i++) {
        free(job.files[i].path);
        if (job.files[i].text)
            text_doc_free(job.files[i].text);
        if (job.files[i].md)
            md_doc_free(job.files[i].md);
        free(job.files[i].skip);
    }
    free(job.files);
    free(job.dir);
    ws_folder_t *f = map_get(&ws->folder_map, dir);
    if (f && ws->on_change)
        ws->on_change(ws->cb_ud, f, NULL);
    return f;
}

static void watch_dir(ws_t *ws, const char *dir);

static void folder_drop(ws_t *ws, ws_folder_t *f)
{
    /* Closed documents leave with the folder; open ones stay, folderless. */
    while (f->n_docs > 0) {
        ws_doc_t *d = f->docs[f->n_docs - 1];
        f->n_docs--;
        d->folder = NULL;
        if (!d->is_open) {
            if (ws->on_remove)
                ws->on_remove(ws->cb_ud, d);
            map_del(&ws->docs, d->path);
            doc_free(ws, d);
        } else {
            notify_change(ws, d);
        }
    }
    map_del(&ws->folder_map, f->path);
    for (size_t i = 0; i < ws->n_folders; i++)
        if (ws->folders[i] == f) {
            memmove(&ws->folders[i], &ws->folders[i + 1],
                    (ws->n_folders - i - 1) * sizeof(*ws->folders));
            ws->n_folders--;
            break;
        }
    if (ws->on_change)
        ws->on_change(ws->cb_ud, NULL, NULL);
    folder_free(f);
}

/* ---- lifecycle ---------------------------------------------------------- */

ws_t *ws_new(uv_loop_t *loop, const char *root, const config_t *cfg, log_t *log)
{
    ws_t *ws = xcalloc(1, sizeof(*ws));
    ws->loop = loop;
    ws->root = ws_path_normalize(root);
    config_copy(&ws->cfg, cfg);
    ws->log = log;
    return ws;
}

static void watch_close_cb(uv_handle_t *h)
{
    ws_watch_t *w = h->data;
    free(w->dir);
    free(w);
}

void ws_free(ws_t *ws)
{
    if (!ws)
        return;
    /* Let queued scan jobs finish (or cancel) so no thread touches freed
     * memory and no job leaks. */
    while (ws->jobs_pending > 0)
        uv_run(ws->loop, UV_RUN_ONCE);
    for (size_t i = 0; i < ws->n_watches; i++) {
        uv_fs_event_stop(&ws->watches[i]->handle);
        uv_close((uv_handle_t *)&ws->watches[i]->handle, watch_close_cb);
    }
    free(ws->watches);
    ws_doc_t *d;
    for (size_t it = 0; ws_doc_next(ws, &it, &d);)
        doc_free(NULL, d); /* the backlink index goes whole, below */
    map_free(&ws->docs);
    void *v;
    for (size_t it = 0; map_next(&ws->backlinks, &it, NULL, &v);) {
        backrefs_t *b = v;
        free(b->docs);
        free(b);
    }
    map_free(&ws->backlinks);
    for (size_t i = 0; i < ws->n_folders; i++)
        folder_free(ws->folders[i]);
    free(ws->folders);
    map_free(&ws->folder_map);
    map_free(&ws->stat_cache);
    config_free(&ws->cfg);
    free(ws->root);
    free(ws);
}

void ws_set_callbacks(ws_t *ws, ws_change_fn on_change, ws_remove_fn on_remove, void *ud)
{
    ws->on_change = on_change;
    ws->on_remove = on_remove;
    ws->cb_ud = ud;
}

void ws_set_file_hook(ws_t *ws, ws_file_fn fn, void *ud)
{
    ws->on_file = fn;
    ws->file_ud = ud;
}

const char *ws_root(const ws_t *ws)
{
    return ws->root;
}

const config_t *ws_config(const ws_t *ws)
{
    return &ws->cfg;
}

/* The planning roots changed: load the folders they add, drop those only
 * they made planning folders. */
static void apply_roots(ws_t *ws)
{
    walk_t w = {.cfg = &ws->cfg};
    walk_tree(&w, ws->root);
    for (size_t i = 0; i < w.n_dirs; i++) {
        if (!map_get(&ws->folder_map, w.dirs[i]))
            folder_load(ws, w.dirs[i]);
        free(w.dirs[i]);
    }
    free(w.dirs);
    map_free(&w.seen);
    for (size_t i = ws->n_folders; i-- > 0;) {
        ws_folder_t *f = ws->folders[i];
        f->under_root = dir_under_root(&ws->cfg, f->path);
        if (!f->under_root && !f->start)
            folder_drop(ws, f);
    }
}

void ws_set_config(ws_t *ws, const config_t *cfg)
{
    bool roots_changed = cfg->n_planning_roots != ws->cfg.n_planning_roots;
    for (size_t i = 0; !roots_changed && i < cfg->n_planning_roots; i++)
        roots_changed = strcmp(cfg->planning_roots[i], ws->cfg.planning_roots[i]) != 0;
    config_free(&ws->cfg);
    config_copy(&ws->cfg, cfg);
    map_clear(&ws->stat_cache);
    /* externalDocs may have changed: resolve every link again. */
    ws_doc_t *d;
    for (size_t it = 0; ws_doc_next(ws, &it, &d);)
        doc_resolve_links(ws, d);
    if (roots_changed && ws->scanned)
        apply_roots(ws);
    else if (roots_changed && ws->scanning)
        ws->roots_stale = true;
    for (size_t i = 0; i < ws->n_folders; i++) {
        folder_mark(ws->folders[i]);
        if (ws->on_change)
            ws->on_change(ws->cb_ud, ws->folders[i], NULL);
    }
}

/* ---- editor overlay ----------------------------------------------------- */

ws_doc_t *ws_open(ws_t *ws, const char *path, const char *text, size_t len, int version)
{
    ws_doc_t *d = map_get(&ws->docs, path);
    bool is_new = !d;
    if (is_new) {
        d = doc_new(ws, path);
        d->on_disk = file_exists(path);
        doc_attach_folder(ws, d);
    }
    d->is_open = true;
    d->version = version;
    doc_set_text(ws, d, text_doc_new(text, len));
    if (!d->folder) {
        /* A document in a planning folder the scan has not seen (new, or
         * made planning by this very START-HERE.md): load its folder; the
         * open document keeps its editor text. */
        char *dir = dir_of(path);
        if (d->kind == MD_KIND_START || is_planning_dir(&ws->cfg, dir)) {
            folder_add_doc(folder_get_or_add(ws, dir), d);
            folder_load(ws, dir);
            if (ws->watching)
                watch_dir(ws, dir);
        }
        free(dir);
    }
    notify_change(ws, d);
    return d;
}

void ws_doc_changed(ws_t *ws, ws_doc_t *d, int version)
{
    d->version = version;
    text_doc_t *t = d->text;
    d->text = NULL; /* doc_set_text must not free the edited text */
    doc_set_text(ws, d, t);
    d->stale = false;
    notify_change(ws, d);
}

void ws_close(ws_t *ws, ws_doc_t *d)
{
    d->is_open = false;
    d->version = -1;
    if (!d->folder || !doc_reload(ws, d)) {
        doc_remove(ws, d);
        return;
    }
    notify_change(ws, d);
}

/* ---- disk events -------------------------------------------------------- */

static void invalidate_stats(ws_t *ws, const char *path)
{
    map_del(&ws->stat_cache, path);
    /* Links anywhere may now resolve differently. */
    ws_doc_t *d;
    for (size_t it = 0; ws_doc_next(ws, &it, &d);)
        doc_resolve_links(ws, d);
    for (size_t i = 0; i < ws->n_folders; i++) {
        folder_mark(ws->folders[i]);
        if (ws->on_change)
            ws->on_change(ws->cb_ud, ws->folders[i], NULL);
    }
}

/* True when path is inside the workspace root or a configured externalDocs
 * folder: the only places whose files the workspace reads (DESIGN: the
 * server reads nothing else; link targets elsewhere are only stat()ed). */
static bool path_allowed(const ws_t *ws, const char *path)
{
    size_t rl = strlen(ws->root);
    if (strncmp(path, ws->root, rl) == 0 && (path[rl] == '/' || path[rl] == '\0' || rl == 1))
        return true;
    for (size_t i = 0; i < ws->cfg.n_external_docs; i++) {
        const char *ed = ws->cfg.external_docs[i];
        char *abs = ed[0] == '/' ? ws_path_normalize(ed) : NULL;
        if (!abs) {
            char *j = xasprintf("%s/%s", ws->root, ed);
            abs = ws_path_normalize(j);
            free(j);
        }
        size_t el = strlen(abs);
        bool in = strncmp(path, abs, el) == 0 && (path[el] == '/' || path[el] == '\0');
        free(abs);
        if (in)
            return true;
    }
    return false;
}

void ws_file_event(ws_t *ws, const char *raw_path, int type)
{
    char *path = ws_path_normalize(raw_path);
    if (!path_allowed(ws, path)) {
        log_debug(ws->log, "file event outside the workspace ignored: %s", path);
        free(path);
        return;
    }
    if (ws->on_file)
        ws->on_file(ws->file_ud, path, type);
    struct stat st;
    bool exists = stat(path, &st) == 0;
    bool is_dir = exists && S_ISDIR(st.st_mode);
    ws_doc_t *d = map_get(&ws->docs, path);
    ws_folder_t *f = map_get(&ws->folder_map, path);
    bool existed = ws_path_exists(ws, path) || d || f;

    if (!exists) {
        /* Deleted (or renamed away): a folder, a document, or anything. */
        if (f)
            folder_drop(ws, f);
        /* Documents inside a deleted directory. */
        size_t pl = strlen(path);
        for (size_t i = ws->n_folders; i-- > 0;) {
            ws_folder_t *g = ws->folders[i];
            if (strncmp(g->path, path, pl) == 0 && g->path[pl] == '/')
                folder_drop(ws, g);
        }
        if (d) {
            d->on_disk = false;
            if (!d->is_open)
                doc_remove(ws, d);
        }
    } else if (is_dir) {
        /* A document replaced by a directory is gone as a document. */
        if (d) {
            d->on_disk = false;
            if (!d->is_open)
                doc_remove(ws, d);
        }
        if (!f && is_planning_dir(&ws->cfg, path)) {
            folder_load(ws, path);
            if (ws->watching)
                watch_dir(ws, path);
        }
        /* A new directory may hold planning folders (e.g. a copied tree). */
        walk_t w = {.cfg = &ws->cfg};
        walk_tree(&w, path);
        for (size_t i = 0; i < w.n_dirs; i++) {
            if (!map_get(&ws->folder_map, w.dirs[i])) {
                folder_load(ws, w.dirs[i]);
                if (ws->watching)
                    watch_dir(ws, w.dirs[i]);
            }
            free(w.dirs[i]);
        }
        free(w.dirs);
        map_free(&w.seen);
    } else if (is_md_name(base_of(path))) {
        char *dir = dir_of(path);
        ws_folder_t *df = map_get(&ws->folder_map, dir);
        if (d) {
            d->on_disk = true;
            if (!d->is_open && !doc_reload(ws, d))
                doc_remove(ws, d);
            else if (!d->is_open)
                notify_change(ws, d);
        } else if (df) {
            d = doc_new(ws, path);
            folder_add_doc(df, d);
            if (!doc_reload(ws, d))
                doc_remove(ws, d);
            else
                notify_change(ws, d);
        } else if (strcmp(base_of(path), "START-HERE.md") == 0) {
            folder_load(ws, dir);
            if (ws->watching)
                watch_dir(ws, dir);
        }
        free(dir);
    }
    if (exists != existed || type != 2)
        invalidate_stats(ws, path);
    free(path);
}

static void watch_cb(uv_fs_event_t *h, const char *filename, int events, int status)
{
    ws_watch_t *w = h->data;
    if (status < 0) {
        log_warn(w->ws->log, "watching %s failed: %s", w->dir, uv_strerror(status));
        return;
    }
    if (!filename)
        return;
    char *path = xasprintf("%s/%s", w->dir, filename);
    struct stat st;
    int type = stat(path, &st) == 0 ? ((events & UV_RENAME) ? 1 : 2) : 3;
    ws_file_event(w->ws, path, type);
    free(path);
}

static void watch_dir(ws_t *ws, const char *dir)
{
    for (size_t i = 0; i < ws->n_watches; i++)
        if (strcmp(ws->watches[i]->dir, dir) == 0)
            return;
    ws_watch_t *w = xcalloc(1, sizeof(*w));
    w->dir = xstrdup(dir);
    w->ws = ws;
    w->handle.data = w;
    if (uv_fs_event_init(ws->loop, &w->handle) != 0) {
        free(w->dir);
        free(w);
        return;
    }
    int rc = uv_fs_event_start(&w->handle, watch_cb, dir, 0);
    if (rc != 0) {
        log_warn(ws->log, "cannot watch %s: %s", dir, uv_strerror(rc));
        uv_close((uv_handle_t *)&w->handle, watch_close_cb);
        return;
    }
    UTIL_PUSH(ws->watches, ws->n_watches, ws->cap_watches, w);
}

int ws_watch(ws_t *ws)
{
    ws->watching = true;
    watch_dir(ws, ws->root);
    for (size_t i = 0; i < ws->cfg.n_planning_roots; i++) {
        const char *r = ws->cfg.planning_roots[i];
        char *p = r[0] == '/' ? xstrdup(r) : xasprintf("%s/%s", ws->root, r);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            watch_dir(ws, p);
        free(p);
    }
    for (size_t i = 0; i < ws->n_folders; i++) {
        char *parent = dir_of(ws->folders[i]->path);
        watch_dir(ws, parent);
        free(parent);
        watch_dir(ws, ws->folders[i]->path);
    }
    return 0;
}

/* ---- lookups ------------------------------------------------------------ */

ws_folder_t *ws_folder_load(ws_t *ws, const char *dir)
{
    ws_folder_t *f = map_get(&ws->folder_map, dir);
    if (f || !is_planning_dir(&ws->cfg, dir))
        return f;
    return folder_load(ws, dir);
}

ws_doc_t *ws_doc_by_path(const ws_t *ws, const char *path)
{
    return path ? map_get(&ws->docs, path) : NULL;
}

ws_doc_t *ws_doc_by_uri(const ws_t *ws, const char *uri)
{
    char *p = ws_uri_to_path(uri);
    if (!p)
        return NULL;
    ws_doc_t *d = map_get(&ws->docs, p);
    free(p);
    return d;
}

ws_doc_t *ws_doc_load(ws_t *ws, const char *path)
{
    if (!path)
        return NULL;
    ws_doc_t *d = map_get(&ws->docs, path);
    if (d || !is_md_name(base_of(path)) || !path_allowed(ws, path))
        return d;
    char *reason = NULL;
    text_doc_t *t = read_doc(path, ws->cfg.max_file_size, &reason);
    if (!t) {
        free(reason);
        return NULL;
    }
    d = doc_new(ws, path);
    d->on_disk = true;
    doc_attach_folder(ws, d);
    doc_set_text(ws, d, t);
    return d;
}

size_t ws_n_folders(const ws_t *ws)
{
    return ws->n_folders;
}

ws_folder_t *ws_folder_at(const ws_t *ws, size_t i)
{
    return i < ws->n_folders ? ws->folders[i] : NULL;
}

ws_folder_t *ws_folder_by_path(const ws_t *ws, const char *path)
{
    return map_get(&ws->folder_map, path);
}

size_t ws_n_docs(const ws_t *ws)
{
    return ws->docs.count;
}

bool ws_doc_next(const ws_t *ws, size_t *iter, ws_doc_t **doc)
{
    void *v;
    if (!map_next(&ws->docs, iter, NULL, &v))
        return false;
    *doc = v;
    return true;
}

/* ---- folder indexes ----------------------------------------------------- */

static int plan_cmp(const void *a, const void *b)
{
    const ws_doc_t *x = *(ws_doc_t *const *)a, *y = *(ws_doc_t *const *)b;
    if (x->number != y->number)
        return x->number < y->number ? -1 : 1;
    return strcmp(x->name, y->name);
}

typedef struct ref_sort {
    ws_ref_t ref;
    int phase;
    size_t seq;
} ref_sort_t;

static int ref_cmp(const void *a, const void *b)
{
    const ref_sort_t *x = a, *y = b;
    if (x->phase != y->phase)
        return x->phase < y->phase ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort rs[0..n) (seq ascending) by (phase, seq) into the folder's refs and
 * ref_phase: a stable counting sort when the phases span a range not much
 * larger than n (always, in practice), else qsort. */
static void refs_install(ws_folder_t *f, ref_sort_t *rs, size_t n)
{
    f->refs = xcalloc(n ? n : 1, sizeof(*f->refs));
    f->ref_phase = xcalloc(n ? n : 1, sizeof(int));
    f->n_refs = n;
    if (n == 0)
        return;
    int lo = rs[0].phase, hi = rs[0].phase;
    for (size_t i = 1; i < n; i++) {
        lo = UTIL_MIN(lo, rs[i].phase);
        hi = UTIL_MAX(hi, rs[i].phase);
    }
    size_t range = (size_t)((int64_t)hi - lo) + 1;
    if (range > 4 * n + 1024) {
        qsort(rs, n, sizeof(*rs), ref_cmp);
        for (size_t i = 0; i < n; i++) {
            f->refs[i] = rs[i].ref;
            f->ref_phase[i] = rs[i].phase;
        }
        return;
    }
    size_t *start = xcalloc(range + 1, sizeof(*start));
    for (size_t i = 0; i < n; i++)
        start[(size_t)((int64_t)rs[i].phase - lo) + 1]++;
    for (size_t k = 1; k <= range; k++)
        start[k] += start[k - 1];
    for (size_t i = 0; i < n; i++) {
        size_t at = start[(size_t)((int64_t)rs[i].phase - lo)]++;
        f->refs[at] = rs[i].ref;
        f->ref_phase[at] = rs[i].phase;
    }
    free(start);
}

/* The plan at path p (a link_paths entry), looked up in by_path once per
 * distinct string: the links of a document naming one file share one
 * string (doc_resolve_links), so a folder's hundreds of links cost a few
 * hashes of whole paths. */
static ws_doc_t *plan_memo_get(ptrmap_t *m, const map_t *by_path, const char *p)
{
    bool added;
    void **v = ptrmap_at(m, p, &added);
    if (added)
        *v = map_get(by_path, p);
    return *v;
}

void ws_folder_index(ws_folder_t *f)
{
    if (!f->index_stale)
        return;
    free(f->plans);
    free(f->edges);
    free(f->refs);
    free(f->ref_phase);
    f->plans = NULL;
    f->edges = NULL;
    f->refs = NULL;
    f->ref_phase = NULL;
    f->n_plans = f->n_edges = f->n_refs = 0;

    size_t cap = 0;
    for (size_t i = 0; i < f->n_docs; i++)
        if (f->docs[i]->kind == MD_KIND_PLAN && f->docs[i]->md)
            UTIL_PUSH(f->plans, f->n_plans, cap, f->docs[i]);
    if (f->n_plans > 1)
        qsort(f->plans, f->n_plans, sizeof(*f->plans), plan_cmp);

    /* Plans by path: links resolve to phases in O(1), also in folders with
     * thousands of plans. */
    map_t by_path = MAP_INIT;
    for (size_t i = 0; i < f->n_plans; i++)
        map_put(&by_path, f->plans[i]->path, f->plans[i]);
    ptrmap_t memo = {0};

    size_t ecap = 0;
    ref_sort_t *rs = NULL;
    size_t nrs = 0, rcap = 0, seq = 0;
    for (size_t i = 0; i < f->n_docs; i++) {
        ws_doc_t *d = f->docs[i];
        if (!d->md)
            continue;
        const md_doc_t *md = d->md;
        for (size_t k = 0; k < md->n_deps; k++) {
            const md_dep_t *dep = &md->deps[k];
            int from = dep->from >= 0 ? dep->from : (d->kind == MD_KIND_PLAN ? d->number : -1);
            if (from < 0)
                continue;
            ws_edge_t e = {from, dep->to, d, (int)k};
            UTIL_PUSH(f->edges, f->n_edges, ecap, e);
        }
        for (size_t k = 0; k < md->n_links; k++) {
            const char *p = d->link_paths ? d->link_paths[k] : NULL;
            ws_doc_t *plan = p ? plan_memo_get(&memo, &by_path, p) : NULL;
            if (!plan || plan == d)
                continue;
            ref_sort_t r = {{d, (int)k, -1}, plan->number, seq++};
            UTIL_PUSH(rs, nrs, rcap, r);
        }
        for (size_t k = 0; k < md->n_refs; k++) {
            const md_phase_ref_t *pr = &md->refs[k];
            /* "[Phase 3: X](03-x-plan.md)": the link already counts. */
            if (pr->link >= 0 && d->link_paths && d->link_paths[pr->link]) {
                ws_doc_t *plan = plan_memo_get(&memo, &by_path, d->link_paths[pr->link]);
                if (plan && plan->number == pr->phase)
                    continue;
            }
            ref_sort_t r = {{d, -1, (int)k}, pr->phase, seq++};
            UTIL_PUSH(rs, nrs, rcap, r);
        }
    }
    map_free(&by_path);
    ptrmap_free(&memo);
    refs_install(f, rs, nrs);
    free(rs);
    f->index_stale = false;
}

ws_doc_t **ws_folder_plans(ws_folder_t *f, int n, size_t *count)
{
    ws_folder_index(f);
    size_t lo = 0, hi = f->n_plans;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (f->plans[mid]->number < n)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < f->n_plans && f->plans[end]->number == n)
        end++;
    *count = end - lo;
    return end > lo ? &f->plans[lo] : NULL;
}

ws_doc_t *ws_folder_plan(ws_folder_t *f, int n)
{
    size_t c;
    ws_doc_t **p = ws_folder_plans(f, n, &c);
    return p ? p[0] : NULL;
}

const ws_ref_t *ws_folder_refs(ws_folder_t *f, int n, size_t *count)
{
    ws_folder_index(f);
    size_t lo = 0, hi = f->n_refs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (f->ref_phase[mid] < n)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < f->n_refs && f->ref_phase[end] == n)
        end++;
    *count = end - lo;
    return end > lo ? &f->refs[lo] : NULL;
}

int ws_link_phase(const ws_t *ws, const ws_doc_t *doc, int link)
{
    if (!doc->md || link < 0 || (size_t)link >= doc->md->n_links || !doc->link_paths)
        return -1;
    ws_doc_t *t = ws_doc_by_path(ws, doc->link_paths[link]);
    if (!t || t->kind != MD_KIND_PLAN)
        return -1;
    return t->number;
}
