"""Helpers for the benchmarks that run the real `python -m swarmtop` process: a writer process
appending native JSONL at a steady rate, idle child processes to watch, and a pseudo-terminal
(120x40) whose output is drained on a thread and counted."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Appends `rate` mixed native JSONL lines per second (llm_call/task/log/metric, fresh task ids
# and a rotating set of agents) to PATH in 20 ms slices; renames the file to PATH.1 when it
# passes ROTATE bytes, the way a log rotator would, so a long soak exercises rotation too.
WRITER = r"""
import json, os, random, sys, time
path, rate, seconds, rotate = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(3)
P = ("convergent", "divergent", "lateral", "systems", "critical", "abstract", "adaptive")
M = ("claude-sonnet-4-5", "gpt-4o", "gpt-4o-mini")
def line(i, ts):
    r = rnd.random()
    a = f"agent-{i % 24}"
    if r < 0.4:
        rec = {"ts": ts, "type": "llm_call", "model": M[i % 3], "agent": a,
               "pattern": P[i % 7], "input_tokens": rnd.randint(100, 9000),
               "output_tokens": rnd.randint(10, 900), "latency_ms": rnd.uniform(100, 5000),
               "ok": rnd.random() > 0.02}
    elif r < 0.7:
        rec = {"ts": ts, "type": "task", "task_id": f"t{i}", "agent": a, "pattern": P[i % 7],
               "status": "ok" if rnd.random() > 0.05 else "error",
               "duration_ms": rnd.lognormvariate(7, 1)}
    elif r < 0.9:
        rec = {"ts": ts, "type": "log", "level": "warning" if r > 0.88 else "info", "agent": a,
               "message": f"step {i} finished in {rnd.randint(1, 999)} ms"}
    else:
        rec = {"ts": ts, "type": "metric", "name": f"queue_depth_{i % 5}",
               "value": rnd.randint(0, 100)}
    return json.dumps(rec) + "\n"
n = 0
start = time.monotonic()
f = open(path, "a")
while True:
    now = time.monotonic()
    if now - start >= seconds:
        break
    due = int((now - start) * rate)
    if due > n:
        f.write("".join(line(i, time.time()) for i in range(n, due)))
        f.flush()
        n = due
        if rotate and f.tell() > rotate:
            f.close()
            os.replace(path, path + ".1")
            f = open(path, "a")
    time.sleep(0.02)
f.close()
print(n)
"""

SLEEPER = "import time\nwhile True: time.sleep(3600)\n"


def env() -> dict[str, str]:
    e = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor",
             PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for var in ("NO_COLOR", "COLUMNS", "LINES"):  # Textual would take these as the size
        e.pop(var, None)
    return e


def start_writer(path: Path, rate: float, seconds: float, rotate: int = 0) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(rate), str(seconds),
                             str(rotate)], stdout=subprocess.PIPE, text=True)


def start_sleepers(n: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", SLEEPER]) for _ in range(n)]


def stop_monitor(proc: subprocess.Popen, term: PtyProcess | None) -> None:
    """End the swarmtop under test: close its terminal (the TUI exits on SIGHUP), else TERM."""
    if term is not None:
        term.close()
    else:
        proc.terminate()
        proc.wait(timeout=20)


def stop_all(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
    for p in procs:
        p.wait()


class PtyProcess:
    """A command in a pseudo-terminal of the given size; its output is read (and counted) by a
    thread so the child never blocks on a full terminal."""

    def __init__(self, argv: list[str], cols: int = 120, rows: int = 40) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.launched = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env(),
                                     cwd=ROOT, start_new_session=True)
        os.close(slave)
        self.written = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.master, 1 << 16)
                except OSError:
                    return
                if not chunk:
                    return
                self.written += len(chunk)
                self.got(chunk)

    def got(self, chunk: bytes) -> None:
        """Each chunk of output as it is read (a subclass looks at what the terminal shows)."""

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stop.set()
        self._thread.join(timeout=2)
        os.close(self.master)


def swarmtop_argv(*args: str, named_threads: bool = False) -> list[str]:
    """The command line of `python -m swarmtop ARGS`; ``named_threads``: through
    benchmarks/_named_threads.py, so that ``thread_figures`` can tell its threads apart."""
    module = "benchmarks._named_threads" if named_threads else "swarmtop"
    return [sys.executable, "-m", module, *args]


def thread_figures(pid: int) -> dict[int, tuple[str, int, float]] | None:
    """tid -> (name, context switches, CPU seconds) of each of the process's threads now
    (Linux; None elsewhere)."""
    out: dict[int, tuple[str, int, float]] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    for tid in tids:
        base = f"/proc/{pid}/task/{tid}"
        try:
            name = Path(f"{base}/comm").read_text().strip()
            status = Path(f"{base}/status").read_text()
            stat = Path(f"{base}/stat").read_text()
        except OSError:
            continue  # a thread that ended
        switches = sum(int(line.split()[1]) for line in status.splitlines()
                       if line.startswith(("voluntary_ctxt_switches:",
                                           "nonvoluntary_ctxt_switches:")))
        fields = stat.rpartition(")")[2].split()
        cpu = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        out[int(tid)] = (name, switches, cpu)
    return out


def voluntary_switches(pid: int) -> int | None:
    """The process's threads' voluntary context switches so far: the times a thread went to
    sleep and was woken, without the preemptions a loaded host adds (Linux; None elsewhere)."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    total = 0
    for tid in tids:
        try:
            status = Path(f"/proc/{pid}/task/{tid}/status").read_text()
        except OSError:
            continue  # a thread that ended
        total += sum(int(line.split()[1]) for line in status.splitlines()
                     if line.startswith("voluntary_ctxt_switches:"))
    return total


def per_thread(before: dict[int, tuple[str, int, float]],
               after: dict[int, tuple[str, int, float]], seconds: float,
               ) -> list[tuple[str, float, float]]:
    """(thread name, wake-ups/s, % of a core) over the interval, threads of one name summed
    (a pool's workers), busiest first; a thread started meanwhile counts from zero."""
    by_name: dict[str, list[float]] = {}
    for tid, (name, switches, cpu) in after.items():
        _, s0, c0 = before.get(tid, (name, 0, 0.0))
        base = name.rstrip("0123456789").rstrip("_-") or name
        acc = by_name.setdefault(base, [0.0, 0.0])
        acc[0] += (switches - s0) / seconds
        acc[1] += 100 * (cpu - c0) / seconds
    return sorted(((n, w, c) for n, (w, c) in by_name.items()), key=lambda r: -r[1])


def wakeup_cost_us(n: int = 500, sleep_s: float = 0.002) -> float:
    """CPU time (µs) one thread spends per sleep and wake-up on this machine: the unit cost of
    an idle-ish monitor, which varies several-fold between machines and, on a VM, over time."""
    t = time.process_time()
    for _ in range(n):
        time.sleep(sleep_s)
    return (time.process_time() - t) / n * 1e6

