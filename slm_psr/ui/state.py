"""Per-session state and the project store behind the pages (never module-level mutable state).

The store keeps the work (projects, PSR versions, uploaded bytes, overrides) with
the user's name; the session keeps only which project is open, the user's name and
what is being typed. Pure computations are cached on plain data (see ``compute``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from slm_psr.demo import ensure_demo_project
from slm_psr.model import PSR
from slm_psr.psr_file import dumps_psr, loads_psr
from slm_psr.service import team
from slm_psr.store import (
    Conflict,
    ProjectInfo,
    ProjectState,
    Store,
    StoreError,
    Tampered,
    default_database_url,
)
from slm_psr.ui import login


@st.cache_resource(show_spinner=False)
def _open_store(url: str, code_id: int) -> Store:  # code_id: see store()
    return Store.open(url)


def store() -> Store:
    """The store as the signed-in account may use it (roles checked in the service; see ``team.guard``).

    In single-user mode (no accounts) it is the store itself.
    """
    return team.guard(raw_store(), login.actor())


def raw_store() -> Store:
    """The store for this process (one per database URL; shared, never mutated).

    Keyed on the identity of the ``Store`` class too: when a source file changes,
    Streamlit re-imports our modules, and a store cached before would keep
    building PSRs from the old classes (``Kind.LANGUAGES is Kind.LANGUAGES`` fails).
    """
    return _open_store(default_database_url(), id(Store))


# --- session set-up ----------------------------------------------------------------


def init() -> None:
    """Once per run from app.py: the demo project on first start, then the open project.

    A store that cannot be used stops every page with the reason in words; a
    project whose history was altered is not opened (the Projects page still works).
    """
    st.session_state._project_refused = None
    try:
        s = store()
        ensure_demo_project(raw_store())  # the demo set-up is not a change of any account
        projects = s.list_projects(include_archived=True)
        if st.session_state.get("project_id") not in {p.id for p in projects}:
            active = [p for p in projects if not p.archived]
            st.session_state.project_id = active[0].id if active else None
        pid = st.session_state.project_id
        info = next((p for p in projects if p.id == pid), None)
        st.session_state._project = None
        st.session_state._project = _loaded(s, info) if info is not None else None
    except (Tampered, team.NotAllowed) as exc:  # altered history; an evaluator yet to declare
        st.session_state._project_refused = str(exc)
    except StoreError as exc:
        st.error(f"The project store cannot be used: {exc}.", icon=":material/database:")
        st.stop()


def _loaded(s: Store, info: ProjectInfo) -> ProjectState:
    """The open project, read from the store only when it changed since this session last read it.

    Reading a project parses every response again (about half a second for 100 bids
    with 300 answers each), so the session keeps the last one it read, keyed on the
    revision the projects list has just given: any saved change bumps it. The key holds
    the store and class identities too, so a source reload (new classes) or another
    database reads afresh. Pages treat the state as read-only, as before.
    """
    who = login.actor()  # each account sees its own view of the project
    key = (s.url, id(Store), id(ProjectState), info.id, info.revision, info.updated_at, who)
    kept_key, kept_state = st.session_state.get("_project_read", (None, None))
    if kept_key == key:
        return kept_state
    loaded = s.load(info.id)
    # Key on what was read: a change saved between the two queries reads again next run.
    key = (s.url, id(Store), id(ProjectState), loaded.id, loaded.revision, loaded.project.updated_at, who)
    st.session_state._project_read = (key, loaded)
    return loaded


def _login_name() -> str:
    signed_in = login.actor()
    if signed_in is not None:  # an account of this store (see ui.login)
        return signed_in.name
    try:
        if st.user.is_logged_in:
            return str(st.user.get("name") or st.user.get("email") or "")
    except (AttributeError, KeyError):
        pass
    return ""


def user() -> str:
    """The name changes are recorded under: the login where configured, else what the user typed."""
    return _login_name() or st.session_state.get("user_name", "").strip()


def project_id() -> int | None:
    return st.session_state.get("project_id")


def open_project(pid: int) -> None:
    st.session_state.project_id = pid
    st.session_state.pop("draft", None)


def project() -> ProjectState:
    """The open project as loaded at the start of this run (call ``st.rerun`` after a change)."""
    return st.session_state.get("_project")  # type: ignore[return-value]


def need_project() -> ProjectState:
    """The open project, or a note pointing to the Projects page (and the page stops)."""
    p = project()
    refused = st.session_state.get("_project_refused")
    if p is None and refused:
        st.error(f"This project cannot be opened: {refused}.", icon=":material/gpp_bad:")
        if login.actor() is not None:
            st.page_link(
                "slm_psr/ui/views/team.py", label="Declare on the Team page", icon=":material/groups:"
            )
        st.page_link(
            "slm_psr/ui/views/projects.py", label="Open another project", icon=":material/arrow_forward:"
        )
        st.stop()
    if p is None:
        st.info("No project is open. Create or open one on the Projects page.", icon=":material/folder_open:")
        st.page_link("slm_psr/ui/views/projects.py", label="Go to Projects", icon=":material/arrow_forward:")
        st.stop()
    return p


def need_responses(p: ProjectState) -> None:
    """Stop the page with a pointer to the Responses page while no workbook has been read."""
    if not p.accepted_responses():
        st.info(
            "No accepted responses yet. Upload the suppliers' workbooks on the Responses page.",
            icon=":material/upload_file:",
        )
        st.page_link(
            "slm_psr/ui/views/responses.py", label="Go to Responses", icon=":material/arrow_forward:"
        )
        st.stop()


def need_opened_envelope(p: ProjectState) -> None:
    """Stop an after-the-award page while a team's price envelope is sealed (the award needs the prices)."""
    if p.sealed:
        st.info(
            "The price envelope is sealed: the award, the contract and its monitoring come after the lead "
            "buyer has frozen the quality scores and opened the envelope (Team page).",
            icon=":material/lock:",
        )
        st.stop()


def psr_text(p: PSR) -> str:
    """The PSR's file text: the plain-data key for caches over a PSR."""
    return dumps_psr(p)


def psr_from_text(text: str) -> PSR:
    return loads_psr(text)


def record(change, *args: Any, **kwargs: Any) -> bool:
    """Run one store change with the user's name; show a conflict or a refusal in words.

    Returns True when it was saved (the caller then reruns to show it).
    """
    name = user()
    if not name:
        st.error("Type your name in the sidebar first: every change is recorded with who made it.")
        return False
    try:
        change(*args, user=name, **kwargs)
    except Conflict as exc:
        st.error(f"Not saved: {exc}.", icon=":material/sync_problem:")
        return False
    except (StoreError, ValueError) as exc:
        st.error(f"Not saved: {exc}", icon=":material/error:")
        return False
    return True


def sidebar() -> None:
    """The open project and who is working, on every page."""
    with st.sidebar:
        p = project()
        if p is not None:
            st.caption("Open project")
            st.markdown(f"**{p.name}**  \nPSR {p.psr.id}, version {p.psr_version}")
            if p.project.archived:
                st.warning("Archived: read-only. Restore it on the Projects page to change it.")
        if _login_name():
            st.caption(f"Signed in as {_login_name()}")
        else:
            st.text_input(
                "Your name",
                key="user_name",
                placeholder="e.g. Anna Schmidt",
                help="Every change is recorded with your name in the project's audit trail.",
            )
            if not user():
                st.caption("Needed before you change anything: the audit trail records who did what.")


def kept(widget: Any, label: str, key: str, default: Any = None, **kwargs: Any) -> Any:
    """A widget whose value survives switching pages (Streamlit drops the state of unshown widgets).

    The value is copied to ``kept.<key>`` every run and seeds the widget when it is
    shown again. ``forget(key)`` clears it after the value was used.
    """
    ss = st.session_state
    gen = ss.get(f"kept.{key}.gen", 0)
    widget_key = f"{key}.{gen}"
    if widget_key not in ss:
        value = ss.get(f"kept.{key}", default)
        options = kwargs.get("options")
        if options is not None and value not in list(options):
            value = default  # the choice is gone (a response removed, a requirement renamed)
        ss[widget_key] = value
    value = widget(label, key=widget_key, **kwargs)
    ss[f"kept.{key}"] = value
    return value


def forget(key: str, default: Any = None) -> None:
    """Reset a ``kept`` widget to its default on the next run."""
    ss = st.session_state
    ss[f"kept.{key}"] = default
    ss[f"kept.{key}.gen"] = ss.get(f"kept.{key}.gen", 0) + 1


NEXT_STEPS = {
    "requirements": ("questionnaire", "Next: send the questionnaire"),
    "questionnaire": ("responses", "Next: upload the suppliers' answers"),
    "responses": ("qualification", "Next: see who qualifies"),
    "qualification": ("comparison", "Next: compare the qualified bids"),
    "comparison": ("export", "Next: export the comparison"),
}


def next_step(page: str) -> None:
    """A link to the next step of the procurement, at the foot of a page."""
    target, label = NEXT_STEPS[page]
    st.divider()
    st.page_link(f"slm_psr/ui/views/{target}.py", label=label, icon=":material/arrow_forward:")


def table_editor(
    name: str,
    rows: list[dict[str, Any]],
    columns: list[str],
    key: str,
    rows_in_view: int | None = None,
    **kwargs: Any,
) -> list[dict]:
    """An editable table over ``rows``; returns the edited rows for the caller to keep.

    The editor's input stays fixed while its key stays (feeding its output back in
    would lose edits). When the key changes, or the editor was not shown on the last
    run (another page), the input is rebuilt from ``rows``: the edits kept so far.
    ``rows_in_view`` sizes the table once per input, never per edit: a changed height
    would make Streamlit see a new widget and drop the edits.
    """
    ss = st.session_state
    if ss.get(f"{name}.base_key") != key or key not in ss:
        ss[f"{name}.base"] = pd.DataFrame(rows, columns=columns)
        ss[f"{name}.base_key"] = key
        ss[f"{name}.height"] = 35 * (min(len(rows), rows_in_view) + 2) if rows_in_view else "auto"
    edited = st.data_editor(
        ss[f"{name}.base"],
        key=key,
        column_order=columns,
        hide_index=True,
        height=ss[f"{name}.height"],
        **kwargs,
    )
    return edited.to_dict("records")
