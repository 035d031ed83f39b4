"""Service review: per month each party's comments, disputed records, agreed actions and the sign-off of both parties."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from slm_psr.engine.periods import PERIOD_NOUNS, label_words
from slm_psr.sanitise import markdown_text
from slm_psr.service import disputes, monitor, review
from slm_psr.ui import state

project = state.need_project()
store = state.store()

st.title("Service review")
st.caption(
    "The month's review between the customer and the supplier: each party's comments, the records either "
    "disputes, the actions agreed with owners and dates, and the sign-off by both representatives. A "
    "signed-off month is closed: a dispute or a correction of its figures needs it reopened first, with the "
    "reason, as a new version; the signed one stays on record."
)

state.need_opened_envelope(project)
monitor.ensure_demo_contract(store)
try:
    report = monitor.monitor(store, project.id, save=False)
except monitor.MonitoringError as exc:
    st.info(f"{exc}. Import the measurements on the Monitoring page first.", icon=":material/info:")
    st.stop()

schedule = monitor.contract_in_force(store, project.id)[1]
period = st.selectbox(
    PERIOD_NOUNS[schedule.period.kind],
    report.periods,
    index=len(report.periods) - 1,
    format_func=lambda label: f"{label}: {label_words(schedule.period, label)}",
    key="review_period",
)
rv = review.current(store, project.id, period)
if rv.frozen:
    names = " and ".join(
        f"{review.PARTY_WORDS[p]} ({markdown_text(e.by)}, {e.at:%Y-%m-%d})" for p, e in rv.signed.items()
    )
    st.success(f"{period}, version {rv.version}: signed off by {names}. Frozen.", icon=":material/lock:")
else:
    waiting = [review.PARTY_WORDS[p] for p in review.PARTIES if p not in rv.signed]
    st.info(f"{period}, version {rv.version}: open; waiting for the sign-off of {' and '.join(waiting)}.")


def do(change, *args, **kwargs) -> None:
    if state.record(lambda **kw: change(store, project.id, period, *args, **kw, **kwargs)):
        st.rerun()


st.subheader("Comments")
columns = st.columns(2)
for column, party in zip(columns, review.PARTIES, strict=True):
    with column.container(border=True):
        st.markdown(f"**{review.PARTY_WORDS[party].capitalize()}**")
        for e in rv.current("comment"):
            if e.party == party:
                # each party's words as typed: escaped, never a link or picture
                st.markdown(f"{markdown_text(e.text)}  \n*{markdown_text(e.by)}, {e.at:%Y-%m-%d %H:%M}*")
        if not rv.frozen:
            text = st.text_area("Comment", key=f"comment_{party}_{period}", label_visibility="collapsed")
            if st.button("Add the comment", key=f"add_comment_{party}"):
                do(review.comment, party, text)

st.subheader("Disputes")
st.caption(
    "Either party may dispute a figure of this month or one measurement record, saying why. A disputed figure "
    "still counts until the dispute is settled; the report marks it. Settling needs the resolution in words; "
    "a changed figure is a reasoned correction of the measurement on the Monitoring page."
)
found = disputes.disputes(store, project.id, period=period)
if found:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "No.": d.id,
                    "About": d.what,
                    "Disputed by": f"{disputes.PARTY_WORDS[d.party]} ({d.opened_by}, {d.opened_at:%Y-%m-%d})",
                    "Why": d.reason,
                    "Settled": f"{d.resolution} ({d.settled_by})" if not d.open else "open",
                }
                for d in found
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.caption(f"Nothing of {period} is disputed.")
levels = report.results[report.results["period"] == period]
if rv.frozen:
    st.info(
        f"{period} is signed off by both parties and closed: to dispute one of its figures, reopen it first "
        "under Sign-off below with the reason; the reopening goes on record with who and why.",
        icon=":material/lock:",
    )
else:
    with st.container(border=True):
        st.markdown("**Dispute a figure of this month**")
        level_col, party_col = st.columns(2)
        level = level_col.selectbox(
            "Service level",
            levels["level"].tolist(),
            format_func=lambda lv: f"{lv}: {levels.set_index('level').loc[lv, 'name']}",
            key=f"dispute_level_{period}",
        )
        party = party_col.radio(
            "Disputed by",
            review.PARTIES,
            format_func=lambda p: review.PARTY_WORDS[p],
            horizontal=True,
            key=f"dispute_party_{period}",
        )
        why = st.text_input(
            "Why", key=f"dispute_reason_{period}", placeholder="e.g. the outage was announced maintenance"
        )
        if st.button("Raise the dispute", key="raise_dispute") and state.record(
            lambda **kw: disputes.dispute_figure(store, project.id, period, level, party, why, **kw)
        ):
            st.rerun()
still_open = [d for d in found if d.open]
if still_open:
    with st.container(border=True):
        st.markdown("**Settle a dispute**")
        chosen = st.selectbox(
            "Dispute",
            still_open,
            format_func=lambda d: f"#{d.id} {d.what}: {d.reason}",
            key=f"settle_{period}",
        )
        resolution = st.text_input(
            "Resolution", key=f"resolution_{period}", placeholder="e.g. the figure stands"
        )
        if st.button("Settle it", key="settle_dispute") and state.record(
            lambda **kw: disputes.settle(store, project.id, chosen.id, resolution, **kw)
        ):
            st.rerun()

st.subheader("Agreed actions")
actions = rv.current("action")
if actions:
    st.dataframe(
        pd.DataFrame(
            [{"Action": e.text, "Owner": e.owner, "Due": e.due or "", "Agreed by": e.by} for e in actions]
        ),
        hide_index=True,
        width="stretch",
    )
if not rv.frozen:
    what, owner, due = st.columns([3, 1, 1])
    text = what.text_input("Action", key=f"action_text_{period}")
    who = owner.text_input("Owner", key=f"action_owner_{period}")
    when = due.date_input("Due", value=None, key=f"action_due_{period}")
    if st.button("Add the action", key="add_action"):
        do(review.action, text, who, when.isoformat() if when else None)

st.subheader("Sign-off")
if rv.frozen:
    reason = st.text_input(
        "Reason for reopening (the correction or the dispute to come)", key=f"reopen_reason_{period}"
    )
    if st.button("Reopen as a new version", key="reopen"):
        do(review.reopen, reason)
else:
    if still_open:
        st.warning(
            f"{len(still_open)} dispute(s) about {period} are open: settle them above before signing off "
            "(a sign-off agrees the month's figures).",
            icon=":material/gavel:",
        )
    left, right = st.columns(2)
    for column, party in zip((left, right), review.PARTIES, strict=True):
        signed = rv.signed.get(party)
        if signed:
            column.success(f"Signed off for {review.PARTY_WORDS[party]} by {signed.by}")
        elif column.button(f"Sign off for {review.PARTY_WORDS[party]}", key=f"sign_off_{party}"):
            do(review.sign_off, party)
earlier = [e for e in rv.entries if e.version < rv.version]
if earlier:
    with st.expander(f"Earlier versions of {period} ({len(earlier)} entries, kept as signed)"):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Version": e.version,
                        "What": e.kind.replace("_", "-"),
                        "Party": e.party or "",
                        "Text": e.text,
                        "By": e.by,
                        "When (UTC)": f"{e.at:%Y-%m-%d %H:%M}",
                    }
                    for e in earlier
                ]
            ),
            hide_index=True,
            width="stretch",
        )
