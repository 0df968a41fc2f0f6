/* gen: a deterministic generator of realistic planning workspaces for the
 * benchmark (seeded PRNG, no other input). The same options always write the
 * same bytes. It only ever writes below the directory it is given. */
#ifndef PLANLS_BENCH_GEN_H
#define PLANLS_BENCH_GEN_H

#include <stddef.h>
#include <stdint.h>

typedef struct gen_opts {
    unsigned folders;     /* planning folders */
    unsigned plans;       /* plans per folder (besides START-HERE, README and
                             two analyses) */
    unsigned big_plans;   /* plans in folder 0 (the "100-plan folder"); 0 or
                             <= plans: folder 0 is like the others */
    unsigned long_lines;  /* lines of the one long plan (in folder 1, or
                             folder 0 when there is only one); 0: none */
    uint64_t seed;
} gen_opts_t;

/* What was written, and where the documents the driver needs are. The
 * paths are owned: free with gen_result_free(). */
typedef struct gen_result {
    size_t files;             /* Markdown files written */
    size_t bytes;             /* their total size */
    unsigned folders;
    char *planning;           /* <root>/.engineering/artifacts/planning */
    char *long_plan;          /* the long plan (NULL when none) */
    unsigned long_plan_lines;
    char *big_start;          /* START-HERE.md of folder 0 */
    unsigned big_folder_plans;/* plans in folder 0 */
    char *small_plan;         /* the last plan of the last folder */
} gen_result_t;

/* Defaults: the scale (200 folders x 10 plans, a 100-plan folder, a
 * 3,600-line plan). */
void gen_opts_default(gen_opts_t *o);

/* Write the workspace under root (created if missing; existing generated
 * files are overwritten, nothing else is touched). Returns 0, or -errno after
 * naming on stderr what could not be written. */
int gen_workspace(const char *root, const gen_opts_t *o, gen_result_t *res);
void gen_result_free(gen_result_t *res);

#endif
