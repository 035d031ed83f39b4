"""The PSR JSON file: exact round trip, content hash, schema version, readable errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from slm_psr.psr_file import PSRFileError, content_hash, dumps_psr, load_psr, loads_psr, save_psr
from tests.conftest import DEMO, ROOT


def test_demo_file_round_trips_byte_for_byte():
    text = (DEMO / "psr.json").read_text(encoding="utf-8")
    assert dumps_psr(loads_psr(text)) == text


def test_save_load_round_trip(tmp_path, demo_psr):
    path = tmp_path / "psr.json"
    save_psr(demo_psr, path)
    again = load_psr(path)
    assert again == demo_psr
    assert dumps_psr(again) == path.read_text(encoding="utf-8")


def test_hash_ignores_version_but_not_content(demo_psr):
    bumped = demo_psr.model_copy(update={"version": 2})
    assert content_hash(bumped) == content_hash(demo_psr)
    changed = demo_psr.model_copy(update={"title": demo_psr.title + " (revised)"})
    assert content_hash(changed) != content_hash(demo_psr)
    assert json.loads(dumps_psr(demo_psr))["content_hash"] == content_hash(demo_psr)


def test_unsupported_schema_version(demo_psr_dict):
    demo_psr_dict["schema_version"] = 7
    with pytest.raises(PSRFileError, match="schema_version 7 is not supported"):
        loads_psr(json.dumps(demo_psr_dict), source="x.json")


def test_broken_json_names_line():
    with pytest.raises(PSRFileError) as info:
        loads_psr('{"id": "X",\n  "title": }', source="broken.json")
    assert info.value.errors[0].startswith("not valid JSON at line 2")
    assert str(info.value).startswith("broken.json:")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "slm_psr", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
