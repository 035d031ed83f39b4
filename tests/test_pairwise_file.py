"""Reading pairwise judgements from CSV: both shapes, as people save them, and errors by row and column."""

from __future__ import annotations

import numpy as np
import pytest

from slm_psr.pairwise_file import PairwiseFileError, judgement, read_pairwise


def test_matrix_with_empty_lower_triangle_semicolons_and_decimal_commas():
    text = ";Service desk;Hosting;Reporting\nService desk;1;0,5;3\nHosting;;1;5\nReporting;;;1\n"
    m, names = read_pairwise(text.encode("utf-8"), "weights.csv")
    assert names == ["Service desk", "Hosting", "Reporting"]
    assert m[0, 1] == 0.5 and m[1, 0] == 2.0 and m[2, 1] == pytest.approx(1 / 5)


def test_full_matrix_with_fractions_words_and_a_bom():
    text = "\ufeff,A,B,C\nA,1,strongly,1/3\nB,1/5,1,1/9\nC,3,9,1\n"
    m, names = read_pairwise(text.encode("utf-8"), "m.csv")
    assert names == ["A", "B", "C"] and m[0, 1] == 5 and m[0, 2] == pytest.approx(1 / 3)


def test_utf16_and_windows_1252_names():
    text = ",Büro,Rechenzentrum\nBüro,1,2\nRechenzentrum,0.5,1\n"
    for data in (text.encode("utf-16"), text.encode("cp1252")):
        _, names = read_pairwise(data, "m.csv")
        assert names == ["Büro", "Rechenzentrum"]


def test_list_of_pairs_with_a_header():
    text = "a,b,times\nService desk,Hosting,1\nService desk,Reporting,3\nHosting,Reporting,3\n"
    m, names = read_pairwise(text.encode(), "pairs.csv")
    assert names == ["Service desk", "Hosting", "Reporting"]
    np.testing.assert_allclose(m @ np.array([3, 3, 1]), 3 * np.array([3, 3, 1]))  # consistent: eigenvector


def test_errors_name_the_row_and_column():
    text = ",A,B,C\nA,1,abc,3\nB,,1,\nC,,,1\n"
    with pytest.raises(PairwiseFileError) as caught:
        read_pairwise(text.encode(), "m.csv")
    errors = caught.value.errors
    assert any(e.startswith("row 2, column 3 (A against B): 'abc' is not a judgement") for e in errors)
    assert any("no judgement in row 3, column 4 (B against C)" in e for e in errors)
    assert str(caught.value).startswith("m.csv: ")


def test_contradicting_triangles_and_self_comparisons():
    with pytest.raises(PairwiseFileError, match="must be reciprocal"):
        read_pairwise(b",A,B\nA,1,3\nB,3,1\n", "m.csv")
    with pytest.raises(PairwiseFileError, match="an item against itself is 1"):
        read_pairwise(b",A,B\nA,2,3\nB,,1\n", "m.csv")


def test_hostile_and_empty_files_are_refused_by_name():
    with pytest.raises(PairwiseFileError, match=r"is 1\.5 MB; a judgement table is at most 1 MB"):
        read_pairwise(b"a" * 1_500_000, "big.csv")
    with pytest.raises(PairwiseFileError, match="not a text file"):
        read_pairwise(b"PK\x03\x04\x00\x00binary", "x.csv")
    with pytest.raises(PairwiseFileError, match="empty"):
        read_pairwise(b"\n\n", "e.csv")
    with pytest.raises(PairwiseFileError, match="row 2: 2 column"):
        read_pairwise(b"a,b,times\nA,B\n", "p.csv")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3.0),
        ("1/3", 1 / 3),
        ("0,25", 0.25),
        ("Very strongly", 7.0),
        ("0", None),
        ("x", None),
        ("1/0", None),
    ],
)
def test_judgement_values(text, value):
    assert judgement(text) == (pytest.approx(value) if value else None)
