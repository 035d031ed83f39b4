"""AHP weights: pairwise judgements on Saaty's scale to weights, with the consistency ratio.

Saaty's analytic hierarchy process (T. L. Saaty, The Analytic Hierarchy Process,
McGraw-Hill 1980; "Decision making with the analytic hierarchy process", Int. J.
Services Sciences 1(1), 2008, 83-98): ``a[i, j]`` says how many times more
important i is than j (``a[j, i] = 1 / a[i, j]``). The weights are the principal
eigenvector, normalised to sum to 1; ``CI = (lambda_max - n) / (n - 1)`` and the
consistency ratio ``CR = CI / RI(n)`` with Saaty's random index. Above 0.1 the
judgements should be revised; the most inconsistent one is the judgement that
differs most (in ratio) from what the weights imply, ``w_i / w_j``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# Saaty's random consistency index RI(n) for n = 1..15 (Saaty 1980; the same values
# reproduce the consistency ratios printed in Saaty 2008's worked examples).
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)
CR_LIMIT = 0.10

# Saaty's fundamental scale in words (the even values lie between their neighbours).
SCALE_WORDS = {
    1: "equally important as",
    2: "equally to moderately more important than",
    3: "moderately more important than",
    4: "moderately to strongly more important than",
    5: "strongly more important than",
    6: "strongly to very strongly more important than",
    7: "very strongly more important than",
    8: "very strongly to extremely more important than",
    9: "extremely more important than",
}
# What a person may type for a judgement, with its value on the scale.
WORDS_TO_VALUE = {
    "equal": 1,
    "equally": 1,
    "equally important": 1,
    "moderate": 3,
    "moderately": 3,
    "moderately more important": 3,
    "strong": 5,
    "strongly": 5,
    "strongly more important": 5,
    "very strong": 7,
    "very strongly": 7,
    "very strongly more important": 7,
    "extreme": 9,
    "extremely": 9,
    "extremely more important": 9,
}


@dataclass(frozen=True)
class AHPResult:
    """Weights from pairwise judgements with their consistency."""

    names: list[str]
    matrix: np.ndarray
    weights: np.ndarray
    lambda_max: float
    consistency_index: float
    random_index: float
    consistency_ratio: float
    worst: tuple[str, str, float, float] | None  # (a, b, judged a/b, implied a/b)

    @property
    def consistent(self) -> bool:
        return self.consistency_ratio <= CR_LIMIT

    def weight_of(self) -> dict[str, float]:
        return dict(zip(self.names, self.weights.tolist(), strict=True))

    def warning(self) -> str | None:
        """A warning in words above CR 0.1, naming the most inconsistent judgement."""
        if self.consistent:
            return None
        text = (
            f"The consistency ratio is {self.consistency_ratio:.3f}, above {CR_LIMIT:.2f}: "
            "the judgements contradict each other; revise them before using the weights."
        )
        if self.worst:
            a, b, judged, implied = self.worst
            text += (
                f" Most inconsistent: {a} judged {_times(judged)} as important as {b}, while the other "
                f"judgements imply about {_times(implied)}."
            )
        return text

    def sentences(self) -> list[str]:
        order = np.argsort(-self.weights, kind="stable")
        lines = [", ".join(f"{self.names[i]} {100 * self.weights[i]:.1f} %" for i in order)]
        lines.append(
            f"Consistency ratio {self.consistency_ratio:.3f} (CI {self.consistency_index:.4f} / "
            f"RI {self.random_index:.2f} for {len(self.names)} items; acceptable up to {CR_LIMIT:.2f})."
        )
        warning = self.warning()
        if warning:
            lines.append(warning)
        return lines

    def derivation(self) -> dict[str, Any]:
        """What the PSR records about weights derived this way (method, judgements, CR)."""
        n = len(self.names)
        return {
            "method": "AHP (principal eigenvector, Saaty)",
            "judgements": [
                {"a": self.names[i], "b": self.names[j], "times": float(self.matrix[i, j])}
                for i in range(n)
                for j in range(i + 1, n)
            ],
            "weights": self.weight_of(),
            "consistency_ratio": self.consistency_ratio,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": self.weight_of(),
            "consistency_ratio": self.consistency_ratio,
            "consistency_index": self.consistency_index,
            "random_index": self.random_index,
            "lambda_max": self.lambda_max,
            "consistent": self.consistent,
            "warning": self.warning(),
        }


def _times(value: float) -> str:
    return f"{value:.3g} times" if value >= 1 else f"1/{1 / value:.3g} times"


def judgement_words(a: str, b: str, value: float) -> str:
    """A judgement in Saaty's words: "Hosting is strongly more important than Reporting"."""
    if value < 1:
        a, b, value = b, a, 1 / value
    word = SCALE_WORDS.get(round(value)) if abs(value - round(value)) < 1e-9 else None
    return f"{a} is {word} {b}" if word else f"{a} is {value:.3g} times as important as {b}"


def ahp(matrix: np.ndarray | list[list[float]], names: list[str]) -> AHPResult:
    """Weights and consistency of a positive reciprocal judgement matrix; names the problem otherwise."""
    a = np.asarray(matrix, dtype=float)
    n = len(names)
    if a.shape != (n, n):
        raise ValueError(
            f"the judgement matrix is {a.shape[0]} x {a.shape[1]}; {n} x {n} expected for {n} names"
        )
    if len(set(names)) != n:
        raise ValueError(f"names repeat: {', '.join(sorted({x for x in names if names.count(x) > 1}))}")
    if n > len(RANDOM_INDEX):
        raise ValueError(f"{n} items: Saaty's random index is tabulated up to {len(RANDOM_INDEX)}")
    for i in range(n):
        for j in range(n):
            if not (np.isfinite(a[i, j]) and a[i, j] > 0):
                raise ValueError(
                    f"{names[i]} against {names[j]}: {a[i, j]}; a judgement is a positive number"
                )
            if not np.isclose(a[i, j] * a[j, i], 1.0, rtol=1e-3):
                raise ValueError(
                    f"{names[i]} against {names[j]} is {a[i, j]:g} but {names[j]} against {names[i]} is "
                    f"{a[j, i]:g}; they must be reciprocal ({1 / a[i, j]:.3g})"
                )
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    lam = float(values[k].real)
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX[n - 1]
    cr = ci / ri if ri > 0 else 0.0
    worst = None
    if n > 2:
        implied = w[:, None] / w[None, :]
        error = np.abs(np.log(a / implied))
        i, j = (int(k) for k in np.unravel_index(np.argmax(np.triu(error, 1)), error.shape))
        worst = (names[i], names[j], float(a[i, j]), float(implied[i, j]))
    return AHPResult(list(names), a, w, lam, max(ci, 0.0), ri, max(cr, 0.0), worst)


def matrix_from_pairs(pairs: list[tuple[str, str, float]]) -> tuple[np.ndarray, list[str]]:
    """A full reciprocal matrix from judgements "a is x times as important as b"; every pair once."""
    names: list[str] = []
    for a, b, _ in pairs:
        for name in (a, b):
            if name not in names:
                names.append(name)
    n = len(names)
    m = np.full((n, n), np.nan)
    np.fill_diagonal(m, 1.0)
    for a, b, value in pairs:
        if a == b:
            raise ValueError(f"{a} is compared with itself")
        i, j = names.index(a), names.index(b)
        if np.isfinite(m[i, j]) and not np.isclose(m[i, j], value):
            raise ValueError(f"{a} against {b} is given twice, as {m[i, j]:g} and {value:g}")
        m[i, j], m[j, i] = value, 1.0 / value
    missing = [
        f"{names[i]} against {names[j]}" for i in range(n) for j in range(i + 1, n) if np.isnan(m[i, j])
    ]
    if missing:
        raise ValueError(f"missing judgements: {', '.join(missing)}; every pair needs one")
    return m, names
