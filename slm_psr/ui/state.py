"""Per-session state and the project store behind the pages (never module-level mutable state).

The store keeps the work (projects, PSR versions, uploaded bytes, overrides) with
the user's name; the session keeps only which project is open, the user's name and
what is being typed. Pure computations are cached on plain data (see ``compute``).
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pandas as pd
import streamlit as st

from slm_psr.demo import ensure_demo_project
from slm_psr.model import PSR
from slm_psr.psr_file import dumps_psr, loads_psr
from slm_psr.psr_merge import describe, merge
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
from slm_psr.ui.tables import psr_tables


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


PROJECT_PARAM = "project"  # ?project=<id>: the open project, so a reload, bookmark or second tab keeps it
NAME_COOKIE = "slm_psr_user"  # the name typed in the sidebar, remembered by this browser
# Session keys that belong to the session, not to the open project: everything else
# (drafts, typed text, choices, the last import) is dropped when another project opens.
SESSION_KEYS = {"project_id", "user_name", "_user", "_project", "_project_read", "_evaluations", "_name_set"}
# ... and who is signed in (ui.login): opening another project never signs anyone out
SESSION_KEYS |= {"_actor", "_last_seen", "_team_mode"}


def init() -> None:
    """Once per run from app.py: the demo project on first start, then the open project.

    The project is the one this session opened, else the one the URL names
    (``?project=<id>``: a reload, a bookmark, a second tab); the URL is then set to it, so every page, a reload and a copied
    link show the same project. Opening another project drops what was typed for
    the one before (no widget state crosses projects).

    A store that cannot be used stops every page with the reason in words; a
    project whose history was altered is not opened (the Projects page still works).
    """
    ss = st.session_state
    ss._project_refused = None
    try:
        _open(ss)
    except (Tampered, team.NotAllowed) as exc:  # altered history; an evaluator yet to declare
        ss._project = None
        ss._project_refused = str(exc)
    except StoreError as exc:
        st.error(f"The project store cannot be used: {exc}.", icon=":material/database:")
        st.stop()


def _open(ss: Any) -> None:
    """Find the project this session shows (see ``init``) and load it into ``ss._project``."""
    s = store()
    ensure_demo_project(raw_store())  # the demo set-up is not a change of any account
    projects = s.list_projects(include_archived=True)
    ids = {p.id for p in projects}
    pid = ss.get("project_id")  # opened in this session (open_project sets the URL too)
    if pid not in ids:
        pid = _url_project()  # a reload, a bookmark, a second tab
    if pid not in ids:
        active = [p for p in projects if not p.archived]
        pid = active[0].id if active else None
    if "project_id" in ss and ss.project_id != pid:
        _forget_project_state()
    ss.project_id = pid
    if pid is not None and st.query_params.get(PROJECT_PARAM) != str(pid):
        st.query_params[PROJECT_PARAM] = str(pid)
    if "user_name" not in ss:  # a new session (reload, second tab), or a page switch dropped the widget
        ss.user_name = ss.get("_user") or _remembered_name()
    info = next((p for p in projects if p.id == pid), None)
    ss._project = None
    ss._project = _loaded(s, info) if info is not None else None


def _url_project() -> int | None:
    text = st.query_params.get(PROJECT_PARAM, "")
    return int(text) if text.isdigit() else None


def _forget_project_state() -> None:
    """Drop everything this session kept for the project it had open (widgets, drafts, imports)."""
    ss = st.session_state
    for key in list(ss.keys()):
        if key not in SESSION_KEYS:
            del ss[key]


def _remembered_name() -> str:
    """The name this browser typed before (a cookie set by ``remember_name``), else empty."""
    try:
        value = st.context.cookies.get(NAME_COOKIE)
    except (AttributeError, RuntimeError):
        return ""
    return urllib.parse.unquote(value)[:200].strip() if isinstance(value, str) else ""


def _remember_name(name: str) -> None:
    """Keep the typed name in this browser for a year, so a reload or a new tab knows who is working."""
    value = json.dumps(urllib.parse.quote(name))
    st.html(
        f"<script>document.cookie = '{NAME_COOKIE}=' + {value} + "
        "'; path=/; max-age=31536000; SameSite=Strict';</script>",
        unsafe_allow_javascript=True,
    )


def warn_before_leaving(dirty: bool) -> None:
    """Ask the browser to confirm leaving or reloading while something typed is not saved."""
    script = (
        "window.onbeforeunload = (e) => { e.preventDefault(); e.returnValue = ''; return ''; };"
        if dirty
        else "window.onbeforeunload = null;"
    )
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


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
    """Open project ``pid`` from the next run on (the URL follows; the last project's typing is dropped)."""
    if st.session_state.get("project_id") != pid:
        _forget_project_state()
    st.session_state.project_id = pid
    st.query_params[PROJECT_PARAM] = str(pid)


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


def sidebar(*, guard: bool = True) -> None:
    """The open project and who is working, on every page; a guard while a draft is unsaved.

    ``guard=False`` on the page that holds the draft: it sets the guard itself once it
    knows whether this run's edits left the draft dirty.
    """
    ss = st.session_state
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
                help="Every change is recorded with your name in the project's audit trail. "
                "This browser remembers it.",
            )
            ss._user = ss.user_name  # kept apart from the widget, whose value a page switch can drop
            if not user():
                st.caption("Needed before you change anything: the audit trail records who did what.")
            elif ss.get("_name_set") != user():
                _remember_name(user())
                ss._name_set = user()
        if guard:
            warn_before_leaving(has_unsaved_draft())


def has_unsaved_draft() -> bool:
    """True while the Requirements page holds edits of the open project that are not saved."""
    draft = st.session_state.get("draft")
    return bool(draft and draft.get("dirty") and draft.get("project_id") == project_id())


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
    ``rows_in_view`` fixes the table's height (that many rows, however many there are),
    so it neither shrinks to one row after deletions nor changes per edit (a changed
    height would make Streamlit see a new widget and drop the edits).
    """
    ss = st.session_state
    if ss.get(f"{name}.base_key") != key or key not in ss:
        ss[f"{name}.base"] = pd.DataFrame(rows, columns=columns)
        ss[f"{name}.base_key"] = key
        ss[f"{name}.height"] = 35 * (rows_in_view + 1) + 3 if rows_in_view else "auto"
    edited = st.data_editor(
        ss[f"{name}.base"],
        key=key,
        column_order=columns,
        hide_index=True,
        height=ss[f"{name}.height"],
        **kwargs,
    )
    return edited.to_dict("records")


PSR_WORDS = "PSR (your request for proposal: the services, requirements and how bids are compared)"


def header(title: str, caption: str) -> None:
    """A page's title and caption, with PSR spelled out once (the first time the caption names it)."""
    st.title(title)
    if "PSR" in caption:
        caption = caption.replace("PSR", PSR_WORDS, 1)
    else:
        caption = f"{caption} The {PSR_WORDS} is edited on the Requirements page."
    st.caption(caption)


def psr_change_banner(p: ProjectState) -> None:
    """On evaluation pages: the PSR was changed after bids arrived, in words, until someone acknowledges it."""
    pending = p.psr_changed_after_bids()
    if not pending:
        return
    first = min(r.psr_version for r in p.responses)
    old = store().load_psr(p.id, first)
    changes = psr_changes_in_words(old, p.psr)
    # every total is monthly fees x term + one-time fees: a new term or price item changes them all
    prices = old.term_months != p.psr.term_months or old.price_items != p.psr.price_items
    with st.container(border=True):
        st.warning(
            f"**PSR changed after bids were received** (bids answered version {first}; now version "
            f"{p.psr_version}): {'; '.join(changes) or 'wording only'}"
            + ("; all price totals were recomputed." if prices else ".")
            + " The bids were read against the earlier version; check that they still answer what is asked.",
            icon=":material/history_edu:",
        )
        if st.button("I have seen this change", key="psr_change_ack", help="Recorded in the audit trail"):
            revision = p.revision
            ok = True
            for version in pending:
                ok = ok and record(store().acknowledge_psr_change, p.id, version, expected_revision=revision)
                revision += 1
            if ok:
                st.rerun()


def psr_changes_in_words(old: PSR, new: PSR) -> list[str]:
    """What changed from one PSR version to another, field by field, in the buyer's words."""
    before, after = psr_tables(old), psr_tables(new)
    words = []
    for change in merge(before, before, after).theirs:
        where = "contract term" if change.key == "meta/term_months" else change.where
        unit = " months" if change.key == "meta/term_months" else ""
        if change.before is None:
            words.append(f"{where} added")
        elif change.after is None:
            words.append(f"{where} removed")
        else:
            words.append(f"{where} {describe(change.before)} → {describe(change.after)}{unit}")
    return words
