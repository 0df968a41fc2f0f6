/* Tests for config: defaults, merging order, validation, errors. */
#include <criterion/criterion.h>
#include <string.h>
#include <stdlib.h>

#include "planls/config.h"

Test(config, defaults)
{
    config_t c;
    config_init(&c);
    cr_assert_eq(c.n_planning_roots, 1);
    cr_assert_str_eq(c.planning_roots[0], ".engineering/artifacts/planning");
    cr_assert_eq(c.n_external_docs, 0);
    cr_assert_eq(config_rule_sev(&c, "PL030"), CONFIG_SEV_DEFAULT);
    cr_assert_eq(c.max_file_size, 4u << 20);
    config_free(&c);
}

Test(config, merge_full_file)
{
    config_t c;
    config_init(&c);
    const char *t = "{ \"planningRoots\": [\"docs/planning/\"],"
                    "  \"rules\": { \"PL030\": \"off\", \"PL021\": \"warning\" },"
                    "  \"externalDocs\": [\"docs/workflows\"] }";
    char *err = NULL;
    cr_assert_eq(config_merge_text(&c, t, strlen(t), &err, NULL, NULL), 0);
    cr_assert_null(err);
    cr_assert_eq(c.n_planning_roots, 1);
    cr_assert_str_eq(c.planning_roots[0], "docs/planning"); /* trailing slash dropped */
    cr_assert_str_eq(c.external_docs[0], "docs/workflows");
    cr_assert_eq(config_rule_sev(&c, "PL030"), CONFIG_SEV_OFF);
    cr_assert_eq(config_rule_sev(&c, "PL021"), CONFIG_SEV_WARNING);
    cr_assert_eq(config_rule_sev(&c, "PL012"), CONFIG_SEV_DEFAULT);
    config_free(&c);
}

Test(config, later_sources_win_per_rule)
{
    config_t c;
    config_init(&c);
    json_t *a = json_pack("{s:{s:s,s:s}}", "rules", "PL030", "off", "PL021", "error");
    json_t *b = json_pack("{s:{s:s}}", "rules", "PL030", "hint");
    cr_assert_eq(config_merge(&c, a, NULL), 0);
    cr_assert_eq(config_merge(&c, b, NULL), 0);
    cr_assert_eq(config_rule_sev(&c, "PL030"), CONFIG_SEV_HINT);
    cr_assert_eq(config_rule_sev(&c, "PL021"), CONFIG_SEV_ERROR); /* kept */
    cr_assert_eq(c.n_rules, 2);
    json_decref(a);
    json_decref(b);
    config_free(&c);
}

Test(config, bad_values_change_nothing)
{
    config_t c;
    config_init(&c);
    const char *bad[] = {
        "{\"planningRoots\": \"x\"}",
        "{\"planningRoots\": [1]}",
        "{\"rules\": {\"PL030\": \"loud\"}}",
        "{\"rules\": {\"XX1\": \"off\"}}",
        "{\"rules\": []}",
        "{\"externalDocs\": [\"\"]}",
        "{\"maxFileSize\": -3}",
        "[1,2]",
        "{\"rules\": {\"PL030\": \"off\"}, \"planningRoots\": 7}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *err = NULL;
        cr_assert_eq(config_merge_text(&c, bad[i], strlen(bad[i]), &err, NULL, NULL), -1, "%s", bad[i]);
        cr_assert_not_null(err);
        free(err);
    }
    /* Nothing half-applied, in particular not PL030 from the last one. */
    cr_assert_eq(config_rule_sev(&c, "PL030"), CONFIG_SEV_DEFAULT);
    cr_assert_str_eq(c.planning_roots[0], ".engineering/artifacts/planning");
    config_free(&c);
}

Test(config, syntax_error_position)
{
    config_t c;
    config_init(&c);
    const char *t = "{\n  \"rules\": {\n    \"PL030\": off\n  }\n}";
    char *err = NULL;
    int line = 0, col = 0;
    cr_assert_eq(config_merge_text(&c, t, strlen(t), &err, &line, &col), -1);
    cr_assert_eq(line, 3);
    cr_assert_gt(col, 0);
    cr_assert(strstr(err, "invalid JSON") != NULL, "%s", err);
    free(err);
    config_free(&c);
}

Test(config, unknown_keys_ignored_and_copy)
{
    config_t c, d;
    config_init(&c);
    const char *t = "{\"future\": true, \"rules\": {\"PL001\": \"info\"}, \"templates\": \"tpl\"}";
    cr_assert_eq(config_merge_text(&c, t, strlen(t), NULL, NULL, NULL), 0);
    config_copy(&d, &c);
    config_free(&c);
    cr_assert_eq(config_rule_sev(&d, "PL001"), CONFIG_SEV_INFO);
    cr_assert_str_eq(d.templates_dir, "tpl");
    config_free(&d);
}

Test(config, severity_names)
{
    config_sev_t s;
    cr_assert(config_sev_parse("Warning", &s));
    cr_assert_eq(s, CONFIG_SEV_WARNING);
    cr_assert(config_sev_parse("information", &s));
    cr_assert_eq(s, CONFIG_SEV_INFO);
    cr_assert_not(config_sev_parse("fatal", &s));
    cr_assert_str_eq(config_sev_name(CONFIG_SEV_OFF), "off");
}

Test(config, equal_ignores_rule_order_and_sees_every_field)
{
    config_t a, b;
    config_init(&a);
    config_init(&b);
    json_t *ja = json_pack("{s:{s:s,s:s}}", "rules", "PL030", "off", "PL021", "info");
    json_t *jb = json_pack("{s:{s:s,s:s}}", "rules", "PL021", "info", "PL030", "off");
    config_merge(&a, ja, NULL);
    config_merge(&b, jb, NULL);
    cr_assert(config_equal(&a, &b));
    json_t *jc = json_pack("{s:[s]}", "externalDocs", "docs");
    config_merge(&b, jc, NULL);
    cr_assert_not(config_equal(&a, &b));
    json_decref(ja);
    json_decref(jb);
    json_decref(jc);
    config_free(&a);
    config_free(&b);
}
