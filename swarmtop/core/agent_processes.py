"""Which process runs each agent: the pid its events state, else a heuristic match of a
live agent-CLI process to a session (docs/agents.md)."""

from __future__ import annotations

from swarmtop.core.agent_record import _Agent
from swarmtop.snapshot import ProcessInfo

# an agent kind -> the name of the CLI whose process runs it (the heuristic process match)
_CLI_KINDS = {"claude-code": "claude", "codex": "codex", "gemini": "gemini"}
# no process known for an agent: what match_processes's answer lacks
NO_PROCESS: tuple[ProcessInfo | None, str] = (None, "")


def _cli_of(proc: ProcessInfo) -> str:
    """Which agent CLI a process runs, from its name or the first words of its command line
    (npm installs run as ``node /usr/lib/node_modules/.../claude``)."""
    words = [proc.name, *proc.cmd.split()[:3]]
    for word in words:
        base = word.rstrip("/").rsplit("/", 1)[-1].lower()
        for cli in ("claude", "codex", "gemini"):
            if base == cli or base.startswith(cli + "-") or base == cli + ".js":
                return cli
    if proc.name.lower() in ("node", "bun") and "@anthropic-ai/claude-code" in proc.cmd:
        return "claude"
    return ""


def match_processes(agents: dict[str, _Agent], processes: dict[int, ProcessInfo]
                    ) -> dict[str, tuple[ProcessInfo | None, str]]:
    """Each agent's process and how it is known: ``stated`` (its events name the pid),
    ``heuristic`` (a watched, live agent-CLI process of its kind whose working
    directory is the session's, started before the session's last event; of the sessions
    it could be, the latest seen), or ``""``. Sub-agents run inside their parent's process
    and are not matched. See docs/agents.md."""
    out: dict[str, tuple[ProcessInfo | None, str]] = {}
    for a in agents.values():
        if a.pid is not None:
            out[a.id] = (processes.get(a.pid), "stated")
    if len(out) == len(agents) or not processes:
        return out
    stated = {pid for pid in (a.pid for a in agents.values()) if pid is not None}
    for proc in processes.values():
        cli = _cli_of(proc)
        if proc.pid in stated or not proc.alive or not proc.cwd or not cli:
            continue
        best: _Agent | None = None
        for a in agents.values():
            if (a.pid is None and not a.parent and a.id not in out and a.cwd == proc.cwd
                    and _CLI_KINDS.get(a.kind) == cli and a.last_ts >= proc.create_time
                    and (best is None or a.last_ts > best.last_ts)):
                best = a
        if best is not None:
            out[best.id] = (proc, "heuristic")
    return out
