/* rename: prepareRename / rename on a link target or a plan's H1, and
 * willRenameFiles. Finds what is renamed and the new path, then leaves the
 * link rewriting and the WorkspaceEdit to actions (actions_edit_links).
 * It never renames or writes a file itself: the client applies the edit. */
#include "planls/rename.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planls/actions.h"
#include "planls/util.h"

#define NO_RENAME_FILES                                                                            \
    "this client cannot rename files (its workspace.workspaceEdit.resourceOperations lacks "       \
    "\"rename\"); rename the file in the editor instead, planls then updates the links"

/* What a rename at a position renames. */
typedef struct target {
    ws_doc_t *file;  /* the document whose file is renamed */
    bool by_title;   /* the cursor is on the plan's H1 */
    md_span_t range; /* in the cursor's document: the link path or title */
    const char *placeholder;
} target_t;

static bool doc_ok(const ws_doc_t *d)
{
    return d && !d->skipped && d->md && d->text;
}

/* The renameable thing at offset: a relative link to a workspace document
 * (not START-HERE.md / README.md, which the folder needs under their
 * names), or the H1 title of a plan. */
static bool find_target(server_t *s, ws_doc_t *doc, size_t off, target_t *t)
{
    const md_doc_t *md = doc->md;
    for (size_t i = 0; doc->link_paths && i < md->n_links; i++) {
        const md_link_t *l = &md->links[i];
        if (off < l->span.start || off > l->span.end)
            continue;
        if (l->is_external || !doc->link_paths[i] || !l->path || !l->path[0])
            continue;
        ws_doc_t *file = ws_doc_by_path(s->ws, doc->link_paths[i]);
        if (!doc_ok(file) || file->kind == MD_KIND_START || file->kind == MD_KIND_README ||
            !(file->on_disk || file->is_open))
            continue;
        t->file = file;
        t->by_title = false;
        t->range = l->target_span;
        if (l->anchor && l->anchor_span.start > t->range.start &&
            l->anchor_span.start - 1 <= t->range.end)
            t->range.end = l->anchor_span.start - 1;
        t->placeholder = l->path;
        return true;
    }
    if (doc->kind == MD_KIND_PLAN && md->h1 >= 0 && (size_t)md->h1 < md->n_headings &&
        md->h1_title) {
        const md_heading_t *h = &md->headings[md->h1];
        if (off >= h->span.start && off <= h->span.end) {
            t->file = doc;
            t->by_title = true;
            t->range = md->h1_title_span;
            t->placeholder = md->h1_title;
            return true;
        }
    }
    return false;
}

json_t *rename_prepare(server_t *s, rpc_req_t *req, ws_doc_t *doc, size_t offset)
{
    target_t t;
    if (!find_target(s, doc, offset, &t))
        return json_null();
    if (!t.by_title && !s->caps.rename_files)
        return rpc_req_fail(req, RPC_REQUEST_FAILED, "%s", NO_RENAME_FILES);
    json_t *r = json_object();
    json_object_set_new(r, "range", server_range(s, doc, t.range.start, t.range.end));
    json_object_set_new(r, "placeholder", json_string(t.placeholder));
    if (!json_object_get(r, "placeholder"))
        json_object_set_new(r, "placeholder", json_string(""));
    return r;
}

/* "  Title  " -> "Title"; NULL when empty or holding a line break. Caller
 * frees. */
static char *clean_title(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || memchr(s, '\n', n) || memchr(s, '\r', n))
        return NULL;
    return xstrndup(s, n);
}

/* The new absolute path for a link-target rename: new_name is relative to
 * the linking document (or to the workspace root when it starts with '/');
 * ".md" is added when missing. NULL with *why when unusable. Caller frees. */
static char *link_new_path(server_t *s, const ws_doc_t *doc, const char *new_name, const char **why)
{
    char *name = clean_title(new_name);
    char *out = NULL;
    if (!name) {
        *why = "the new name is empty or spans lines";
        goto done;
    }
    if (strchr(name, '#')) {
        *why = "a file name cannot contain '#' (anchors are kept as they are)";
        goto done;
    }
    size_t n = strlen(name);
    if (name[n - 1] == '/') {
        *why = "the new name must name a file, not a folder";
        goto done;
    }
    char *full =
        (n > 3 && util_ieq(name + n - 3, ".md")) ? xstrdup(name) : xasprintf("%s.md", name);
    if (full[0] == '/') {
        char *rooted = xasprintf("%s%s", ws_root(s->ws), full);
        out = ws_path_normalize(rooted);
        free(rooted);
    } else {
        out = ws_path_resolve(doc->path, full);
    }
    free(full);
    const char *root = ws_root(s->ws);
    size_t rl = strlen(root);
    if (strncmp(out, root, rl) != 0 || (out[rl] != '/' && rl > 1)) {
        *why = "the new file must stay inside the workspace";
        free(out);
        out = NULL;
    }
done:
    free(name);
    return out;
}

/* The plan's own number prefix of its file name ("03" of
 * "03-observability-plan.md"). Caller frees. */
static char *number_prefix(const char *name)
{
    size_t n = 0;
    while (name[n] >= '0' && name[n] <= '9')
        n++;
    return xstrndup(name, n);
}

json_t *rename_at(server_t *s, rpc_req_t *req, ws_doc_t *doc, size_t offset, const char *new_name)
{
    target_t t;
    json_t *result = NULL;
    char *new_path = NULL, *title = NULL, *slug = NULL, *prefix = NULL, *dir = NULL;
    actions_edit_t *e = NULL;
    const char *why = NULL;
    if (!find_target(s, doc, offset, &t))
        return rpc_req_fail(req, RPC_REQUEST_FAILED,
                            "nothing to rename here: place the cursor on a link to a document "
                            "or on a plan's title");
    ws_doc_t *file = t.file;
    actions_move_t mv = {file->path, NULL, false, -1, -1, NULL, NULL};
    if (t.by_title) {
        title = clean_title(new_name);
        slug = title ? actions_kebab(title) : NULL;
        if (!slug) {
            rpc_req_fail(req, RPC_REQUEST_FAILED,
                         "the new title needs letters or digits (it names the file)");
            goto done;
        }
        prefix = number_prefix(file->name);
        const char *slash = strrchr(file->path, '/');
        dir = xstrndup(file->path, slash ? (size_t)(slash - file->path) : 0);
        new_path = xasprintf("%s/%s-%s-plan.md", dir, prefix, slug);
        mv.old_title = file->md->h1_title;
        mv.new_title = title;
    } else {
        new_path = link_new_path(s, doc, new_name, &why);
        if (!new_path) {
            rpc_req_fail(req, RPC_REQUEST_FAILED, "cannot rename to \"%s\": %s", new_name, why);
            goto done;
        }
        /* a plan moved to another number: its H1 and "Phase N" labels follow */
        const char *base = strrchr(new_path, '/') + 1;
        int num;
        bool malformed;
        if (file->kind == MD_KIND_PLAN &&
            md_kind_from_name(base, &num, &malformed) == MD_KIND_PLAN && num != file->number) {
            mv.old_number = file->number;
            mv.new_number = num;
        }
    }
    mv.to = new_path;
    bool moves = strcmp(new_path, file->path) != 0;
    if (moves && ws_path_exists(s->ws, new_path)) {
        rpc_req_fail(req, RPC_REQUEST_FAILED, "cannot rename %s: %s already exists", file->name,
                     strrchr(new_path, '/') + 1);
        goto done;
    }
    if (moves && !s->caps.rename_files) {
        rpc_req_fail(req, RPC_REQUEST_FAILED, "%s", NO_RENAME_FILES);
        goto done;
    }
    e = actions_edit_new(s);
    if (t.by_title && strcmp(title, file->md->h1_title) != 0)
        actions_edit_replace(e, file, t.range.start, t.range.end, title, strlen(title));
    if (mv.new_number >= 0 && file->md->h1_phase == file->number) {
        /* "# Phase 3: Title" -> "# Phase 4: Title" */
        const md_heading_t *h = &file->md->headings[file->md->h1];
        const char *tx = file->text->data;
        for (uint32_t i = h->span.start; i + 5 < h->span.end; i++) {
            if (memcmp(tx + i, "Phase", 5) != 0)
                continue;
            uint32_t a = i + 5;
            while (a < h->span.end && (tx[a] == ' ' || tx[a] == '\t'))
                a++;
            uint32_t b = a;
            while (b < h->span.end && tx[b] >= '0' && tx[b] <= '9')
                b++;
            if (b > a) {
                char digits[16];
                snprintf(digits, sizeof(digits), "%d", mv.new_number);
                actions_edit_replace(e, file, a, b, digits, strlen(digits));
            }
            break;
        }
    }
    actions_edit_links(s, e, &mv, 1);
    if (moves)
        actions_edit_rename(e, file->path, new_path);
    result = actions_edit_json(e);
done:
    actions_edit_free(e);
    free(new_path);
    free(title);
    free(slug);
    free(prefix);
    free(dir);
    return result;
}

/* Whether path is a folder holding workspace documents. */
static bool is_doc_folder(server_t *s, const char *path)
{
    size_t n = strlen(path);
    ws_doc_t *d;
    for (size_t it = 0; ws_doc_next(s->ws, &it, &d);)
        if (strncmp(d->path, path, n) == 0 && d->path[n] == '/')
            return true;
    return false;
}

json_t *rename_will_rename(server_t *s, json_t *files)
{
    size_t n = json_array_size(files), nm = 0;
    actions_move_t *mv = xcalloc(n ? n : 1, sizeof(*mv));
    char **paths = xcalloc(2 * (n ? n : 1), sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(files, i);
        json_t *o = json_object_get(f, "oldUri"), *w = json_object_get(f, "newUri");
        if (!json_is_string(o) || !json_is_string(w))
            continue;
        char *from = ws_uri_to_path(json_string_value(o));
        char *to = ws_uri_to_path(json_string_value(w));
        if (!from || !to || strcmp(from, to) == 0) {
            free(from);
            free(to);
            continue;
        }
        paths[2 * nm] = from;
        paths[2 * nm + 1] = to;
        actions_move_t m = {from, to, false, -1, -1, NULL, NULL};
        ws_doc_t *d = ws_doc_by_path(s->ws, from);
        if (!d) {
            m.is_dir = is_doc_folder(s, from);
        } else if (d->kind == MD_KIND_PLAN) {
            int num;
            bool malformed;
            const char *base = strrchr(to, '/') + 1;
            if (md_kind_from_name(base, &num, &malformed) == MD_KIND_PLAN && num != d->number) {
                m.old_number = d->number;
                m.new_number = num;
            }
        }
        mv[nm++] = m;
    }
    json_t *result = json_null();
    if (nm > 0) {
        actions_edit_t *e = actions_edit_new(s);
        actions_edit_links(s, e, mv, nm);
        if (!actions_edit_is_empty(e)) {
            json_decref(result);
            result = actions_edit_json(e);
        }
        actions_edit_free(e);
    }
    for (size_t i = 0; i < 2 * nm; i++)
        free(paths[i]);
    free(paths);
    free(mv);
    return result;
}

/* ---- handlers ---------------------------------------------------------- */

json_t *rename_prepare_request(void *ctx, rpc_req_t *req, json_t *params)
{
    server_t *s = ctx;
    ws_doc_t *d = server_doc_param(s, req, params);
    size_t off;
    if (!d || !server_offset_param(s, req, params, d, &off))
        return NULL;
    return rename_prepare(s, req, d, off);
}

json_t *rename_request(void *ctx, rpc_req_t *req, json_t *params)
{
    server_t *s = ctx;
    const char *name = rpc_param_str(req, params, "newName");
    if (!name)
        return NULL;
    json_t *nn = json_object_get(params, "newName");
    if (strlen(name) != json_string_length(nn))
        return rpc_req_fail(req, RPC_INVALID_PARAMS,
                            "invalid params: 'newName' must not contain NUL characters");
    ws_doc_t *d = server_doc_param(s, req, params);
    size_t off;
    if (!d || !server_offset_param(s, req, params, d, &off))
        return NULL;
    return rename_at(s, req, d, off, name);
}

json_t *rename_will_rename_request(void *ctx, rpc_req_t *req, json_t *params)
{
    server_t *s = ctx;
    json_t *files = rpc_param(req, params, "files", JSON_ARRAY);
    if (!files)
        return NULL;
    if (!s->ws)
        return json_null();
    server_sync(s);
    return rename_will_rename(s, files);
}

void rename_capabilities(const server_t *s, json_t *caps)
{
    if (s->caps.prepare_rename)
        json_object_set_new(caps, "renameProvider", json_pack("{s:b}", "prepareProvider", 1));
    else
        json_object_set_new(caps, "renameProvider", json_true());
    json_t *ws = json_object_get(caps, "workspace");
    if (!json_is_object(ws)) {
        ws = json_object();
        json_object_set_new(caps, "workspace", ws);
    }
    json_t *ops = json_object_get(ws, "fileOperations");
    if (!json_is_object(ops)) {
        ops = json_object();
        json_object_set_new(ws, "fileOperations", ops);
    }
    json_object_set_new(ops, "willRename",
                        json_pack("{s:[{s:s,s:{s:s,s:s}}]}", "filters", "scheme", "file", "pattern",
                                  "glob", "**/*.md", "matches", "file"));
}
