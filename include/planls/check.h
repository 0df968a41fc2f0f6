/* check: the `planls check` and `planls dump` commands — the same workspace
 * model and rules as the server, run once over folders on disk. */
#ifndef PLANLS_CHECK_H
#define PLANLS_CHECK_H

#include <stdio.h>

#include "planls/log.h"

typedef enum check_format { CHECK_TEXT, CHECK_JSON } check_format_t;

/* Lint paths (files or folders; none = "."), print findings to out.
 * Returns the exit code: 0 no errors, 1 errors found, 2 usage or I/O
 * failure. */
int check_run(char **paths, int n_paths, check_format_t fmt, int threads, FILE *out, log_t *log);

/* Print the parsed model of a file or folder as JSON to out. Returns 0, or
 * 2 when path cannot be read. */
int check_dump(const char *path, FILE *out, log_t *log);

#endif
