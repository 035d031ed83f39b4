"""A buyer's day in the app (issue 13): the project in the URL, no state across projects."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_ui import APP, ROOT, TIMEOUT, VIEWS, XLSX, goto, texts


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
    assert [t.value for t in at.title] == ["Requirements"]  # the app went there by itself
    at.switch_page(f"{VIEWS}/requirements.py")  # AppTest keeps its own page: follow the app


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


# --- settling one value, removing with a reason ------------------------------------------


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_settling_one_flagged_price_counts_down_and_goes_on_record(app, database):
    goto(app, "responses")
    assert metric(app, "Values to review") == "2"
    westpark = "Westpark Datacenter Services GmbH"
    app.selectbox(key="settle_choice.0").set_value(f"{westpark}|RP-P1").run()
    app.radio(key="settle_decision.0").set_value("correct").run()
    app.text_input(key="settle_value.0").input("1.5 EUR").run()
    assert "Will be used as" in texts(app)
    app.button(key="settle_record").click().run()
    assert "Write the justification first" in texts(app)
    app.text_input(key="settle_why.0").input("The supplier meant 1.50 EUR (letter of 4 Feb)").run()
    app.button(key="settle_record").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert metric(app, "Values to review") == "1"  # only HO-01 is left
    store = open_store(database)
    pid = store.list_projects()[0].id
    (decision,) = store.load(pid).value_decisions
    assert (decision["decision"], decision["value"], decision["who"]) == ("correct", 1.5, "Anna Tester")
    assert store.audit(pid)[-1].action == "set_value_decision"

    goto(app, "qualification")  # evaluated once before the decisions...
    assert metric(app, "Needs review") == "1"
    goto(app, "responses")
    app.selectbox(key="settle_choice.0").set_value(f"{westpark}|HO-01").run()
    app.radio(key="settle_decision.0").set_value("confirm").run()
    app.text_input(key="settle_why.1").input("99.5 % confirmed by e-mail").run()
    app.button(key="settle_record").click().run()
    assert metric(app, "Values to review") == "0"
    goto(app, "qualification")  # ...and again after them: the engine used both
    assert metric(app, "Needs review") == "0"


def test_the_override_form_starts_on_a_requirement_not_the_whole_bid(app):
    goto(app, "qualification")
    assert app.selectbox(key="override_scope.0").value != ""
    assert app.selectbox(key="override_scope.0").value == "HO-01"  # Westpark's doubtful knock-out


def test_removing_a_response_asks_for_the_reason_and_lists_it_struck_through(app, database):
    goto(app, "responses")
    store = open_store(database)
    pid = store.list_projects()[0].id
    first = store.load(pid).responses[0]
    app.selectbox(key="remove_choice.0").set_value(first.id)
    app.button(key="remove_response").click().run()
    assert "Say why the response is removed" in texts(app)
    assert first.id in [r.id for r in store.load(pid).responses]
    app.text_input(key="remove_reason.0").input("withdrawn by the supplier").run()
    app.button(key="remove_response").click().run()
    assert first.id not in [r.id for r in store.load(pid).responses]
    assert f"~~{first.filename}~~" in texts(app)
    assert "removed by Anna Tester" in texts(app) and "withdrawn by the supplier" in texts(app)


# --- a PSR change after the bids, in words --------------------------------------------------


def test_a_psr_change_after_bids_shows_a_banner_on_evaluation_pages_until_acknowledged(app, database):
    store = open_store(database)
    pid = store.list_projects()[0].id
    state = store.load(pid)
    store.save_psr(
        pid, state.psr.model_copy(update={"term_months": 48}), user="Ben", expected_revision=state.revision
    )
    for page in ("responses", "qualification", "comparison", "export"):
        goto(app, page)
        banner = "\n".join(str(w.value) for w in app.warning)
        assert "PSR changed after bids were received" in banner, page
        assert "contract term 36 → 48 months" in banner and "all price totals were recomputed" in banner
    app.button(key="psr_change_ack").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "PSR changed after bids were received" not in "\n".join(str(w.value) for w in app.warning)
    entry = store.audit(pid)[-1]
    assert (entry.action, entry.who) == ("acknowledge_psr_change", "Anna Tester")


def test_every_page_spells_out_psr_once_in_its_header(app):
    for page in (
        "projects",
        "requirements",
        "questionnaire",
        "responses",
        "qualification",
        "comparison",
        "export",
    ):
        goto(app, page)
        assert "PSR (your request for proposal" in app.caption[0].value, page


# --- a requirement of each kind through the form ---------------------------------------------

EACH_KIND = [
    ("availability", "Availability of the portal", {"minimum": "99.5", "target": "99.9"}),
    ("time_limit", "Time to resolve a P1 incident", {"minimum": "8", "target": "4"}),
    ("coverage", "Support hours", {"minimum": "Mon-Fri 08:00-18:00", "target": "24/7"}),
    ("languages", "Languages of the agents", {"minimum": "de, en", "target": "fr"}),
    ("yes_no", "Certified to ISO/IEC 27001", {"minimum": "yes"}),
    ("number", "First contact resolution (%)", {"minimum": "60", "target": "80"}),
    ("qualitative", "Approach to knowledge transfer", {}),
    ("price", "One-time transition fee", {"basis": "one_time"}),
]


def add_through_the_form(at: AppTest, kind: str, text: str, levels: dict) -> None:
    gen = at.session_state["add.gen"]
    at.selectbox(key=f"add.kind.{gen}").set_value(kind).run()
    at.text_input(key=f"add.text.{gen}").input(text)
    for name, value in levels.items():
        if name == "basis":
            at.radio(key=f"add.basis.{gen}").set_value(value)
        else:
            at.text_input(key=f"add.{name}.{gen}").input(value)
    at.run()
    at.button(key="add.submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["add.gen"] == gen + 1, [e.value for e in at.error]


def test_an_empty_tender_gets_a_requirement_of_each_kind_through_the_form(app, database):
    create_tender(app, "Every kind 2028")
    for kind, text, levels in EACH_KIND:
        add_through_the_form(app, kind, text, levels)
    assert f"{1 + len(EACH_KIND)} requirements, all readable." in texts(app)
    assert not app.button(key="save_psr").disabled, texts(app)
    app.button(key="save_psr").click().run()
    store = open_store(database)
    info = next(p for p in store.list_projects() if p.name == "Every kind 2028")
    psr = store.load_psr(info.id)
    assert psr.version == 2
    by_text = {r.text: r for r in psr.requirements}
    assert by_text["Availability of the portal"].minimum == 99.5
    assert by_text["Languages of the agents"].target == ["fr"]
    assert by_text["One-time transition fee"].price_basis.value == "one_time"
    assert [r.id for r in psr.requirements][1:3] == ["S1-01", "S1-02"]  # IDs follow the service


def test_the_form_names_what_is_wrong_before_adding(app):
    goto(app, "requirements")
    gen = app.session_state["add.gen"]
    app.selectbox(key=f"add.kind.{gen}").set_value("availability").run()
    app.text_input(key=f"add.text.{gen}").input("Availability")
    app.text_input(key=f"add.minimum.{gen}").input("very high")
    app.run()
    app.button(key="add.submit").click().run()
    assert "'very high' is not a number" in texts(app)
    assert app.session_state["add.gen"] == gen  # nothing added


# --- the service-weight what-if in words ------------------------------------------------------


def test_all_service_weights_at_zero_is_explained_not_an_error(app, database):
    store = open_store(database)
    pid = store.list_projects()[0].id
    psr = store.load(pid).psr
    goto(app, "comparison")
    for s in psr.services:
        app.slider(key=f"whatif.{pid}.1.service.{s.id}.0").set_value(0.0)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error
    assert "Every service weight is at zero" in texts(app)
    assert len(app.dataframe[0].value) > 0  # the ranking is still shown
    app.slider(key=f"whatif.{pid}.1.service.SD.0").set_value(10.0).run()
    assert "count(s) for nothing in this what-if" in texts(app) and "What-if" in texts(app)


def test_one_service_has_no_weight_slider_and_says_why(app, database):
    import datetime as dt

    from slm_psr.model import Answer, Response
    from slm_psr.templates import new_psr

    store = open_store(database)
    psr = new_psr("PSR-2027-09", "Hosting only", "City", dt.date(2027, 1, 1), ["hosting"])
    info = store.create_project("Hosting only", psr, user="Ben")
    offered = {"HO-01": 99.9, "HO-02": 15.0, "HO-03": 1.0, "HO-04": True, "HO-P1": 1000.0, "HO-P2": 5000.0}
    rev = info.revision
    for supplier, factor in (("A GmbH", 1.0), ("B AG", 1.2)):
        answers = {
            rid: Answer(requirement_id=rid, value=v * factor if rid.startswith("HO-P") else v, raw=str(v))
            for rid, v in offered.items()
        }
        response = Response(supplier=supplier, file=f"{supplier}.xlsx", answers=answers)
        rev = store.add_response(
            info.id, f"{supplier}.xlsx", supplier.encode(), response, None, user="Ben", expected_revision=rev
        )
    app.session_state["project_id"] = info.id
    goto(app, "comparison")
    assert not app.exception, [e.value for e in app.exception]
    assert "there is no service weight to move" in texts(app)
    assert not [s for s in app.slider if ".service." in (s.key or "")]
    assert app.dataframe[0].value.Supplier.iloc[0] == "A GmbH"  # same quality, lower price


def test_a_first_edit_typed_after_a_colleague_saved_is_kept_and_merged(app, database):
    """Reverted before: a draft with nothing typed was replaced by the colleague's newer version
    at the top of the run, before the widgets gave their values, so the buyer's first edit
    (term 36 -> 48) was dropped silently."""
    store = open_store(database)
    pid = store.list_projects()[0].id
    goto(app, "requirements")  # the draft of version 1, nothing typed yet
    theirs = store.load(pid)
    revised = theirs.psr.model_copy(update={"title": "Managed IT (revised)"})
    store.save_psr(pid, revised, user="Ben Colleague", expected_revision=theirs.revision)
    term = next(n for n in app.number_input if n.label == "Contract term (months)")
    term.set_value(48).run()
    save = app.button(key="save_psr")
    assert not save.disabled and save.label == "Save as version 2"  # the edit is there
    save.click().run()
    shown = texts(app)
    assert "Ben Colleague saved PSR version 2" in shown
    assert "Their changes, merged into yours" in shown
    app.button(key="conflict_merge").click().run()
    app.button(key="save_psr").click().run()
    assert not app.exception, [e.value for e in app.exception]
    saved = store.load(pid).psr
    assert saved.version == 3
    assert saved.title == "Managed IT (revised)"  # theirs, merged
    assert saved.term_months == 48  # mine, kept
