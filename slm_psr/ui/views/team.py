"""Team: roles on this project, declarations of interest, who scores what, moderation, the freeze, the envelope.

Every button calls ``slm_psr.service.team``, which checks the signed-in account's
role; the page only leaves out what the role cannot use.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from slm_psr.service import roles, team
from slm_psr.service.accounts import ROLE_WORDS
from slm_psr.store.team import TeamStore
from slm_psr.ui import login, state

st.title("Team")
me = login.actor()
if me is None:
    st.info(
        "Single-user mode: this store has no accounts, so there are no roles, declarations or sealed prices. "
        "Add accounts with `python -m slm_psr users add NAME --role ROLE` (the first one an administrator).",
        icon=":material/person:",
    )
    st.stop()

raw = state.raw_store()
info = next((p for p in raw.list_projects(include_archived=True) if p.id == state.project_id()), None)
if info is None:
    st.info("No project is open. Open one on the Projects page.", icon=":material/folder_open:")
    st.stop()
assert info is not None  # st.stop() raises; this keeps type checkers informed
project_id = info.id
my_role = roles.role_on(raw, me, project_id)  # an account's role can differ from project to project
if my_role is None:
    st.info(
        f"You have no access to project '{info.name}': its lead buyer gives accounts their roles there.",
        icon=":material/lock:",
    )
    st.stop()
assert my_role is not None
tm = team.team_of(raw, info.id)
sealing = raw.load_psr(info.id).evaluation.sealed_prices
st.caption(
    f"Project **{info.name}**. You are **{me.name}**, {ROLE_WORDS[my_role]} on this project. Evaluators "
    "declare their interests before they see any bid, score their criteria blind to each other, and the "
    "lead buyer moderates and freezes the quality scores"
    + (" and only then opens the price envelope." if sealing else ".")
)


def run(step, *args) -> None:
    """One team step; its refusal in words, else a rerun to show it."""
    try:
        step(raw, me, project_id, *args)
    except (roles.Refused, state.StoreError, ValueError) as exc:
        st.error(f"Not done: {exc}", icon=":material/block:")
    else:
        st.rerun()


# --- where the project stands --------------------------------------------------------------------
status = st.columns(3)
status[0].metric("Scoring", "closed" if tm.scoring_closed else "open")
status[1].metric("Quality scores", "frozen" if tm.frozen else "not frozen")
status[2].metric("Price envelope", "opened" if tm.opened else "sealed" if sealing else "none")
if not sealing:
    st.caption(
        "This PSR has no two-envelope procedure (Requirements page, evaluation settings): the prices "
        "are read openly, there is no envelope to open."
    )
if tm.opened:
    st.caption(f"Opened by {tm.opened.by} at {tm.opened.at:%Y-%m-%d %H:%M} UTC.")

# --- my declaration ------------------------------------------------------------------------------
bidders = sorted({r.supplier for r in raw.load(info.id).responses if r.supplier})  # names only
if my_role in team.PERMISSIONS["declare"].roles:
    st.subheader("Your declaration of interests")
    declared = tm.declarations.get(me.name)
    if declared is not None:
        conflicts = declared.data.get("conflicts", [])
        words = "; ".join(f"{c['supplier']} ({c['reason']})" for c in conflicts) or "no conflict of interest"
        st.success(f"Declared {declared.at:%Y-%m-%d %H:%M} UTC: {words}.", icon=":material/verified_user:")
    with st.form("declaration"):
        choice = st.radio(
            "Do you have a conflict of interest with any bidder?",
            ["No conflict of interest", "Yes, with the bidders below"],
            key="declare_choice",
        )
        named = st.multiselect("Bidders you have a conflict with", bidders, key="declare_bidders")
        reason = st.text_input(
            "What the conflict is", key="declare_reason", placeholder="e.g. former employer"
        )
        if st.form_submit_button("Declare", type="primary", key="declare_submit"):
            listed = [] if choice.startswith("No") else [{"supplier": b, "reason": reason} for b in named]
            if choice.startswith("Yes") and not listed:
                st.error("Name the bidders you have a conflict with, or declare no conflict.")
            else:
                run(team.declare, listed)

# --- my scores -------------------------------------------------------------------------------------
seen = state.project()  # this account's view: conflicted bids left out, others' scores hidden until submitted
if my_role == "evaluator" and seen is not None and me.name in tm.declarations:
    st.subheader("Your scores")
    psr = seen.psr
    assigned = tm.assignments.get(me.name)
    mine_to_score = [
        r for r in psr.requirements if r.kind.spec.evaluated_by_people and tm.may_score(me.name, r.id)
    ]
    st.caption(
        "Score each bid from 0 to 10 with the reason, from the bid's text. You score blind: nobody sees "
        "another evaluator's scores until they have submitted their own or the lead buyer closes the scoring. "
        + (f"Your criteria: {', '.join(assigned) or 'none yet'}." if assigned is not None else "")
    )
    mine = [e for e in seen.evaluator_scores if e["evaluator"] == me.name]
    if mine:
        st.dataframe(
            pd.DataFrame([{"Bidder": e["supplier"], "Criterion": e["requirement_id"], "Score": e["score"],
                           "Why": tm.justifications.get((me.name, e["supplier"], e["requirement_id"]), "")}
                          for e in mine]),
            hide_index=True,
            width="stretch",
        )  # fmt: skip
    if me.name in tm.submitted:
        st.success(f"Submitted {tm.submitted[me.name].at:%Y-%m-%d %H:%M} UTC: your scores are final.")
    elif mine_to_score:
        bids = [r.supplier for r in seen.responses if r.response is not None and r.supplier]
        with st.form("score"):
            criterion = st.selectbox(
                "Criterion", mine_to_score, format_func=lambda r: f"{r.id} {r.text}", key="score_criterion"
            )
            bid = st.selectbox("Bid", bids, key="score_bid")
            value = st.number_input("Your score (0-10)", 0.0, 10.0, 5.0, 0.5, key="score_value")
            why = st.text_area(
                "Why this score", key="score_why", placeholder="what in the bid's text earns it"
            )
            if st.form_submit_button("Save my score", key="score_submit"):
                if not why.strip():
                    st.error("Say why: every score is kept with its reason.")
                else:
                    run(lambda s, a, p: team.score_bid(s, a, p, bid, criterion.id, value, justification=why,
                                                       expected_revision=seen.revision))  # fmt: skip
        if mine and st.button("Submit my scores (final)", key="submit_scores"):
            run(team.submit)

# --- the lead's steps -------------------------------------------------------------------------------
# --- roles on this project (the lead buyer, or an administrator) ------------------------------------
accounts_here = [u for u in TeamStore(raw).users() if u.active and u.role != "admin"]
here = {u.name: roles.account_role_on(raw, u.name, project_id) for u in accounts_here}
if my_role in team.PERMISSIONS["set_roles"].roles and accounts_here:
    st.subheader("Roles on this project")
    st.caption(
        "An account can lead one project and evaluate or observe another. Its usual role applies where "
        "none is set; 'no access' hides the project from it. Administrators are the same everywhere."
    )
    st.dataframe(
        pd.DataFrame([{"Account": u.name, "Usual role": ROLE_WORDS[u.role],
                       "On this project": ROLE_WORDS.get(here[u.name] or "", "no access")}
                      for u in accounts_here]),
        hide_index=True,
        width="stretch",
    )  # fmt: skip
    with st.form("project_role"):
        who = st.selectbox("Account", [u.name for u in accounts_here], key="role_who")
        role = st.selectbox(
            "Role on this project",
            list(roles.PROJECT_ROLE_WORDS.keys()),
            format_func=lambda r: roles.PROJECT_ROLE_WORDS[str(r)],
            key="role_what",
        )
        if st.form_submit_button("Set the role", key="role_submit"):
            run(lambda s, a, p: roles.set_project_role(s, a, p, str(who), str(role)))

if my_role == "lead":
    psr = raw.load_psr(info.id)
    criteria = [r.id for r in psr.requirements if r.kind.spec.evaluated_by_people]
    evaluators = [name for name, r in here.items() if r == "evaluator"]
    st.subheader("Evaluators")
    rows = [
        {
            "Evaluator": name,
            "Declaration": (
                "not yet"
                if name not in tm.declarations
                else "; ".join(c["supplier"] for c in tm.declarations[name].data.get("conflicts", []))
                or "no conflict"
            ),
            "Criteria": ", ".join(tm.assignments[name]) if name in tm.assignments else "all",
            "Scores": "submitted" if name in tm.submitted else "open",
        }
        for name in evaluators
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if evaluators and criteria:
        with st.form("assignment"):
            assignee = st.selectbox("Evaluator", evaluators, key="assign_who")
            chosen = st.multiselect("Criteria this evaluator scores", criteria, key="assign_criteria")
            if st.form_submit_button("Assign", key="assign_submit"):
                run(lambda s, a, p: team.assign(s, a, p, str(assignee), chosen))

    st.subheader("Moderation")
    everyone = raw.load(info.id).evaluator_scores  # the lead reads every original score
    spread = psr.evaluation.evaluator_spread
    table = pd.DataFrame(everyone)
    if table.empty:
        st.caption("No scores yet.")
    else:
        grouped = table.groupby(["supplier", "requirement_id"]).score
        summary = grouped.agg(["min", "max", "count"]).reset_index()
        summary["originals"] = [
            "; ".join(f"{e['evaluator']} {e['score']:g}"
                      + (f" ({note})" if (note := tm.justifications.get((e["evaluator"], s, r))) else "")
                      for e in everyone if e["supplier"] == s and e["requirement_id"] == r)
            for s, r in zip(summary.supplier, summary.requirement_id, strict=True)
        ]  # fmt: skip
        summary["moderated"] = [
            f"{tm.moderations[(s, r)].data['score']:g}: {tm.moderations[(s, r)].data['reason']}"
            if (s, r) in tm.moderations
            else ""
            for s, r in zip(summary.supplier, summary.requirement_id, strict=True)
        ]
        # the widest spreads first: those are the ones to talk over (and the form's first choice)
        summary = summary.assign(gap=summary["max"] - summary["min"]).sort_values(
            "gap", ascending=False, kind="stable"
        )
        summary["spread"] = summary.gap.map(
            lambda d: f"{d:g} (wider than {spread:g}: talk it over)" if d > spread else f"{d:g}"
        )
        st.dataframe(
            summary[["supplier", "requirement_id", "originals", "spread", "moderated"]].rename(
                columns={"supplier": "Bidder", "requirement_id": "Criterion", "originals": "Scores",
                         "spread": "Spread", "moderated": "Moderated score and reason"}
            ),
            hide_index=True,
            width="stretch",
        )  # fmt: skip
        with st.form("moderation"):
            pair = st.selectbox(
                "Bid and criterion",
                list(zip(summary.supplier, summary.requirement_id, strict=True)),
                format_func=lambda p: f"{p[0]} / {p[1]}",
                key="moderate_pair",
            )
            score = st.number_input("Consensus score (0-10)", 0.0, 10.0, 5.0, 0.5, key="moderate_score")
            why = st.text_input("Reason the team agreed on", key="moderate_reason")
            if st.form_submit_button("Record the moderated score", key="moderate_submit"):
                run(lambda s, a, p: team.moderate(s, a, p, pair[0], pair[1], score, why))

    st.subheader("Close, freeze, open")
    left, middle, right = st.columns(3)
    if left.button("Close the scoring", key="close_scoring", disabled=tm.scoring_closed is not None,
                   help="Everyone sees everyone's scores from then on"):  # fmt: skip
        run(team.close_scoring)
    if middle.button("Freeze the quality scores", key="freeze", disabled=tm.frozen is not None,
                     help="No score or moderation changes after this"):  # fmt: skip
        run(team.freeze)
    if sealing and right.button("Open the price envelope", key="open_envelope", type="primary",
                    disabled=tm.opened is not None or tm.frozen is None,
                    help="Recorded with who, when and the hashes of the files and the prices"):  # fmt: skip
        run(team.open_envelope)

if my_role == "admin":
    st.subheader("Accounts")
    st.caption(
        "Accounts are added and changed on the command line: `python -m slm_psr users add|passwd|role|off`."
    )
    st.dataframe(
        pd.DataFrame(
            [{"Name": u.name, "Role": ROLE_WORDS[u.role], "Active": u.active} for u in TeamStore(raw).users()]
        ),
        hide_index=True,
        width="stretch",
    )
