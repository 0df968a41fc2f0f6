/* config: planls configuration (DESIGN §6) from `.planls.json`,
 * initializationOptions and `workspace/configuration` (later sources win).
 * Pure data + JSON merging; never reads anything but the file it is given. */
#ifndef PLANLS_CONFIG_H
#define PLANLS_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Severity of a rule as configured: CONFIG_SEV_DEFAULT keeps the rule's own. */
typedef enum config_sev {
    CONFIG_SEV_DEFAULT = -1,
    CONFIG_SEV_OFF = 0,
    CONFIG_SEV_ERROR = 1, /* values match LSP DiagnosticSeverity */
    CONFIG_SEV_WARNING = 2,
    CONFIG_SEV_INFO = 3,
    CONFIG_SEV_HINT = 4,
} config_sev_t;

typedef struct config_rule {
    char code[8];       /* "PL030" */
    config_sev_t sev;
} config_rule_t;

typedef struct config {
    char **planning_roots;  size_t n_planning_roots;  /* relative paths */
    char **external_docs;   size_t n_external_docs;   /* relative to root */
    config_rule_t *rules;   size_t n_rules, cap_rules;
    char *templates_dir;    /* project template folder, NULL = built-in */
    size_t max_file_size;   /* documents larger than this are skipped */
} config_t;

/* Defaults: planningRoots [".engineering/artifacts/planning"], no rules,
 * no external docs, max_file_size 4 MiB. Free with config_free(). */
void config_init(config_t *cfg);
void config_free(config_t *cfg);
void config_copy(config_t *dst, const config_t *src);
/* Whether a and b configure exactly the same (rule order aside). */
bool config_equal(const config_t *a, const config_t *b);

/* Merge a JSON object (the `.planls.json` shape) into cfg. Keys present
 * replace earlier values ("rules" entries are merged per code). On a type
 * error nothing is changed, -1 is returned and *err (caller frees) says
 * which key is wrong and what was expected. Unknown keys are ignored. */
int config_merge(config_t *cfg, json_t *obj, char **err);
/* Load `.planls.json` text. Same contract as config_merge; a JSON syntax
 * error reports its line and column through *err_line and *err_col (1-based,
 * 0 when unknown). */
int config_merge_text(config_t *cfg, const char *text, size_t len, char **err, int *err_line,
                      int *err_col);

/* Configured severity for a rule code ("PL030"). */
config_sev_t config_rule_sev(const config_t *cfg, const char *code);
/* "off" | "error" | "warning" | "info" | "hint" -> severity. */
bool config_sev_parse(const char *name, config_sev_t *sev);
const char *config_sev_name(config_sev_t sev);

#endif
