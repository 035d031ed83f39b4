"""Responses: upload the suppliers' workbooks, see what was read, flagged or refused; replace or remove."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import streamlit as st

from slm_psr.excel.identity import UploadMatch, check_upload
from slm_psr.model import Answer, Flag, Response
from slm_psr.sanitise import clean_text, markdown_text
from slm_psr.ui import state
from slm_psr.ui.compute import read_uploads
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
    help="A corrected file (same file name, same company) replaces the earlier one, which stays on "
    "record. A file naming a supplier that already has a response from another file asks you first.",
)


name = state.user()


def keep(filename: str, data: bytes, result, *, keep_both: bool = False) -> None:
    """Store one upload the buyer decided on (an upload only adds: a colleague's change
    meanwhile is retried on the new revision by the store)."""
    store.add_responses(
        project.id,
        [(filename, data, result.response, result.rejection, result.stored_review())],
        user=name,
        expected_revision=store.project(project.id).revision,
        psr_version=project.psr_version,
        keep_both=keep_both,
    )


if files and not name:
    st.warning(
        "Type your name in the sidebar to import these files: uploads are recorded with who made them."
    )
elif files:
    progress = st.progress(0.0, text=f"Reading {len(files)} file(s)…")
    uploads = [(upload.name, upload.getvalue()) for upload in files]
    report = read_uploads(
        project.psr,
        uploads,
        on_file=lambda number, filename: progress.progress(
            (number - 1) / len(uploads), text=f"Reading {filename} ({number} of {len(uploads)})"
        ),
    )
    summary, pending, batch = [], [], []
    # What is current, kept up to date through the batch: two files in one batch may clash too.
    current = [
        SimpleNamespace(filename=r.filename, supplier=r.supplier, sha256=r.sha256) for r in project.responses
    ]
    for (filename, data), result in zip(uploads, report.results, strict=True):
        supplier = result.response.supplier if result.response else None
        check = check_upload(current, filename, result.sha256, supplier)
        line = {
            "file": filename,
            "supplier": result.supplier,
            "accepted": result.accepted,
            "rejection": result.rejection,
            "review": len(result.review),
            "outcome": check.message,
        }
        if check.match is UploadMatch.IDENTICAL:
            summary.append(line)
            continue
        if check.match is UploadMatch.CLASH:
            pending.append({"file": filename, "data": data, "result": result, "check": check})
            summary.append(line | {"outcome": check.message + " (decide below)"})
            continue
        batch.append((filename, data, result.response, result.rejection, result.stored_review()))
        current = [c for c in current if c.filename != check.other_file]
        current.append(SimpleNamespace(filename=filename, supplier=supplier, sha256=result.sha256))
        summary.append(line)
    try:  # one decision: every file is stored, or none (the message names them)
        if batch:
            store.add_responses(
                project.id,
                batch,
                user=name,
                expected_revision=project.revision,
                psr_version=project.psr_version,
            )
    except state.StoreError as exc:
        progress.empty()
        st.error(f"{markdown_text(exc)}.", icon=":material/error:")
    else:
        progress.progress(1.0, text="Done")
        ss.last_import = summary
        ss.pending_uploads = [*ss.get("pending_uploads", []), *pending]
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
        # Supplier text (names, file names, what was typed) is escaped: never a link or picture.
        for r in last:
            outcome = f" {markdown_text(r['outcome'])}" if r.get("outcome") else ""
            if r["accepted"]:
                flagged = f"; {r['review']} value(s) to review" if r["review"] else ""
                st.markdown(
                    f":material/check_circle: {markdown_text(r['file'])}: read as "
                    f"**{markdown_text(r['supplier'])}**{flagged}.{outcome}"
                )
            else:
                st.markdown(
                    f":material/cancel: {markdown_text(r['file'])}: **refused**: "
                    f"{markdown_text(r['rejection'])}{outcome}"
                )
        if st.button("Dismiss", key="dismiss_import"):
            ss.pop("last_import")
            st.rerun()

for number, waiting in enumerate(ss.get("pending_uploads", [])):
    with st.container(border=True):
        st.markdown(f":material/help: {markdown_text(waiting['check'].message)}")
        replace, both, cancel, _ = st.columns([2, 1, 1, 2])
        choice = None
        if replace.button(
            f"Replace {clean_text(waiting['check'].other_file)}", key=f"clash_replace.{number}"
        ):
            choice = "replace"
        if both.button("Keep both", key=f"clash_keep_both.{number}"):
            choice = "keep_both"
        if cancel.button("Cancel", key=f"clash_cancel.{number}"):
            choice = "cancel"
        if choice:
            if choice != "cancel":
                try:
                    keep(
                        waiting["file"],
                        waiting["data"],
                        waiting["result"],
                        keep_both=choice == "keep_both",
                    )
                except state.StoreError as exc:
                    st.error(f"Not stored: {markdown_text(exc)}", icon=":material/error:")
                    st.stop()
            outcome = {
                "replace": f'Replaced the response from "{waiting["check"].other_file}" (kept on record).',
                "keep_both": "Kept both responses.",
                "cancel": "Cancelled: not stored.",
            }[choice]
            ss.last_import = [
                r | {"outcome": outcome} if r["file"] == waiting["file"] else r
                for r in ss.get("last_import", [])
            ]
            ss.pending_uploads = [w for i, w in enumerate(ss.pending_uploads) if i != number]
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


def still_flagged(answer: Answer) -> bool:
    return answer.needs_review or Flag.UNREADABLE in answer.flags


def settled(supplier: str) -> set[str]:
    """The requirements of this supplier's bid whose flagged value the buyer has settled."""
    return {d["requirement_id"] for d in project.value_decisions if d["supplier"] == supplier}


def flagged_answers(stored, response: Response) -> list[dict]:
    """The values still to review of a stored response (``response``: as read, with the
    buyer's per-value decisions applied): as the import worded them when it was kept, or
    worded afresh for a response stored before the import's words were kept."""
    if stored.import_review is not None:
        return [
            {
                "Requirement": item["requirement_id"],
                "Cell": item["cell"],
                "As typed": item["raw"],
                "Read as": item["value"],
                "Why": "; ".join(item["notes"]) or flag_words(item["flags"]),
            }
            for item in stored.import_review.get("review", [])
            if item["requirement_id"] not in settled(response.supplier)  # settled: no longer to review
        ]
    rows = []
    for rid, answer in response.answers.items():
        if still_flagged(answer):
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
        if row["Requirement"] in r.response.answers  # the company name is confirmed by a new file
    }
    if not options:
        return
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
    left.caption(f"Why flagged: {markdown_text(row['Why'])}")
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
            st.toast(f"Recorded for {markdown_text(supplier)}, {rid}", icon=":material/task_alt:")
            st.rerun()


# the buyer's per-value decisions applied: a settled value is no longer to review
decided = {r.id: project.decided(r.response) for r in responses if r.response is not None}
accepted = [r for r in responses if r.response is not None]
rejected = [r for r in responses if r.response is None]
a, b, c = st.columns(3)
a.metric("Files read", len(accepted))
b.metric("Files refused", len(rejected))
c.metric("Values to review", sum(len(flagged_answers(r, decided[r.id])) for r in accepted))

st.subheader("Current responses")
st.dataframe(
    pd.DataFrame(
        [
            {
                "Supplier": clean_text(r.response.supplier if r.response else (r.supplier or "-")),
                "File": clean_text(r.filename),
                "Result": "read" if r.response else "refused",
                "Values to review": len(flagged_answers(r, decided[r.id])) if r.response else 0,
                "Unanswered": sum(Flag.MISSING in a.flags for a in r.response.answers.values())
                if r.response
                else 0,
                "Uploaded": f"{r.uploaded_at:%Y-%m-%d %H:%M} by {r.uploaded_by}",
                "PSR version": r.psr_version,
                "Why refused": clean_text(r.rejection or ""),
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
        st.error(f"**{markdown_text(r.filename)}**: {markdown_text(r.rejection)}", icon=":material/cancel:")

to_review = [(r, flagged_answers(r, decided[r.id])) for r in accepted]
to_review = [(r, rows) for r, rows in to_review if rows]
if to_review:
    st.subheader("Values to review")
    st.caption(
        "Read, but not to be taken at face value. A knock-out answer flagged here keeps the bid in "
        "'needs review' until you confirm or decide on the Qualification page."
    )
    for r, rows in to_review:
        with st.expander(
            f"{markdown_text(r.response.supplier)}: {len(rows)} value(s)",
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

noted = [r for r in responses if r.import_review and r.import_review.get("notes")]
if noted:
    st.subheader("What the import noted")
    st.caption(
        "As the import said it when the file was read: file, sheet and cell, what was expected and found."
    )
    for r in noted:
        notes = (r.import_review or {})["notes"]
        with st.expander(f"{r.filename}: {len(notes)} note(s)", icon=":material/notes:"):
            # bidder text: shown as it is, never as markdown
            st.text("\n".join(f"- {note}" for note in notes))

st.subheader("Replace or remove a response")
st.caption(
    "To replace a response, upload the new file above: a corrected file from the same supplier under the "
    "same name replaces the earlier one; under another name you are asked first. Removing takes a response "
    "out of the evaluation; both stay on record."
)
labels = {
    r.id: clean_text(f"{r.response.supplier if r.response else r.filename} ({r.filename})") for r in responses
}
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
        st.toast(f"Removed {markdown_text(labels[chosen])}", icon=":material/delete:")
        st.rerun()

history = store.response_history(project.id)
earlier = [r for r in history if r.status != "current"]
if earlier:
    st.subheader("Removed and superseded files")
    st.caption("Kept on record exactly as received; they no longer count in the evaluation.")
    by_id = {r.id: r for r in history}
    lines = []
    for r in earlier:
        who = r.response.supplier if r.response else (r.supplier or "refused file")
        if r.status == "removed":
            why = f"removed by {r.removed_by} on {r.removed_at:%Y-%m-%d %H:%M}: {r.removed_reason or '(no reason given)'}"
        else:
            newer = by_id.get(r.superseded_by) if r.superseded_by is not None else None
            why = (
                f"superseded by {newer.filename}, uploaded by {newer.uploaded_by} on {newer.uploaded_at:%Y-%m-%d %H:%M}"
                if newer
                else "superseded by a newer file"
            )
        # file and supplier names are the bidders' text: escaped, never a link or picture
        lines.append(
            f"- ~~{markdown_text(r.filename)}~~ ({markdown_text(who)}; uploaded by "
            f"{markdown_text(r.uploaded_by)} on {r.uploaded_at:%Y-%m-%d %H:%M}): {markdown_text(why)}"
        )
    st.markdown("\n".join(lines))

state.next_step("responses")
