/* planls-bench-gen: writes the benchmark's planning workspace to a directory,
 * for people who want to look at it or open it in an editor. The driver
 * (planls-bench) generates its own; this tool only exposes the generator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static const char usage[] =
    "usage: planls-bench-gen [--folders N] [--plans N] [--big-plans N] [--long-lines N]\n"
    "                        [--seed N] DIR\n"
    "Writes DIR/.engineering/artifacts/planning/ (defaults: 200 folders x 10 plans,\n"
    "a 100-plan folder, one 3,600-line plan, seed 20260302).\n";

static int parse_u(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    gen_opts_t o;
    gen_opts_default(&o);
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        unsigned long long v;
        unsigned *field = NULL;
        if (strcmp(a, "--folders") == 0)
            field = &o.folders;
        else if (strcmp(a, "--plans") == 0)
            field = &o.plans;
        else if (strcmp(a, "--big-plans") == 0)
            field = &o.big_plans;
        else if (strcmp(a, "--long-lines") == 0)
            field = &o.long_lines;
        if (field || strcmp(a, "--seed") == 0) {
            if (i + 1 >= argc || parse_u(argv[i + 1], field ? 1000000 : UINT64_MAX, &v) < 0) {
                fprintf(stderr, "planls-bench-gen: %s needs a number\n%s", a, usage);
                return 2;
            }
            i++;
            if (field)
                *field = (unsigned)v;
            else
                o.seed = v;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (a[0] == '-' || dir) {
            fprintf(stderr, "planls-bench-gen: unexpected argument: %s\n%s", a, usage);
            return 2;
        } else {
            dir = a;
        }
    }
    if (!dir || o.folders == 0) {
        fputs(usage, stderr);
        return 2;
    }
    gen_result_t res;
    if (gen_workspace(dir, &o, &res) < 0) {
        gen_result_free(&res);
        return 1;
    }
    printf("%zu files, %zu bytes in %u planning folders under %s\n", res.files, res.bytes,
           res.folders, res.planning);
    if (res.long_plan)
        printf("long plan: %s (%u lines)\n", res.long_plan, res.long_plan_lines);
    printf("big folder: %s (%u plans)\n", res.big_start, res.big_folder_plans);
    gen_result_free(&res);
    return 0;
}
