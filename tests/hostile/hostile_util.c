/* hostile_util: workspace builders shared by the hostile-input tests. Test
 * code only; writes only inside the tests' temporary workspaces. */
#include "hostile_util.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "planls/util.h"

#define EXAMPLES PLANLS_SOURCE_DIR "/examples/" HX_FOLDER

char *hx_example(const char *name, size_t *len)
{
    char *path = xasprintf("%s/%s", EXAMPLES, name);
    char *data = NULL;
    size_t n = 0;
    int rc = util_read_file(path, 1u << 24, &data, &n);
    cr_assert_eq(rc, 0, "cannot read %s", path);
    free(path);
    if (len)
        *len = n;
    return data;
}

void hx_copy_examples(const lc_t *c)
{
    DIR *dp = opendir(EXAMPLES);
    cr_assert_not_null(dp, "cannot open %s", EXAMPLES);
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (!util_has_suffix(de->d_name, ".md"))
            continue;
        size_t n;
        char *text = hx_example(de->d_name, &n);
        char *rel = xasprintf("%s/%s", HX_FOLDER, de->d_name);
        lc_write(c, rel, text, n);
        free(rel);
        free(text);
    }
    closedir(dp);
}

json_t *hx_caps(void)
{
    json_t *caps = json_pack(
        "{s:{s:[s]},s:{s:{s:b,s:b},s:{s:{s:b}},s:{s:b}},s:{s:{s:b}}}", "general",
        "positionEncodings", "utf-16", "textDocument", "publishDiagnostics", "versionSupport", 1,
        "relatedInformation", 1, "completion", "completionItem", "snippetSupport", 1,
        "documentSymbol", "hierarchicalDocumentSymbolSupport", 1, "workspace",
        "didChangeWatchedFiles", "dynamicRegistration", 1);
    cr_assert_not_null(caps);
    return caps;
}

static int diag_cmp(const void *a, const void *b)
{
    char *x = json_dumps(*(json_t *const *)a, JSON_COMPACT | JSON_SORT_KEYS);
    char *y = json_dumps(*(json_t *const *)b, JSON_COMPACT | JSON_SORT_KEYS);
    int r = strcmp(x, y);
    free(x);
    free(y);
    return r;
}

json_t *hx_diag_summary(const json_t *params)
{
    json_t *diags = json_object_get(params, "diagnostics");
    cr_assert(json_is_array(diags), "publishDiagnostics without diagnostics");
    size_t n = json_array_size(diags);
    json_t **v = xcalloc(n ? n : 1, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        json_t *d = json_array_get(diags, i);
        v[i] = json_pack("{s:O,s:O,s:O,s:O}", "code", json_object_get(d, "code"), "range",
                         json_object_get(d, "range"), "severity", json_object_get(d, "severity"),
                         "message", json_object_get(d, "message"));
        cr_assert_not_null(v[i]);
    }
    qsort(v, n, sizeof(*v), diag_cmp);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, v[i]);
    free(v);
    return out;
}

void hx_expect_answers(lc_t *c, int first, int last)
{
    int want = first;
    while (want <= last) {
        json_t *m = lc_next(c, 60000);
        cr_assert_not_null(m, "no answer to request %d (of %d..%d)", want, first, last);
        if (json_object_get(m, "method")) {
            json_decref(m);
            continue;
        }
        json_t *id = json_object_get(m, "id");
        cr_assert(json_is_integer(id) && json_integer_value(id) == want,
                  "answer out of order: got id %lld, want %d", (long long)json_integer_value(id),
                  want);
        cr_assert_not_null(json_object_get(m, "result"), "request %d failed", want);
        json_decref(m);
        want++;
    }
}
