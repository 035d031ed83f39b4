"""Requirements: edit the PSR (tender, services, requirements, evaluation) and save it as a new version."""

from __future__ import annotations

import copy
import datetime as dt
import json
from functools import partial
from typing import Any

import streamlit as st

from slm_psr.engine.methods import CRITERION_WORDS, METHODS
from slm_psr.engine.price import FORMULAS
from slm_psr.model import (
    Direction,
    Kind,
    PriceBasis,
    Rule,
)
from slm_psr.psr_file import PSRFileError, dumps_psr, loads_psr
from slm_psr.psr_merge import MINE, THEIRS, describe, merge
from slm_psr.service import saving
from slm_psr.ui import ahp, state
from slm_psr.ui.add_requirement import add_form
from slm_psr.ui.tables import (
    LOT_COLUMNS,
    REQUIREMENT_COLUMNS,
    SERVICE_COLUMNS,
    plan_words,
    psr_tables,
    route_errors,
    tables_to_data,
    validate_tables,
)

METHOD_LABELS = {m.value: entry.label for m, entry in METHODS.items()}
FORMULA_LABELS = {f.value: entry.title for f, entry in FORMULAS.items()}
CRITERION_LABELS = {c.value: words.removeprefix("the ") for c, words in CRITERION_WORDS.items()}
RULE_LABELS = {
    Rule.LINEAR.value: "linear minimum → target",
    Rule.STEPS.value: "step table",
    Rule.DOWNTIME.value: "allowed downtime",
    Rule.PASS_FAIL.value: "pass / fail",
    Rule.EXTRAS.value: "share of extra languages",
    Rule.EVALUATORS.value: "evaluators' scores",
    Rule.NONE.value: "knock-out only",
}

# The grid shows what a buyer fills in first (minimum and target beside the text), the rest after.
FIRST = ["id", "service", "text", "kind", "minimum", "target", "weight"]
GRID_ORDER = [*FIRST, *(c for c in REQUIREMENT_COLUMNS if c not in FIRST)]

ss = st.session_state
project = state.need_project()


def fresh_draft() -> dict:
    tables = psr_tables(project.psr)
    return {
        "project_id": project.id,
        "version": project.psr_version,
        "tables": tables,
        "saved": copy.deepcopy(tables),
        "gen": ss.get("draft_gen", 0) + 1,
    }


def start_draft(tables: dict | None = None) -> None:
    ss.draft = fresh_draft()
    ss.draft_gen = ss.draft["gen"]
    if tables is not None:
        ss.draft["tables"] = tables


def as_json(tables: dict) -> str:
    return json.dumps(tables_to_data(tables)[0], sort_keys=True, default=str)


kept_draft = ss.get("draft")
if kept_draft is None or kept_draft["project_id"] != project.id:
    start_draft()
draft: dict[str, Any] = ss.draft
gen = draft["gen"]
tables = draft["tables"]


def bound(widget, label: str, section: str, field: str, to_widget=lambda v: v, from_widget=lambda v: v, **kw):
    """A widget over one draft field that survives switching pages (re-seeded from the draft)."""
    key = f"{section}.{field}.{gen}"
    if key not in ss:
        ss[key] = to_widget(tables[section].get(field))
    tables[section][field] = from_widget(widget(label, key=key, **kw))


def editor(name: str, columns: list[str], column_config: dict, options_key: str = "", rows: int = 15) -> None:
    """A draft table; its key changes with a new draft or new drop-down options (service IDs)."""
    tables[name] = state.table_editor(
        name,
        tables[name],
        columns,
        f"{name}.editor.{gen}.{options_key}",
        num_rows="dynamic",
        column_config=column_config,
        width="stretch",
        rows_in_view=rows,
    )


def added(rid: str) -> None:
    """A requirement came from the form: redraw the tables from the draft (a new widget generation)."""
    ss.draft_gen = ss.get("draft_gen", 0) + 1
    draft["gen"] = ss.draft_gen
    st.toast(f"Added {rid}; save when the tender is complete", icon=":material/add_task:")
    st.rerun()


def show_errors(errors: list[str], ok: str) -> None:
    if errors:
        st.error("\n".join(f"- {e}" for e in errors), icon=":material/error:")
    else:
        st.success(ok, icon=":material/check_circle:")


state.header(
    "Requirements",
    "What you ask of the suppliers, the PSR: services with their weights, each requirement with its minimum "
    "(a knock-out, published in advance) and its target (full points), and how bids are compared.",
)

bar = st.container()

with st.expander("Load or download a PSR file", icon=":material/file_open:"):
    c1, c2 = st.columns(2)
    upload = c1.file_uploader(
        "Load a PSR file (.json); it replaces the tables below until you save",
        type=["json"],
        key=f"psr_upload.{gen}",
    )
    if upload is not None:
        try:
            loaded = loads_psr(upload.getvalue(), source=upload.name)
        except PSRFileError as exc:
            c1.error(f"{upload.name} is not a valid PSR:\n" + "\n".join(f"- {e}" for e in exc.errors))
        else:
            start_draft(psr_tables(loaded))
            st.rerun()
    c2.download_button(
        f"Download the saved PSR (version {project.psr.version})",
        data=dumps_psr(project.psr),
        file_name=f"{project.psr.id}-v{project.psr.version}.json",
        mime="application/json",
        icon=":material/download:",
        key="download_psr",
    )

# --- the tender ------------------------------------------------------------------------
st.subheader("Tender")
t1, t2 = st.columns([3, 1])
with t1:
    a, b, c = st.columns([1, 2, 2])
    bound(a.text_input, "PSR ID", "meta", "id")
    bound(b.text_input, "Title", "meta", "title")
    bound(c.text_input, "Buyer", "meta", "buyer")
    a, b, c = st.columns([1, 2, 2])
    bound(a.text_input, "Currency", "meta", "currency", max_chars=3, help="ISO code, e.g. EUR, CHF")
    bound(b.number_input, "Contract term (months)", "meta", "term_months", min_value=1, max_value=240, step=1)
    bound(
        c.date_input,
        "Deadline for answers",
        "meta",
        "deadline",
        to_widget=lambda v: dt.date.fromisoformat(v) if isinstance(v, str) else v,
        from_widget=lambda v: v.isoformat() if v else None,
    )
meta_problems = t2.container()

# --- services ---------------------------------------------------------------------------
st.subheader("Services")
s1, s2 = st.columns([3, 1])
with s1:
    editor(
        "services",
        SERVICE_COLUMNS,
        {
            "id": st.column_config.TextColumn("ID", required=True, max_chars=32, help="Short code, e.g. SD"),
            "name": st.column_config.TextColumn("Service", required=True),
            "weight": st.column_config.NumberColumn(
                "Weight", min_value=0.01, step=1.0, default=1.0, help="How much this service counts"
            ),
            "description": st.column_config.TextColumn("Scope", width="large"),
        },
        rows=5,
    )
with s2:
    weights = [r.get("weight") or 0 for r in tables["services"] if r.get("id")]
    total = sum(w for w in weights if w == w)
    if total:
        st.caption(
            "Share of quality points: "
            + ", ".join(
                f"{r['id']} {100 * (r.get('weight') or 0) / total:.0f} %"
                for r in tables["services"]
                if r.get("id")
            )
        )
    service_problems = st.container()

# --- requirements -----------------------------------------------------------------------
st.subheader("Requirements")
st.caption(
    "Minimum and target in the requirement's terms: availability `99.5`, time `4` (in the unit), "
    "coverage `24/7` or `Mon-Fri 08:00-18:00`, languages `de, en, fr` (target: desirable extras), "
    "yes/no `yes`. Steps: `answer → points`, e.g. `60 → 4; 70 → 7; 75 → 10`."
)
service_ids = [str(r["id"]) for r in tables["services"] if r.get("id") and r["id"] == r["id"]]
r1, r2 = st.columns([3, 1])
with r1:
    add_form(tables, service_ids, added)
    st.caption("All requirements, for bulk edits: add, change or delete rows here.")
    editor(
        "requirements",
        GRID_ORDER,
        {
            "id": st.column_config.TextColumn("ID", required=True, max_chars=32, pinned=True),
            "service": st.column_config.SelectboxColumn("Service", options=service_ids, required=True),
            "text": st.column_config.TextColumn("Requirement", width="medium", required=True),
            "kind": st.column_config.SelectboxColumn(
                "Kind",
                options=[k.value for k in Kind],
                format_func=lambda v: Kind(v).label,
                required=True,
            ),
            "unit": st.column_config.TextColumn(
                "Unit", help="Time limits: minutes, hours or business_days; numbers and prices: free text"
            ),
            "direction": st.column_config.SelectboxColumn(
                "Better is", options=[d.value for d in Direction], format_func=lambda v: str(v).split("_")[0]
            ),
            "minimum": st.column_config.TextColumn("Minimum (knock-out)"),
            "target": st.column_config.TextColumn("Target (full points)"),
            "rule": st.column_config.SelectboxColumn(
                "Scoring", options=[r.value for r in Rule], format_func=lambda v: RULE_LABELS[str(v)]
            ),
            "steps": st.column_config.TextColumn("Steps"),
            "weight": st.column_config.NumberColumn("Weight", min_value=0.0, step=1.0, default=1.0),
            "price_basis": st.column_config.SelectboxColumn(
                "Price basis",
                options=[p.value for p in PriceBasis],
                format_func=lambda v: str(v).replace("_", "-"),
            ),
            "quantity": st.column_config.NumberColumn("Quantity", min_value=0.0001, default=1.0),
            "options": st.column_config.NumberColumn(
                "Level options",
                min_value=0,
                max_value=3,
                step=1,
                help="How many other levels a supplier may offer, each at a monthly price difference (0-3)",
            ),
        },
        options_key="-".join(service_ids),
        rows=15,
    )
requirement_problems = r2.container()

# --- lots -------------------------------------------------------------------------------
st.subheader("Lots")
st.caption(
    "To award the tender in lots (to different suppliers), list the lots and the IDs of the services each "
    "holds, e.g. `SD` or `HO, NW`; a service belongs to one lot at most, and services in no lot (such as "
    "the contract terms) count in every lot. Leave the table empty to award everything as a whole."
)
l1, l2 = st.columns([3, 1])
with l1:
    editor(
        "lot_rows",
        LOT_COLUMNS,
        {
            "id": st.column_config.TextColumn("ID", required=True, max_chars=32, help="Short code, e.g. HO"),
            "name": st.column_config.TextColumn("Lot", help="The lot's name, e.g. Hosting"),
            "services": st.column_config.TextColumn(
                "Services", required=True, help=f"Service IDs, separated by commas: {', '.join(service_ids)}"
            ),
            "weight": st.column_config.NumberColumn(
                "Weight", min_value=0.01, help="In the award's total value; empty: its services' weights"
            ),
            "volume": st.column_config.NumberColumn(
                "Volume", min_value=0.0, help="For the share rule; empty: the lot's weight"
            ),
            "availability": st.column_config.TextColumn(
                "Availability for the chain", help="The requirement that stands for the lot; empty: its first"
            ),
        },
        rows=5,
    )
    for line in plan_words(tables):
        st.caption(line)
lot_problems = l2.container()

# --- evaluation -------------------------------------------------------------------------
st.subheader("Evaluation method")
e1, e2 = st.columns([3, 1])
ev = tables["evaluation"]
with e1:
    a, b = st.columns(2)
    bound(
        a.selectbox,
        "Method",
        "evaluation",
        "method",
        options=list(METHOD_LABELS),
        format_func=METHOD_LABELS.get,
    )
    bound(
        b.selectbox,
        "Price points",
        "evaluation",
        "price_formula",
        options=list(FORMULA_LABELS),
        format_func=FORMULA_LABELS.get,
    )
    a, b, c = st.columns(3)
    bound(
        a.number_input, "Quality weight", "evaluation", "quality_weight", min_value=0.0, step=5.0, format="%g"
    )
    bound(b.number_input, "Price weight", "evaluation", "price_weight", min_value=0.0, step=5.0, format="%g")
    bound(c.number_input, "Maximum points", "evaluation", "max_points", min_value=1.0, step=10.0, format="%g")
    formula = FORMULAS.get(ev.get("price_formula"))  # type: ignore[call-overload]
    if formula and formula.parameters:  # the numbers this formula reads, from its registry entry
        for column, parameter in zip(st.columns(len(formula.parameters)), formula.parameters, strict=True):
            bound(column.number_input, parameter.label, "evaluation", parameter.setting, min_value=0.0)
    method = METHODS.get(ev.get("method"))  # type: ignore[call-overload]
    if method and method.band:  # the tolerance band and the criterion that decides inside it
        a, b = st.columns(2)
        bound(
            a.slider,
            "Tolerance band s (share below the best Z)",
            "evaluation",
            "tolerance",
            min_value=0.0,
            max_value=0.10,
            step=0.01,
            format="%.2f",
        )
        bound(
            b.selectbox,
            "Among the finalists, choose by",
            "evaluation",
            "decision_criterion",
            options=list(CRITERION_LABELS),
            format_func=CRITERION_LABELS.get,
        )
    stated = ev.get("two_envelopes")  # None (not stated) applies it; kept as it was when left on
    bound(
        st.toggle,
        "Two-envelope procedure: prices stay sealed until the quality scores are frozen",
        "evaluation",
        "two_envelopes",
        to_widget=lambda v: v is not False,
        from_widget=lambda on: (True if stated is True else None) if on else False,
        help="With accounts (a team), nobody sees a price, the lead buyer included, until the lead has "
        "frozen the quality scores and opened the price envelope. Off: prices are read openly. Without "
        "accounts (single-user mode) prices are always shown.",
    )
    with st.expander("More settings"):
        a, b = st.columns(2)
        bound(
            a.number_input,
            "Hours in a business day",
            "evaluation",
            "hours_per_business_day",
            min_value=1.0,
            max_value=24.0,
        )
        bound(
            b.number_input,
            "Flag evaluator scores further apart than",
            "evaluation",
            "evaluator_spread",
            min_value=0.0,
            max_value=10.0,
        )
evaluation_problems = e2.container()

# --- after every table took this run's edits: check, then the save bar ------------------
psr_new, errors = validate_tables(tables)
routed = route_errors(errors)
dirty = draft["dirty"] = as_json(tables) != as_json(draft["saved"])
if not dirty and draft["version"] != project.psr_version:
    # Someone saved a version meanwhile and nothing is typed here: show theirs. Checked
    # only now, after the widgets gave this run's edits, so a first edit is never dropped.
    start_draft()
    st.rerun()
state.warn_before_leaving(dirty)
with meta_problems:
    show_errors(routed["meta"], "The tender details are complete.")
with service_problems:
    show_errors(routed["services"], "Services are fine.")
with requirement_problems:
    show_errors(
        routed["requirements"],
        f"{len(psr_new.requirements) if psr_new else len(tables['requirements'])} requirements, all readable.",
    )
with evaluation_problems:
    show_errors(routed["evaluation"], "The evaluation method is complete.")
with lot_problems:
    lot_count = len(psr_new.lots.lots) if psr_new and psr_new.lots else 0
    show_errors(
        routed["lots"], f"{lot_count} lots, all readable." if lot_count else "No lots: awarded as a whole."
    )

with bar.container(border=True):
    left, mid, right = st.columns([2, 1, 1], vertical_alignment="center")
    if errors:
        left.warning(
            f"{len(errors)} problem(s) to fix before this PSR can be saved (shown beside each table)."
        )
    elif dirty and project.psr_version != draft["version"]:
        left.warning(
            f"Unsaved changes to PSR version {draft['version']}, but version {project.psr_version} was saved "
            "meanwhile by someone else. Saving shows their changes and merges them with yours."
        )
    elif dirty:
        left.info(
            f"Unsaved changes to PSR version {draft['version']}. Save them as version {draft['version'] + 1}."
        )
    else:
        left.success(f"PSR {project.psr.id} version {project.psr_version} is saved.")
    name = state.user()
    if mid.button(
        f"Save as version {draft['version'] + 1}",
        type="primary",
        disabled=bool(errors) or not dirty or not name,
        help=None if name else "Type your name in the sidebar first",
        key="save_psr",
        width="stretch",
    ):
        if project.psr_version != draft["version"]:
            newer = state.store().psr_versions(project.id)[-1]
            ss.psr_conflict = {"by": newer.saved_by, "at": newer.saved_at}
        else:
            assert psr_new is not None  # the button is disabled while the tables have errors
            try:  # a colleague's save a moment ago is merged in unless it changed the same fields
                saved = saving.save_psr(
                    state.store(), project.id, psr_new, base_version=draft["version"],
                    expected_revision=project.revision, user=name,
                )  # fmt: skip
            except saving.PSRClash:  # show both sides and let the buyer choose
                newer = state.store().psr_versions(project.id)[-1]
                ss.psr_conflict = {"by": newer.saved_by, "at": newer.saved_at}
                st.rerun()
            except state.Conflict as exc:  # the project kept changing: save again
                st.error(f"Not saved: {exc}", icon=":material/sync_problem:")
            except state.StoreError as exc:  # e.g. the project is archived
                st.error(f"Not saved: {exc}", icon=":material/error:")
            else:
                ss.pop("psr_conflict", None)
                ss.pop("draft", None)
                merged = ", with a colleague's version saved meanwhile merged in" if saved.merged else ""
                st.toast(f"Saved PSR version {saved.version}{merged}", icon=":material/save:")
                st.rerun()
    if right.button("Discard changes", disabled=not dirty, key="discard_psr", width="stretch"):
        start_draft()
        st.rerun()
    if not name and dirty:
        st.caption("Type your name in the sidebar to save: every version is recorded with who saved it.")


def side_words(clash: Any, by: str, side: str) -> str:
    """A side of a field both changed, in words: 'yours: 4 hours' or "Ben's: 8 hours"."""
    return f"yours: {describe(clash.mine)}" if side == MINE else f"{by}'s: {describe(clash.theirs)}"


conflict = ss.get("psr_conflict")
if conflict and project.psr_version == draft["version"]:
    ss.pop("psr_conflict")  # settled meanwhile (merged or discarded)
elif conflict:
    theirs = psr_tables(project.psr)
    result = merge(draft["saved"], tables, theirs)
    # the choices made in the radios below (a widget's value is in the session before it is drawn)
    choices: dict[str, str] = {
        c.key: chosen for c in result.clashes if (chosen := ss.get(f"clash.{c.key}.{project.psr_version}"))
    }
    result = merge(draft["saved"], tables, theirs, choices)
    with bar.container(border=True):
        st.error(
            f"Not saved: {conflict['by']} saved PSR version {project.psr_version} at "
            f"{conflict['at']:%H:%M} UTC after you started editing version {draft['version']}. "
            "Your edits are still here. Their changes are listed below; those that do not touch "
            "what you changed are merged into your edits.",
            icon=":material/sync_problem:",
        )
        clashing = {c.key for c in result.clashes}
        merged_lines = [
            f"- {c.where}: {describe(c.before)} → **{describe(c.after)}**"
            for c in result.theirs
            if c.key not in clashing
        ]
        if merged_lines:
            st.markdown("**Their changes, merged into yours**\n" + "\n".join(merged_lines))
        if result.clashes:
            st.markdown(f"**You both changed {len(result.clashes)} field(s): choose which wins**")
        for clash in result.clashes:
            st.radio(
                clash.where,
                [MINE, THEIRS],
                index=None,
                key=f"clash.{clash.key}.{project.psr_version}",
                format_func=partial(side_words, clash, conflict["by"]),
                horizontal=True,
            )
        c1, c2 = st.columns(2)
        if c1.button(
            f"Merge, then review and save as version {project.psr_version + 1}",
            key="conflict_merge",
            type="primary",
            disabled=bool(result.unresolved),
            help="Choose a side for every field you both changed first" if result.unresolved else None,
        ):
            ss.pop("psr_conflict")
            start_draft(result.tables)
            st.rerun()
        if c2.button(f"Discard my edits and load version {project.psr_version}", key="conflict_theirs"):
            ss.pop("psr_conflict")
            start_draft()
            st.rerun()

ahp.render(project)

state.next_step("requirements")
