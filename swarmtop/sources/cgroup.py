"""The memory limit a process lives under, from its cgroup (v2 ``memory.max``, v1
``memory.limit_in_bytes``). The tightest limit on the way up to the root applies."""

from __future__ import annotations

from pathlib import Path

UNLIMITED = 1 << 60  # v1 writes "no limit" as a huge page-aligned number (2^63 - 4096)


def _read_limit(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except (OSError, ValueError):
        return None
    if not text or text == "max":
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return value if 0 < value < UNLIMITED else None


def _tightest(mount: Path, rel: str, filename: str) -> int | None:
    """Walk from the process's group up to the mount root; in a container the group path
    from /proc may not exist below the mount (it is namespaced), so the root still counts."""
    parts = [p for p in rel.strip("/").split("/") if p]
    limits = []
    for i in range(len(parts), -1, -1):
        limit = _read_limit(mount.joinpath(*parts[:i], filename))
        if limit is not None:
            limits.append(limit)
    return min(limits) if limits else None


def memory_limit(pid: int, root: str | Path = "/sys/fs/cgroup",
                 proc: str | Path = "/proc") -> int | None:
    """Bytes, or ``None`` when no limit is set or the cgroup files cannot be read."""
    root = Path(root)
    try:
        lines = Path(proc, str(pid), "cgroup").read_text().splitlines()
    except OSError:
        return None
    found: list[int] = []
    for line in lines:
        hid, _, rest = line.partition(":")
        controllers, _, rel = rest.partition(":")
        if hid == "0" and controllers == "":  # cgroup v2 (unified)
            mount = root / "unified" if (root / "unified").is_dir() else root
            limit = _tightest(mount, rel, "memory.max")
        elif "memory" in controllers.split(","):
            limit = _tightest(root / "memory", rel, "memory.limit_in_bytes")
        else:
            continue
        if limit is not None:
            found.append(limit)
    return min(found) if found else None
