"""A large history to start on: a ~/.claude/projects lookalike of many Claude Code transcripts
(main sessions and their sub-agents) plus native JSONL logs, for the benchmarks that measure a
start over gigabytes (`bench_first_frame --backlog`).

Writing 2 GB through ``json.dumps`` takes minutes, so a few sessions are generated with
``bench_claude_code``'s generator and each file is a prefix of one of them, cut at a line end,
with the template's session id replaced by its own (same length): every file has its own first
bytes (no file looks like a copy of another), its own message and request ids (nothing is
deduplicated across files) and real transcript lines.
"""

from __future__ import annotations

import random
from pathlib import Path

from benchmarks.bench_claude_code import _session
from benchmarks.bench_ingest import generate as native_jsonl

TEMPLATE_SESSION = "deadbeef-5e55-4000-8000-000000000000"  # 36 characters, as a real one
TEMPLATE_AGENT = "aTPL000"  # 7 characters, as agent ids "a" + 6 hex digits


def _templates(root: Path, n: int, size: int, rng: random.Random) -> list[bytes]:
    """``n`` generated transcripts of ``size`` bytes each (half of them sub-agents')."""
    out = []
    for i in range(n):
        path = root / f"template-{i}.jsonl"
        agent = TEMPLATE_AGENT if i % 2 else None
        _session(rng, path, TEMPLATE_SESSION, size, agent, 1_764_000_000 + i * 3600)
        out.append(path.read_bytes())
        path.unlink()
    return out


def generate(root: Path, total_bytes: int, files: int, native_share: float = 0.1,
             seed: int = 11) -> dict[str, int]:
    """About ``total_bytes`` in ``files`` files under ``root``: Claude Code transcripts laid
    out as ~/.claude/projects (projects, sessions, <session>/subagents/agent-*.jsonl), sizes
    spread log-normally, and ``native_share`` of the files native JSONL logs. Returns the
    bytes and files written."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    mean = total_bytes / files
    weights = [rng.lognormvariate(0, 1) for _ in range(files)]
    scale = total_bytes / sum(weights)
    sizes = [max(4096, int(w * scale)) for w in weights]
    biggest = max(sizes)
    templates = _templates(root, 6, biggest + 65536, rng)
    native_every = max(1, round(1 / native_share)) if native_share > 0 else 0
    written = 0
    native = None
    for n, size in enumerate(sizes):
        if native_every and n % native_every == native_every - 1:
            if native is None:  # one native log, cut to size like the transcripts
                path = root / "native-template.jsonl"
                native_jsonl(path, max(1000, int(mean * 3 // 200)))
                native = path.read_bytes()
                path.unlink()
            d = root / "swarm-logs"
            d.mkdir(exist_ok=True)
            body = native.replace(b'"agent": "agent-', f'"agent": "r{n}-'.encode())
            data = _cut(body, size)
            name = d / f"run-{n:04d}.jsonl"
        else:
            session = f"{n:08x}-5e55-4000-8000-{n:012x}"
            project = root / f"-home-u-proj{n % 7}"
            tpl = templates[n % len(templates)]
            data = _cut(tpl, size).replace(TEMPLATE_SESSION.encode(), session.encode())
            if n % 2:
                agent = f"a{n:06x}"
                sub = project / session / "subagents"
                sub.mkdir(parents=True, exist_ok=True)
                data = data.replace(TEMPLATE_AGENT.encode(), agent.encode())
                name = sub / f"agent-{agent}.jsonl"
            else:
                project.mkdir(parents=True, exist_ok=True)
                name = project / f"{session}.jsonl"
        name.write_bytes(data)
        written += len(data)
    return {"bytes": written, "files": files}


def _cut(data: bytes, size: int) -> bytes:
    """The first complete lines of ``data`` that fit in ``size`` bytes (at least one)."""
    if size >= len(data):
        return data
    end = data.rfind(b"\n", 0, size)
    return data[: end + 1] if end >= 0 else data[: data.find(b"\n") + 1]
