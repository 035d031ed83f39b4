"""Reading untrusted workbooks in a worker process with a memory and a time limit, so that no file can take down the caller.

The preflight budgets what a file may expand to, but a reader written in Rust or C
that meets something nobody foresaw can still allocate without bound or loop; in
the app's server process that would end every buyer's session. So the app and the
CLI hand each batch to a worker process (``python -c ...``, no fork of a threaded
server) that reads one file at a time under ``RLIMIT_AS`` (address space) and a
deadline per file. When the worker dies or overruns, that file is refused in words
and a fresh worker reads the rest: a crash is a refusal of one file, never of the
batch or the server.

Requests and answers are length-prefixed frames over the worker's stdin/stdout:
JSON (never pickle, so the caller does not run what the worker sends) and the
file's bytes.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from slm_psr.collector import collector_paused
from slm_psr.excel.preflight import MB, Limits, display_name
from slm_psr.excel.responses import ImportReport, ImportResult, file_sha256
from slm_psr.model import PSR

MEMORY_LIMIT = 768 * MB  # address space of the worker; with the caller, a batch stays under 1 GB
SECONDS_PER_FILE = 60.0  # a questionnaire answer reads in well under a second
_STARTUP_SECONDS = 60.0  # importing the reader on a busy machine
_FRAME = struct.Struct(">Q")


def read_responses_isolated(
    psr: PSR,
    files: Iterable[tuple[str, bytes]],
    *,
    limits: Limits | None = None,
    memory_limit: int = MEMORY_LIMIT,
    seconds_per_file: float = SECONDS_PER_FILE,
    on_file: Callable[[int, str], object] | None = None,
) -> ImportReport:
    """``read_responses`` with every file read in a worker process; never raises for a bad file.

    ``on_file(number, filename)`` is called before each file (for a progress bar).
    """
    limits = limits or Limits()
    results: list[ImportResult] = []
    worker: _Worker | None = None
    spent = 0  # text the accepted files expanded to, for the batch budget
    try:
        for number, (filename, data) in enumerate(files, start=1):
            if on_file is not None:
                on_file(number, filename)
            if worker is None:
                worker = _Worker(psr, limits, memory_limit)
            started = time.perf_counter()
            try:
                answer = worker.read(filename, data, spent, seconds_per_file)
            except _WorkerFailed as failure:
                worker.stop()
                worker = None
                results.append(
                    _refused(filename, data, failure.reason(filename, memory_limit, seconds_per_file))
                )
                results[-1].seconds = time.perf_counter() - started
                continue
            result = ImportResult.from_dict(answer["result"])
            spent += int(answer.get("expanded_text", 0))
            results.append(result)
    finally:
        if worker is not None:
            worker.stop()
    return ImportReport(psr.id, psr.version, results)


def _refused(filename: str, data: bytes, reason: str) -> ImportResult:
    return ImportResult(
        filename=filename,
        sha256=file_sha256(data),
        rejection=reason,
        rejection_code="reader_failed",
    )


class _WorkerFailed(Exception):
    def __init__(self, why: str):
        super().__init__(why)
        self.why = why  # "timeout", "memory" or "crash"

    def reason(self, filename: str, memory_limit: int, seconds: float) -> str:
        shown = display_name(filename)
        if self.why == "timeout":
            return (
                f'"{shown}" is refused: reading it took longer than {seconds:g} seconds, far longer than '
                "a questionnaire answer needs; open it in Excel, save it as .xlsx and send it again."
            )
        if self.why == "memory":
            return (
                f'"{shown}" is refused: reading it needed more than {memory_limit / MB:,.0f} MB of memory, '
                "far more than a questionnaire answer needs; open it in Excel, save it as .xlsx and send it again."
            )
        return (
            f'"{shown}" is refused: the reader stopped on it without finishing; '
            "open it in Excel, save it as .xlsx and send it again."
        )


class _Worker:
    """One worker process; reads files one after the other until it is stopped or fails."""

    def __init__(self, psr: PSR, limits: Limits, memory_limit: int):
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH", "")]))
        # Thread pools reserve address space per thread; the reader needs none.
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", RAYON_NUM_THREADS="1")
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from slm_psr.excel.isolation import _serve; _serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in: IO[bytes] = self.process.stdin
        self._out: IO[bytes] = self.process.stdout
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._out, selectors.EVENT_READ)
        setup = {"psr": psr.model_dump(mode="json"), "limits": vars(limits), "memory_limit": memory_limit}
        try:
            _send(self._in, json.dumps(setup).encode())
            ready = json.loads(self._receive(time.monotonic() + _STARTUP_SECONDS))
        except (OSError, ValueError) as exc:
            self.stop()
            raise RuntimeError("the worker process for reading workbooks did not start") from exc
        if ready != "ready":
            self.stop()
            raise RuntimeError(f"the worker process for reading workbooks did not start: {ready!r}")

    def read(self, filename: str, data: bytes, spent: int, seconds: float) -> dict[str, Any]:
        try:
            _send(self._in, json.dumps({"filename": filename, "spent": spent}).encode())
            _send(self._in, bytes(data))
            return json.loads(self._receive(time.monotonic() + seconds))
        except (OSError, ValueError):  # a broken pipe or a torn answer: the worker died
            raise self._failure() from None

    def _receive(self, deadline: float) -> bytes:
        head = self._read_exactly(_FRAME.size, deadline)
        (size,) = _FRAME.unpack(head)
        return self._read_exactly(size, deadline)

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        remaining = size
        fd = self._out.fileno()
        while remaining:
            left = deadline - time.monotonic()
            if left <= 0 or not self._selector.select(left):
                raise _WorkerFailed("timeout")
            chunk = os.read(fd, min(remaining, 1 * MB))
            if not chunk:
                raise self._failure()
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _failure(self) -> _WorkerFailed:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return _WorkerFailed("crash")
        # A failed allocation ends the process with SIGABRT (Rust) or a MemoryError exit.
        return _WorkerFailed("memory" if code in (-6, 134, _MEMORY_EXIT) else "crash")

    def stop(self) -> None:
        self._selector.close()
        for stream in (self._in, self._out):
            with contextlib.suppress(OSError):  # already broken by a dead worker
                stream.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


_MEMORY_EXIT = 77  # the worker's exit status after a MemoryError


def _send(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_FRAME.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _read_frame(stream: IO[bytes]) -> bytes | None:
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(head)
    payload = stream.read(size)
    if len(payload) < size:
        return None
    return payload


def _serve() -> None:
    """The worker's main loop: set the limits, then read files until stdin closes."""
    from slm_psr.excel.responses import read_with_budget
    from slm_psr.psr_file import content_hash
    from slm_psr.values import BatchReadings

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames on the channel
    setup_frame = _read_frame(stdin)
    if setup_frame is None:
        return
    setup = json.loads(setup_frame)
    psr = PSR.model_validate(setup["psr"])
    psr_hash = content_hash(psr)  # once for the worker's batch, not once per file
    readings = BatchReadings()  # the worker's batch reads a repeated answer text once
    limits = Limits(**setup["limits"])
    _limit_memory(int(setup["memory_limit"]))
    _send(stdout, json.dumps("ready").encode())
    while True:
        request_frame = _read_frame(stdin)
        data = _read_frame(stdin) if request_frame is not None else None
        if request_frame is None or data is None:
            return
        request = json.loads(request_frame)
        # A file's answers are made and dropped within its request; the collector's
        # passes over them while they live were a tenth to a sixth of the worker's time, and
        # reading makes next to no reference cycles. So it is paused per file and
        # runs between files.
        with collector_paused():
            try:
                result, expanded = read_with_budget(
                    psr, data, request["filename"], limits, int(request["spent"]), psr_hash, readings
                )
                del data
                answer = json.dumps({"result": result.to_dict(), "expanded_text": expanded}).encode()
                del result
            except MemoryError:
                os._exit(_MEMORY_EXIT)
        _send(stdout, answer)


def _limit_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:  # not on this platform; the deadline still holds
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
