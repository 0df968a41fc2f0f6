/* replay_main: runs a fuzz target's LLVMFuzzerTestOneInput on files, without
 * libFuzzer, so that seed corpora and the crash files kept under
 * tests/fuzz/regressions/<target>/ are replayed by ctest with any compiler
 * (and under valgrind). Usage: replay PATH... (files, or directories walked
 * recursively in name order). Exits 1 when a path cannot be read or no input
 * was found; a failing check in the target aborts the process. */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "planls/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Largest input replayed: libFuzzer's own inputs are far smaller; a larger
 * seed (none today) would only slow the test down. */
#define REPLAY_MAX_INPUT (16u << 20)

typedef struct replay {
    size_t n_inputs;
    int failed;
    int verbose;
} replay_t;

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_path(replay_t *r, const char *path, bool top);

static void replay_dir(replay_t *r, const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp) {
        fprintf(stderr, "replay: cannot open %s\n", dir);
        r->failed = 1;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dp))) {
        /* ".", "..", and hidden files, but planning roots are hidden too. */
        if (de->d_name[0] == '.' && strcmp(de->d_name, ".engineering") != 0)
            continue;
        UTIL_PUSH(names, n, cap, xstrdup(de->d_name));
    }
    closedir(dp);
    if (n > 1)
        qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n; i++) {
        char *p = xasprintf("%s/%s", dir, names[i]);
        replay_path(r, p, false);
        free(p);
        free(names[i]);
    }
    free(names);
}

/* top: a path from the command line (followed when a symbolic link); inside
 * directories links are not followed, since seed trees may hold loops. */
static void replay_path(replay_t *r, const char *path, bool top)
{
    struct stat st;
    if ((top ? stat(path, &st) : lstat(path, &st)) != 0) {
        fprintf(stderr, "replay: cannot stat %s\n", path);
        r->failed = 1;
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        replay_dir(r, path);
        return;
    }
    if (!S_ISREG(st.st_mode))
        return;
    char *data = NULL;
    size_t len = 0;
    if (util_read_file(path, REPLAY_MAX_INPUT, &data, &len) != 0) {
        fprintf(stderr, "replay: cannot read %s (or larger than %u bytes)\n", path,
                REPLAY_MAX_INPUT);
        r->failed = 1;
        return;
    }
    if (r->verbose)
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    /* A copy of exactly len bytes, so that ASan/valgrind see a read past the
     * input (util_read_file adds a NUL the fuzzer would not). */
    uint8_t *copy = xmalloc(len ? len : 1);
    memcpy(copy, data, len);
    free(data);
    LLVMFuzzerTestOneInput(copy, len);
    free(copy);
    r->n_inputs++;
}

int main(int argc, char **argv)
{
    replay_t r = {0, 0, getenv("PLANLS_REPLAY_VERBOSE") != NULL};
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++)
        replay_path(&r, argv[i], true);
    printf("replay: %zu inputs replayed through %s\n", r.n_inputs, argv[0]);
    if (r.n_inputs == 0) {
        fprintf(stderr, "replay: no input found\n");
        return 1;
    }
    return r.failed;
}
