"""AHP weights and consistency: Saaty's published drinks example and hand-checked matrices."""

from __future__ import annotations

import numpy as np
import pytest

from slm_psr.engine.robustness import ahp, judgement_words, matrix_from_pairs
from slm_psr.engine.robustness.ahp import RANDOM_INDEX

DRINKS = ["coffee", "wine", "tea", "beer", "sodas", "milk", "water"]
DRINKS_MATRIX = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]


def test_saaty_drinks_example_reproduces_the_published_figures():
    """Published worked example: T. L. Saaty, "Decision making with the analytic hierarchy
    process", Int. J. Services Sciences 1(1), 2008, pp. 83-98: "Which drink is consumed more in
    the U.S.?" The paper prints the derived weights .177, .019, .042, .116, .190, .129, .327
    and the consistency ratio .022."""
    result = ahp(DRINKS_MATRIX, DRINKS)
    assert np.round(result.weights, 3).tolist() == [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]
    assert round(result.consistency_ratio, 3) == 0.022
    assert result.consistent and result.warning() is None
    assert result.sentences()[0].startswith("water 32.7 %, sodas 19.0 %, coffee 17.7 %")


def test_consistent_matrix_has_exact_weights_and_zero_ratio():
    """Hand calculation. Weights 4 : 2 : 1 give the perfectly consistent matrix a[i, j] = w_i / w_j;
    its principal eigenvalue is n = 3, so CI = CR = 0 and the weights are 4/7, 2/7, 1/7."""
    w = np.array([4.0, 2.0, 1.0])
    result = ahp(w[:, None] / w[None, :], ["Hosting", "Service desk", "Reporting"])
    assert result.weights == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    assert result.lambda_max == pytest.approx(3.0)
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-12)


def test_circular_judgements_are_flagged_with_the_worst_pair():
    """Hand calculation. A is 9 times B, B 9 times C, and C 9 times A: a cycle, so the weights
    are equal (the matrix is circulant) and lambda_max = 1 + 9 + 1/9 = 10.111;
    CI = (10.111 - 3) / 2 = 3.556, CR = 3.556 / 0.58 = 6.13, far above 0.1."""
    m, names = matrix_from_pairs([("A", "B", 9), ("B", "C", 9), ("C", "A", 9)])
    result = ahp(m, names)
    assert result.weights == pytest.approx([1 / 3] * 3)
    assert result.consistency_ratio == pytest.approx((1 + 9 + 1 / 9 - 3) / 2 / 0.58)
    warning = result.warning()
    assert warning and "above 0.10" in warning and "judged 9 times as important as" in warning


def test_random_index_is_saatys_table():
    """Saaty (1980), The Analytic Hierarchy Process, random consistency index for n = 1..10."""
    assert RANDOM_INDEX[:10] == (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)


def test_two_items_are_always_consistent():
    result = ahp([[1, 3], [1 / 3, 1]], ["price", "quality"])
    assert result.weights == pytest.approx([0.75, 0.25]) and result.consistency_ratio == 0.0


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 3], [3, 1]], "must be reciprocal"),
        ([[1, -2], [-0.5, 1]], "positive number"),
        ([[1, 2, 3], [0.5, 1, 2]], "2 x 3"),
    ],
)
def test_bad_matrices_are_named(matrix, message):
    with pytest.raises(ValueError, match=message):
        ahp(matrix, ["a", "b"])


def test_pairs_must_cover_every_pair_once():
    with pytest.raises(ValueError, match="missing judgements: A against C"):
        matrix_from_pairs([("A", "B", 2), ("B", "C", 2)])
    with pytest.raises(ValueError, match="given twice"):
        matrix_from_pairs([("A", "B", 2), ("A", "B", 3)])


def test_judgements_in_words():
    assert judgement_words("Hosting", "Reporting", 5) == "Hosting is strongly more important than Reporting"
    assert (
        judgement_words("Reporting", "Hosting", 1 / 3)
        == "Hosting is moderately more important than Reporting"
    )
    assert judgement_words("a", "b", 2.5) == "a is 2.5 times as important as b"


def test_derivation_records_judgements_and_ratio():
    result = ahp(DRINKS_MATRIX, DRINKS)
    derivation = result.derivation()
    assert len(derivation["judgements"]) == 21 and derivation["consistency_ratio"] == result.consistency_ratio
    assert derivation["judgements"][0] == {"a": "coffee", "b": "wine", "times": 9.0}
