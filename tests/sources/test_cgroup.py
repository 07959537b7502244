"""Memory limit lookup from fake cgroup v1/v2 trees."""

from __future__ import annotations

from pathlib import Path

from swarmtop.sources.cgroup import memory_limit


def _proc(tmp: Path, pid: int, text: str) -> Path:
    d = tmp / "proc" / str(pid)
    d.mkdir(parents=True)
    (d / "cgroup").write_text(text)
    return tmp / "proc"


def test_v2_tightest_limit_up_the_tree(tmp_path):
    proc = _proc(tmp_path, 7, "0::/user.slice/app\n")
    root = tmp_path / "cg"
    (root / "user.slice" / "app").mkdir(parents=True)
    (root / "user.slice" / "app" / "memory.max").write_text("max\n")
    (root / "user.slice" / "memory.max").write_text("1073741824\n")
    assert memory_limit(7, root=root, proc=proc) == 1 << 30


def test_v1_namespaced_path_falls_back_to_the_mount_root(tmp_path):
    proc = _proc(tmp_path, 8, "5:cpu:/x\n4:memory:/container/abc\n")
    root = tmp_path / "cg"
    (root / "memory").mkdir(parents=True)
    (root / "memory" / "memory.limit_in_bytes").write_text("536870912\n")
    assert memory_limit(8, root=root, proc=proc) == 512 << 20


def test_unlimited_and_unreadable_mean_no_limit(tmp_path):
    proc = _proc(tmp_path, 9, "4:memory:/\n")
    root = tmp_path / "cg"
    (root / "memory").mkdir(parents=True)
    (root / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert memory_limit(9, root=root, proc=proc) is None
    assert memory_limit(12345, root=root, proc=proc) is None  # no such /proc entry


def test_this_machine_does_not_crash():
    import os

    limit = memory_limit(os.getpid())
    assert limit is None or limit > 0
