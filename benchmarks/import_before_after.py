"""The import before and after a change, side by side: two source trees, alternately, on the same files.

``python -m benchmarks.import_before_after BEFORE AFTER [n_files] [rounds] [repeats]``
writes ``n_files`` filled questionnaires (300 requirements, ``import_bench.make_files``
from the AFTER tree) once, then runs, ``rounds`` times in turn, a fresh process in each
tree that times ``repeats`` runs of ours (``read_responses``, value caches emptied),
the preflight alone and bare python-calamine, in wall-clock and CPU seconds. Load on a
shared machine hits both trees alike; each tree's ratio is against its own calamine
runs, and against all calamine runs pooled (the same library in both).

    git worktree add /tmp/before <commit>   # the tree before the change
    .venv/bin/python -m benchmarks.import_before_after /tmp/before . 100 3 3
"""

from __future__ import annotations

import json
import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_RUN = r"""
import json, pickle, sys, time
from benchmarks.import_bench import forget_parsed_texts, read_bare_calamine
from slm_psr.excel.preflight import preflight
from slm_psr.excel.responses import read_responses
psr, files = pickle.loads(open(sys.argv[1], "rb").read())
read_responses(psr, files)
def ours():
    forget_parsed_texts()
    read_responses(psr, files)
contenders = {
    "ours": ours,
    "preflight": lambda: [preflight(data, name) for name, data in files],
    "calamine": lambda: [read_bare_calamine(data) for _, data in files],
}
out = {name: {"wall": [], "cpu": []} for name in contenders}
for _ in range(int(sys.argv[2])):
    for name, action in contenders.items():
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        out[name]["wall"].append(time.perf_counter() - wall)
        out[name]["cpu"].append(time.process_time() - cpu)
print(json.dumps(out))
"""
CONTENDERS = ("ours", "preflight", "calamine")


def run(before: Path, after: Path, n_files: int = 100, rounds: int = 3, repeats: int = 3) -> dict[str, dict]:
    """Seconds per tree, contender and clock: every run's figure."""
    sys.path.insert(0, str(after))
    from benchmarks.import_bench import make_files
    from benchmarks.synthetic import make_psr

    psr = make_psr(300)
    times: dict[str, dict] = {
        tree: {name: {"wall": [], "cpu": []} for name in CONTENDERS} for tree in ("before", "after")
    }
    with tempfile.TemporaryDirectory(prefix="slm-psr-before-after-") as folder:
        files = [(path.name, path.read_bytes()) for path in make_files(psr, n_files, Path(folder))]
        data = Path(folder) / "files.pickle"
        data.write_bytes(pickle.dumps((psr, files)))
        for _ in range(rounds):
            for tree, root in (("before", before), ("after", after)):
                done = subprocess.run(
                    [sys.executable, "-c", _RUN, str(data), str(repeats)],
                    cwd=root,
                    env={"PYTHONPATH": str(root)},
                    capture_output=True,
                    text=True,
                    check=True,
                )
                for name, clocks in json.loads(done.stdout).items():
                    for clock, values in clocks.items():
                        times[tree][name][clock] += values
    return times


def report(times: dict[str, dict]) -> str:
    lines = []
    for clock in ("wall", "cpu"):
        pooled = statistics.median(times["before"]["calamine"][clock] + times["after"]["calamine"][clock])
        count = len(times["before"]["ours"][clock])
        lines.append(f"{clock} seconds, median of {count}; calamine pooled {pooled:.3f} s")
        for tree in ("before", "after"):
            median = {name: statistics.median(times[tree][name][clock]) for name in CONTENDERS}
            own = median["calamine"]
            lines.append(
                f"  {tree:6s} ours {median['ours']:.3f} s ({median['ours'] / own:.2f}x own calamine, "
                f"{median['ours'] / pooled:.2f}x pooled), preflight {median['preflight']:.3f} s "
                f"({median['preflight'] / own:.2f}x, {median['preflight'] / pooled:.2f}x), calamine {own:.3f} s"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    before_tree, after_tree = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    numbers = [int(a) for a in sys.argv[3:6]]
    print(report(run(before_tree, after_tree, *numbers)))
