"""The Comparison page's robustness section (AppTest on the demo project)."""

from __future__ import annotations

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
