/* workspace: the live model of every planning folder under the workspace
 * roots: documents (disk copy overlaid by open editors), planning folders,
 * link resolution, indexes (documents by path, plans by phase, reverse
 * references, the phase dependency graph), the initial scan on the libuv
 * thread pool and file watching with libuv fs events.
 *
 * The workspace never writes a file. It reads only files under its roots,
 * the configured externalDocs, and (stat only) the targets of links. */
#ifndef PLANLS_WORKSPACE_H
#define PLANLS_WORKSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "planls/config.h"
#include "planls/log.h"
#include "planls/map.h"
#include "planls/markdown.h"
#include "planls/text.h"

typedef struct ws ws_t;
typedef struct ws_folder ws_folder_t;

typedef struct ws_doc {
    char *path;           /* absolute, normalised */
    char *uri;            /* file:// URI */
    const char *name;     /* base name, points into path */
    ws_folder_t *folder;  /* planning folder, NULL when outside any */
    md_kind_t kind;
    int number;           /* NN of analyses and plans, -1 otherwise */
    bool name_malformed;  /* PL003 */
    text_doc_t *text;     /* current text: editor's when open, else disk */
    md_doc_t *md;         /* model of text */
    char **link_paths;    /* per md->links[i]: absolute resolved path of a
                             relative target (anchor removed), NULL for
                             external links; "#x" resolves to this doc.
                             One allocation owned by the document: never
                             free or replace an entry */
    size_t n_link_paths;  /* entries of link_paths (md->n_links when resolved) */
    size_t link_paths_size; /* bytes of the block: the entries, then each
                               distinct path once */
    bool is_open;         /* open in the editor (overlay) */
    int version;          /* editor version when open */
    bool on_disk;         /* the file exists on disk */
    bool skipped;         /* not parsed: skip_reason says why */
    char *skip_reason;
    uint64_t gen;         /* bumped on every change of text */
    bool stale;           /* text edited, model not reparsed yet: the
                             server batches edits, see ws_doc_changed */
} ws_doc_t;

/* A reference to a plan from a document: a link to its file or a `Phase N`
 * mention. */
typedef struct ws_ref {
    ws_doc_t *from;
    int link;       /* index into from->md->links, or -1 */
    int ref;        /* index into from->md->refs, or -1 */
} ws_ref_t;

/* An edge of the phase dependency graph: phase `from` requires `to`. */
typedef struct ws_edge {
    int from, to;
    ws_doc_t *doc;  /* where it is stated */
    int dep;        /* index into doc->md->deps */
} ws_edge_t;

struct ws_folder {
    char *path;           /* absolute, no trailing slash */
    char *name;           /* base name: "2026-03-02-search-platform" */
    bool under_root;      /* inside a configured planning root */
    ws_doc_t **docs;      /* documents of the folder, sorted by name */
    size_t n_docs, cap_docs;
    ws_doc_t *start;      /* START-HERE.md or NULL */
    ws_doc_t *readme;     /* README.md or NULL */
    /* Indexes, rebuilt lazily by ws_folder_index() when stale. */
    bool index_stale;
    ws_doc_t **plans;     /* plans sorted by number (ties by name) */
    size_t n_plans;
    ws_edge_t *edges;     size_t n_edges;
    ws_ref_t *refs;       size_t n_refs;   /* every plan reference, sorted
                                              by target phase */
    int *ref_phase;       /* ref_phase[i]: target phase of refs[i] */
    uint64_t gen;         /* bumped whenever a document of it changes */
    uint64_t uid;         /* unique per folder object, never reused */
};

/* Notified (on the loop thread) when a folder's content changed, so that
 * diagnostics can be recomputed; folder is NULL for a document outside any
 * planning folder (doc is then set). */
typedef void (*ws_change_fn)(void *ud, ws_folder_t *folder, ws_doc_t *doc);
/* Notified when a document is removed (before it is freed). */
typedef void (*ws_remove_fn)(void *ud, ws_doc_t *doc);

/* A workspace over the given root (absolute path; may be a file for the
 * CLI). cfg is copied. Caller frees with ws_free(). */
ws_t *ws_new(uv_loop_t *loop, const char *root, const config_t *cfg, log_t *log);
void ws_free(ws_t *ws);
void ws_set_callbacks(ws_t *ws, ws_change_fn on_change, ws_remove_fn on_remove, void *ud);
/* Every file event the workspace sees (its own watcher or ws_file_event),
 * before it is applied: lets the server notice `.planls.json` changes. */
typedef void (*ws_file_fn)(void *ud, const char *path, int type);
void ws_set_file_hook(ws_t *ws, ws_file_fn fn, void *ud);
const char *ws_root(const ws_t *ws);
const config_t *ws_config(const ws_t *ws);
/* Replace the configuration (e.g. `.planls.json` changed). Folders are
 * re-discovered when the planning roots changed. */
void ws_set_config(ws_t *ws, const config_t *cfg);

/* Start the initial scan: discover planning folders, then read and parse
 * their documents on the thread pool (threads: 0 = libuv's pool; 1 = parse
 * on the loop thread, deterministic). done(ud) is called on the loop thread
 * when every document is in. Progress: progress(ud, done, total). */
typedef void (*ws_scan_done_fn)(void *ud, size_t n_folders, size_t n_docs, double ms);
typedef void (*ws_progress_fn)(void *ud, size_t done, size_t total);
int ws_scan(ws_t *ws, int threads, ws_progress_fn progress, ws_scan_done_fn done, void *ud);
bool ws_is_scanned(const ws_t *ws);

/* Watch planning folders and roots with libuv fs events (when the client
 * cannot watch for us). */
int ws_watch(ws_t *ws);
/* A file changed on disk (from the client's didChangeWatchedFiles or our
 * own watcher): type 1 created, 2 changed, 3 deleted. Events for paths
 * outside the root and the externalDocs folders are ignored. Re-reads it unless it
 * is open (the overlay wins until it is closed). Directories are handled
 * (a created folder is scanned, a deleted one dropped). */
void ws_file_event(ws_t *ws, const char *path, int type);

/* Editor overlay. ws_open returns the document (created if unknown).
 * ws_close drops the overlay and re-reads the disk copy (or removes the
 * document when the file is gone or outside every planning folder). */
ws_doc_t *ws_open(ws_t *ws, const char *path, const char *text, size_t len, int version);
/* The text of doc changed in place (caller already edited doc->text):
 * reparse and update indexes. */
void ws_doc_changed(ws_t *ws, ws_doc_t *doc, int version);
void ws_close(ws_t *ws, ws_doc_t *doc);

/* Lookups. */
ws_doc_t *ws_doc_by_path(const ws_t *ws, const char *path);
ws_doc_t *ws_doc_by_uri(const ws_t *ws, const char *uri);
/* The documents with at least one link resolving to path (each once, in no
 * particular order), from an index kept as links are resolved: references
 * never scan the workspace. Borrowed; valid until the model changes. */
ws_doc_t *const *ws_backlinks(const ws_t *ws, const char *path, size_t *n);
/* The document at path, loaded on demand when it is a readable Markdown file
 * inside the workspace root or an externalDocs folder (for links out of a
 * folder: anchors, hover, definition). NULL otherwise: nothing outside is
 * ever read. */
ws_doc_t *ws_doc_load(ws_t *ws, const char *path);
/* The planning folder at dir, loaded now (synchronously) when dir is one
 * and not known yet; NULL when dir is not a planning folder. */
ws_folder_t *ws_folder_load(ws_t *ws, const char *dir);
size_t ws_n_folders(const ws_t *ws);
ws_folder_t *ws_folder_at(const ws_t *ws, size_t i);
ws_folder_t *ws_folder_by_path(const ws_t *ws, const char *path);
/* Every document (iteration order unspecified). */
size_t ws_n_docs(const ws_t *ws);
bool ws_doc_next(const ws_t *ws, size_t *iter, ws_doc_t **doc);
/* Whether a resolved link target exists (documents known to the workspace,
 * else a cached stat of the path). Also resolves through externalDocs for
 * targets that do not exist beside the document. */
bool ws_path_exists(ws_t *ws, const char *path);

/* Bring the folder's indexes up to date (cheap when nothing changed). */
void ws_folder_index(ws_folder_t *f);
/* Plans numbered n (first of *count). NULL/0 when none. Requires a fresh
 * index. */
ws_doc_t **ws_folder_plans(ws_folder_t *f, int n, size_t *count);
ws_doc_t *ws_folder_plan(ws_folder_t *f, int n);
/* Every reference to phase n within the folder. */
const ws_ref_t *ws_folder_refs(ws_folder_t *f, int n, size_t *count);
/* The phase a link or reference of doc names: for a link, the plan its
 * target resolves to; for a `Phase N` reference, N. -1 when none. */
int ws_link_phase(const ws_t *ws, const ws_doc_t *doc, int link);

/* Paths and URIs. Caller frees the results; NULL when not a file URI. */
char *ws_uri_to_path(const char *uri);
char *ws_path_to_uri(const char *path);
/* Normalise an absolute path (remove ".", "..", duplicate slashes). */
char *ws_path_normalize(const char *path);
/* Resolve target relative to the directory of from_path. */
char *ws_path_resolve(const char *from_path, const char *target);

#endif
