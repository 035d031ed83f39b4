"""Peak memory of importing a batch with the memory-amplification file (issue 12), measured from outside.

The batch is two files through the CLI's ``import``: a demo answer turned into
the amplification file (one 32,000-character shared string referred to by
``rows x cols`` cells, about 1 MB on disk) and another demo answer. The CLI runs
in a child process that reports its own peak resident memory (``VmHWM``, which
starts afresh when the program starts, unlike ``RUSAGE_SELF``) and that of the
worker process it read the files in (``RUSAGE_CHILDREN``); their sum bounds the
peak of the whole import from above.
The baseline is python-calamine reading the same file alone, under a 1 GB
address-space limit: it does not finish.

``python -m benchmarks --only hostile`` prints the row; or run this module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
GB = 1024**3

# The CLI's own peak is VmHWM (Linux: the peak of this program's memory, begun afresh at exec);
# ru_maxrss survives exec, so under a large parent (a whole `make bench` run) it reported the
# parent's size at the fork, not the import's.
_CLI = """
import json, resource, sys
from slm_psr.cli import main
code = main(sys.argv[1:])
try:
    with open("/proc/self/status") as status:
        own_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    own_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("PEAK " + json.dumps({
    "code": code,
    "cli_kb": own_kb,
    "worker_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
}))
"""

_BARE = """
import io, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1024 ** 3, 1024 ** 3))
import python_calamine
data = open(sys.argv[1], "rb").read()
python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Answers").to_python()
"""


def run(rows: int = 4000, cols: int = 100, chars: int = 32_000) -> dict[str, Any]:
    from tests.hostile_files import amplified

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        bomb = amplified(
            (DEMO / "responses" / "nordwind.xlsx").read_bytes(), rows=rows, cols=cols, chars=chars
        )
        (work / "bomb.xlsx").write_bytes(bomb)
        (work / "good.xlsx").write_bytes((DEMO / "responses" / "brightline.xlsx").read_bytes())
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _CLI, "import", str(DEMO / "psr.json"), "bomb.xlsx", "good.xlsx"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        seconds = time.perf_counter() - started
        line = next(line for line in done.stdout.splitlines() if line.startswith("PEAK "))
        peak = json.loads(line.removeprefix("PEAK "))
        bare = subprocess.run(
            [sys.executable, "-c", _BARE, "bomb.xlsx"], cwd=work, env=env, capture_output=True, timeout=600
        )
    return {
        "file_bytes": len(bomb),
        "expanded_chars": chars * rows * cols,
        "cli_mb": peak["cli_kb"] / 1024,
        "worker_mb": peak["worker_kb"] / 1024,
        "peak_mb": (peak["cli_kb"] + peak["worker_kb"]) / 1024,
        "seconds": seconds,
        "bomb_refused": "bomb.xlsx: REJECTED" in done.stdout,
        "good_read": "good.xlsx: accepted" in done.stdout,
        "bare_finished": bare.returncode == 0,
    }


if __name__ == "__main__":
    result = run()
    print(json.dumps(result, indent=2))
