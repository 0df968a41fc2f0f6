/* main: the planls command line — language server (default), `check`,
 * `dump`, `--version`, `--help`. Parses arguments and hands over; no logic
 * of its own. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__ /* defined by the headers above */
#include <malloc.h>
#endif

#include "planls/check.h"
#include "planls/log.h"
#include "planls/server.h"

static const char usage[] =
    "usage: planls [--stdio] [--log-level error|warn|info|debug] [--threads N]\n"
    "       planls check [--format text|json] [PATH...]\n"
    "       planls dump PATH\n"
    "       planls --version | --help\n"
    "\n"
    "  (no command)  run the language server on stdin/stdout (LSP 3.17)\n"
    "  check         lint planning folders (default: .); exit 0 = no errors,\n"
    "                1 = errors found, 2 = usage or I/O failure\n"
    "  dump          print the parsed model of a file or folder as JSON\n"
    "\n"
    "Options:\n"
    "  --stdio           use stdin/stdout (the default; accepted for clients)\n"
    "  --log-level L     stderr and window/logMessage verbosity (default: info)\n"
    "  --threads N       threads for the initial scan: 0 = libuv pool (default),\n"
    "                    1 = single-threaded\n"
    "  --format F        check output: text (default) or json\n";

static int bad_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "planls: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "", usage);
    return 2;
}

static int parse_threads(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0 || v > 64)
        return -1;
    *out = (int)v;
    return 0;
}

static int cmd_check(int argc, char **argv, log_t *log, int threads)
{
    check_format_t fmt = CHECK_TEXT;
    char **paths = calloc((size_t)argc + 1, sizeof(char *));
    int n = 0, rc;
    if (!paths)
        return 2;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
            const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (v && strcmp(v, "text") == 0)
                fmt = CHECK_TEXT;
            else if (v && strcmp(v, "json") == 0)
                fmt = CHECK_JSON;
            else {
                rc = bad_usage("--format takes text or json", v);
                goto done;
            }
        } else if (strcmp(a, "--threads") == 0 && i + 1 < argc) {
            if (parse_threads(argv[++i], &threads) < 0) {
                rc = bad_usage("--threads takes a number from 0 to 64", argv[i]);
                goto done;
            }
        } else if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++)
                paths[n++] = argv[i];
        } else if (a[0] == '-' && a[1] != '\0') {
            rc = bad_usage("unknown option for check", a);
            goto done;
        } else {
            paths[n++] = argv[i];
        }
    }
    rc = check_run(paths, n, fmt, threads, stdout, log);
done:
    free(paths);
    return rc;
}

/* Every edit parses a document: its temporary memory (cmark's arena, about
 * 0.8 MB for a 3,600-line plan) is freed at the end of the parse. With
 * glibc's defaults the larger blocks are mmapped and the top of the heap
 * trimmed, so the next parse faults the same pages in again (100-400 page
 * faults, a third of an edit's time). Keeping up to 8 MB of freed memory
 * and serving blocks under 4 MB from the heap makes it reusable. */
static void tune_malloc(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 8 << 20);
#endif
}

int main(int argc, char **argv)
{
    /* A client that vanishes must end us through EPIPE, never SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    tune_malloc();
    log_level_t level = LOG_INFO;
    int threads = 0;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("planls %s\n", PLANLS_VERSION);
            return 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--stdio") == 0) {
            continue;
        } else if (strcmp(a, "--log-level") == 0 || strncmp(a, "--log-level=", 12) == 0) {
            const char *v = a[11] == '=' ? a + 12 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || !log_level_parse(v, &level))
                return bad_usage("--log-level takes error, warn, info or debug", v);
        } else if (strcmp(a, "--threads") == 0) {
            if (i + 1 >= argc || parse_threads(argv[++i], &threads) < 0)
                return bad_usage("--threads takes a number from 0 to 64", i < argc ? argv[i] : NULL);
        } else {
            break;
        }
    }
    log_t log;
    log_init(&log, level);
    if (i < argc) {
        const char *cmd = argv[i];
        if (strcmp(cmd, "check") == 0) {
            /* The CLI logs warnings only, unless asked for more. */
            if (level == LOG_INFO)
                log.level = LOG_WARN;
            return cmd_check(argc - i - 1, argv + i + 1, &log, threads);
        }
        if (strcmp(cmd, "dump") == 0) {
            if (argc - i != 2)
                return bad_usage("dump takes exactly one PATH", NULL);
            if (level == LOG_INFO)
                log.level = LOG_WARN;
            return check_dump(argv[i + 1], stdout, &log);
        }
        return bad_usage("unknown command or option", cmd);
    }
    server_opts_t opts = {.log_level = level, .in_fd = 0, .out_fd = 1, .threads = threads};
    return server_run(&opts);
}
