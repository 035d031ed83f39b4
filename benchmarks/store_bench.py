"""Store benchmark: what checking the history costs on a project of 100 suppliers x 300 requirements.

A fresh SQLite store (or ``SLM_PSR_DATABASE_URL``'s database) gets one project: a
synthetic PSR and ``n_suppliers`` filled questionnaires, stored as one batch.
Then, alternating so that all see the same load on a shared machine:

- ``load``: ``Store.load`` as the pages and ``evaluate --project`` call it (it checks
  the chain, the latest PSR's content hash and the current files' SHA-256);
- ``check on load``: that check alone (``integrity.check_project(full=False)``);
- ``verify``: ``Store.verify`` for the project (every version and file ever stored);
- ``first load``: ``Store.load`` with nothing kept yet in the process (a new
  process: no parsed response or PSR, no row digest or PSR hash of the check),
  against ``load`` (the same rows again: the history is still checked, every row
  read and looked up by its exact values, the parses kept);
- ``save``: ``add_response`` of one more file into the full project, against the
  same into a project holding one file (the cost of a save must not grow with
  the responses stored).

    .venv/bin/python -m benchmarks.store_bench [n_suppliers] [n_requirements] [repeats]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from benchmarks.import_bench import make_files
from benchmarks.synthetic import make_psr
from benchmarks.timing import medians_side_by_side

USER = "Benchmark"


def run(n_suppliers: int = 100, n_requirements: int = 300, repeats: int = 5) -> dict[str, float]:
    from slm_psr.excel.responses import read_responses
    from slm_psr.store import Store, integrity, parsed
    from slm_psr.store.schema import ProjectRow

    with tempfile.TemporaryDirectory() as folder:
        psr = make_psr(n_requirements)
        files = [(p.name, p.read_bytes()) for p in make_files(psr, n_suppliers, Path(folder))]
        report = read_responses(psr, files)
        with Store.open(f"sqlite:///{Path(folder) / 'bench.sqlite3'}") as store:
            info = store.create_project("Benchmark", psr, user=USER)
            batch = [
                (r.filename, data, r.response, r.rejection)
                for r, (_, data) in zip(report.results, files, strict=True)
            ]
            store.add_responses(info.id, batch, user=USER, expected_revision=info.revision)

            def check_on_load() -> None:
                with store._reading() as s:
                    integrity.check_project(s, s.get(ProjectRow, info.id), full=False)  # type: ignore[arg-type]

            def first_load() -> None:  # as a new process (or a project changed by someone else)
                parsed.forget()
                integrity.forget()  # the row digests and PSR hashes the check keeps
                store.load(info.id)

            # a save into the full project against one into a project holding one file: the
            # same new file, a new supplier each time (nothing replaced)
            extra = batch[0]
            empty = store.create_project("Benchmark, one file", psr, user=USER)
            small_revision = store.add_response(
                empty.id, *extra[:4], user=USER, expected_revision=empty.revision
            )
            full_revision = store.load(info.id).revision
            counter = iter(range(10**6))

            def save(project_id: int, revision: int) -> int:
                k = next(counter)
                response = extra[2].model_copy(update={"supplier": f"Newcomer {k}"}) if extra[2] else None
                return store.add_response(
                    project_id,
                    f"new_{k}.xlsx",
                    extra[1],
                    response,
                    extra[3],
                    user=USER,
                    expected_revision=revision,
                )

            def save_full() -> None:
                nonlocal full_revision
                full_revision = save(info.id, full_revision)

            def save_small() -> None:
                nonlocal small_revision
                small_revision = save(empty.id, small_revision)

            medians = medians_side_by_side(
                {
                    "load": lambda: store.load(info.id),
                    "first load": first_load,
                    "check on load": check_on_load,
                    "verify": lambda: store.verify(info.id),
                    "save, full project": save_full,
                    "save, one file": save_small,
                },
                repeats,
            )
            medians["bytes stored"] = float(sum(len(data) for _, data in files))
    return medians


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv[:3]]
    n_suppliers, n_requirements, repeats = (sizes + [100, 300, 5][len(sizes) :])[:3]
    medians = run(n_suppliers, n_requirements, repeats)
    print(f"store, {n_suppliers} suppliers x {n_requirements} requirements, medians of {repeats} run(s):")
    print(f"  uploaded files: {medians.pop('bytes stored') / 1e6:.1f} MB")
    for name, value in medians.items():
        print(f"  {name:<14} {value * 1000:8.0f} ms")
    share = medians["check on load"] / medians["first load"]
    print(f"  the history check is {share:.0%} of a first load")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
