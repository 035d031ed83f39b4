"""A buyer's day in the app (issue 13): the project in the URL, no state across projects."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_ui import APP, ROOT, TIMEOUT, XLSX, goto, texts


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'ui.sqlite3'}"
    monkeypatch.setenv("SLM_PSR_DATABASE_URL", url)
    return url


def fresh(query: dict | None = None) -> AppTest:
    """A new browser session (a reload, a bookmark, a second tab), optionally with URL parameters."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def app(database) -> AppTest:
    return fresh()


def open_store(database: str):
    from slm_psr.store import Store

    return Store.open(database)


def sidebar_text(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.sidebar.markdown)


def second_project(database: str, name: str = "Hosting 2028") -> int:
    from slm_psr.demo import DEMO_PSR
    from slm_psr.psr_file import load_psr

    return open_store(database).create_project(name, load_psr(DEMO_PSR), user="Ben").id


def url_project(at: AppTest) -> str:
    value = at.query_params.get("project")
    return value[0] if isinstance(value, list) else value


def test_the_url_names_the_open_project_and_a_reload_keeps_it(app, database):
    demo = open_store(database).list_projects()[0].id
    assert url_project(app) == str(demo)
    other = second_project(database)
    # a bookmark or a second tab with ?project=<id> opens that project, not the first one
    tab = fresh({"project": str(other)})
    assert "Hosting 2028" in sidebar_text(tab)
    goto(tab, "responses")  # and keeps it from page to page
    assert url_project(tab) == str(other)
    assert "Hosting 2028" in sidebar_text(tab)
    # the first tab still shows its own project
    app.run()
    assert "Demo" in sidebar_text(app) and url_project(app) == str(demo)


def test_opening_a_project_puts_it_in_the_url(app, database):
    other = second_project(database)
    goto(app, "projects")
    app.selectbox(key="open_choice").set_value(other).run()
    app.button(key="open_project").click().run()
    assert url_project(app) == str(other)
    assert "Hosting 2028" in sidebar_text(app)


def test_an_unknown_project_in_the_url_opens_the_first_one_and_says_nothing_wrong(database):
    at = fresh({"project": "9999"})
    assert "Demo" in sidebar_text(at)
    assert url_project(at) != "9999"


def test_nothing_typed_or_imported_for_one_project_shows_in_another(app, database):
    other = second_project(database)
    goto(app, "responses")
    demo_file = ROOT / "data/demo/responses/westpark.xlsx"
    app.file_uploader(key="uploads.0").set_value([(demo_file.name, demo_file.read_bytes(), XLSX)])
    app.run()
    assert "Last import" in texts(app)
    goto(app, "qualification")
    app.selectbox(key="override_supplier.0").set_value("Westpark Datacenter Services GmbH")
    app.text_area(key="override_justification.0").input("Confirmed in writing.")
    app.run()

    goto(app, "projects")
    app.selectbox(key="open_choice").set_value(other).run()
    app.button(key="open_project").click().run()
    goto(app, "responses")
    assert "Last import" not in texts(app)
    assert "last_import" not in app.session_state
    goto(app, "qualification")
    assert "No accepted responses yet" in texts(app)
    assert app.session_state["user_name"] == "Anna Tester"  # who is working stays


# --- a new tender ---------------------------------------------------------------------


def create_tender(at: AppTest, name: str) -> None:
    goto(at, "projects")
    at.text_input(key="new_project_name.0").input(name)
    at.button(key="create_project").click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_a_new_empty_tender_has_its_own_psr_id_and_opens_on_its_requirements(app, database):
    import datetime as dt

    create_tender(app, "Cleaning 2028")
    assert [t.value for t in app.title] == ["Requirements"]
    assert "Cleaning 2028" in sidebar_text(app)
    store = open_store(database)
    info = next(p for p in store.list_projects() if p.name == "Cleaning 2028")
    assert info.psr_id == f"PSR-{dt.date.today().year}-01" and info.latest_version == 1
    assert url_project(app) == str(info.id)
    psr = store.load_psr(info.id)
    assert len(psr.requirements) == 1 and psr.requirements[0].kind.value == "price"
    assert "1 requirements, all readable." in texts(app)
    (created,) = store.audit(info.id)
    assert '"psr_id": "PSR-' in created.after  # version 1 in the audit trail is its own content


def test_a_new_tender_from_typical_service_levels(app, database):
    goto(app, "projects")
    app.text_input(key="new_project_name.0").input("Hosting 2029")
    app.radio(key="new_project_start.0").set_value("library").run()
    app.multiselect(key="new_project_blocks.0").set_value(["hosting", "reporting"]).run()
    app.button(key="create_project").click().run()
    assert not app.exception, [e.value for e in app.exception]
    store = open_store(database)
    info = next(p for p in store.list_projects() if p.name == "Hosting 2029")
    assert [s.id for s in store.load_psr(info.id).services] == ["HO", "RP"]


def test_a_new_tender_as_a_copy_of_an_earlier_one_gets_a_new_psr_id(app, database):
    store = open_store(database)
    demo = store.list_projects()[0]
    goto(app, "projects")
    app.text_input(key="new_project_name.0").input("Again 2030")
    app.radio(key="new_project_start.0").set_value("copy").run()
    app.selectbox(key="new_project_source").set_value(demo.id).run()
    app.text_input(key="new_project_psr_id.0").input("MS-2030-01")
    app.button(key="create_project").click().run()
    assert not app.exception, [e.value for e in app.exception]
    info = next(p for p in store.list_projects() if p.name == "Again 2030")
    assert info.psr_id == "MS-2030-01" and info.response_count == 0
    assert len(store.load_psr(info.id).requirements) == len(store.load_psr(demo.id).requirements)


# --- a colleague's change meanwhile -------------------------------------------------------


def edit_cell(at: AppTest, table: str, row: int, **values) -> None:
    key = at.session_state[f"{table}.base_key"]
    at.session_state[key] = {"edited_rows": {row: values}, "added_rows": [], "deleted_rows": []}
    at.run()


def test_both_changing_the_same_field_asks_which_wins_and_keeps_the_rest(app, database):
    store = open_store(database)
    pid = store.list_projects()[0].id
    goto(app, "requirements")
    edit_cell(app, "services", 0, weight=42, name="Service desk (all sites)")

    theirs = store.load(pid)
    psr = theirs.psr.model_copy(
        update={
            "title": "Managed IT (revised)",
            "services": [
                s.model_copy(update={"weight": 50.0}) if s.id == "SD" else s for s in theirs.psr.services
            ],
        }
    )
    store.save_psr(pid, psr, user="Ben Colleague", expected_revision=theirs.revision)
    app.run()
    app.button(key="save_psr").click().run()
    shown = texts(app)
    assert "Ben Colleague saved PSR version 2" in shown
    assert "You both changed 1 field(s)" in shown
    assert app.button(key="conflict_merge").disabled  # not before the clash is settled
    (clash,) = [r for r in app.radio if r.key.startswith("clash.")]
    assert clash.label == "service SD, weight"
    clash.set_value("theirs").run()
    app.button(key="conflict_merge").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.button(key="save_psr").label == "Save as version 3"
    app.button(key="save_psr").click().run()
    saved = store.load(pid).psr
    assert saved.title == "Managed IT (revised)"  # theirs, merged
    assert saved.service("SD").name == "Service desk (all sites)"  # mine, merged
    assert saved.service("SD").weight == 50  # the clash, settled for theirs
