#!/usr/bin/env python3
"""Generate tests/defects: one small planning folder per planted defect of
the rule catalogue (DESIGN section 2), plus EXPECTED (the diagnostics the
rules must report, file and line) and README.md.

Usage: python3 tests/defects/generate.py tests/defects
Rewrites .engineering/ under the given folder; edit DEFECTS below, then run
it and the `defects` test of tests/test_rules_xref.c."""
import os, shutil, sys

OUT = sys.argv[1]
ROOT = os.path.join(OUT, ".engineering/artifacts/planning")

START = """# Defect Demo - January 2026

**Created:** 2026-01-15
**Status:** Ready for Review

## Executive Summary

Two small features, planned together because the second builds on the first.

## Timeline

**Total:** 3-5h agentic + 2h review

## Success Criteria

- [ ] Both phases implemented

## Document Navigation

| Document | Description |
|----------|-------------|
| [README.md](README.md) | Overview |
| [01-first-plan.md](01-first-plan.md) | Phase 1: First |
| [02-second-plan.md](02-second-plan.md) | Phase 2: Second |

## Priority Order

1. 🔴 **HIGH:** Phase 1 - First
2. 🟠 **MEDIUM:** Phase 2 - Second

## Dependencies

- Phase 2 depends on Phase 1

## Getting Started

1. Read this document
2. Follow the [Work Package Workflow](_work-package.md)
"""

README = """# Defect Demo

**Created:** 2026-01-15
**Status:** Ready for Implementation

## Overview

Two small features, the second building on the first.

## What's Inside

| Document | Description | Status |
|----------|-------------|--------|
| [START-HERE.md](START-HERE.md) | Read this first | ✅ |
| [01-first-plan.md](01-first-plan.md) | Phase 1: First | 📋 Ready |
| [02-second-plan.md](02-second-plan.md) | Phase 2: Second | 📋 Ready |

## Priority Order

| Priority | Phase | Feature |
|----------|-------|---------|
| 🔴 HIGH | Phase 1 | First |
| 🟠 MEDIUM | Phase 2 | Second |

## Getting Started

Read [START-HERE.md](START-HERE.md) first.
"""

PLAN1 = """# Phase 1: First

**Date:** 2026-01-15
**Priority:** HIGH
**Status:** Ready for Implementation
**Estimated Effort:** 1-2h agentic + 1h review

## Overview

The first feature.

## Scope

### In Scope
- The first thing

### Out of Scope
- Everything else

## Dependencies

### Requires (Blockers)
- [ ] Nothing

### Enables (Unlocks)
- Phase 2 depends on this

## Success Criteria

- [ ] The first thing works

## Implementation

Follow the [Work Package Workflow](_work-package.md).

**Next Phase:** [Phase 2: Second](02-second-plan.md)
"""

PLAN2 = """# Phase 2: Second

**Date:** 2026-01-15
**Priority:** MEDIUM
**Status:** Ready for Implementation
**Estimated Effort:** 2-3h agentic + 1h review

## Overview

The second feature.

## Scope

### In Scope
- The second thing

### Out of Scope
- Everything else

## Dependencies

### Requires (Blockers)
- [ ] Phase 1 must be complete

### Enables (Unlocks)
- Nothing further

## Success Criteria

- [ ] The second thing works

## Implementation

Follow the [Work Package Workflow](_work-package.md).

**Next Phase:** None (last phase)
"""

BASE = {"START-HERE.md": START, "README.md": README,
        "01-first-plan.md": PLAN1, "02-second-plan.md": PLAN2}

def rep(text, old, new, count=1):
    assert text.count(old) == count, (old, text.count(old))
    return text.replace(old, new)

# name, folder, edits {file: [(old, new)] or None to delete or str to create},
# expectations [(code, file, marker)] ; marker: text whose first line holds it
DEFECTS = []
def defect(code, folder, edits, expect, note):
    DEFECTS.append((code, folder, edits, expect, note))

defect("PL001", "pl001_no_date", {}, [("PL001", "START-HERE.md", 1)],
       "folder name is not YYYY-MM-DD-kebab-name")
defect("PL002", "2026-01-15-pl002-missing-readme",
       {"README.md": None,
        "START-HERE.md": [("| [README.md](README.md) | Overview |\n", "")]},
       [("PL002", "START-HERE.md", 1), ("PL002", "01-first-plan.md", 1),
        ("PL002", "02-second-plan.md", 1)],
       "README.md is missing (reported on line 1 of every other document)")
defect("PL003", "2026-01-15-pl003-bad-file-name",
       {"3-extra-plan.md": "# Extra\n\nNotes that were meant to become a plan.\n"},
       [("PL003", "3-extra-plan.md", 1)], "`3-extra-plan.md` fits no document kind")
defect("PL004", "2026-01-15-pl004-numbering-gap",
       {"04-RISK-ANALYSIS.md": "# Risk Analysis\n\n**Date:** 2026-01-15\n\n## Risks\n\n- None known\n",
        "START-HERE.md": [("| [02-second-plan.md](02-second-plan.md) | Phase 2: Second |\n",
                           "| [02-second-plan.md](02-second-plan.md) | Phase 2: Second |\n| [04-RISK-ANALYSIS.md](04-RISK-ANALYSIS.md) | Risks |\n")],
        "README.md": [("| [02-second-plan.md](02-second-plan.md) | Phase 2: Second | 📋 Ready |\n",
                       "| [02-second-plan.md](02-second-plan.md) | Phase 2: Second | 📋 Ready |\n| [04-RISK-ANALYSIS.md](04-RISK-ANALYSIS.md) | Risks | ✅ |\n")]},
       [("PL004", "04-RISK-ANALYSIS.md", 1)], "numbering gap: 03 is missing before 04")
defect("PL010", "2026-01-15-pl010-title-number",
       {"02-second-plan.md": [("# Phase 2: Second", "# Phase 3: Second")]},
       [("PL010", "02-second-plan.md", "# Phase 3: Second")], "plan 02 is titled Phase 3")
defect("PL011", "2026-01-15-pl011-missing-field",
       {"02-second-plan.md": [("**Date:** 2026-01-15\n", "")]},
       [("PL011", "02-second-plan.md", 1)], "plan 02 has no **Date:** field")
defect("PL012", "2026-01-15-pl012-invalid-priority",
       {"02-second-plan.md": [("**Priority:** MEDIUM", "**Priority:** Urgent")]},
       [("PL012", "02-second-plan.md", "**Priority:**")], "priority `Urgent`")
defect("PL013", "2026-01-15-pl013-invalid-status",
       {"02-second-plan.md": [("**Status:** Ready for Implementation", "**Status:** Started")]},
       [("PL013", "02-second-plan.md", "**Status:**")], "status `Started`")
defect("PL014", "2026-01-15-pl014-invalid-effort",
       {"02-second-plan.md": [("2-3h agentic + 1h review", "about three hours")]},
       [("PL014", "02-second-plan.md", "**Estimated Effort:**")], "effort `about three hours`")
defect("PL015", "2026-01-15-pl015-invalid-date",
       {"02-second-plan.md": [("**Date:** 2026-01-15", "**Date:** 2026-02-30")]},
       [("PL015", "02-second-plan.md", "**Date:**")], "date 2026-02-30 does not exist")
defect("PL020", "2026-01-15-pl020-missing-section",
       {"02-second-plan.md": [("## Implementation\n\nFollow the [Work Package Workflow](_work-package.md).\n\n", "")]},
       [("PL020", "02-second-plan.md", 1)], "plan 02 has no Implementation section")
defect("PL021", "2026-01-15-pl021-section-order",
       {"02-second-plan.md": [("## Overview\n\nThe second feature.\n\n", ""),
                              ("## Implementation\n", "## Overview\n\nThe second feature.\n\n## Implementation\n")]},
       [("PL021", "02-second-plan.md", "## Overview")], "Overview comes after Success Criteria")
defect("PL022", "2026-01-15-pl022-empty-section",
       {"02-second-plan.md": [("## Overview\n\nThe second feature.\n", "## Overview\n")]},
       [("PL022", "02-second-plan.md", "## Overview")], "empty Overview section")
defect("PL030", "2026-01-15-pl030-placeholder",
       {"02-second-plan.md": [("The second feature.", "The second feature. [Reason]")]},
       [("PL030", "02-second-plan.md", "[Reason]")], "unfilled `[Reason]`")
defect("PL031", "2026-01-15-pl031-no-checklist",
       {"02-second-plan.md": [("- [ ] The second thing works", "- The second thing works")]},
       [("PL031", "02-second-plan.md", "## Success Criteria")], "Success Criteria without checklist")
defect("PL032", "2026-01-15-pl032-complete-unchecked",
       {"02-second-plan.md": [("**Status:** Ready for Implementation", "**Status:** Complete")],
        "SECOND-COMPLETE.md": "# Second - Complete\n\nImplemented the second thing.\n"},
       [("PL032", "02-second-plan.md", "**Status:** Complete")], "Status Complete with an unchecked criterion (SECOND-COMPLETE.md exists, so no hint)")
defect("PL040", "2026-01-15-pl040-broken-link",
       {"02-second-plan.md": [("The second feature.", "The second feature, see [notes](missing-notes.md).")]},
       [("PL040", "02-second-plan.md", "missing-notes.md")], "link to `missing-notes.md`")
defect("PL041", "2026-01-15-pl041-broken-anchor",
       {"02-second-plan.md": [("The second feature.", "The second feature, after [the first](01-first-plan.md#scop).")]},
       [("PL041", "02-second-plan.md", "#scop")], "anchor `#scop` (did you mean #scope?)")
defect("PL042", "2026-01-15-pl042-unknown-phase",
       {"02-second-plan.md": [("- Everything else", "- Deferred to Phase 7")]},
       [("PL042", "02-second-plan.md", "Phase 7")], "`Phase 7` has no plan")
defect("PL043", "2026-01-15-pl043-title-mismatch",
       {"01-first-plan.md": [("[Phase 2: Second]", "[Phase 2: Sekond]")]},
       [("PL043", "01-first-plan.md", "Phase 2: Sekond")], "link text `Phase 2: Sekond`")
defect("PL044", "2026-01-15-pl044-missing-navigation",
       {"README.md": [("| [02-second-plan.md](02-second-plan.md) | Phase 2: Second | 📋 Ready |\n", "")]},
       [("PL044", "README.md", "| Document | Description | Status |")], "02-second-plan.md missing from What's Inside")
defect("PL046", "2026-01-15-pl046-next-phase",
       {"01-first-plan.md": [("**Next Phase:** [Phase 2: Second](02-second-plan.md)", "**Next Phase:** None")]},
       [("PL046", "01-first-plan.md", "**Next Phase:**")], "plan 01's Next Phase does not link 02")
defect("PL050", "2026-01-15-pl050-cycle",
       {"01-first-plan.md": [("- [ ] Nothing", "- [ ] Phase 2 must be complete")]},
       [("PL050", "01-first-plan.md", "- [ ] Phase 2 must be complete"),
        ("PL050", "02-second-plan.md", "- [ ] Phase 1 must be complete"),
        ("PL050", "START-HERE.md", "- Phase 2 depends on Phase 1")],
       "Phase 1 and Phase 2 require each other (every edge reported)")
defect("PL051", "2026-01-15-pl051-priority-mismatch",
       {"START-HERE.md": [("🟠 **MEDIUM:** Phase 2", "🟡 **LOW:** Phase 2")]},
       [("PL051", "START-HERE.md", "**LOW:** Phase 2")], "START-HERE says LOW, plan 02 says MEDIUM")
defect("PL052", "2026-01-15-pl052-order-inversion",
       {"01-first-plan.md": [("- [ ] Nothing", "- [ ] Phase 2 must be complete")],
        "02-second-plan.md": [("- [ ] Phase 1 must be complete", "- [ ] Nothing")],
        "START-HERE.md": [("- Phase 2 depends on Phase 1", "- No internal dependencies")]},
       [("PL052", "01-first-plan.md", "- [ ] Phase 2 must be complete")],
       "Phase 1 requires the later Phase 2")
defect("PL053", "2026-01-15-pl053-timeline-total",
       {"START-HERE.md": [("**Total:** 3-5h agentic + 2h review", "**Total:** 4-5h agentic + 2h review")]},
       [("PL053", "START-HERE.md", "**Total:**")], "total 4-5h, plans add up to 3-5h")
defect("PL055", "2026-01-15-pl055-created-date",
       {"START-HERE.md": [("**Created:** 2026-01-15", "**Created:** 2026-01-14")]},
       [("PL055", "START-HERE.md", "**Created:**")], "Created 2026-01-14 in a 2026-01-15 folder")

if os.path.exists(os.path.join(OUT, ".engineering")):
    shutil.rmtree(os.path.join(OUT, ".engineering"))
os.makedirs(os.path.join(OUT, "docs/workflows"), exist_ok=True)
with open(os.path.join(OUT, "docs/workflows/_work-package.md"), "w") as f:
    f.write("# Work Package Workflow\n\n## Steps\n\n1. Requirements\n2. Implementation\n")
with open(os.path.join(OUT, ".planls.json"), "w") as f:
    f.write('{\n  "externalDocs": ["docs/workflows"]\n}\n')

expected = []
rows = []
for code, folder, edits, expect, note in DEFECTS:
    files = dict(BASE)
    for name, e in edits.items():
        if e is None:
            del files[name]
        elif isinstance(e, str):
            files[name] = e
        else:
            t = files[name]
            for old, new in e:
                t = rep(t, old, new)
            files[name] = t
    d = os.path.join(ROOT, folder)
    os.makedirs(d)
    for name, t in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(t)
    rel = ".engineering/artifacts/planning/" + folder
    places = []
    for c, name, marker in expect:
        if isinstance(marker, int):
            line = marker
        else:
            idx = files[name].index(marker)
            line = files[name].count("\n", 0, idx) + 1
        expected.append(f"{c} {rel}/{name} {line}")
        places.append(f"`{name}`:{line}")
    rows.append(f"| {code} | `{folder}/` | {', '.join(places)} | {note} |")

with open(os.path.join(OUT, "EXPECTED"), "w") as f:
    f.write("# Planted diagnostics: CODE path-relative-to-tests/defects line (1-based).\n")
    f.write("# tests/test_rules_xref.c checks that exactly these are reported.\n")
    f.write("\n".join(expected) + "\n")

with open(os.path.join(OUT, "README.md"), "w") as f:
    f.write("""# tests/defects — one planted defect per rule code

A planning workspace (open it as the workspace root: `.planls.json` here sets
`externalDocs` so that the `_work-package.md` links resolve to
`docs/workflows/`). Under `.engineering/artifacts/planning/` every folder is a
small, otherwise template-conforming planning folder (START-HERE.md,
README.md, `01-first-plan.md`, `02-second-plan.md`) with exactly one defect
planted, so each code of the catalogue (DESIGN §2) fires only where it is
planted.

`EXPECTED` lists every diagnostic the whole catalogue must report here
(`CODE path line`); `tests/test_rules_xref.c` (test `defects`) runs all rules
over this workspace and fails on any missing or additional diagnostic. All of
it is generated by `generate.py` (run `python3 tests/defects/generate.py
tests/defects`): change the defects there, not by hand.

| code | folder | reported at (file:line) | planted defect |
|------|--------|-------------------------|----------------|
""")
    f.write("\n".join(rows) + "\n")
print(len(DEFECTS), "defects")
