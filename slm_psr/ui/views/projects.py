"""Projects: list, open, start a new tender (empty, typical service levels, demo, copy, file), archive."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from slm_psr.demo import DEMO_PSR
from slm_psr.model import PSR
from slm_psr.psr_file import PSRFileError, load_psr, loads_psr
from slm_psr.templates import LIBRARY, as_new_tender, new_psr, next_psr_id
from slm_psr.ui import state

store = state.store()
current = state.project()
projects = store.list_projects(include_archived=True)

state.header(
    "Projects",
    "One project per tender: its PSR versions, the suppliers' answers and every decision, "
    "kept with who made it and when.",
)

if not state.user():
    st.info(
        "Type your name in the sidebar before you create, copy or archive a project.", icon=":material/badge:"
    )

if projects:
    st.dataframe(  # type: ignore[call-overload]  # the stubs reject this call only here
        pd.DataFrame(
            [
                {
                    "Project": p.name,
                    "PSR": p.psr_id,
                    "Version": p.latest_version,
                    "Responses": p.response_count,
                    "Last change": f"{p.updated_at:%Y-%m-%d %H:%M} by {p.updated_by}",
                    "Status": ("archived" if p.archived else "active")
                    + (" · open" if current and p.id == current.id else ""),
                }
                for p in projects
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info("No projects yet. Create the first one below.")

active = [p for p in projects if not p.archived]
left, right = st.columns(2)
with left.container(border=True):
    st.subheader("Open a project")
    if active:
        ids: list[int] = [p.id for p in active]
        names: dict[int, str] = {p.id: p.name for p in active}
        choice = st.selectbox(
            "Project",
            ids,  # type: ignore[arg-type]
            index=ids.index(current.id) if current and current.id in ids else 0,
            format_func=lambda i: names[i],
            key="open_choice",
        )
        if st.button(
            "Open", type="primary", key="open_project", disabled=bool(current and choice == current.id)
        ):
            if choice is not None:
                state.open_project(choice)
            st.rerun()
    else:
        st.caption("Every project is archived; restore one below or create a new one.")

STARTS = {
    "empty": "Empty: one service and a monthly fee to rename",
    "library": "Typical service levels to edit",
    "demo": "The demo tender",
    "copy": "A copy of an earlier tender",
    "file": "A PSR file (.json)",
}

with right.container(border=True):
    st.subheader("New tender")
    name = state.kept(
        st.text_input, "Name", "new_project_name", "", placeholder="e.g. Managed IT services 2028"
    )
    start = state.kept(
        st.radio, "Start from", "new_project_start", "empty", options=list(STARTS), format_func=STARTS.get
    )
    blocks: list[str] = []
    source = None
    upload = None
    if start == "library":
        blocks = state.kept(
            st.multiselect,
            "Services",
            "new_project_blocks",
            ["service_desk"],
            options=list(LIBRARY),
            format_func=lambda key: LIBRARY[key].label,
            help="Each brings its usual service levels with a minimum and a target, and its price items.",
        )
    elif start == "copy":
        if projects:
            tenders: dict[int, str] = {p.id: p.name for p in projects}
            source = st.selectbox(
                "Tender to copy",
                list(tenders),
                format_func=lambda pid: tenders.get(pid, str(pid)),
                key="new_project_source",
                help="Its latest PSR and settings, without responses or decisions.",
            )
        else:
            st.caption("There is no earlier tender to copy yet.")
    elif start == "file":
        upload = st.file_uploader("PSR file (.json)", type=["json"], key="new_project_psr")
    a, b = st.columns(2)
    suggested = next_psr_id([p.psr_id for p in projects], dt.date.today())
    psr_id = state.kept(
        a.text_input,
        "PSR ID",
        "new_project_psr_id",
        suggested,
        help="The tender's own reference; the questionnaire and every answer carry it.",
    )
    buyer = state.kept(b.text_input, "Buyer", "new_project_buyer", "", placeholder="your organisation")

    def first_version() -> PSR | None:
        """The new tender's version 1, or None with the reason shown."""
        today = dt.date.today()
        if start == "empty":
            return new_psr(psr_id, name, buyer, today)
        if start == "library":
            if not blocks:
                st.error("Choose at least one service, or start empty.")
                return None
            return new_psr(psr_id, name, buyer, today, blocks)
        if start == "demo":
            return as_new_tender(load_psr(DEMO_PSR), psr_id, name)
        if start == "file":
            if upload is None:
                st.error("Choose the PSR file first.")
                return None
            try:
                return as_new_tender(loads_psr(upload.getvalue(), source=upload.name), psr_id, name)
            except PSRFileError as exc:
                st.error(f"{upload.name} is not a valid PSR:\n" + "\n".join(f"- {e}" for e in exc.errors))
                return None
        return None  # a copy is made by the store

    if st.button("Create and open its requirements", type="primary", key="create_project"):
        if not name.strip():
            st.error("Give the tender a name.")
        elif not psr_id.strip():
            st.error("Give the tender a PSR ID.")
        else:
            created: list = []
            if start == "copy":
                ok = source is not None and state.record(
                    lambda **kw: created.append(store.copy_project(source, name, psr_id=psr_id.strip(), **kw))
                )
            else:
                try:
                    psr = first_version()
                except ValueError as exc:
                    st.error(f"Not created: {exc}")
                    psr = None
                ok = psr is not None and state.record(
                    lambda **kw: created.append(store.create_project(name, psr, **kw))
                )
            if ok:
                state.open_project(created[0].id)
                st.switch_page("slm_psr/ui/views/requirements.py")

if current is not None:
    with st.container(border=True):
        st.subheader(f"This project: {current.name}")
        a, b = st.columns(2)
        with a:
            copy_name = state.kept(
                st.text_input,
                "Copy as a new tender named",
                "copy_name",
                "",
                placeholder=f"{current.name} (copy)",
                help="The copy gets the latest PSR (as version 1) and settings, without responses or decisions.",
            )
            if st.button("Copy", key="copy_project"):
                copied: list = []
                new_name = copy_name.strip() or f"{current.name} (copy)"
                if state.record(lambda **kw: copied.append(store.copy_project(current.id, new_name, **kw))):
                    state.open_project(copied[0].id)
                    state.forget("copy_name", "")
                    st.rerun()
        with b:
            st.caption(
                "Archiving makes the project read-only and hides it from the list of active projects; "
                "nothing is deleted."
            )
            if current.project.archived:
                if st.button("Restore", key="restore_project") and state.record(
                    store.archive_project, current.id, archived=False
                ):
                    st.rerun()
            elif st.button("Archive", key="archive_project") and state.record(
                store.archive_project, current.id
            ):
                st.rerun()
