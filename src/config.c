/* config: planls configuration values and their merging from JSON sources
 * (.planls.json, initializationOptions, workspace/configuration). Validates
 * fully before changing anything, so a bad source never half-applies. */
#include "planls/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planls/util.h"

#define CONFIG_DEFAULT_MAX_FILE (4u << 20)

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void config_init(config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->planning_roots = xmalloc(sizeof(char *));
    cfg->planning_roots[0] = xstrdup(".engineering/artifacts/planning");
    cfg->n_planning_roots = 1;
    cfg->max_file_size = CONFIG_DEFAULT_MAX_FILE;
}

void config_free(config_t *cfg)
{
    free_strv(cfg->planning_roots, cfg->n_planning_roots);
    free_strv(cfg->external_docs, cfg->n_external_docs);
    free(cfg->rules);
    free(cfg->templates_dir);
    memset(cfg, 0, sizeof(*cfg));
}

static char **copy_strv(char *const *v, size_t n)
{
    char **out = xcalloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(v[i]);
    return out;
}

void config_copy(config_t *dst, const config_t *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->planning_roots = copy_strv(src->planning_roots, src->n_planning_roots);
    dst->n_planning_roots = src->n_planning_roots;
    dst->external_docs = copy_strv(src->external_docs, src->n_external_docs);
    dst->n_external_docs = src->n_external_docs;
    if (src->n_rules) {
        dst->rules = xmalloc(src->n_rules * sizeof(*dst->rules));
        memcpy(dst->rules, src->rules, src->n_rules * sizeof(*dst->rules));
    }
    dst->n_rules = dst->cap_rules = src->n_rules;
    dst->templates_dir = src->templates_dir ? xstrdup(src->templates_dir) : NULL;
    dst->max_file_size = src->max_file_size;
}

static const char *sev_names[] = {"off", "error", "warning", "info", "hint"};

static bool strv_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return true;
}

bool config_equal(const config_t *a, const config_t *b)
{
    if (!strv_equal(a->planning_roots, a->n_planning_roots, b->planning_roots,
                    b->n_planning_roots) ||
        !strv_equal(a->external_docs, a->n_external_docs, b->external_docs, b->n_external_docs) ||
        a->max_file_size != b->max_file_size || a->n_rules != b->n_rules ||
        (a->templates_dir == NULL) != (b->templates_dir == NULL) ||
        (a->templates_dir && strcmp(a->templates_dir, b->templates_dir) != 0))
        return false;
    for (size_t i = 0; i < a->n_rules; i++)
        if (config_rule_sev(b, a->rules[i].code) != a->rules[i].sev)
            return false;
    return true;
}

bool config_sev_parse(const char *name, config_sev_t *sev)
{
    for (int i = 0; i < (int)UTIL_ARRAY_LEN(sev_names); i++)
        if (util_ieq(name, sev_names[i])) {
            *sev = (config_sev_t)i;
            return true;
        }
    if (util_ieq(name, "information")) {
        *sev = CONFIG_SEV_INFO;
        return true;
    }
    return false;
}

const char *config_sev_name(config_sev_t sev)
{
    if (sev < 0 || sev > CONFIG_SEV_HINT)
        return "default";
    return sev_names[sev];
}

config_sev_t config_rule_sev(const config_t *cfg, const char *code)
{
    for (size_t i = 0; i < cfg->n_rules; i++)
        if (strcmp(cfg->rules[i].code, code) == 0)
            return cfg->rules[i].sev;
    return CONFIG_SEV_DEFAULT;
}

/* A rule code is "PL" and three digits. */
static bool valid_code(const char *s)
{
    return strlen(s) == 5 && s[0] == 'P' && s[1] == 'L' && s[2] >= '0' && s[2] <= '9' &&
           s[3] >= '0' && s[3] <= '9' && s[4] >= '0' && s[4] <= '9';
}

/* Validate a JSON array of strings; NULL message when fine. */
static char *check_strv(json_t *v, const char *key)
{
    if (!json_is_array(v))
        return xasprintf("\"%s\" must be an array of strings", key);
    size_t i;
    json_t *s;
    json_array_foreach(v, i, s) {
        if (!json_is_string(s) || json_string_length(s) == 0)
            return xasprintf("\"%s\"[%zu] must be a non-empty string", key, i);
    }
    return NULL;
}

static void set_strv(char ***dst, size_t *n, json_t *v)
{
    free_strv(*dst, *n);
    *n = json_array_size(v);
    *dst = xcalloc(*n ? *n : 1, sizeof(char *));
    for (size_t i = 0; i < *n; i++) {
        char *s = xstrdup(json_string_value(json_array_get(v, i)));
        /* Strip trailing slashes so roots compare as path suffixes. */
        size_t l = strlen(s);
        while (l > 1 && s[l - 1] == '/')
            s[--l] = '\0';
        (*dst)[i] = s;
    }
}

int config_merge(config_t *cfg, json_t *obj, char **err)
{
    char *msg = NULL;
    if (!json_is_object(obj)) {
        msg = xstrdup("configuration must be a JSON object");
        goto fail;
    }
    json_t *roots = json_object_get(obj, "planningRoots");
    json_t *ext = json_object_get(obj, "externalDocs");
    json_t *rules = json_object_get(obj, "rules");
    json_t *tpl = json_object_get(obj, "templates");
    json_t *maxsz = json_object_get(obj, "maxFileSize");
    /* Validate everything first: a bad source changes nothing. */
    if (roots && !json_is_null(roots) && (msg = check_strv(roots, "planningRoots")))
        goto fail;
    if (ext && !json_is_null(ext) && (msg = check_strv(ext, "externalDocs")))
        goto fail;
    if (rules && !json_is_null(rules)) {
        if (!json_is_object(rules)) {
            msg = xstrdup("\"rules\" must be an object of \"PLxxx\": severity");
            goto fail;
        }
        const char *code;
        json_t *v;
        config_sev_t sev;
        json_object_foreach(rules, code, v) {
            if (!valid_code(code)) {
                msg = xasprintf("\"rules\": \"%s\" is not a rule code (expected PL and three digits)", code);
                goto fail;
            }
            if (!json_is_string(v) || !config_sev_parse(json_string_value(v), &sev)) {
                msg = xasprintf("\"rules\".\"%s\" must be \"off\", \"error\", \"warning\", \"info\" or \"hint\"", code);
                goto fail;
            }
        }
    }
    if (tpl && !json_is_null(tpl) && !json_is_string(tpl)) {
        msg = xstrdup("\"templates\" must be a string (a folder)");
        goto fail;
    }
    if (maxsz && !json_is_null(maxsz) && (!json_is_integer(maxsz) || json_integer_value(maxsz) <= 0)) {
        msg = xstrdup("\"maxFileSize\" must be a positive integer (bytes)");
        goto fail;
    }

    if (json_is_array(roots))
        set_strv(&cfg->planning_roots, &cfg->n_planning_roots, roots);
    if (json_is_array(ext))
        set_strv(&cfg->external_docs, &cfg->n_external_docs, ext);
    if (json_is_object(rules)) {
        const char *code;
        json_t *v;
        json_object_foreach(rules, code, v) {
            config_sev_t sev = CONFIG_SEV_DEFAULT;
            config_sev_parse(json_string_value(v), &sev);
            size_t i;
            for (i = 0; i < cfg->n_rules; i++)
                if (strcmp(cfg->rules[i].code, code) == 0)
                    break;
            if (i == cfg->n_rules) {
                util_grow((void **)&cfg->rules, &cfg->cap_rules, cfg->n_rules + 1, sizeof(*cfg->rules));
                snprintf(cfg->rules[i].code, sizeof(cfg->rules[i].code), "%s", code);
                cfg->n_rules++;
            }
            cfg->rules[i].sev = sev;
        }
    }
    if (json_is_string(tpl)) {
        free(cfg->templates_dir);
        cfg->templates_dir = xstrdup(json_string_value(tpl));
    }
    if (json_is_integer(maxsz))
        cfg->max_file_size = (size_t)json_integer_value(maxsz);
    return 0;
fail:
    if (err)
        *err = msg;
    else
        free(msg);
    return -1;
}

int config_merge_text(config_t *cfg, const char *text, size_t len, char **err, int *err_line,
                      int *err_col)
{
    json_error_t jerr;
    if (err_line)
        *err_line = 0;
    if (err_col)
        *err_col = 0;
    json_t *obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj) {
        if (err)
            *err = xasprintf("invalid JSON in .planls.json: %s", jerr.text);
        if (err_line)
            *err_line = jerr.line > 0 ? jerr.line : 0;
        if (err_col)
            *err_col = jerr.column > 0 ? jerr.column : 0;
        return -1;
    }
    int rc = config_merge(cfg, obj, err);
    json_decref(obj);
    return rc;
}
