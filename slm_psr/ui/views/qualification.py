"""Qualification: who passed the knock-outs, who is disqualified and why, and overrides with a justification."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from slm_psr.engine import DISQUALIFIED, GATE_WORDS, NEEDS_REVIEW, QUALIFIED
from slm_psr.model import priced_kinds
from slm_psr.sanitise import markdown_text
from slm_psr.ui import compute, state
from slm_psr.ui.compute import evaluation_or_stop

ss = st.session_state
project = state.need_project()
store = state.store()

state.header(
    "Qualification",
    "The knock-out gate: a bid that misses any published minimum is disqualified; a doubtful answer to a "
    "minimum keeps the bid in review until you decide. Only qualified bids are compared.",
)
state.psr_change_banner(project)
state.need_responses(project)

ev = evaluation_or_stop(project)
suppliers = ev.suppliers
counts = suppliers.status.value_counts()
a, b, c = st.columns(3)
a.metric(QUALIFIED.word.capitalize(), int(counts.get(QUALIFIED, 0)))
b.metric(NEEDS_REVIEW.word.capitalize(), int(counts.get(NEEDS_REVIEW, 0)))
c.metric(DISQUALIFIED.word.capitalize(), int(counts.get(DISQUALIFIED, 0)))

out = suppliers[suppliers.status == DISQUALIFIED]
review = suppliers[suppliers.status == NEEDS_REVIEW]
passed = suppliers[suppliers.status == QUALIFIED]


def bidder(row, icon: str, many: bool) -> None:
    """One bidder with its reasons: a box each, or a folded line each when there are many."""
    # Supplier text (names, file names, offered values in reasons) is escaped: never Markdown.
    reasons = "\n".join(f"- {markdown_text(reason)}" for reason in row.reasons)
    box = (
        st.expander(f"{markdown_text(row.supplier)} ({len(row.reasons)} reason(s))", icon=icon)
        if many
        else st.container(border=True)
    )
    with box:
        if not many:
            st.markdown(f"{icon} **{markdown_text(row.supplier)}** ({markdown_text(row.file)})")
        st.markdown(reasons)
        if row.override:
            st.caption(f"Override: {markdown_text(row.override)}")


if len(out):
    st.subheader("Disqualified, and why")
    st.caption("Each reason is written so that it can go into the rejection letter as it is.")
    for _, row in out.iterrows():
        bidder(row, ":material/cancel:", len(out) > 8)
if len(review):
    st.subheader("Needs review")
    st.caption("Confirm the value with the supplier, then accept or reject below (with a justification).")
    for _, row in review.iterrows():
        bidder(row, ":material/flag:", len(review) > 8)
if len(passed):
    st.subheader("Qualified")
    st.markdown(", ".join(f"**{markdown_text(name)}**" for name in passed.supplier))
    overridden = passed[passed.override.astype(bool)]
    for _, row in overridden.iterrows():
        st.caption(f"{markdown_text(row.supplier)}: {markdown_text(row.override)}")

# --- the matrix ----------------------------------------------------------------------
st.subheader("Minimums met, supplier by supplier")
scores = ev.scores
knock_outs = scores[scores["gate"].isin(GATE_WORDS) & ~scores["kind"].isin(priced_kinds())].copy()
if knock_outs.empty:
    st.caption("This PSR has no minimums, so every readable bid qualifies.")
else:
    # the engine's gate word per cell; an unanswered minimum is shown apart from a miss
    knock_outs["result"] = [
        "missing" if gate == "fail" and "missing" in flags else gate
        for gate, flags in zip(knock_outs["gate"], knock_outs["flags"], strict=True)
    ]
    knock_outs["detail"] = [
        f"{r} (offered {o}; minimum {m})"
        for r, o, m in zip(knock_outs.result, knock_outs.offered, knock_outs.minimum, strict=True)
    ]
    order = {name: i for i, name in enumerate(suppliers.supplier)}
    knock_outs = knock_outs.sort_values("supplier", key=lambda s: s.map(order), kind="stable")
    compute.chart(
        "qualification_matrix", knock_outs[["supplier", "requirement", "result", "offered", "detail"]]
    )
    st.caption(
        "Green: meets the minimum · red: below it · amber: doubtful, to review · brown: not answered · light green/red: accepted/excluded by an override. Hover a cell for the offered value."
    )

# --- overrides -----------------------------------------------------------------------
st.subheader("Override the gate")
st.caption(
    "Your decision overrules the rule for one requirement (or, rarely, the whole bid). To settle a doubtful "
    "value as read or corrected, use 'Settle a flagged value' on the Responses page. An override needs a justification "
    "and goes on record with your name, in the audit trail and the comparison workbook."
)
names = suppliers.supplier.tolist()
default = next((i for i, s in enumerate(suppliers.status) if s != QUALIFIED), 0)
knock_out_ids = [r.id for r in project.psr.requirements if r.is_knock_out]
left, mid, right = st.columns(3)
supplier = state.kept(left.selectbox, "Supplier", "override_supplier", names[default], options=names)
# The requirements this bid failed or left in doubt come first: an override is per
# requirement by default; the whole bid is the last choice, never the first.
cells = scores[(scores["supplier"] == supplier) & scores["gate"].isin(["fail", "review"])]
doubtful = [rid for rid in cells["requirement"] if rid in knock_out_ids]
scope_options = [*dict.fromkeys([*doubtful, *knock_out_ids]), ""]
scope = state.kept(
    mid.selectbox,
    "For",
    "override_scope",
    scope_options[0],
    options=scope_options,
    format_func=lambda r: f"requirement {r}" if r else "the whole bid",
)
decision = state.kept(
    right.radio,
    "Decision",
    "override_decision",
    "accept",
    options=["accept", "reject"],
    format_func=lambda d: {"accept": "accept (treat as met / admit)", "reject": "reject (exclude)"}[d],
    horizontal=True,
)
justification = state.kept(
    st.text_area,
    "Justification (mandatory)",
    "override_justification",
    "",
    placeholder="e.g. The supplier confirmed 30 minutes in writing on 3 Feb (letter on file).",
)
if st.button("Record the override", type="primary", key="record_override"):
    if not justification.strip():
        st.error("Write the justification first: an override without one is not recorded.")
    elif state.record(
        store.set_override,
        project.id,
        supplier,
        decision,
        justification,
        expected_revision=project.revision,
        requirement_id=scope or None,
    ):
        state.forget("override_justification", "")
        st.toast(f"Override recorded for {markdown_text(supplier)}", icon=":material/gavel:")
        st.rerun()

if project.overrides:
    st.markdown("**Overrides on record**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Supplier": o["supplier"],
                    "For": o["requirement_id"] or "whole bid",
                    "Decision": o["decision"],
                    "Justification": o["justification"],
                    "By": o["who"],
                    "When": f"{o['when']:%Y-%m-%d %H:%M}",
                }
                for o in project.overrides
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    with st.expander("Withdraw an override"):
        labels = [f"{o['supplier']} / {o['requirement_id'] or 'whole bid'}" for o in project.overrides]
        which = state.kept(
            st.selectbox,
            "Override",
            "withdraw_choice",
            0,
            options=range(len(labels)),
            format_func=labels.__getitem__,
        )
        why = state.kept(st.text_input, "Why it is withdrawn (mandatory)", "withdraw_reason", "")
        if st.button("Withdraw", key="withdraw_override"):
            chosen = project.overrides[which]
            if not why.strip():
                st.error("Say why the override is withdrawn; it goes on record.")
            elif state.record(
                store.set_override,
                project.id,
                chosen["supplier"],
                None,
                why,
                expected_revision=project.revision,
                requirement_id=chosen["requirement_id"],
            ):
                state.forget("withdraw_reason", "")
                state.forget("withdraw_choice", 0)
                st.rerun()

# --- evaluator scores ------------------------------------------------------------------
qualitative = [r for r in project.psr.requirements if r.kind.spec.evaluated_by_people and r.is_scored]
if qualitative:
    st.subheader("Scores for qualitative criteria")
    st.caption(
        "Each evaluator scores each bid from 0 to 10; the bid gets the mean. You score as "
        f"**{state.user() or '(type your name in the sidebar)'}**; scores further apart than "
        f"{project.psr.evaluation.evaluator_spread:g} points are flagged for a consensus talk."
    )
    scorable = suppliers[suppliers.status != DISQUALIFIED].supplier.tolist()
    me = state.user()
    for req in qualitative:
        given = [e for e in project.evaluator_scores if e["requirement_id"] == req.id]
        mine = {e["supplier"]: e["score"] for e in given if e["evaluator"] == me}
        others: dict[str, list[str]] = {}
        for e in given:
            if e["evaluator"] != me:
                others.setdefault(e["supplier"], []).append(f"{e['evaluator']} {e['score']:g}")
        draft_key = f"scores.{project.id}.{req.id}"
        rows = ss.get(draft_key) or [
            {
                "supplier": name,
                "score": mine.get(name, float("nan")),
                "others": ", ".join(others.get(name, [])),
            }
            for name in scorable
        ]
        st.markdown(f"**{req.id}** {req.text}")
        ss[draft_key] = state.table_editor(
            draft_key,
            rows,
            ["supplier", "score", "others"],
            f"{draft_key}.{ss.get(draft_key + '.gen', 0)}.{me}",
            disabled=["supplier", "others"],
            column_config={
                "supplier": st.column_config.TextColumn("Supplier"),
                "score": st.column_config.NumberColumn(
                    "Your score (0-10)", min_value=0, max_value=10, step=0.5
                ),
                "others": st.column_config.TextColumn("Other evaluators"),
            },
            width="stretch",
        )
        changed = [
            r for r in ss[draft_key] if not pd.isna(r["score"]) and r["score"] != mine.get(r["supplier"])
        ]
        if st.button(
            f"Save my scores for {req.id}" + (f" ({len(changed)} changed)" if changed else ""),
            key=f"save_scores.{req.id}",
            disabled=not changed or not me,
        ):
            revision = project.revision
            try:
                for r in changed:
                    revision = store.set_evaluator_score(
                        project.id,
                        r["supplier"],
                        req.id,
                        me,
                        float(r["score"]),
                        user=me,
                        expected_revision=revision,
                    )
            except (state.StoreError, ValueError) as exc:
                st.error(f"Not saved: {exc}", icon=":material/error:")
            else:
                ss.pop(draft_key)
                ss[draft_key + ".gen"] = ss.get(draft_key + ".gen", 0) + 1
                st.toast(f"Saved {len(changed)} score(s) for {req.id}", icon=":material/save:")
                st.rerun()

state.next_step("qualification")
