"""Signing in to the app when the store has accounts: the form or single sign-on, the idle timeout, signing out.

While the store has no account the app stays in single-user mode (a typed name
goes on record) and the sidebar says so. With accounts, nothing of a project is
shown before a sign-in, the signed-in account is who every change is recorded
under, and its role decides what it may do (checked in ``slm_psr.service.team``).

With an ``[auth]`` section in ``.streamlit/secrets.toml`` (Streamlit's OIDC login,
``st.login``) the sign-in is the identity provider's instead of the password form:
the identity's e-mail address names the account (``accounts.sign_in_identity``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

import streamlit as st

from slm_psr.service import accounts, roles
from slm_psr.service.accounts import Actor
from slm_psr.store import StoreError

IDLE_ENV = "SLM_PSR_IDLE_MINUTES"
IDLE_MINUTES = 30  # a session idle this long is signed out (the next click asks for the password)


def idle_limit() -> dt.timedelta:
    try:
        return dt.timedelta(minutes=float(os.environ.get(IDLE_ENV, IDLE_MINUTES)))
    except ValueError:
        return dt.timedelta(minutes=IDLE_MINUTES)


def oidc_providers() -> list[str | None] | None:
    """The single sign-on providers configured in secrets (``[auth]``): None when there is none.

    ``[None]`` is the one unnamed provider (its settings in ``[auth]`` itself); named
    providers are the ``[auth.NAME]`` tables.
    """
    try:
        auth = st.secrets.get("auth")
    except (FileNotFoundError, KeyError, ValueError):  # no secrets file, or one that does not parse
        return None
    if not isinstance(auth, Mapping):
        return None
    named: list[str | None] = [str(k) for k, v in auth.items() if isinstance(v, Mapping)]
    if named:
        return named
    return [None] if auth.get("client_id") and auth.get("server_metadata_url") else None


def actor() -> Actor | None:
    """The signed-in account of this session (None: nobody, or single-user mode)."""
    return st.session_state.get("_actor")


def gate(open_store) -> None:
    """Once per run before anything else: in team mode, stop with the sign-in form unless signed in.

    ``open_store`` gives the store itself (not a guarded one): accounts are checked here.
    A store that cannot be opened is left to ``state.init``, which says why in words.
    """
    ss = st.session_state
    try:
        store = open_store()
        team = accounts.team_mode(store)
    except StoreError:
        return
    ss._team_mode = team
    if not team:
        ss.pop("_actor", None)
        return
    now = dt.datetime.now(dt.UTC)
    current = actor()
    providers = oidc_providers()
    if current is not None and now - ss.get("_last_seen", now) > idle_limit():
        minutes = round(idle_limit().total_seconds() / 60)
        accounts.sign_out(store, current, f"idle for {minutes} minutes")
        _forget_session()
        ss._signed_out_note = f"You were signed out after {minutes} minutes without activity."
        if providers:
            st.logout()  # else the provider's cookie would sign the session straight in again
        current = None
    if current is not None:
        ss._last_seen = now
        return
    if providers:
        _single_sign_on(store, providers)
    else:
        _form(store)
    st.stop()


def _single_sign_on(store, providers: list[str | None]) -> None:
    """Sign in with the identity provider; its e-mail address names the account."""
    st.title("Sign in")
    st.caption(
        "This store has accounts and signs in with your organisation's single sign-on: your e-mail "
        "address names your account, and its role decides what you may see and change."
    )
    note = st.session_state.pop("_signed_out_note", None)
    if note:
        st.info(note, icon=":material/logout:")
    if st.user.is_logged_in:
        try:
            signed = accounts.sign_in_identity(store, st.user.to_dict())
        except accounts.Refused as exc:
            st.error(f"Not signed in: {exc}.", icon=":material/lock:")
            if st.button("Sign out of the single sign-on", key="sso_sign_out"):
                st.logout()
            return
        _forget_session()
        st.session_state._actor = signed
        st.session_state._last_seen = dt.datetime.now(dt.UTC)
        st.rerun()
    for provider in providers:
        label = f"Sign in with {provider}" if provider else "Sign in with single sign-on"
        if st.button(label, key=f"sso_{provider or 'default'}", type="primary", icon=":material/login:"):
            if provider:
                st.login(provider)
            else:
                st.login()


def _form(store) -> None:
    st.title("Sign in")
    st.caption(
        "This store has accounts: sign in to work on its projects. Your account's role (lead buyer, "
        "evaluator, observer, administrator) decides what you may see and change."
    )
    note = st.session_state.pop("_signed_out_note", None)
    if note:
        st.info(note, icon=":material/logout:")
    with st.form("sign_in"):
        name = st.text_input("Name", key="sign_in_name")
        password = st.text_input("Password", type="password", key="sign_in_password")
        pressed = st.form_submit_button("Sign in", type="primary", key="sign_in_submit")
    if pressed:
        try:
            signed = accounts.sign_in(store, name, password)
        except accounts.Refused as exc:
            st.error(f"Not signed in: {exc}.", icon=":material/lock:")
            return
        _forget_session()
        st.session_state._actor = signed
        st.session_state._last_seen = dt.datetime.now(dt.UTC)
        st.rerun()


def sidebar(store) -> None:
    """Who is signed in and the sign-out button; in single-user mode, that there are no accounts."""
    with st.sidebar:
        current = actor()
        if current is None:
            if not st.session_state.get("_team_mode"):
                st.caption(
                    "Single-user mode: this store has no accounts, so anyone who reaches the app may read "
                    "and change every project. Add accounts with `python -m slm_psr users add` to require "
                    "a sign-in and roles."
                )
            return
        st.caption(f"Role: {_role_words(store, current)}")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            accounts.sign_out(store, current)
            _forget_session()
            st.session_state._signed_out_note = "You are signed out."
            if oidc_providers():
                st.logout()  # the provider's cookie too, or the next run signs straight in again
            st.rerun()


def _role_words(store, current: Actor) -> str:
    """The account's role on the open project (roles can differ per project), else its usual role."""
    project_id = st.session_state.get("project_id")
    if project_id is None:
        return accounts.ROLE_WORDS[current.role]
    try:
        role = roles.role_on(store, current, project_id)
    except StoreError:
        return accounts.ROLE_WORDS[current.role]
    return f"{accounts.ROLE_WORDS[role]} on this project" if role else "no access to this project"


def _forget_session() -> None:
    """Drop everything this session kept (drafts, views, evaluations): the next account starts clean."""
    for key in list(st.session_state.keys()):
        if key not in ("_signed_out_note", "_team_mode"):
            del st.session_state[key]
