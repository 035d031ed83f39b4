"""Projects: list, open, create (from the demo PSR or a PSR file), copy and archive tenders."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from slm_psr.demo import DEMO_PSR
from slm_psr.psr_file import PSRFileError, load_psr, loads_psr
from slm_psr.ui import state

store = state.store()
current = state.project()
projects = store.list_projects(include_archived=True)

st.title("Projects")
st.caption(
    "One project per tender: its PSR versions, the suppliers' answers and every decision, "
    "kept with who made it and when."
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

with right.container(border=True):
    st.subheader("New project")
    name = state.kept(
        st.text_input, "Name", "new_project_name", "", placeholder="e.g. Managed IT services 2028"
    )
    upload = st.file_uploader(
        "PSR file (.json); leave empty to start from the demo PSR", type=["json"], key="new_project_psr"
    )
    if st.button("Create", type="primary", key="create_project"):
        try:
            psr = loads_psr(upload.getvalue(), source=upload.name) if upload else load_psr(DEMO_PSR)
        except PSRFileError as exc:
            st.error(f"{exc.source} is not a valid PSR:\n" + "\n".join(f"- {e}" for e in exc.errors))
        else:
            if not name.strip():
                st.error("Give the project a name.")
            else:
                created: list = []
                if state.record(lambda **kw: created.append(store.create_project(name, psr, **kw))):
                    state.open_project(created[0].id)
                    state.forget("new_project_name", "")
                    st.rerun()

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
