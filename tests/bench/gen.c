/* gen: writes a realistic planning workspace for the benchmark — planning
 * folders that follow the workflow's templates (START-HERE, README, two
 * analyses, N plans), with prose, lists, tables, checklists, links and phase
 * references, plus one very long plan. Deterministic: a seeded splitmix64 is
 * the only source of variety. It never writes outside the given root. */
#include "gen.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "planls/buf.h"
#include "planls/util.h"

#define WRAP_COLUMN 78
#define FIRST_PLAN 3 /* analyses are 01 and 02 */

/* ---- randomness ---------------------------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static unsigned rng_range(rng_t *r, unsigned lo, unsigned hi)
{
    return lo + (unsigned)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

#define PICK(r, arr) ((arr)[rng_next(r) % UTIL_ARRAY_LEN(arr)])

/* ---- vocabulary ----------------------------------------------------------- */

static const char *const NOUNS[] = {
    "index", "query", "tenant", "cache", "worker", "pipeline", "schema", "endpoint",
    "token", "session", "report", "dashboard", "queue", "event", "migration", "policy",
    "service", "client", "export", "import", "audit log", "metric", "alert", "backfill",
    "snapshot", "replica", "shard", "batch", "webhook", "invoice", "account", "permission",
    "role", "template", "widget", "ranking", "filter", "payload", "cursor", "timeout",
    "retry budget", "feature flag", "rollout", "release", "test suite", "fixture",
    "read model", "outbox", "scheduler", "connector", "quota", "rate limit", "runbook",
};
static const char *const ADJS[] = {
    "incremental", "tenant-scoped", "idempotent", "versioned", "cached", "asynchronous",
    "batched", "read-only", "public", "internal", "durable", "streaming", "typed", "sharded",
    "regional", "nightly", "manual", "automatic", "structured", "legacy", "new", "shared",
};
static const char *const VERBS[] = {
    "feeds", "replaces", "validates", "stores", "exports", "indexes", "retries", "caches",
    "tracks", "reports", "moves", "splits", "merges", "rebuilds", "measures", "streams",
    "routes", "signs", "throttles", "archives", "deduplicates", "publishes", "reads",
};
static const char *const VERB_BASES[] = {
    "keep", "move", "split", "measure", "rebuild", "cache", "validate", "document",
    "replace", "retire", "version", "batch", "stream", "monitor", "test", "shard",
};
static const char *const OUTCOMES[] = {
    "stay consistent", "never block the write path", "remain cheap to rebuild",
    "are visible on the operations dashboard", "survive a restart",
    "can be replayed safely", "stay under the latency budget", "are reviewed in one sitting",
};
static const char *const IDENTS[] = {
    "tenant_id", "search_v2", "ArticleRepository.search", "revision.published",
    "article.deleted", "max_batch_size", "retry_after", "export_job", "audit_events",
    "usage_counters", "sync_cursor", "POST /api/v2/exports", "GET /api/v1/search",
    "webhook_deliveries", "billing_runs", "feature_flags", "session_store",
};
static const char *const TITLE_A[] = {
    "Billing", "Audit", "Search", "Export", "Webhook", "Session", "Tenant", "Usage",
    "Alerting", "Report", "Cache", "Permission", "Import", "Schema", "Rollout", "Invoice",
    "Quota", "Notification", "Onboarding", "Retention", "Archive", "Identity", "Payment",
};
static const char *const TITLE_B[] = {
    "Pipeline", "API", "Dashboard", "Migration", "Service", "Worker", "Limits", "Policies",
    "Sync", "Backfill", "Reports", "Settings", "Cleanup", "Metrics", "Index", "Gateway",
    "Scheduler", "Connector", "Storage", "Validation", "Ledger", "Templates", "Console",
};
static const char *const PRODUCTS[] = {
    "Beacon", "Harbor", "Juniper", "Lumen", "Meridian", "Northwind", "Orchid", "Quarry",
    "Sable", "Tessera", "Umber", "Vantage", "Willow", "Zephyr",
};
static const char *const MONTHS[] = {
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
};
static const char *const PRIORITIES[] = {"HIGH", "MEDIUM", "LOW"};
static const char *const PRIO_EMOJI[] = {"\xF0\x9F\x94\xB4", "\xF0\x9F\x9F\xA0",
                                         "\xF0\x9F\x9F\xA1"};
static const char *const WORKFLOW_STEPS[] = {
    "Requirements elicitation", "Implementation analysis", "Design and architecture review",
    "Task breakdown and implementation", "Testing and validation",
    "PR creation and completion",
};

/* ---- text helpers --------------------------------------------------------- */

/* Lower-case kebab form of a title ("Query Parser" -> "query-parser"). */
static void kebab(const char *title, char *out, size_t cap)
{
    size_t o = 0;
    bool dash = false;
    for (const char *p = title; *p && o + 2 < cap; p++) {
        char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && o > 0)
                out[o++] = '-';
            dash = false;
            out[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        } else {
            dash = true;
        }
    }
    out[o] = '\0';
}

/* One sentence of plausible engineering prose. */
static void sentence(rng_t *r, buf_t *b)
{
    switch (rng_range(r, 0, 7)) {
    case 0:
        buf_printf(b, "The %s %s %s the %s before the %s %s it.", PICK(r, ADJS),
                   PICK(r, NOUNS), PICK(r, VERBS), PICK(r, NOUNS), PICK(r, NOUNS),
                   PICK(r, VERBS));
        break;
    case 1:
        buf_printf(b, "We %s the %s in the %s %s so that the %ss %s.", PICK(r, VERB_BASES),
                   PICK(r, NOUNS), PICK(r, ADJS), PICK(r, NOUNS), PICK(r, NOUNS),
                   PICK(r, OUTCOMES));
        break;
    case 2:
        buf_printf(b, "Today `%s` %s every %s, which is why large tenants see p95 latencies "
                      "above %u ms.",
                   PICK(r, IDENTS), PICK(r, VERBS), PICK(r, NOUNS), rng_range(r, 180, 1900));
        break;
    case 3:
        buf_printf(b, "A %s %s replaces the %s %s, and **no %s** is lost on the way.",
                   PICK(r, ADJS), PICK(r, NOUNS), PICK(r, ADJS), PICK(r, NOUNS), PICK(r, NOUNS));
        break;
    case 4:
        buf_printf(b, "About %u%% of the %s traffic goes through the %s %s.",
                   rng_range(r, 5, 95), PICK(r, ADJS), PICK(r, NOUNS), PICK(r, NOUNS));
        break;
    case 5:
        buf_printf(b, "The expected impact is that the %s %s within %u seconds and that "
                      "support tickets about the %s drop by a third.",
                   PICK(r, NOUNS), PICK(r, OUTCOMES), rng_range(r, 2, 30), PICK(r, NOUNS));
        break;
    case 6:
        buf_printf(b, "Each %s carries its own `%s`, so a %s %s can be replayed without "
                      "touching the %s.",
                   PICK(r, NOUNS), PICK(r, IDENTS), PICK(r, ADJS), PICK(r, NOUNS), PICK(r, NOUNS));
        break;
    default:
        buf_printf(b, "It is needed because the %s %s the %s *and* the %s on every request.",
                   PICK(r, NOUNS), PICK(r, VERBS), PICK(r, NOUNS), PICK(r, NOUNS));
        break;
    }
}

/* Append text word-wrapped at WRAP_COLUMN, then a newline. */
static void wrap(buf_t *out, const char *text)
{
    size_t col = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t wl = (size_t)(p - w);
        if (wl == 0)
            break;
        if (col > 0 && col + 1 + wl > WRAP_COLUMN) {
            buf_append_char(out, '\n');
            col = 0;
        } else if (col > 0) {
            buf_append_char(out, ' ');
            col++;
        }
        buf_append(out, w, wl);
        col += wl;
    }
    buf_append_char(out, '\n');
}

/* A paragraph of n sentences, wrapped, followed by a blank line. */
static void paragraph(rng_t *r, buf_t *out, unsigned n)
{
    buf_t t = BUF_INIT;
    for (unsigned i = 0; i < n; i++) {
        if (i)
            buf_append_char(&t, ' ');
        sentence(r, &t);
    }
    wrap(out, buf_cstr(&t));
    buf_append_char(out, '\n');
    buf_free(&t);
}

/* A short list item text (no newline). */
static void item_text(rng_t *r, buf_t *b)
{
    switch (rng_range(r, 0, 4)) {
    case 0:
        buf_printf(b, "Support for the %s %s %s", PICK(r, ADJS), PICK(r, NOUNS),
                   PICK(r, NOUNS));
        break;
    case 1:
        buf_printf(b, "`%s` %s the %s", PICK(r, IDENTS), PICK(r, VERBS), PICK(r, NOUNS));
        break;
    case 2:
        buf_printf(b, "%s %s with the %s %s", PICK(r, TITLE_A), PICK(r, NOUNS), PICK(r, ADJS),
                   PICK(r, NOUNS));
        break;
    case 3:
        buf_printf(b, "The %s %s (p95 under %u ms)", PICK(r, NOUNS), PICK(r, OUTCOMES),
                   rng_range(r, 20, 400));
        break;
    default:
        buf_printf(b, "Move the %s %s to the %s", PICK(r, ADJS), PICK(r, NOUNS),
                   PICK(r, NOUNS));
        break;
    }
}

/* ---- the model of a folder ------------------------------------------------ */

typedef struct plan {
    int number;
    char title[64];
    char file[128];
    int prio;          /* index into PRIORITIES */
    unsigned x, y, z;  /* effort: x-yh agentic + zh review */
    int dep1, dep2;    /* phases it requires, -1 for none */
    const char *status;
    const char *why;
} plan_t;

typedef struct folder {
    char name[128];
    char date[16];
    char month_year[32];
    char product[32];
    plan_t *plans;
    unsigned n_plans;
    unsigned long_index;   /* plan made long, or UINT_MAX */
    unsigned long_lines;
} folder_t;

static const char *const WHYS[] = {
    "every later phase builds on it", "top complaint in support tickets",
    "requested by the three largest tenants", "blocks the next release",
    "reduces on-call load", "nice to have; not blocking", "needs data from earlier phases",
    "unblocks the product team's roadmap", "required by the security review",
};

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The calendar date `days` after 2023-01-02, as YYYY-MM-DD; *month gets
 * 0..11 and *year the year. */
static void date_after(unsigned days, char *out, size_t cap, int *month, int *year)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 2023, m = 0, d = 2;
    while (days--) {
        int dim = mdays[m] + (m == 1 && is_leap(y));
        if (++d > dim) {
            d = 1;
            if (++m == 12) {
                m = 0;
                y++;
            }
        }
    }
    snprintf(out, cap, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 12u + 1u,
             (unsigned)d % 32u);
    *month = m;
    *year = y;
}

static void folder_init(folder_t *f, rng_t *r, unsigned index, unsigned n_plans)
{
    int month, year;
    date_after(index * 3 + rng_range(r, 0, 2), f->date, sizeof(f->date), &month, &year);
    snprintf(f->month_year, sizeof(f->month_year), "%s %d", MONTHS[month], year);
    snprintf(f->product, sizeof(f->product), "%s", PICK(r, PRODUCTS));
    char title[64], slug[64];
    snprintf(title, sizeof(title), "%s %s", PICK(r, TITLE_A), PICK(r, TITLE_B));
    kebab(title, slug, sizeof(slug));
    snprintf(f->name, sizeof(f->name), "%s-%s", f->date, slug);
    f->n_plans = n_plans;
    f->plans = xcalloc(n_plans ? n_plans : 1, sizeof(plan_t));
    f->long_index = (unsigned)-1;
    for (unsigned i = 0; i < n_plans; i++) {
        plan_t *p = &f->plans[i];
        p->number = FIRST_PLAN + (int)i;
        snprintf(p->title, sizeof(p->title), "%s %s", PICK(r, TITLE_A), PICK(r, TITLE_B));
        kebab(p->title, slug, sizeof(slug));
        snprintf(p->file, sizeof(p->file), "%02d-%s-plan.md", p->number, slug);
        p->prio = i < n_plans / 3 ? 0 : (int)rng_range(r, 0, 2);
        p->x = rng_range(r, 1, 6);
        p->y = p->x + rng_range(r, 1, 3);
        p->z = rng_range(r, 1, 2);
        p->dep1 = i > 0 ? p->number - 1 : -1;
        p->dep2 = i > 1 && rng_range(r, 0, 2) == 0 ? p->number - 2 : -1;
        p->status = i == 0 ? "In Progress" : "Ready for Implementation";
        p->why = PICK(r, WHYS);
    }
}

static const plan_t *plan_by_number(const folder_t *f, int n)
{
    int i = n - FIRST_PLAN;
    return i >= 0 && (unsigned)i < f->n_plans ? &f->plans[i] : NULL;
}

static void phase_link(buf_t *b, const plan_t *p)
{
    buf_printf(b, "[Phase %d: %s](%s)", p->number, p->title, p->file);
}

/* ---- documents ------------------------------------------------------------ */

static const char NOTE[] =
    "> **Note on Time Estimates:** All effort estimates refer to **agentic (AI-assisted) "
    "development time** plus separate **human review time**.\n\n---\n\n";

/* One "### Step" subsection of the long plan's Implementation section:
 * prose, a list with links and phase references, sometimes a table or a
 * code block. */
static void long_step(rng_t *r, buf_t *b, const folder_t *f, const plan_t *self, unsigned k,
                      char (*slugs)[80])
{
    char title[80];
    snprintf(title, sizeof(title), "Step %u: %s %s", k, PICK(r, TITLE_A), PICK(r, TITLE_B));
    kebab(title, slugs[k], sizeof(slugs[k]));
    buf_printf(b, "### %s\n\n", title);
    paragraph(r, b, rng_range(r, 2, 5));
    unsigned items = rng_range(r, 3, 6);
    for (unsigned i = 0; i < items; i++) {
        buf_append_str(b, "- ");
        item_text(r, b);
        unsigned kind = rng_range(r, 0, 5);
        const plan_t *other = &f->plans[rng_next(r) % f->n_plans];
        if (kind == 0 && other != self) {
            buf_append_str(b, " (see ");
            phase_link(b, other);
            buf_append_str(b, ")");
        } else if (kind == 1 && other != self) {
            buf_printf(b, ", shared with Phase %d", other->number);
        } else if (kind == 2) {
            buf_append_str(b, " ([findings](01-COMPLETION-ANALYSIS.md#key-learnings))");
        } else if (kind == 3 && k > 1) {
            unsigned back = rng_range(r, 1, k - 1);
            buf_printf(b, " (builds on [step %u](#%s))", back, slugs[back]);
        }
        buf_append_char(b, '\n');
    }
    buf_append_char(b, '\n');
    unsigned extra = rng_range(r, 0, 3);
    if (extra == 0) {
        buf_append_str(b, "| Task | Owner | Estimate | Notes |\n|------|-------|----------|-------|\n");
        unsigned rows = rng_range(r, 3, 6);
        for (unsigned i = 0; i < rows; i++)
            buf_printf(b, "| %s %s | %s team | %uh | `%s` |\n", PICK(r, TITLE_A),
                       PICK(r, NOUNS), PICK(r, TITLE_B), rng_range(r, 1, 8), PICK(r, IDENTS));
        buf_append_char(b, '\n');
    } else if (extra == 1) {
        buf_printf(b, "```sql\nSELECT %s, count(*)\n  FROM %s\n WHERE created_at > now() - "
                      "interval '%u days'\n GROUP BY 1;\n```\n\n",
                   "tenant_id", PICK(r, IDENTS), rng_range(r, 1, 30));
    } else if (extra == 2) {
        buf_append_str(b, "Checks for this step:\n\n");
        unsigned n = rng_range(r, 2, 4);
        for (unsigned i = 0; i < n; i++) {
            buf_printf(b, "- [%c] ", rng_range(r, 0, 3) == 0 ? 'x' : ' ');
            item_text(r, b);
            buf_append_char(b, '\n');
        }
        buf_append_char(b, '\n');
    }
}

static size_t count_lines(const buf_t *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++)
        n += b->data[i] == '\n';
    return n;
}

static void doc_plan(rng_t *r, buf_t *b, const folder_t *f, unsigned idx)
{
    const plan_t *p = &f->plans[idx];
    const plan_t *next = plan_by_number(f, p->number + 1);
    buf_printf(b, "# Phase %d: %s\n\n", p->number, p->title);
    buf_printf(b, "**Date:** %s\n**Priority:** %s (%s)\n**Status:** %s\n"
                  "**Estimated Effort:** %u-%uh agentic + %uh review\n\n---\n\n",
               f->date, PRIORITIES[p->prio], p->why, p->status, p->x, p->y, p->z);

    buf_append_str(b, "## Overview\n\n");
    paragraph(r, b, rng_range(r, 1, 3));
    if (rng_range(r, 0, 3) == 0)
        paragraph(r, b, rng_range(r, 1, 2));
    buf_append_str(b, "---\n\n## Context from Analysis\n\n");
    buf_append_str(b, "- ");
    item_text(r, b);
    buf_append_str(b, " ([01-COMPLETION-ANALYSIS.md](01-COMPLETION-ANALYSIS.md#key-learnings))\n- ");
    item_text(r, b);
    buf_append_str(b, " ([02-CONCEPT-LEXICON-ANALYSIS.md](02-CONCEPT-LEXICON-ANALYSIS.md"
                      "#recommendations))\n\n---\n\n");

    buf_append_str(b, "## Scope\n\n### In Scope\n");
    unsigned n = rng_range(r, 2, 4);
    for (unsigned i = 0; i < n; i++) {
        buf_append_str(b, "- ");
        item_text(r, b);
        buf_append_char(b, '\n');
    }
    buf_append_str(b, "\n### Out of Scope\n");
    if (next) {
        buf_append_str(b, "- The follow-up work, which moves to ");
        phase_link(b, next);
        buf_append_char(b, '\n');
    }
    buf_append_str(b, "- ");
    item_text(r, b);
    buf_append_str(b, "\n\n---\n\n## Dependencies\n\n### Requires (Blockers)\n");
    if (p->dep1 < 0)
        buf_printf(b, "- [x] %s %s provisioned by the platform team\n", PICK(r, ADJS),
                   PICK(r, NOUNS));
    if (p->dep1 >= 0)
        buf_printf(b, "- [ ] Phase %d must be complete\n", p->dep1);
    if (p->dep2 >= 0) {
        buf_append_str(b, "- [ ] ");
        phase_link(b, plan_by_number(f, p->dep2));
        buf_append_str(b, " must be complete\n");
    }
    buf_append_str(b, "\n### Enables (Unlocks)\n");
    if (next) {
        buf_append_str(b, "- ");
        phase_link(b, next);
        buf_append_str(b, " depends on this\n");
    } else {
        buf_append_str(b, "- The next planning session starts from this phase\n");
    }

    buf_append_str(b, "\n---\n\n## Success Criteria\n\n");
    n = rng_range(r, 2, 4);
    for (unsigned i = 0; i < n; i++) {
        buf_append_str(b, "- [ ] ");
        item_text(r, b);
        buf_append_char(b, '\n');
    }

    buf_append_str(b, "\n---\n\n## Implementation\n\n"
                      "\xF0\x9F\x91\x89 **Follow the [Work Package Workflow](../_work-package.md)** "
                      "to implement this work package.\n\nThe workflow will guide you through:\n");
    for (size_t i = 0; i < UTIL_ARRAY_LEN(WORKFLOW_STEPS); i++)
        buf_printf(b, "- %s\n", WORKFLOW_STEPS[i]);
    buf_append_char(b, '\n');
    if (idx == f->long_index) {
        /* The long plan: implementation steps until it has enough lines
         * (the footer adds 5). */
        char(*slugs)[80] = NULL;
        size_t cap = 0;
        for (unsigned k = 1; count_lines(b) + 5 < f->long_lines; k++) {
            util_grow((void **)&slugs, &cap, k + 1, sizeof(*slugs));
            long_step(r, b, f, p, k, slugs);
        }
        free(slugs);
    }
    buf_printf(b, "---\n\n**Status:** %s\n", p->status);
    if (next) {
        buf_append_str(b, "**Next Phase:** ");
        phase_link(b, next);
        buf_append_char(b, '\n');
    }
}

static void sum_efforts(const folder_t *f, unsigned *x, unsigned *y, unsigned *z)
{
    *x = *y = *z = 0;
    for (unsigned i = 0; i < f->n_plans; i++) {
        *x += f->plans[i].x;
        *y += f->plans[i].y;
        *z += f->plans[i].z;
    }
}

static void doc_start(rng_t *r, buf_t *b, const folder_t *f)
{
    buf_printf(b, "# %s %s - %s\n\n**Created:** %s\n**Status:** In Progress\n"
                  "**Previous Planning:** None (first planning folder for this area)\n\n%s",
               f->product, f->plans[0].title, f->month_year, f->date, NOTE);
    buf_append_str(b, "## \xF0\x9F\x8E\xAF Executive Summary\n\n");
    paragraph(r, b, rng_range(r, 2, 3));
    paragraph(r, b, rng_range(r, 1, 2));
    buf_append_str(b, "This planning session integrates:\n"
                      "1. **Completion of the previous work** - see "
                      "[01-COMPLETION-ANALYSIS.md](01-COMPLETION-ANALYSIS.md)\n"
                      "2. **Remaining work** from the last release\n"
                      "3. **New features** based on the codebase review in "
                      "[02-CONCEPT-LEXICON-ANALYSIS.md](02-CONCEPT-LEXICON-ANALYSIS.md)\n\n---\n\n");

    buf_append_str(b, "## \xF0\x9F\x93\x8A Progress Since the Last Release\n\n"
                      "### \xE2\x9C\x85 Completed\n\n| Item | Status | PR/ADR | Notes |\n"
                      "|------|--------|--------|-------|\n");
    unsigned n = rng_range(r, 2, 4);
    for (unsigned i = 0; i < n; i++)
        buf_printf(b, "| %s %s | \xE2\x9C\x85 **Complete** | PR #%u | `%s` %s |\n",
                   PICK(r, TITLE_A), PICK(r, TITLE_B), rng_range(r, 100, 999), PICK(r, IDENTS),
                   PICK(r, OUTCOMES));
    buf_printf(b, "\n**Achievement:** ~%u%% of the previous scope completed\n\n---\n\n",
               rng_range(r, 50, 95));

    buf_append_str(b, "### \xF0\x9F\x8E\xAF This Roadmap\n\n**Features to implement:**\n\n");
    for (unsigned i = 0; i < f->n_plans; i++) {
        const plan_t *p = &f->plans[i];
        buf_printf(b, "%u. **Phase %d:** %s - %s %s\n   - Priority: %s\n"
                      "   - Effort: %u-%uh agentic + %uh review\n\n",
                   i + 1, p->number, p->title, PICK(r, ADJS), PICK(r, NOUNS),
                   PRIORITIES[p->prio], p->x, p->y, p->z);
    }

    buf_append_str(b, "---\n\n## \xF0\x9F\x93\x85 Timeline\n\n| Week | Features | Time Estimate |\n"
                      "|------|----------|---------------|\n");
    for (unsigned i = 0; i < f->n_plans; i += 2) {
        const plan_t *p = &f->plans[i];
        if (i + 1 < f->n_plans) {
            const plan_t *q = &f->plans[i + 1];
            buf_printf(b, "| Week %u | Phase %d + Phase %d | %u-%uh agentic + %uh review |\n",
                       i / 2 + 1, p->number, q->number, p->x + q->x, p->y + q->y, p->z + q->z);
        } else {
            buf_printf(b, "| Week %u | Phase %d | %u-%uh agentic + %uh review |\n", i / 2 + 1,
                       p->number, p->x, p->y, p->z);
        }
    }
    unsigned x, y, z;
    sum_efforts(f, &x, &y, &z);
    buf_printf(b, "\n**Total:** %u-%u hours agentic + %u hours review = **%u-%u total hours**\n\n"
                  "---\n\n",
               x, y, z, x + z, y + z);

    buf_append_str(b, "## \xF0\x9F\x8E\xAF Success Criteria\n\n### Overall Success\n"
                      "- [ ] All planned features implemented\n");
    buf_printf(b, "- [ ] Test coverage of the %s packages at or above %u%%\n\n"
                  "### Phase-Specific\n",
               PICK(r, NOUNS), rng_range(r, 70, 90));
    for (unsigned i = 0; i < f->n_plans; i++) {
        buf_printf(b, "- [ ] Phase %d: ", f->plans[i].number);
        item_text(r, b);
        buf_append_char(b, '\n');
    }

    buf_append_str(b, "\n---\n\n## \xF0\x9F\x93\x9A Document Navigation\n\n"
                      "| Document | Description |\n|----------|-------------|\n"
                      "| **[START-HERE.md](START-HERE.md)** | \xF0\x9F\x91\x88 You are here - "
                      "Executive summary |\n"
                      "| [README.md](README.md) | Quick navigation and overview |\n"
                      "| [01-COMPLETION-ANALYSIS.md](01-COMPLETION-ANALYSIS.md) | What the "
                      "previous work delivered |\n"
                      "| [02-CONCEPT-LEXICON-ANALYSIS.md](02-CONCEPT-LEXICON-ANALYSIS.md) | "
                      "Concepts and patterns of the codebase |\n");
    for (unsigned i = 0; i < f->n_plans; i++)
        buf_printf(b, "| [%s](%s) | Phase %d: %s |\n", f->plans[i].file, f->plans[i].file,
                   f->plans[i].number, f->plans[i].title);

    buf_append_str(b, "\n---\n\n## \xF0\x9F\x94\xA5 Priority Order\n\n"
                      "**Implementation sequence:**\n\n");
    for (unsigned i = 0; i < f->n_plans; i++) {
        const plan_t *p = &f->plans[i];
        buf_printf(b, "%u. %s **%s:** Phase %d - %s\n   - Why: %s\n\n", i + 1,
                   PRIO_EMOJI[p->prio], PRIORITIES[p->prio], p->number, p->title, p->why);
    }

    buf_append_str(b, "---\n\n## \xF0\x9F\x93\x8B Dependencies\n\n### External Dependencies\n");
    buf_printf(b, "- [x] %s %s provisioned before Phase %d\n\n### Internal Dependencies\n",
               PICK(r, ADJS), PICK(r, NOUNS), f->plans[0].number);
    for (unsigned i = 0; i < f->n_plans; i++) {
        const plan_t *p = &f->plans[i];
        if (p->dep1 >= 0 && p->dep2 >= 0)
            buf_printf(b, "- Phase %d depends on Phase %d and %d\n", p->number, p->dep2, p->dep1);
        else if (p->dep1 >= 0)
            buf_printf(b, "- Phase %d depends on Phase %d\n", p->number, p->dep1);
    }

    buf_printf(b, "\n---\n\n## \xF0\x9F\x9A\x80 Getting Started\n\n"
                  "**To implement features from this plan:**\n\n"
                  "1. Read this document (START-HERE.md) for context\n"
                  "2. Review the individual plans, from [%s](%s) to [%s](%s)\n"
                  "3. Select the next feature based on priority: ",
               f->plans[0].file, f->plans[0].file, f->plans[f->n_plans - 1].file,
               f->plans[f->n_plans - 1].file);
    phase_link(b, &f->plans[0]);
    buf_printf(b, " is in progress\n4. Follow the [Work Package Workflow](../_work-package.md)\n"
                  "5. Return here after completion to select next feature\n\n---\n\n"
                  "**Status:** In Progress\n**Last Updated:** %s\n",
               f->date);
}

static void doc_readme(rng_t *r, buf_t *b, const folder_t *f)
{
    buf_printf(b, "# %s %s\n\n**Created:** %s\n**Status:** In Progress\n"
                  "**Previous Planning:** None (first planning folder for this area)\n\n%s",
               f->product, f->plans[0].title, f->date, NOTE);
    buf_append_str(b, "## \xF0\x9F\x93\x8B Overview\n\n");
    paragraph(r, b, rng_range(r, 2, 3));
    buf_append_str(b, "---\n\n## \xF0\x9F\x93\x9A What's Inside\n\n"
                      "| Document | Description | Status |\n|----------|-------------|--------|\n"
                      "| **[START-HERE.md](START-HERE.md)** | \xF0\x9F\x91\x88 **Read this first** "
                      "- Executive summary | \xE2\x9C\x85 |\n"
                      "| [01-COMPLETION-ANALYSIS.md](01-COMPLETION-ANALYSIS.md) | What the "
                      "previous work delivered | \xE2\x9C\x85 |\n"
                      "| [02-CONCEPT-LEXICON-ANALYSIS.md](02-CONCEPT-LEXICON-ANALYSIS.md) | "
                      "Concepts and patterns of the codebase | \xE2\x9C\x85 |\n");
    for (unsigned i = 0; i < f->n_plans; i++)
        buf_printf(b, "| [%s](%s) | Phase %d: %s | %s |\n", f->plans[i].file, f->plans[i].file,
                   f->plans[i].number, f->plans[i].title,
                   i == 0 ? "\xF0\x9F\x9A\xA7 In Progress" : "\xF0\x9F\x93\x8B Ready");

    buf_append_str(b, "\n---\n\n## \xF0\x9F\x93\x8A Quick Summary\n\n"
                      "### \xF0\x9F\x8E\xAF What's Next (This Roadmap)\n");
    for (unsigned i = 0; i < f->n_plans; i++)
        buf_printf(b, "- **Phase %d:** %s - %s %s\n", f->plans[i].number, f->plans[i].title,
                   PICK(r, ADJS), PICK(r, NOUNS));
    unsigned x, y, z;
    sum_efforts(f, &x, &y, &z);
    buf_printf(b, "\n**Total:** %u-%u hours agentic + %u hours review = **%u-%u total hours**\n\n"
                  "---\n\n",
               x, y, z, x + z, y + z);

    buf_append_str(b, "## \xF0\x9F\x8E\xAF Priority Order\n\n"
                      "| Priority | Phase | Feature | Effort | Why |\n"
                      "|----------|-------|---------|--------|-----|\n");
    for (unsigned i = 0; i < f->n_plans; i++) {
        const plan_t *p = &f->plans[i];
        buf_printf(b, "| %s %s | Phase %d | %s | %u-%uh | %s |\n", PRIO_EMOJI[p->prio],
                   PRIORITIES[p->prio], p->number, p->title, p->x, p->y, p->why);
    }
    buf_append_str(b, "\n---\n\n## \xF0\x9F\x9A\x80 Getting Started\n\n"
                      "**To implement a feature:**\n\n"
                      "1. Read [START-HERE.md](START-HERE.md) for full context\n"
                      "2. Select feature based on priority\n");
    buf_printf(b, "3. Review detailed plan (e.g., `%s`)\n"
                  "4. Follow [Work Package Workflow](../_work-package.md)\n\n---\n\n"
                  "**Next Step:** \xF0\x9F\x91\x89 Read [START-HERE.md](START-HERE.md)\n",
               f->plans[0].file);
}

static void doc_completion_analysis(rng_t *r, buf_t *b, const folder_t *f)
{
    buf_printf(b, "# Completion Analysis\n\n**Date:** %s\n"
                  "**Purpose:** Assess what was completed since last planning session\n\n"
                  "## Executive Summary\n\n",
               f->date);
    paragraph(r, b, rng_range(r, 2, 3));
    buf_printf(b, "| Metric (%s) | Value | Target for this roadmap |\n"
                  "|--------|-------|-------------------------|\n",
               f->month_year);
    unsigned n = rng_range(r, 2, 4);
    for (unsigned i = 0; i < n; i++)
        buf_printf(b, "| p95 latency of the %s | %u ms | under %u ms |\n", PICK(r, NOUNS),
                   rng_range(r, 300, 2000), rng_range(r, 50, 250));
    buf_append_str(b, "\n## Detailed Completion Status\n\n### \xE2\x9C\x85 Fully Complete\n");
    n = rng_range(r, 2, 3);
    for (unsigned i = 0; i < n; i++) {
        buf_append_str(b, "- ");
        item_text(r, b);
        buf_printf(b, " (PR #%u)\n", rng_range(r, 100, 999));
    }
    buf_append_str(b, "\n### \xE2\x9A\xA0\xEF\xB8\x8F Partially Complete\n- ");
    item_text(r, b);
    buf_append_str(b, "\n\n### \xE2\x9D\x8C Not Started\n- ");
    item_text(r, b);
    buf_append_str(b, "\n\n## Key Learnings\n");
    n = rng_range(r, 2, 3);
    for (unsigned i = 0; i < n; i++) {
        buf_append_str(b, "- ");
        sentence(r, b);
        buf_append_char(b, '\n');
    }
    buf_append_str(b, "\n## Impact on This Roadmap\n\nThe work starts with ");
    phase_link(b, &f->plans[0]);
    buf_append_str(b, ", because every later phase builds on it");
    if (f->n_plans > 1) {
        buf_append_str(b, "; ");
        phase_link(b, &f->plans[f->n_plans - 1]);
        buf_append_str(b, " comes last");
    }
    buf_append_str(b, ".\n");
}

static void doc_lexicon_analysis(rng_t *r, buf_t *b, const folder_t *f)
{
    buf_printf(b, "# Concept Lexicon Analysis\n\n**Date:** %s\n"
                  "**Purpose:** Concepts and patterns of the codebase the plans build on\n\n"
                  "## Core Concepts\n\n| Concept | Meaning | Where |\n"
                  "|---------|---------|-------|\n",
               f->date);
    unsigned n = rng_range(r, 3, 5);
    for (unsigned i = 0; i < n; i++)
        buf_printf(b, "| %s %s | The %s %s | `%s` |\n", PICK(r, TITLE_A), PICK(r, TITLE_B),
                   PICK(r, ADJS), PICK(r, NOUNS), PICK(r, IDENTS));
    buf_append_str(b, "\n## Patterns in Use\n\n");
    paragraph(r, b, rng_range(r, 2, 3));
    buf_append_str(b, "## Recommendations\n");
    n = UTIL_MIN(f->n_plans, 3u);
    for (unsigned i = 0; i < n; i++) {
        buf_append_str(b, "- ");
        item_text(r, b);
        buf_printf(b, " in Phase %d\n", f->plans[i].number);
    }
}

static const char WORK_PACKAGE[] =
    "# Work Package Workflow\n\n"
    "**Purpose:** Implement one work package (a single plan from a planning folder) from "
    "requirements to merged pull request.\n\n"
    "## 1. Requirements Elicitation\n\n- Re-read the plan's Overview, Scope and Success "
    "Criteria.\n- List open questions and settle them with the plan's owner.\n\n"
    "## 2. Implementation Analysis\n\n- Find the modules the change touches and their tests.\n\n"
    "## 3. Design and Architecture Review\n\n- Sketch the design in the pull request.\n\n"
    "## 4. Task Breakdown and Implementation\n\n- Split the work into tasks of one to two "
    "hours.\n\n## 5. Testing and Validation\n\n- Run the full test suite.\n\n"
    "## 6. Pull Request and Completion\n\n- Write the completion report.\n";

/* ---- files ------------------------------------------------------------------ */

static int mkdir_p(const char *path)
{
    char *p = xstrdup(path);
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                rc = -errno;
                fprintf(stderr, "planls-bench: cannot create %s: %s\n", p, strerror(errno));
                break;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    free(p);
    return rc;
}

static int write_file(const char *path, const buf_t *b, gen_result_t *res)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        int e = errno;
        fprintf(stderr, "planls-bench: cannot write %s: %s\n", path, strerror(e));
        return -e;
    }
    size_t n = b->len ? fwrite(b->data, 1, b->len, fp) : 0;
    int rc = 0;
    if (n != b->len || fclose(fp) != 0) {
        rc = -EIO;
        fprintf(stderr, "planls-bench: cannot write %s\n", path);
    }
    res->files++;
    res->bytes += b->len;
    return rc;
}

void gen_opts_default(gen_opts_t *o)
{
    o->folders = 200;
    o->plans = 10;
    o->big_plans = 100;
    o->long_lines = 3600;
    o->seed = 20260302;
}

/* One planning folder: START-HERE, README, two analyses, the plans. */
static int write_folder(const char *planning, rng_t *r, const gen_opts_t *o, unsigned index,
                        gen_result_t *res)
{
    folder_t f;
    unsigned n_plans = index == 0 && o->big_plans > o->plans ? o->big_plans : o->plans;
    if (n_plans == 0)
        n_plans = 1;
    folder_init(&f, r, index, n_plans);
    bool has_long = o->long_lines > 0 && index == (o->folders > 1 ? 1u : 0u);
    if (has_long) {
        f.long_index = n_plans / 2;
        f.long_lines = o->long_lines;
    }
    char *dir = xasprintf("%s/%s", planning, f.name);
    int rc = mkdir_p(dir);
    buf_t b = BUF_INIT;
    for (unsigned k = 0; rc == 0 && k < n_plans + 4; k++) {
        char *path;
        buf_clear(&b);
        if (k == 0) {
            doc_start(r, &b, &f);
            path = xasprintf("%s/START-HERE.md", dir);
            if (index == 0)
                res->big_start = xstrdup(path);
        } else if (k == 1) {
            doc_readme(r, &b, &f);
            path = xasprintf("%s/README.md", dir);
        } else if (k == 2) {
            doc_completion_analysis(r, &b, &f);
            path = xasprintf("%s/01-COMPLETION-ANALYSIS.md", dir);
        } else if (k == 3) {
            doc_lexicon_analysis(r, &b, &f);
            path = xasprintf("%s/02-CONCEPT-LEXICON-ANALYSIS.md", dir);
        } else {
            unsigned i = k - 4;
            doc_plan(r, &b, &f, i);
            path = xasprintf("%s/%s", dir, f.plans[i].file);
            if (has_long && i == f.long_index) {
                res->long_plan = xstrdup(path);
                res->long_plan_lines = (unsigned)count_lines(&b);
            }
            if (index + 1 == o->folders && i + 1 == n_plans)
                res->small_plan = xstrdup(path);
        }
        rc = write_file(path, &b, res);
        free(path);
    }
    free(dir);
    if (index == 0)
        res->big_folder_plans = n_plans;
    buf_free(&b);
    free(f.plans);
    return rc;
}

int gen_workspace(const char *root, const gen_opts_t *o, gen_result_t *res)
{
    memset(res, 0, sizeof(*res));
    res->planning = xasprintf("%s/.engineering/artifacts/planning", root);
    int rc = mkdir_p(res->planning);
    if (rc < 0)
        return rc;
    rng_t r = {o->seed};
    char *path = xasprintf("%s/_work-package.md", res->planning);
    buf_t b = BUF_INIT;
    buf_append_str(&b, WORK_PACKAGE);
    rc = write_file(path, &b, res);
    buf_free(&b);
    free(path);
    for (unsigned i = 0; rc == 0 && i < o->folders; i++)
        rc = write_folder(res->planning, &r, o, i, res);
    res->folders = o->folders;
    return rc;
}

void gen_result_free(gen_result_t *res)
{
    free(res->planning);
    free(res->long_plan);
    free(res->big_start);
    free(res->small_plan);
    memset(res, 0, sizeof(*res));
}
