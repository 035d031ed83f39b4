"""Responses: upload the suppliers' workbooks, see what was read, flagged or refused; replace or remove."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from slm_psr.model import Answer, Flag, Response
from slm_psr.ui import state
from slm_psr.ui.compute import read_upload
from slm_psr.values import parse_answer
from slm_psr.wording import flag_words, offered_value

ss = st.session_state
project = state.need_project()
store = state.store()

state.header(
    "Responses",
    "Upload the filled questionnaires as they arrive; several at once is fine. Each file is checked "
    "before it is read (macros, links, size), matched to this PSR, and kept exactly as received.",
)
state.psr_change_banner(project)

gen = ss.setdefault("upload_gen", 0)
files = st.file_uploader(
    "Supplier workbooks (.xlsx)",
    type=["xlsx"],
    accept_multiple_files=True,
    key=f"uploads.{gen}",
    help="A new file from the same supplier, or with the same file name, replaces the earlier one "
    "(which stays on record).",
)


name = state.user()


def keep(filename: str, data: bytes, result, revision: int) -> int:
    """Store one upload; an upload only adds, so a colleague's change meanwhile is no conflict."""
    try:
        return store.add_response(
            project.id,
            filename,
            data,
            result.response,
            result.rejection,
            user=name,
            expected_revision=revision,
        )
    except state.Conflict:
        revision = store.project(project.id).revision
        return store.add_response(
            project.id,
            filename,
            data,
            result.response,
            result.rejection,
            user=name,
            expected_revision=revision,
        )


if files and not name:
    st.warning(
        "Type your name in the sidebar to import these files: uploads are recorded with who made them."
    )
elif files:
    text = state.psr_text(project.psr)
    progress = st.progress(0.0, text=f"Reading {len(files)} file(s)…")
    summary = []
    revision = project.revision
    try:
        for number, upload in enumerate(files, start=1):
            progress.progress(
                (number - 1) / len(files), text=f"Reading {upload.name} ({number} of {len(files)})"
            )
            data = upload.getvalue()
            result = read_upload(text, upload.name, data)
            revision = keep(upload.name, data, result, revision)
            summary.append(
                {
                    "file": upload.name,
                    "supplier": result.supplier,
                    "accepted": result.accepted,
                    "rejection": result.rejection,
                    "review": len(result.review),
                }
            )
    except state.StoreError as exc:  # e.g. the project is archived
        st.error(f"Not stored: {exc}", icon=":material/error:")
    else:
        progress.progress(1.0, text="Done")
        ss.last_import = summary
        ss.upload_gen = gen + 1  # a fresh, empty uploader: the files are in the store now
        st.rerun()

last = ss.get("last_import")
if last:
    accepted = sum(r["accepted"] for r in last)
    rejected = len(last) - accepted
    with st.container(border=True):
        st.markdown(
            f"**Last import: {len(last)} file(s), {accepted} read, {rejected} refused, "
            f"{sum(r['review'] for r in last)} value(s) to review.**"
        )
        for r in last:
            if r["accepted"]:
                flagged = f"; {r['review']} value(s) to review" if r["review"] else ""
                st.markdown(f":material/check_circle: {r['file']}: read as **{r['supplier']}**{flagged}")
            else:
                st.markdown(f":material/cancel: {r['file']}: **refused**: {r['rejection']}")
        if st.button("Dismiss", key="dismiss_import"):
            ss.pop("last_import")
            st.rerun()

responses = project.responses
if not responses:
    st.info(
        "No answers yet. Send the questionnaire (page 2) to the suppliers, then upload their filled "
        "workbooks here.",
        icon=":material/upload_file:",
    )
    st.stop()


def read_as(rid: str, answer: Answer) -> str:
    """The value as read, worded as the import report and the workbook word it ('1,234.50 EUR/month')."""
    req = next((q for q in project.psr.requirements if q.id == rid), None)
    return "-" if req is None else offered_value(req, answer)


def flagged_answers(response: Response) -> list[dict]:
    rows = []
    for rid, answer in response.answers.items():
        if answer.needs_review or Flag.UNREADABLE in answer.flags:
            rows.append(
                {
                    "Requirement": rid,
                    "Cell": answer.cell,
                    "As typed": answer.raw,
                    "Read as": read_as(rid, answer),
                    "Why": "; ".join(answer.notes) or flag_words(answer.flags),
                }
            )
    return rows


def settle_value(to_review: list) -> None:
    """Settle one flagged value of one bid: confirm it as read, or correct it; with a justification."""
    st.subheader("Settle a flagged value")
    st.caption(
        "One value of one bid at a time: confirm it as read, or correct it (the supplier's text stays "
        "on record). The decision goes in the audit trail and the evaluation uses it."
    )
    options = {
        f"{r.response.supplier}|{row['Requirement']}": f"{r.response.supplier}: {row['Requirement']} "
        f"(typed '{row['As typed']}', read as {row['Read as']})"
        for r, rows in to_review
        for row in rows
    }
    left, right = st.columns([3, 2])
    choice = state.kept(
        left.selectbox,
        "Value",
        "settle_choice",
        next(iter(options)),
        options=list(options),
        format_func=options.get,
    )
    supplier, rid = choice.split("|", 1)
    row = next(
        row
        for r, rows in to_review
        if r.response.supplier == supplier
        for row in rows
        if row["Requirement"] == rid
    )
    left.caption(f"Why flagged: {row['Why']}")
    decision = state.kept(
        right.radio,
        "Decision",
        "settle_decision",
        "confirm",
        options=["confirm", "correct"],
        format_func={"confirm": f"confirm as read ({row['Read as']})", "correct": "correct it"}.get,
    )
    corrected = None
    if decision == "correct":
        typed = state.kept(
            right.text_input, "Correct value", "settle_value", "", placeholder="as the supplier confirmed it"
        )
        if typed.strip():
            req = project.psr.requirement(rid)
            answer = parse_answer(req, typed.strip())
            if answer.value is None or answer.needs_review or answer.flags:
                right.error(
                    f"'{typed}' is not clear either: "
                    + "; ".join(answer.notes or ["write the value plainly"])
                )
            else:
                corrected = answer.model_dump(mode="json")["value"]
                right.caption(f"Will be used as {read_as(rid, answer)}")
    why = state.kept(
        st.text_input,
        "Justification (mandatory; goes on record)",
        "settle_why",
        "",
        placeholder="e.g. confirmed by the supplier in writing on 3 Feb",
    )
    if st.button("Record the decision", key="settle_record", type="primary"):
        if not why.strip():
            st.error("Write the justification first: a decision without one is not recorded.")
        elif decision == "correct" and corrected is None:
            st.error("Type the correct value first.")
        elif state.record(
            store.set_value_decision,
            project.id,
            supplier,
            rid,
            decision,
            why,
            value=corrected,
            expected_revision=project.revision,
        ):
            state.forget("settle_why", "")
            state.forget("settle_value", "")
            st.toast(f"Recorded for {supplier}, {rid}", icon=":material/task_alt:")
            st.rerun()


# the buyer's per-value decisions applied: a settled value is no longer to review
decided = {r.id: project.decided(r.response) for r in responses if r.response is not None}
accepted = [r for r in responses if r.response is not None]
rejected = [r for r in responses if r.response is None]
a, b, c = st.columns(3)
a.metric("Files read", len(accepted))
b.metric("Files refused", len(rejected))
c.metric("Values to review", sum(len(flagged_answers(decided[r.id])) for r in accepted))

st.subheader("Current responses")
st.dataframe(
    pd.DataFrame(
        [
            {
                "Supplier": r.response.supplier if r.response else (r.supplier or "-"),
                "File": r.filename,
                "Result": "read" if r.response else "refused",
                "Values to review": len(flagged_answers(decided[r.id])) if r.response else 0,
                "Unanswered": sum(Flag.MISSING in a.flags for a in r.response.answers.values())
                if r.response
                else 0,
                "Uploaded": f"{r.uploaded_at:%Y-%m-%d %H:%M} by {r.uploaded_by}",
                "PSR version": r.psr_version,
                "Why refused": r.rejection or "",
            }
            for r in responses
        ]
    ),
    hide_index=True,
    width="stretch",
    column_config={"Why refused": st.column_config.TextColumn(width="medium")},
)

if rejected:
    st.subheader("Refused files")
    st.caption("Ask the supplier for a corrected file; the reason below can go into your message as it is.")
    for r in rejected:
        st.error(f"**{r.filename}**: {r.rejection}", icon=":material/cancel:")

to_review = [(r, flagged_answers(decided[r.id])) for r in accepted]
to_review = [(r, rows) for r, rows in to_review if rows]
if to_review:
    st.subheader("Values to review")
    st.caption(
        "Read, but not to be taken at face value. A knock-out answer flagged here keeps the bid in "
        "'needs review' until you confirm or decide on the Qualification page."
    )
    for r, rows in to_review:
        with st.expander(
            f"{r.response.supplier}: {len(rows)} value(s)",
            icon=":material/flag:",
            expanded=len(to_review) <= 3,
        ):
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

if to_review:
    settle_value(to_review)
if project.value_decisions:
    with st.expander(f"Values settled ({len(project.value_decisions)})", icon=":material/task_alt:"):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Supplier": d["supplier"],
                        "Requirement": d["requirement_id"],
                        "Decision": "confirmed as read" if d["decision"] == "confirm" else "corrected",
                        "Value used": "" if d["value"] is None else str(d["value"]),
                        "Justification": d["justification"],
                        "By": d["who"],
                        "When": f"{d['when']:%Y-%m-%d %H:%M}",
                    }
                    for d in project.value_decisions
                ]
            ),
            hide_index=True,
            width="stretch",
        )

st.subheader("Replace or remove a response")
st.caption(
    "To replace a response, upload the new file above: it supersedes the earlier one from the same "
    "supplier or with the same file name. Removing takes a response out of the evaluation; both stay on record."
)
labels = {r.id: f"{r.response.supplier if r.response else r.filename} ({r.filename})" for r in responses}
left, right = st.columns([2, 3])
chosen = state.kept(
    left.selectbox,
    "Response",
    "remove_choice",
    next(iter(labels)),
    options=list(labels),
    format_func=labels.get,
)
reason = state.kept(
    right.text_input,
    "Reason (mandatory; goes on record)",
    "remove_reason",
    "",
    placeholder="e.g. withdrawn by the supplier",
)
if st.button("Remove from the evaluation", key="remove_response"):
    if not reason.strip():
        st.error("Say why the response is removed: the reason goes on record.", icon=":material/edit_note:")
    elif state.record(
        store.remove_response, project.id, chosen, expected_revision=project.revision, reason=reason
    ):
        state.forget("remove_reason", "")
        st.toast(f"Removed {labels[chosen]}", icon=":material/delete:")
        st.rerun()

earlier = [r for r in store.response_history(project.id) if r.status != "current"]
if earlier:
    st.subheader("Removed and superseded files")
    st.caption("Kept on record exactly as received; they no longer count in the evaluation.")
    by_id = {r.id: r for r in store.response_history(project.id)}
    lines = []
    for r in earlier:
        who = r.response.supplier if r.response else (r.supplier or "refused file")
        if r.status == "removed":
            why = f"removed by {r.removed_by} on {r.removed_at:%Y-%m-%d %H:%M}: {r.removed_reason or '(no reason given)'}"
        else:
            newer = by_id.get(r.superseded_by)
            why = (
                f"superseded by {newer.filename}, uploaded by {newer.uploaded_by} on {newer.uploaded_at:%Y-%m-%d %H:%M}"
                if newer
                else "superseded by a newer file"
            )
        lines.append(
            f"- ~~{r.filename}~~ ({who}; uploaded by {r.uploaded_by} on {r.uploaded_at:%Y-%m-%d %H:%M}): {why}"
        )
    st.markdown("\n".join(lines))

state.next_step("responses")
