"""The "Add a requirement" form of the Requirements page: one form per kind, minimum and target first.

What each kind asks for (the examples, whether it has a unit, a direction, a price
basis) is the kind's ``form`` in the registry, like everything else a kind means; the
form itself never branches on a kind.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from slm_psr.model import KIND_LABELS, Direction, Kind, PriceBasis
from slm_psr.ui.tables import REQUIREMENT_COLUMNS, validate_tables

UNIT_WORDS = {"minutes": "minutes", "hours": "hours", "business_days": "business days"}


def next_id(service: str, taken: list[str]) -> str:
    """The next free ``<service>-NN`` requirement ID."""
    numbers = [int(m.group(1)) for t in taken if (m := re.fullmatch(rf"{re.escape(service)}-(\d+)", str(t)))]
    return f"{service}-{max(numbers, default=0) + 1:02d}"


def requirement_row(kind: Kind, values: dict[str, Any]) -> dict[str, Any]:
    """A row of the requirements table (the grid's text form) from what the form holds."""
    row: dict[str, Any] = dict.fromkeys(REQUIREMENT_COLUMNS)
    row.update({k: v for k, v in values.items() if k in row})
    row["kind"] = kind.value
    row["weight"] = values.get("weight") or 1.0
    row["quantity"] = values.get("quantity") or 1.0
    return row


def add_form(tables: dict[str, Any], service_ids: list[str], on_added) -> None:
    """Draw the form; a valid requirement is appended to ``tables`` and ``on_added(id)`` is called."""
    ss = st.session_state
    gen = ss.setdefault("add.gen", 0)
    with st.container(border=True):
        st.markdown("**Add a requirement**")
        if not service_ids:
            st.caption("Add a service first (the table below): every requirement belongs to one.")
            return
        a, b, c = st.columns([1, 1, 1])
        kind = Kind(
            a.selectbox(
                "Kind",
                [k.value for k in Kind],
                format_func=lambda v: KIND_LABELS[Kind(v)],
                key=f"add.kind.{gen}",
            )
        )
        form = kind.spec.form
        service = b.selectbox("Service", service_ids, key=f"add.service.{gen}")
        rid = c.text_input(
            "ID",
            key=f"add.id.{gen}.{service}",
            value=next_id(service, [r.get("id") for r in tables["requirements"]]),
        )
        text = st.text_input(
            "Requirement", key=f"add.text.{gen}", placeholder=form.example or kind.spec.answer_hint
        )
        values: dict[str, Any] = {"id": rid.strip(), "service": service, "text": text.strip()}
        if form.minimum or form.target:
            a, b, c = st.columns([1, 1, 1])
            values["minimum"] = a.text_input(
                "Minimum (knock-out)", key=f"add.minimum.{gen}", placeholder=form.minimum,
                help="Published in advance: a bid below it is out. Leave empty for none.",
            )  # fmt: skip
            if form.target:
                values["target"] = b.text_input(
                    "Target (full points)", key=f"add.target.{gen}", placeholder=form.target
                )
            if form.units:
                values["unit"] = c.selectbox(
                    "Unit",
                    list(form.units),
                    index=1,
                    format_func=lambda unit: UNIT_WORDS.get(unit, unit),
                    key=f"add.unit.{gen}",
                )
            elif form.free_unit:
                values["unit"] = c.text_input("Unit", key=f"add.unit.{gen}", placeholder="e.g. %")
        if kind.spec.priced:
            a, b = st.columns(2)
            values["price_basis"] = a.radio(
                "Price basis",
                [p.value for p in PriceBasis],
                format_func=lambda v: "per month" if v == PriceBasis.MONTHLY.value else "once",
                horizontal=True,
                key=f"add.basis.{gen}",
            )
            values["quantity"] = b.number_input(
                "Quantity",
                min_value=0.0001,
                value=1.0,
                key=f"add.quantity.{gen}",
                help="Units per month or in total",
            )
        with st.expander("More: weight" + (", direction" if form.direction else "")):
            values["weight"] = st.number_input(
                "Weight", min_value=0.0, value=1.0, step=1.0, key=f"add.weight.{gen}"
            )
            if form.direction:
                values["direction"] = st.radio(
                    "Better is",
                    [d.value for d in Direction],
                    format_func=lambda v: v.split("_")[0],
                    horizontal=True,
                    key=f"add.direction.{gen}",
                )
        if st.button("Add to the table", key="add.submit", icon=":material/add:"):
            row = requirement_row(kind, values)
            trial = {**tables, "requirements": [*tables["requirements"], row]}
            before = set(validate_tables(tables)[1])
            mine = [e for e in validate_tables(trial)[1] if e not in before]  # what this row adds
            if not text.strip():
                st.error("Say what the supplier must offer (the requirement text).")
            elif not rid.strip():
                st.error("Give the requirement an ID.")
            elif rid.strip() in {r.get("id") for r in tables["requirements"]}:
                st.error(f"{rid.strip()} is taken; choose another ID.")
            elif mine:
                st.error("\n".join(f"- {e}" for e in mine))
            else:
                tables["requirements"].append(row)
                ss["add.gen"] = gen + 1
                on_added(rid.strip())
