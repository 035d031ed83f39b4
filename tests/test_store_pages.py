"""The pages show store failures and altered history as messages in words, never a traceback (AppTest)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import streamlit as st
from streamlit.testing.v1 import AppTest

from slm_psr.store import Store
from slm_psr.store.database import VERSION_TABLE
from tests.conftest import DEMO
from tests.test_store_integrity import tamper
from tests.test_ui import APP, TIMEOUT, XLSX, database, goto, texts  # noqa: F401 - the fixture


def resaved(path: Path) -> bytes:
    """The workbook saved again by openpyxl: the same answers in other bytes (a corrected file)."""
    workbook = openpyxl.load_workbook(path)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _started(database: str) -> AppTest:  # noqa: F811
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()  # first start: the demo project
    assert not at.exception
    return at


def test_an_altered_project_is_refused_with_the_first_altered_row(database):  # noqa: F811
    _started(database)
    tamper(
        database, "UPDATE evaluator_scores SET score = 0 WHERE id = (SELECT min(id) FROM evaluator_scores)"
    )
    # A new session reads the project afresh (a session keeps what it read and checked, per revision).
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    goto(at, "comparison")
    (error,) = at.error
    assert error.value.startswith("This project cannot be opened: the history of project 'Demo: managed IT")
    assert (
        "in the database, but" in error.value and "on record: it was changed outside slm-psr" in error.value
    )
    goto(at, "projects")  # another project can still be opened or created
    assert not at.exception and at.title[0].value == "Projects"


def test_a_store_from_a_newer_version_stops_every_page_with_what_to_do(database):  # noqa: F811
    _started(database)
    with Store.open(database) as store, store.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE {VERSION_TABLE} SET version_num = '0099_future'")
    st.cache_resource.clear()  # as a new app process would: open the store afresh
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith("The project store cannot be used: the project store sqlite:///")
    assert "upgraded by a newer version of slm-psr (schema 0099_future)" in error.value
    assert "Update slm-psr" in error.value


def test_a_refused_upload_batch_names_every_file_and_stores_none(database):  # noqa: F811
    at = _started(database)
    with Store.open(database) as store:
        (project,) = store.list_projects()
        before = len(store.load(project.id).responses)
    goto(at, "responses")
    with Store.open(database) as store:  # a colleague archives it meanwhile
        store.archive_project(project.id, user="ben")
    files = sorted((DEMO / "responses").glob("*.xlsx"))[:2]
    # corrected files (same name and company, other bytes): each would replace its response
    at.file_uploader(key="uploads.0").set_value([(p.name, resaved(p), XLSX) for p in files]).run()
    assert not at.exception
    names = ", ".join(p.name for p in files)
    shown = texts(at).replace("\\", "")  # the message is escaped for Markdown (it names files)
    assert f"none of the 2 files ({names}) were stored: project 'Demo: managed IT" in shown
    with Store.open(database) as store:
        assert len(store.response_history(project.id)) == before
