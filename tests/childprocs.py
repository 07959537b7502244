"""Real child processes with known memory behaviour, for the sampler and growth tests.

Each script prints ``ready <pid>`` once its interpreter is up, then starts its behaviour, and ends
by itself after ``life`` seconds (so a failed test never leaves a process eating memory).
Allocation is driven by elapsed wall time, not by loop iterations, so a child that the loaded
machine schedules late still holds the memory its rate promises.
"""

from __future__ import annotations

import subprocess
import sys
import time

_PRELUDE = """
import mmap, os, sys, time
MB = 1 << 20
def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
print('ready', os.getpid(), flush=True)
t0 = time.time()
"""

SCRIPTS = {
    # allocate RATE bytes each second, and keep it
    "linear": """
held, have = [], 0
while time.time() - t0 < LIFE:
    want = int(RATE * (time.time() - t0))
    if want > have:
        held.append(b'\\x01' * (want - have)); have = want
    time.sleep(0.02)
""",
    # RSS itself grows by RATE (a fraction) per second: each step tops RSS up to r0*(1+RATE)^t
    "exponential": """
held, r0 = [], rss()
while time.time() - t0 < LIFE:
    target = r0 * (1 + RATE) ** (time.time() - t0)
    gap = int(target - rss())
    if gap > 65536 and rss() < CAP:
        held.append(b'\\x01' * gap)
    time.sleep(0.02)
""",
    # allocate once, then hold
    "stable": """
held = b'\\x01' * int(RATE)
while time.time() - t0 < LIFE:
    time.sleep(0.05)
""",
    # alloc/free cycles: grow by RATE bytes over 0.5 s in mmap chunks, unmap them all, repeat
    "sawtooth": """
while time.time() - t0 < LIFE:
    maps, c0 = [], time.time()
    while time.time() - c0 < 0.5:
        m = mmap.mmap(-1, 4 * MB); m.write(b'\\x01' * (4 * MB)); maps.append(m)
        time.sleep(max(0.0, 0.5 * 4 * MB / RATE - 0.001))
    for m in maps: m.close()
    time.sleep(0.2)
""",
    # sleep, then exit with code RATE
    "exit": """
time.sleep(LIFE)
sys.exit(int(RATE))
""",
    # start RATE sleeping children after 0.3 s (the first exits after 2 s), then wait
    "spawner": """
import subprocess
time.sleep(0.3)
kids = [subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(%f)' % (LIFE if i else 2.0)])
        for i in range(int(RATE))]
for k in kids: k.wait()
""",
    # fork a child that exits at once and is never reaped: a zombie for LIFE seconds
    "zombie": """
pid = os.fork()
if pid == 0:
    os._exit(0)
print('zombie', pid, flush=True)
time.sleep(LIFE)
""",
}


def spawn(kind: str, rate: float = 0.0, life: float = 20.0, cap: float = 600e6,
          ready_timeout: float = 30.0) -> subprocess.Popen[str]:
    """Start a child of ``kind`` and wait until it says it is ready (interpreter up)."""
    code = _PRELUDE + f"RATE = {rate!r}\nLIFE = {life!r}\nCAP = {cap!r}\n" + SCRIPTS[kind]
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + ready_timeout
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("ready") or time.monotonic() > deadline:
        proc.kill()
        raise RuntimeError(f"child {kind} did not start: {line!r}")
    return proc


def stop(*procs: subprocess.Popen[str]) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=10)
        if p.stdout is not None:
            p.stdout.close()
