"""Where the agent CLIs on this machine keep their sessions: what `swarmtop` watches (and
`swarmtop report` reads) when given no SOURCE. Only formats swarmtop decodes are listed."""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping
from pathlib import Path


def agent_session_dirs(env: Mapping[str, str] | None = None,
                       home: Path | None = None) -> list[tuple[str, Path]]:
    """(tool, directory) for each session store that exists, in a stable order:
    Claude Code's ``$CLAUDE_CONFIG_DIR/projects`` (a comma-separated list is allowed, as
    Claude Code and ccusage read it), else ``~/.config/claude/projects`` and
    ``~/.claude/projects``; Codex's ``sessions`` and ``archived_sessions``; then Gemini CLI's
    chats (``gemini_chats``)."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    candidates: list[tuple[str, Path]] = []
    configured = env.get("CLAUDE_CONFIG_DIR", "")
    if configured.strip():
        for part in configured.split(","):
            if part.strip():
                candidates.append(("Claude Code", Path(part.strip()).expanduser() / "projects"))
    else:
        candidates += [("Claude Code", home / ".config" / "claude" / "projects"),
                       ("Claude Code", home / ".claude" / "projects")]
    candidates += codex_dirs(env, home)
    seen: set[str] = set()
    out = []
    for tool, path in candidates:
        key = os.path.realpath(path)
        if path.is_dir() and key not in seen:
            seen.add(key)
            out.append((tool, path))
    out += gemini_chats(env, home)
    return out


def codex_dirs(env: Mapping[str, str], home: Path) -> list[tuple[str, Path]]:
    """Codex's ``$CODEX_HOME`` (default ``~/.codex``): ``sessions/`` (by day) and
    ``archived_sessions/``, where archiving moves a rollout (codex-rs/rollout)."""
    root = Path(env["CODEX_HOME"]).expanduser() if env.get("CODEX_HOME", "").strip() \
        else home / ".codex"
    return [("Codex", root / "sessions"), ("Codex", root / "archived_sessions")]


def gemini_chats(env: Mapping[str, str], home: Path) -> list[tuple[str, Path]]:
    """Gemini CLI's recorded chats: ``${GEMINI_CLI_HOME:-~}/.gemini/tmp/<project>/chats/``
    (gemini-cli ``utils/paths.ts`` homedir(), ``config/storage.ts``), as globs of the chat
    files — the rest of ``tmp/`` (tool outputs, shell history, logs.json) is not a chat. A
    sub-agent's chat is one folder deeper (``chats/<parent session>/``). Each glob only
    while it matches a file (``report`` takes a glob matching nothing as a usage error)."""
    base = Path(env.get("GEMINI_CLI_HOME") or home).expanduser() / ".gemini" / "tmp"
    if not base.is_dir():
        return []
    return [("Gemini CLI", base / "*" / "chats" / "**" / pattern)
            for pattern in ("*.jsonl", "*.json")
            if glob.glob(str(base / "*" / "chats" / "**" / pattern), recursive=True)]


def _where(path: Path) -> str:
    """A directory, or a glob's directory before its first wildcard."""
    parts = path.parts
    fixed = parts[: next((i for i, p in enumerate(parts) if "*" in p), len(parts))]
    return str(Path(*fixed)) if fixed else str(path)


def stores(found: list[tuple[str, Path]]) -> list[tuple[str, str]]:
    """(tool, where) of each store, once each (a glob's two patterns share a directory)."""
    return list(dict.fromkeys((tool, _where(path)) for tool, path in found))


def describe(found: list[tuple[str, Path]]) -> str:
    return ", ".join(f"{tool} sessions in {where}" for tool, where in stores(found))
