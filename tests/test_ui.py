"""The Streamlit pages through app.py with AppTest: every page on the demo project, then the key actions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
VIEWS = "slm_psr/ui/views"
PAGES = [
    "projects",
    "requirements",
    "terms",
    "questionnaire",
    "responses",
    "qualification",
    "comparison",
    "export",
    "contract",
    "monitoring",
    "review",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TIMEOUT = 60


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    """A fresh SQLite store per test, so nothing touches the real data folder."""
    url = f"sqlite:///{tmp_path / 'ui.sqlite3'}"
    monkeypatch.setenv("SLM_PSR_DATABASE_URL", url)
    return url


@pytest.fixture
def app(database) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def goto(at: AppTest, page: str, *, user: str | None = "Anna Tester") -> AppTest:
    if user is not None:
        at.sidebar.text_input(key="user_name").input(user)
    at.switch_page(f"{VIEWS}/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Everything a buyer reads on the page, as one string."""
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "success", "warning", "error"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_demo_project(app, page):
    goto(app, page)
    assert app.title, f"{page} has no title"
    assert not app.exception


def test_first_start_creates_the_demo_project(app, database):
    from slm_psr.store import Store

    store = Store.open(database)
    (project,) = store.list_projects()
    assert project.name.startswith("Demo")
    assert project.psr_id == "MS-2027-01"


def test_a_weight_edit_is_validated_kept_across_pages_and_saved(app, database):
    goto(app, "requirements")
    key = app.session_state["services.base_key"]
    app.session_state[key] = {"edited_rows": {0: {"weight": 0}}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert "service SD: weight 0; service weights must be positive" in texts(app)
    assert app.button(key="save_psr").disabled

    app.session_state[key] = {"edited_rows": {0: {"weight": 55}}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert "Unsaved changes" in texts(app)

    goto(app, "questionnaire")  # leave and come back: the edit is still there
    goto(app, "requirements")
    assert "Unsaved changes" in texts(app)
    assert app.button(key="save_psr").label == "Save as version 2"
    app.button(key="save_psr").click().run()
    assert not app.exception

    from slm_psr.store import Store

    store = Store.open(database)
    pid = store.list_projects()[0].id
    saved = store.load(pid)
    assert saved.psr_version == 2
    assert saved.psr.service("SD").weight == 55
    assert store.audit(pid)[-1].who == "Anna Tester"


def test_saving_needs_a_name(app):
    goto(app, "requirements", user=None)
    key = app.session_state["services.base_key"]
    app.session_state[key] = {"edited_rows": {0: {"weight": 41}}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert app.button(key="save_psr").disabled
    assert "Type your name in the sidebar" in texts(app)


def test_a_stale_save_shows_the_conflict_and_keeps_the_edits(app, database):
    from slm_psr.store import Store

    goto(app, "requirements")
    key = app.session_state["services.base_key"]
    app.session_state[key] = {"edited_rows": {0: {"weight": 42}}, "added_rows": [], "deleted_rows": []}
    app.run()

    # A colleague saves another version meanwhile.
    store = Store.open(database)
    pid = store.list_projects()[0].id
    theirs = store.load(pid)
    psr = theirs.psr.model_copy(update={"title": theirs.psr.title + " (revised)"})
    store.save_psr(pid, psr, user="Ben Colleague", expected_revision=theirs.revision)

    app.run()
    assert "version 2 was saved meanwhile by someone else" in texts(app)
    app.button(key="save_psr").click().run()
    assert "Ben Colleague saved PSR version 2" in texts(app)
    assert store.load(pid).psr.service("SD").weight == 40  # nothing overwritten
    assert "Unsaved changes" in texts(app)  # the edit is still there

    assert "title: " in texts(app) and "(revised)" in texts(app)  # their change, shown before merging
    app.button(key="conflict_merge").click().run()
    app.button(key="save_psr").click().run()
    assert not app.exception
    saved = store.load(pid)
    assert saved.psr_version == 3 and saved.psr.service("SD").weight == 42
    assert saved.psr.title == psr.title  # the colleague's title is kept, not silently reverted


def test_questionnaire_shows_the_disclosed_minimums(app):
    goto(app, "questionnaire")
    shown = "\n".join(df.value.to_string() for df in app.dataframe)
    assert "at least 99.5 %" in shown and "all of DE, EN, FR" in shown
    assert app.get("download_button")[0].label.startswith("Download questionnaire")


def store_for(database: str):
    from slm_psr.store import Store

    store = Store.open(database)
    return store, store.list_projects()[0].id


def test_uploading_answers_reads_each_file_and_rejects_a_broken_one(app, database):
    goto(app, "responses")
    files = [(p.name, p.read_bytes(), XLSX) for p in sorted((ROOT / "data/demo/responses").glob("*.xlsx"))]
    files.append(("broken.xlsx", b"this is not a workbook", XLSX))
    app.file_uploader(key="uploads.0").set_value(files)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    summary = app.session_state["last_import"]
    assert len(summary) == 7
    assert [r["file"] for r in summary if not r["accepted"]] == ["broken.xlsx"]
    shown = texts(app)
    assert "7 file(s), 6 read, 1 refused" in shown
    assert "broken.xlsx" in shown and "refused" in shown
    # The demo project holds these very files: byte for byte the same, nothing changes.
    assert 'nordwind.xlsx" is identical to "nordwind.xlsx", already read; nothing changed' in shown.replace(
        "\\", ""
    )
    # the flagged values come with the raw text as typed
    flagged = "\n".join(df.value.to_string() for df in app.dataframe)
    assert "0.995" in flagged and "99.5 %" in flagged

    store, pid = store_for(database)
    current = store.load(pid).responses
    assert len(current) == 7  # the six demo responses as they were, and the refused file on record
    assert [r.uploaded_by for r in current if r.filename == "broken.xlsx"] == ["Anna Tester"]
    assert not any(e.action == "replace_response" for e in store.audit(pid))

    # what the import said is kept with each stored response, and the page shows it as said
    read = [r for r in current if r.response is not None]
    assert all(r.import_review is not None for r in read)
    words = {item["value"] for r in read for item in r.import_review["review"]}
    assert words and all(word in flagged for word in words)


def test_the_responses_page_shows_what_the_import_said(app, database):
    """The stored words, not a fresh wording: a response kept with its import's review shows them."""
    store, pid = store_for(database)
    state = store.load(pid)
    stored = next(r for r in state.responses if r.response is not None)
    review = {
        "notes": [f"{stored.filename}, sheet Answers, cell G9 (SD-04 time limit): kept from the import"],
        "review": [
            {"requirement_id": "SD-04", "cell": "Answers!G9", "raw": "4 Std.", "value": "4 hours, as said",
             "flags": ["ambiguous"], "notes": []}
        ],
    }  # fmt: skip
    store.add_response(
        pid, stored.filename, store.response_bytes(stored.id), stored.response, None,
        user="Anna Tester", expected_revision=state.revision, import_review=review,
    )  # fmt: skip
    goto(app, "responses")
    assert not app.exception
    tables = "\n".join(df.value.to_string() for df in app.dataframe)
    assert "4 hours, as said" in tables
    assert "kept from the import" in "\n".join(t.value for t in app.text)


def renamed_company(company: str) -> bytes:
    """Brightline's demo answer with another company name typed into Supplier!B4."""
    import io

    import openpyxl

    wb = openpyxl.load_workbook(ROOT / "data/demo/responses/brightline.xlsx")
    wb["Supplier"]["B4"].value = company
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("choice", ["replace", "keep_both", "cancel"])
def test_a_file_naming_a_supplier_with_a_response_asks_first(app, database, choice):
    """A file naming Nordwind, which already has a response from nordwind.xlsx, never replaces it silently."""
    goto(app, "responses")
    store, pid = store_for(database)
    before = {r.filename for r in store.load(pid).responses}
    app.file_uploader(key="uploads.0").set_value(
        [("offer.xlsx", renamed_company("Nordwind IT Services AG"), XLSX)]
    )
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    shown = texts(app).replace("\\", "")
    question = (
        '"offer.xlsx" names Nordwind IT Services AG, who already has a response from "nordwind.xlsx". '
        "Replace that response, keep both, or cancel this upload?"
    )
    assert question in shown
    assert {r.filename for r in store.load(pid).responses} == before  # nothing stored yet
    app.button(key=f"clash_{choice}.0").click().run()
    assert not app.exception, [e.value for e in app.exception]
    after = {r.filename: r.supplier for r in store.load(pid).responses}
    if choice == "replace":
        assert after.keys() == (before - {"nordwind.xlsx"}) | {"offer.xlsx"}
    elif choice == "keep_both":
        assert after.keys() == before | {"offer.xlsx"}
        assert list(after.values()).count("Nordwind IT Services AG") == 2
    else:
        assert after.keys() == before
    assert question not in texts(app).replace("\\", "")


def test_removing_a_response_takes_it_out_and_keeps_it_on_record(app, database):
    goto(app, "responses")
    store, pid = store_for(database)
    first = store.load(pid).responses[0]
    app.selectbox(key="remove_choice.0").set_value(first.id)
    app.text_input(key="remove_reason.0").input("withdrawn by the supplier")
    app.button(key="remove_response").click().run()
    assert not app.exception
    assert first.id not in [r.id for r in store.load(pid).responses]
    assert store.audit(pid)[-1].action == "remove_response"


def test_an_override_needs_a_justification_and_changes_the_result(app, database):
    goto(app, "qualification")
    assert "Westpark Datacenter Services GmbH" in texts(app)
    assert app.metric[1].value == "1"  # needs review
    app.selectbox(key="override_supplier.0").set_value("Westpark Datacenter Services GmbH")
    app.selectbox(key="override_scope.0").set_value("")  # the whole bid: chosen, never the default
    app.radio(key="override_decision.0").set_value("accept")
    app.button(key="record_override").click().run()
    assert "Write the justification first" in texts(app)

    store, pid = store_for(database)
    assert store.load(pid).overrides == []
    app.text_area(key="override_justification.0").input("Confirmed 99.5 % and 1,500 EUR/month in writing.")
    app.run()
    goto(app, "export")  # the typed justification survives a page switch
    goto(app, "qualification")
    assert app.text_area(key="override_justification.0").value.startswith("Confirmed 99.5 %")
    app.button(key="record_override").click().run()
    assert not app.exception, [e.value for e in app.exception]
    (override,) = store.load(pid).overrides
    assert override["decision"] == "accept" and override["who"] == "Anna Tester"
    assert app.metric[0].value == "4" and app.metric[1].value == "0"  # Westpark is now qualified
    assert "Confirmed 99.5 %" in "\n".join(df.value.to_string() for df in app.dataframe)


def test_moving_a_weight_reranks_live_and_reset_restores(app, database):
    goto(app, "comparison")
    store, pid = store_for(database)
    ranking = app.dataframe[0].value
    published_winner = ranking.Supplier.iloc[0]
    price = app.slider(key=f"whatif.{pid}.1.price.0")
    assert price.value == 40
    price.set_value(100).run()
    assert not app.exception
    ranking = app.dataframe[0].value
    assert ranking.Supplier.iloc[0] == "Brightline Managed Services GmbH"  # the cheapest wins on price alone
    assert ranking.Supplier.iloc[0] != published_winner
    assert "What-if" in texts(app)
    assert "Published rank" in ranking.columns

    goto(app, "qualification")  # the what-if survives a page switch
    goto(app, "comparison")
    assert app.slider(key=f"whatif.{pid}.1.price.0").value == 100

    app.button(key="whatif_reset").click().run()
    app.run()
    assert app.slider(key=f"whatif.{pid}.1.price.1").value == 40
    assert app.dataframe[0].value.Supplier.iloc[0] == published_winner
    assert store.load(pid).psr.evaluation.price_weight == 40  # a what-if never changes the PSR


def test_comparison_shows_the_rank_reversal_warning(app):
    goto(app, "comparison")
    assert "Rank reversal risk" in texts(app)
    assert "without Brightline Managed Services GmbH" in texts(app)


def test_the_comparison_workbook_opens(app, database):
    import io

    import openpyxl

    from slm_psr.ui.compute import award_record, comparison_workbook

    goto(app, "export")
    assert [b.label for b in app.get("download_button")] == [
        "Download the award record",
        "Download the comparison",
        "Download the PSR",
    ]
    store, pid = store_for(database)
    book = openpyxl.load_workbook(io.BytesIO(comparison_workbook(store.load(pid), store.audit(pid))))
    assert "summary" in book.sheetnames
    assert award_record(store.load(pid), store, "A. Buyer").startswith(b"%PDF-")
    trail = app.dataframe[0].value  # the audit trail in words, newest first
    assert list(trail.columns) == ["When (UTC)", "Who", "What changed"]
    assert re.search(
        r"uploaded nordwind\.xlsx \(Nordwind IT Services AG\): \d+ answers read",
        " ".join(trail["What changed"]),
    )


def test_a_new_project_without_answers_says_what_to_do_next(app, database):
    goto(app, "projects")
    app.text_input(key="new_project_name.0").input("Empty tender")
    app.button(key="create_project").click().run()
    assert not app.exception, [e.value for e in app.exception]
    for page, hint in [
        ("responses", "No answers yet"),
        ("qualification", "No accepted responses yet"),
        ("comparison", "No accepted responses yet"),
        ("export", "Upload the suppliers' answers"),
    ]:
        goto(app, page)
        assert hint in texts(app), page


def test_copy_and_archive_a_project(app, database):
    goto(app, "projects")
    app.text_input(key="copy_name.0").input("Managed IT 2028")
    app.button(key="copy_project").click().run()
    store, _ = store_for(database)
    names = [p.name for p in store.list_projects()]
    assert "Managed IT 2028" in names
    app.button(key="archive_project").click().run()
    assert "Managed IT 2028" not in [p.name for p in store.list_projects()]
    assert "Restore" in [b.label for b in app.button]


def test_comparison_reruns_with_100_suppliers(app, database):
    """The Comparison page with 100 bids, moving the price weight each time: every rerun shows the
    ranking without an error. How long a rerun takes is measured by ``python -m benchmarks.page_bench``
    (timings belong in the benchmarks, not in tests)."""
    import hashlib

    from benchmarks.synthetic import make_psr, make_responses

    store, _ = store_for(database)
    psr = make_psr(25, 5)
    info = store.create_project("100 suppliers", psr, user="bench")
    revision = info.revision
    for response in make_responses(psr, 100):
        data = response.model_dump_json().encode()
        response = response.model_copy(update={"sha256": hashlib.sha256(data).hexdigest()})
        revision = store.add_response(
            info.id, response.file, data, response, None, user="bench", expected_revision=revision
        )
    app.session_state["project_id"] = info.id
    goto(app, "comparison")
    ranked = len(app.dataframe[0].value)
    assert ranked > 50  # the qualified bids are ranked

    key = f"whatif.{info.id}.1.price.0"
    for share in (30, 55):
        app.slider(key=key).set_value(share)
        app.run()
        assert not app.exception
        assert len(app.dataframe[0].value) == ranked  # the same bids, ranked under the what-if


def _project_with(store, n_requirements: int, n_suppliers: int) -> int:
    import hashlib

    from benchmarks.synthetic import make_psr, make_responses

    psr = make_psr(n_requirements, 5)
    info = store.create_project(f"{n_suppliers} suppliers", psr, user="bench")
    revision = info.revision
    for response in make_responses(psr, n_suppliers):
        data = response.model_dump_json().encode()
        response = response.model_copy(update={"sha256": hashlib.sha256(data).hexdigest()})
        revision = store.add_response(
            info.id, response.file, data, response, None, user="bench", expected_revision=revision
        )
    return info.id


def _chart_columns(at: AppTest) -> list[list[str]]:
    """The x-axis values of each chart on the page (the requirements of a heat map)."""
    import json

    import pyarrow as pa

    out = []
    for chart in at.get("vega_lite_chart"):
        values: list[str] = []
        for dataset in chart.proto.datasets:
            table = pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
            if "requirement" in table:
                values += table.requirement.drop_duplicates().tolist()
        out.append(values)
        assert json.loads(chart.proto.spec)  # a valid spec travels with the data
    return out


def test_many_requirements_show_the_services_first_then_one_service(app, database):
    store, _ = store_for(database)
    pid = _project_with(store, 60, 12)
    psr = store.load(pid).psr
    app.session_state["project_id"] = pid
    goto(app, "comparison")
    _bars, _dots, by_service, one_service, *_robustness = _chart_columns(app)
    assert by_service == [s.name for s in psr.services]  # the mean per service, in the PSR's order
    first = {q.id for q in psr.requirements if q.service == psr.services[0].id}
    assert one_service and set(one_service) <= first  # the first service's requirements that differ

    app.toggle(key=f"heat.{pid}.differ.0").set_value(False).run()  # and now all of them
    assert not app.exception
    every = _chart_columns(app)[3]
    assert set(every) <= first and set(every) >= set(one_service)
    app.toggle(key=f"heat.{pid}.differ.0").set_value(True).run()
    hidden = len(every) - len(one_service)
    assert (f"{hidden} of {len(every)} requirements give every bid the same points" in texts(app)) == bool(
        hidden
    )

    second = psr.services[1]
    app.selectbox(key=f"heat.{pid}.service.0").set_value(second.id).run()
    assert not app.exception
    chosen = _chart_columns(app)[3]
    assert chosen and set(chosen) <= {q.id for q in psr.requirements if q.service == second.id}


def test_the_open_project_is_read_again_only_after_a_change(app, database):
    goto(app, "comparison")
    store, pid = store_for(database)
    read = app.session_state["_project"]
    app.run()
    assert app.session_state["_project"] is read  # nothing changed: not read again
    revision = store.archive_project(pid, user="Someone else")  # saved by another session
    app.run()
    assert not app.exception
    assert app.session_state["_project"].revision == revision
    assert app.session_state["_project"].project.archived
    assert "Archived: read-only" in "\n".join(str(w.value) for w in app.sidebar.warning)


def test_an_evaluator_scores_a_qualitative_criterion(app, database):
    goto(app, "qualification")
    key = app.session_state["scores.1.SD-09.base_key"]
    app.session_state[key] = {
        "edited_rows": {0: {"score": 8}, 1: {"score": 6.5}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    goto(app, "comparison")  # nothing typed is lost on the way
    goto(app, "qualification")
    button = app.button(key="save_scores.SD-09")
    assert button.label == "Save my scores for SD-09 (2 changed)"
    button.click().run()
    assert not app.exception, [e.value for e in app.exception]
    store, pid = store_for(database)
    scores = [s for s in store.load(pid).evaluator_scores if s["evaluator"] == "Anna Tester"]
    assert sorted(s["score"] for s in scores) == [6.5, 8.0]


def test_a_new_requirement_row_is_checked_in_the_buyers_words(app):
    goto(app, "requirements")
    key = app.session_state["requirements.base_key"]
    row = {
        "id": "SD-10",
        "service": "SD",
        "text": "Chat answered within",
        "kind": "time_limit",
        "unit": "minutes",
    }
    app.session_state[key] = {
        "edited_rows": {},
        "added_rows": [{**row, "minimum": "soon"}],
        "deleted_rows": [],
    }
    app.run()
    assert "requirement SD-10: minimum: 'soon' is not a number" in texts(app)
    app.session_state[key] = {"edited_rows": {}, "added_rows": [{**row, "minimum": "5"}], "deleted_rows": []}
    app.run()
    assert "33 requirements, all readable." in texts(app)
    assert not app.button(key="save_psr").disabled


def test_loading_a_psr_file_replaces_the_tables_until_saved(app, demo_psr):
    from slm_psr.psr_file import dumps_psr

    goto(app, "requirements")
    other = demo_psr.model_copy(update={"title": "Hosting only 2029"})
    app.file_uploader(key="psr_upload.1").set_value(
        ("hosting.json", dumps_psr(other).encode(), "application/json")
    )
    app.run()
    assert not app.exception
    assert app.text_input(key="meta.title.2").value == "Hosting only 2029"
    assert "Unsaved changes" in texts(app)

    app.file_uploader(key="psr_upload.2").set_value(("bad.json", b'{"id": "X"}', "application/json"))
    app.run()
    assert "bad.json is not a valid PSR" in texts(app)


@pytest.mark.parametrize("method", ["ufab_simple", "ufab_extended"])
def test_comparison_under_the_value_for_money_methods(app, database, method):
    store, pid = store_for(database)
    state = store.load(pid)
    from slm_psr.model import Method

    settings = state.psr.evaluation.model_copy(update={"method": Method(method), "tolerance": 0.1})
    store.save_psr(
        pid,
        state.psr.model_copy(update={"evaluation": settings}),
        user="Ben",
        expected_revision=state.revision,
    )
    goto(app, "comparison")
    assert "Value Z (points per 1,000)" in app.dataframe[0].value.columns
    assert "there is no price weight to move" in texts(app)
    app.slider(key=f"whatif.{pid}.2.service.SD.0").set_value(80).run()
    assert not app.exception
    assert "What-if" in texts(app)


def test_an_added_row_left_empty_is_ignored_and_one_without_an_id_is_named(demo_psr):
    from slm_psr.ui.tables import psr_tables, validate_tables

    tables = psr_tables(demo_psr)
    tables["services"].append({"id": None, "name": None, "weight": 1.0, "description": None})
    tables["requirements"].append({"weight": 1.0, "quantity": 1.0})
    assert validate_tables(tables)[1] == []
    tables["services"].append({"id": None, "name": "Security", "weight": 1.0, "description": None})
    tables["requirements"].append(
        {"text": "Pen test yearly", "kind": "yes_no", "service": "SD", "weight": 1.0}
    )
    errors = validate_tables(tables)[1]
    assert "service in row 6: give it an ID (e.g. SD), or delete the row" in errors
    assert "requirement in row 34: give it an ID (e.g. SD-10), or delete the row" in errors


def test_a_price_formula_asks_for_its_parameters(app):
    goto(app, "requirements")
    app.selectbox(key="evaluation.price_formula.1").set_value("pro_rata_ceiling").run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("price_ceiling" in e.value for e in app.error)
    app.number_input(key="evaluation.price_ceiling.1").set_value(5_000_000).run()
    assert not any("price_ceiling" in e.value for e in app.error)
    assert "Unsaved changes" in texts(app)


def test_the_contract_shows_the_awarded_sla_schedule(app):
    goto(app, "contract")
    shown = texts(app)
    assert "Contract with **Nordwind IT Services AG**" in shown
    levels = app.dataframe[0].value
    assert {"HO-01", "SD-04"} <= set(levels["Level"])
    assert levels["Credit rule"].str.contains("bands of the").any()


def test_monitoring_imports_files_and_shows_a_month_in_words_and_colours(app, database):
    from tests.conftest import DEMO

    goto(app, "monitoring")
    assert "no measurements imported yet" in texts(app)
    files = [(p.name, p.read_bytes(), "application/octet-stream") for p in sorted((DEMO / "measurements").glob("*"))
             if p.suffix in (".csv", ".xlsx")]  # fmt: skip
    app.file_uploader(key="measurements.0").set_value(files).run()
    app.button(key="import_measurements").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert len(app.success) >= 3  # one result per file
    app.selectbox(key="monitoring_period").set_value("2027-12").run()
    month = app.dataframe[0].value
    sd04 = month.set_index("Level").loc["SD-04"]
    assert sd04["Result"] == "✗ missed" and round(sd04["Attained"], 3) == 91.667
    titles = [str(c.proto.spec) for c in app.get("vega_lite_chart")]
    assert any("Remaining budget in 2027-12" in t for t in titles), "the remaining-budget chart is drawn"
    assert [b.label for b in app.get("download_button")] == [
        "Download the report for 2027-12 (PDF)",
        "Download the report for 2027-12 (workbook)",
    ]


def test_a_service_review_is_commented_signed_off_frozen_and_reopened(app, database):
    from slm_psr.service import monitor as m
    from slm_psr.store import Store
    from tests.conftest import DEMO

    with Store.open(database) as store:
        pid = store.list_projects()[0].id
        m.ensure_demo_contract(store)
        files = [
            (p.name, p.read_bytes())
            for p in sorted((DEMO / "measurements").glob("*"))
            if p.suffix in (".csv", ".xlsx")
        ]
        m.import_measurements(store, pid, files, user="A. Buyer")
    goto(app, "review")
    app.selectbox(key="review_period").set_value("2027-12").run()
    assert "waiting for the sign-off of the customer and the supplier" in texts(app)
    app.text_area(key="comment_supplier_2027-12").input("SD-04: ticket 4711 waited for a spare part").run()
    app.button(key="add_comment_supplier").click().run()
    # shown as typed (escaped for Markdown: a party's words are never a link or picture)
    assert "SD-04: ticket 4711 waited for a spare part" in texts(app).replace("\\", "")
    app.text_input(key="action_text_2027-12").input("Keep a spare controller on site")
    app.text_input(key="action_owner_2027-12").input("Nordwind service manager")
    app.button(key="add_action").click().run()
    assert app.dataframe[-1].value["Owner"].tolist() == ["Nordwind service manager"]
    app.button(key="sign_off_buyer").click().run()
    app.button(key="sign_off_supplier").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Frozen." in texts(app)
    assert not [b for b in app.button if b.key == "add_action"]  # a frozen month takes no new entry
    app.text_input(key="reopen_reason_2027-12").input("ticket 4711 closed a day earlier than exported")
    app.button(key="reopen").click().run()
    assert "version 2: open" in texts(app)
    with Store.open(database) as store:
        trail = [e.action for e in store.audit(pid)]
    assert trail[-5:] == [
        "review_comment",
        "review_action",
        "review_sign_off",
        "review_sign_off",
        "review_reopen",
    ]


def test_a_figure_is_disputed_and_settled_on_the_service_review_page(app, database):
    from slm_psr.service import disputes
    from slm_psr.service import monitor as m
    from slm_psr.store import Store
    from tests.conftest import DEMO

    with Store.open(database) as store:
        pid = store.list_projects()[0].id
        m.ensure_demo_contract(store)
        files = [(p.name, p.read_bytes()) for p in sorted((DEMO / "measurements").glob("*"))
                 if p.suffix in (".csv", ".xlsx")]  # fmt: skip
        m.import_measurements(store, pid, files, user="A. Buyer")
    goto(app, "review", user="N. Supplier")
    app.selectbox(key="review_period").set_value("2027-12").run()
    assert "Nothing of 2027-12 is disputed." in texts(app)
    app.selectbox(key="dispute_level_2027-12").set_value("SD-04")
    app.radio(key="dispute_party_2027-12").set_value("supplier")
    app.button(key="raise_dispute").click().run()
    assert "Not saved: disputing the 2027-12 figure of SD-04 needs a reason" in next(
        e.value for e in app.error
    )
    app.text_input(key="dispute_reason_2027-12").input("ticket 4711 waited for the customer's approval")
    app.button(key="raise_dispute").click().run()
    assert not app.exception, [e.value for e in app.exception]
    table = app.dataframe[0].value
    assert table["About"].tolist() == ["the 2027-12 figure of SD-04"] and table["Settled"].tolist() == [
        "open"
    ]
    app.sidebar.text_input(key="user_name").input("A. Buyer")
    app.text_input(key="resolution_2027-12").input("approval came within the hour: the figure stands")
    app.button(key="settle_dispute").click().run()
    assert app.dataframe[0].value["Settled"].tolist() == [
        "approval came within the hour: the figure stands (A. Buyer)"
    ]
    with Store.open(database) as store:
        [d] = disputes.disputes(store, pid)
        assert (d.party, d.opened_by, d.settled_by) == ("supplier", "N. Supplier", "A. Buyer")


def test_contract_terms_are_edited_checked_in_words_and_saved_as_a_psr_version(app, database):
    from slm_psr.store import Store

    goto(app, "terms")
    assert "The terms are those of PSR version 1." in texts(app)
    app.text_input(key="terms_time_zone_1").input("berlin").run()
    assert "'berlin' is not an IANA time zone like Europe/Berlin (did you mean Europe/Berlin?)" in texts(app)
    assert app.button(key="save_terms").disabled
    app.text_input(key="terms_time_zone_1").input("Europe/Zurich")
    app.radio(key="terms_period_kind_1").set_value("fixed month of 30 days").run()
    app.number_input(key="terms_cap_1").set_value(15.0).run()
    assert not app.error, [e.value for e in app.error]
    app.button(key="save_terms").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "The terms are those of PSR version 2." in texts(app)
    with Store.open(database) as store:
        project = store.load(store.list_projects()[0].id)
        period = project.psr.contract_terms.period
        assert (project.psr_version, period.kind, period.time_zone) == (2, "fixed_30_days", "Europe/Zurich")
        assert project.psr.contract_terms.cap_percent == 15.0
        assert project.psr.contract_terms.credits == store.load_psr(project.id, 1).contract_terms.credits
        assert [(e.action, e.who) for e in store.audit(project.id)][-1] == ("save_psr", "Anna Tester")


def test_lots_are_edited_on_the_requirements_page_validated_and_saved(app, database):
    """The demo's lots SD, HO, RP (chain HO then RP; two suppliers at most): a lot for the contract
    terms has no price item, a service named twice or unknown is refused, a lot the chain needs
    cannot go; renaming a lot and moving no service saves, with the rules and the chain kept."""
    goto(app, "requirements")
    assert "3 lots, all readable." in texts(app)
    assert "Chain of lots: HO Hosting, then RP Reporting." in texts(app)
    key = app.session_state["lot_rows.base_key"]

    def edit(edited: dict, added: list | None = None, deleted: list | None = None) -> str:
        app.session_state[key] = {
            "edited_rows": edited,
            "added_rows": added or [],
            "deleted_rows": deleted or [],
        }
        app.run()
        assert not app.exception
        return texts(app)

    shown = edit({}, [{"id": "CT", "name": "Terms", "services": "CT"}])
    assert "lot CT: none of its services (CT) has a price item" in shown
    assert app.button(key="save_psr").disabled
    shown = edit({}, [{"id": "NW", "name": "Network", "services": "HO, NW"}])
    assert "lot NW: no service NW; known: SD, HO, RP, CT" in shown
    assert "lot NW: service HO is already in lot HO" in shown
    shown = edit({1: {"services": "HO, RP"}}, deleted=[2])
    assert "lots: chain: no such lot RP" in shown
    shown = edit({}, [{"id": "NW", "name": "Network"}])
    assert "lot NW: name its services by their IDs, e.g. 'SD' or 'HO, NW'" in shown
    shown = edit({2: {"name": "Reports and dashboards"}})
    assert "3 lots, all readable." in shown
    app.button(key="save_psr").click().run()
    assert not app.exception

    from slm_psr.store import Store

    store = Store.open(database)
    saved = store.load(store.list_projects()[0].id)
    assert saved.psr_version == 2
    assert saved.psr.lots.lot("RP").name == "Reports and dashboards"
    assert saved.psr.lots.rules.max_suppliers == 2 and saved.psr.lots.chain.lots() == ["HO", "RP"]
