/* edit_fixture: the fixture of the tests that edit a planning folder as a
 * client would (test_actions.c, test_rename.c): a copy of the clean folder
 * of protocol-fixtures/workspaces/actions in a temp dir, a server scanned
 * from it with every client capability an edit may need, and helpers to
 * read, write and rescan. Included once per test file, after defining
 * EDIT_FIXTURE_TAG (the temp dir's tag); the file declares its TestSuite
 * with .init = setup, .fini = teardown. Test code only. */
#ifndef PLANLS_TESTS_EDIT_FIXTURE_H
#define PLANLS_TESTS_EDIT_FIXTURE_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "planls/util.h"
#include "support.h"

#ifndef PLANLS_SOURCE_DIR
#define PLANLS_SOURCE_DIR "."
#endif
#define BASE PLANLS_SOURCE_DIR "/protocol-fixtures/workspaces/actions"
#define PF ".engineering/artifacts/planning/2026-03-02-demo"
#define EF_UNUSED __attribute__((unused))

static ts_root_t root;
static char *pf_dir; /* root.path/PF */
static server_t *srv;
static server_caps_t caps;

/* ---- files ---------------------------------------------------------------- */

static EF_UNUSED char *path_of(const char *rel)
{
    return ts_path(pf_dir, rel);
}

static EF_UNUSED char *read_rel(const char *rel)
{
    char *p = path_of(rel);
    char *data = ts_read(p);
    free(p);
    return data;
}

static EF_UNUSED void write_rel(const char *rel, const char *text)
{
    ts_put(pf_dir, rel, text);
}

static EF_UNUSED bool exists_rel(const char *rel)
{
    char *p = path_of(rel);
    bool yes = ts_exists(p);
    free(p);
    return yes;
}

/* ---- server ---------------------------------------------------------------- */

static void stop(void)
{
    ts_server_free(srv);
    srv = NULL;
}

/* (Re)scan the workspace from disk into a fresh server with caps. */
static EF_UNUSED void start(void)
{
    stop();
    srv = ts_server_new(&root);
    srv->caps = caps;
}

static EF_UNUSED void setup(void)
{
    ts_root_init(&root, EDIT_FIXTURE_TAG);
    ts_copytree(BASE, root.path);
    pf_dir = ts_path(root.path, PF);
    memset(&caps, 0, sizeof(caps));
    caps.action_literals = true;
    caps.document_changes = true;
    caps.create_files = true;
    caps.rename_files = true;
}

static EF_UNUSED void teardown(void)
{
    stop();
    free(pf_dir);
    pf_dir = NULL;
    ts_root_fini(&root);
}

static EF_UNUSED ws_doc_t *doc(const char *rel)
{
    return ts_doc(srv->ws, pf_dir, rel);
}

static EF_UNUSED ws_folder_t *folder(void)
{
    return ts_folder(srv->ws, pf_dir);
}

/* Every finding of the folder as "file|code|message", sorted. */
static EF_UNUSED ts_findings_t findings(void)
{
    return ts_findings(srv->ws, folder(), &root.cfg);
}

/* Compact JSON of v for assertion messages (leaked on failure only: the
 * test process ends there). */
static EF_UNUSED char *dump(json_t *v)
{
    static char *last;
    free(last);
    last = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    return last;
}

#endif
