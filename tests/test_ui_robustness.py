"""The Comparison page's robustness section (AppTest on the demo project)."""

from __future__ import annotations

import numpy as np

from tests.test_ui import app, database, goto  # noqa: F401  (fixtures)


def _text(at) -> str:
    return "\n".join(str(t.value) for t in at.text)


def test_comparison_states_stability_and_acceptability(app):  # noqa: F811
    goto(app, "comparison")
    assert "How robust is the decision?" in [s.value for s in app.subheader]
    shown = _text(app)
    assert (
        "Nordwind IT Services AG wins while the price weight is between 0 % and 46.9 % (now 40 %); "
        "above 46.9 % Quatre Saisons Informatique SA wins."
    ) in shown
    assert "each weight varied by up to ±20 % of its value" in shown
    assert "Nordwind IT Services AG wins in " in shown
    app.radio(key=next(r.key for r in app.radio if r.label == "If the weights were uncertain")).set_value(
        "Any weights at all"
    ).run()
    assert "weights drawn uniformly from all possible weightings" in _text(app)
    assert not app.exception


def test_supplier_names_are_shown_as_text_not_markdown(app):  # noqa: F811
    """Names from bidders reach the robustness sentences through st.text only (never Markdown)."""
    goto(app, "comparison")
    markdown = "\n".join(str(m.value) for m in app.markdown)
    assert "wins while the price weight" not in markdown


def test_service_weights_from_pairwise_judgements_are_saved_with_their_derivation(app, database):  # noqa: F811
    """On the demo: Hosting strongly more important than Reporting and the service desk moderately
    more important than Reporting, every other pair equal: not quite consistent judgements; the
    weights are the principal eigenvector of the same matrix, saved with the CR."""
    from slm_psr.engine.robustness import ahp
    from slm_psr.store import Store

    store = Store.open(database)
    (project,) = store.list_projects()
    services = store.load_psr(project.id).services
    ids = [s.id for s in services]
    goto(app, "requirements")
    sliders = {s.label: s for s in app.select_slider}
    assert set(sliders) == {
        f"{a.name} against {b.name}" for k, a in enumerate(services) for b in services[k + 1 :]
    }
    sliders["Service desk against Reporting"].set_value(6)  # service desk 3 x reporting
    sliders["Hosting against Reporting"].set_value(4)  # hosting 5 x reporting
    app.run()
    shown = "\n".join(str(t.value) for t in app.text)
    matrix = np.ones((len(ids), len(ids)))
    for a, b, times in (("SD", "RP", 3.0), ("HO", "RP", 5.0)):
        matrix[ids.index(a), ids.index(b)], matrix[ids.index(b), ids.index(a)] = times, 1 / times
    expected = ahp(matrix, ids)
    assert f"Consistency ratio {expected.consistency_ratio:.3f}" in shown
    assert "Hosting is strongly more important than Reporting" in "\n".join(str(c.value) for c in app.caption)
    next(b for b in app.button if b.label.startswith("Use these weights")).click().run()
    assert not app.exception
    psr = store.load_psr(project.id)
    derivation = psr.evaluation.service_weights_derivation
    assert derivation is not None and derivation.consistency_ratio == expected.consistency_ratio
    assert [s.weight for s in psr.services] == [round(100 * w, 2) for w in expected.weights]
    judged = {(j.a, j.b): round(j.times, 3) for j in derivation.judgements}
    assert judged[("SD", "RP")] == 3.0 and judged[("HO", "RP")] == 5.0 and judged[("SD", "HO")] == 1.0
