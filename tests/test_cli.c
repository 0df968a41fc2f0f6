/* Tests for the command line (`planls check`, `planls dump`, --version,
 * --help) run as a real process: output formats, exit codes 0/1/2, paths
 * from any directory. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "planls/buf.h"
#include "planls/rules.h"
#include "planls/util.h"

#define EXAMPLES PLANLS_SOURCE_DIR "/examples"
#define DEFECTS PLANLS_SOURCE_DIR "/tests/defects"

typedef struct run {
    int status; /* exit code, or -1 when killed */
    char *out;
    char *err;
} run_t;

/* Run planls with args in dir; capture stdout and stderr. */
static run_t run_in(const char *dir, const char *args)
{
    char outp[] = "/tmp/planls-cli-out-XXXXXX", errp[] = "/tmp/planls-cli-err-XXXXXX";
    int fo = mkstemp(outp), fe = mkstemp(errp);
    cr_assert(fo >= 0 && fe >= 0);
    close(fo);
    close(fe);
    char *cmd = xasprintf("cd '%s' && '%s' %s >'%s' 2>'%s'", dir, PLANLS_BINARY, args, outp, errp);
    int st = system(cmd);
    free(cmd);
    run_t r = {WIFEXITED(st) ? WEXITSTATUS(st) : -1, NULL, NULL};
    size_t n;
    cr_assert_eq(util_read_file(outp, 64u << 20, &r.out, &n), 0);
    cr_assert_eq(util_read_file(errp, 64u << 20, &r.err, &n), 0);
    unlink(outp);
    unlink(errp);
    return r;
}

static void run_free(run_t *r)
{
    free(r->out);
    free(r->err);
}

static const char *last_line(const char *s)
{
    size_t n = strlen(s);
    if (n && s[n - 1] == '\n')
        n--;
    while (n > 0 && s[n - 1] != '\n')
        n--;
    return s + n;
}

Test(cli, version_and_help)
{
    run_t r = run_in("/", "--version");
    cr_assert_eq(r.status, 0);
    cr_assert(util_has_prefix(r.out, "planls "), "%s", r.out);
    run_free(&r);
    r = run_in("/", "--help");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "planls check") != NULL);
    run_free(&r);
}

Test(cli, clean_examples_exit_0)
{
    run_t r = run_in(PLANLS_SOURCE_DIR, "check examples/");
    cr_assert_eq(r.status, 0, "stdout: %s\nstderr: %s", r.out, r.err);
    cr_assert(util_has_prefix(last_line(r.out), "0 errors, 0 warnings, 0 info, 0 hints in 11 documents (1 planning folder)"),
              "%s", r.out);
    cr_assert_eq(strlen(r.out), strlen(last_line(r.out)), "only the summary: %s", r.out);
    run_free(&r);
}

/* Every finding line has the documented shape, and every rule code of the
 * catalogue fires somewhere in the planted-defects workspace. */
Test(cli, defects_text_format_and_every_code)
{
    run_t r = run_in(PLANLS_SOURCE_DIR, "check tests/defects");
    cr_assert_eq(r.status, 1, "%s", r.err);
    regex_t re;
    cr_assert_eq(regcomp(&re, "^tests/defects/[^:]+\\.md:[0-9]+:[0-9]+: (error|warning|info|hint): .+ \\[PL[0-9]{3}\\]$",
                         REG_EXTENDED | REG_NOSUB), 0);
    char *save = NULL, *copy = xstrdup(r.out);
    size_t lines = 0;
    const char *summary = last_line(r.out);
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, summary, strlen(line)) == 0 && strlen(line) + 1 >= strlen(summary))
            continue;
        cr_assert_eq(regexec(&re, line, 0, NULL, 0), 0, "bad line: %s", line);
        lines++;
    }
    regfree(&re);
    free(copy);
    cr_assert_gt(lines, 20);
    size_t n;
    const rule_info_t *t = rule_table(&n);
    for (size_t i = 0; i < n; i++) {
        char tag[16];
        snprintf(tag, sizeof(tag), "[%s]", t[i].code);
        cr_assert(strstr(r.out, tag) != NULL, "no %s in the defects output", t[i].code);
    }
    cr_assert(strstr(summary, " errors, ") != NULL, "%s", summary);
    run_free(&r);
}

Test(cli, json_format_is_one_array_and_nothing_else)
{
    run_t r = run_in(PLANLS_SOURCE_DIR, "check --format json tests/defects");
    cr_assert_eq(r.status, 1);
    json_error_t e;
    json_t *arr = json_loads(r.out, 0, &e);
    cr_assert_not_null(arr, "stdout is not one JSON document: %s", e.text);
    cr_assert(json_is_array(arr));
    cr_assert_gt(json_array_size(arr), 20);
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        cr_assert(json_is_string(json_object_get(o, "path")));
        cr_assert(json_is_integer(json_object_get(o, "line")));
        cr_assert(json_is_integer(json_object_get(o, "column")));
        cr_assert(json_is_integer(json_object_get(o, "endLine")));
        cr_assert(json_is_integer(json_object_get(o, "endColumn")));
        cr_assert(json_integer_value(json_object_get(o, "line")) >= 1);
        const char *sev = json_string_value(json_object_get(o, "severity"));
        cr_assert(sev && (!strcmp(sev, "error") || !strcmp(sev, "warning") || !strcmp(sev, "info") ||
                          !strcmp(sev, "hint")));
        const char *code = json_string_value(json_object_get(o, "code"));
        cr_assert(code && strlen(code) == 5 && util_has_prefix(code, "PL"));
        cr_assert(json_is_string(json_object_get(o, "message")));
        cr_assert_eq(json_object_size(o), 8);
    }
    json_decref(arr);
    run_free(&r);
    /* A clean folder: an empty array, exit 0. */
    r = run_in(PLANLS_SOURCE_DIR, "check --format=json examples");
    cr_assert_eq(r.status, 0);
    cr_assert_str_eq(r.out, "[]\n");
    run_free(&r);
}

Test(cli, usage_and_io_errors_exit_2)
{
    run_t r = run_in("/", "check /nonexistent/planning");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "/nonexistent/planning") != NULL);
    run_free(&r);
    r = run_in("/", "check --format xml " EXAMPLES);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "usage:") != NULL);
    run_free(&r);
    r = run_in("/", "check --frobnicate");
    cr_assert_eq(r.status, 2);
    run_free(&r);
    r = run_in("/", "launch");
    cr_assert_eq(r.status, 2);
    run_free(&r);
    r = run_in("/", "dump");
    cr_assert_eq(r.status, 2);
    run_free(&r);
    /* One bad path among good ones still exits 2, after checking the rest. */
    r = run_in("/", "check " EXAMPLES " /nonexistent");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.out, "0 errors") != NULL);
    run_free(&r);
}

Test(cli, works_from_any_directory_and_on_a_file)
{
    run_t r = run_in("/", "check " DEFECTS);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.out, DEFECTS "/.engineering/") != NULL, "absolute paths outside cwd");
    run_free(&r);
    r = run_in(DEFECTS "/.engineering/artifacts/planning", "check 2026-01-15-pl012-invalid-priority/02-second-plan.md");
    cr_assert_eq(r.status, 1, "%s%s", r.out, r.err);
    cr_assert(util_has_prefix(r.out, "2026-01-15-pl012-invalid-priority/02-second-plan.md:"), "%s", r.out);
    cr_assert(strstr(r.out, "[PL012]") != NULL);
    cr_assert(strstr(r.out, "in 1 document") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "[PL040]") == NULL, "externalDocs of the enclosing .planls.json apply: %s", r.out);
    run_free(&r);
    /* A folder below the configuration's folder gets the same answer. */
    r = run_in(DEFECTS "/.engineering/artifacts/planning", "check 2026-01-15-pl012-invalid-priority");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.out, "[PL040]") == NULL, "%s", r.out);
    cr_assert(strstr(r.out, "[PL012]") != NULL, "%s", r.out);
    run_free(&r);
}

/* Columns count characters: an emoji before the finding counts as one. */
Test(cli, columns_are_characters)
{
    char dir[] = "/tmp/planls-cli-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *cmd = xasprintf("mkdir -p '%s/2026-01-15-x' && printf '# Start\\n' > '%s/2026-01-15-x/START-HERE.md' && "
                          "printf '# Phase 1: A\\n\\n**Priority:** \\360\\237\\224\\264 URGENT\\n' > '%s/2026-01-15-x/01-a-plan.md'",
                          dir, dir, dir);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
    char *args = xasprintf("check --format json '%s'", dir);
    run_t r = run_in("/", args);
    free(args);
    json_t *arr = json_loads(r.out, 0, NULL);
    cr_assert_not_null(arr);
    size_t i;
    json_t *o;
    bool found = false;
    json_array_foreach(arr, i, o) {
        if (strcmp(json_string_value(json_object_get(o, "code")), "PL012") != 0)
            continue;
        found = true;
        cr_assert_eq(json_integer_value(json_object_get(o, "line")), 3);
        json_int_t col = json_integer_value(json_object_get(o, "column"));
        json_int_t end = json_integer_value(json_object_get(o, "endColumn"));
        /* "**Priority:** " is 14 characters, the emoji one, then a space. */
        cr_assert(col == 15 || col == 17, "column %lld", (long long)col);
        cr_assert_eq(end, 23, "endColumn %lld", (long long)end);
    }
    cr_assert(found, "%s", r.out);
    json_decref(arr);
    run_free(&r);
    cmd = xasprintf("rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
}

Test(cli, dump_prints_the_model)
{
    run_t r = run_in(PLANLS_SOURCE_DIR, "dump examples");
    cr_assert_eq(r.status, 0, "%s", r.err);
    json_t *j = json_loads(r.out, 0, NULL);
    cr_assert_not_null(j);
    json_t *folders = json_object_get(j, "folders");
    cr_assert_eq(json_array_size(folders), 1);
    json_t *f = json_array_get(folders, 0);
    cr_assert_str_eq(json_string_value(json_object_get(f, "name")), "2026-03-02-search-platform");
    cr_assert_eq(json_array_size(json_object_get(f, "documents")), 11);
    cr_assert_geq(json_array_size(json_object_get(f, "plans")), 5);
    cr_assert_gt(json_array_size(json_object_get(f, "dependencies")), 0);
    cr_assert_gt(json_array_size(json_object_get(f, "references")), 0);
    json_decref(j);
    run_free(&r);
    r = run_in(PLANLS_SOURCE_DIR,
               "dump examples/.engineering/artifacts/planning/2026-03-02-search-platform/03-indexing-plan.md");
    cr_assert_eq(r.status, 0);
    j = json_loads(r.out, 0, NULL);
    cr_assert_not_null(j);
    cr_assert_str_eq(json_string_value(json_object_get(j, "kind")), "plan");
    cr_assert_eq(json_integer_value(json_object_get(j, "number")), 3);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "phase"), "number")), 3);
    cr_assert_gt(json_array_size(json_object_get(j, "fields")), 3);
    cr_assert_gt(json_array_size(json_object_get(j, "checklist")), 0);
    json_t *links = json_object_get(j, "links");
    size_t i;
    json_t *l;
    json_array_foreach(links, i, l) {
        if (json_is_false(json_object_get(l, "external")))
            cr_assert(json_is_true(json_object_get(l, "exists")), "broken link in the clean example");
    }
    json_decref(j);
    run_free(&r);
    r = run_in("/", "dump /nonexistent.md");
    cr_assert_eq(r.status, 2);
    run_free(&r);
}
