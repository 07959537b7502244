"""Per-file counts (events, bad lines, untimed events) and the newest status the tailer gave
each file: snapshot.sources.files, in the order the files were first seen."""

from __future__ import annotations

from swarmtop.events import FileStatus
from swarmtop.snapshot import FileInfo

MAX_FILES = 10_000  # per-file entries kept


class FileCounts:
    __slots__ = ("events", "bad_lines", "status", "untimed")

    def __init__(self) -> None:
        self.events = 0
        self.bad_lines = 0
        self.untimed = 0  # events its log gave no time (events.UNTIMED)
        self.status: FileStatus | None = None


class FileBook:
    def __init__(self) -> None:
        self.counts: dict[str, FileCounts] = {}

    def __len__(self) -> int:
        return len(self.counts)

    def counts_of(self, source: str) -> FileCounts | None:
        """``source``'s counts, listed now if new (None: a process, or MAX_FILES reached)."""
        fc = self.counts.get(source)
        if fc is None and len(self.counts) < MAX_FILES and not source.startswith("pid:"):
            fc = self.counts[source] = FileCounts()
        return fc

    def status(self, ev: FileStatus) -> None:
        if ev.state == "appeared":  # a waiting SOURCE came: its row gives way to its files
            fc = self.counts.get(ev.source)
            if fc is not None and fc.status is not None and fc.status.state == "waiting":
                del self.counts[ev.source]
            return
        fc = self.counts_of(ev.source)
        if fc is not None:
            fc.status = ev

    def section(self) -> list[FileInfo]:
        out = []
        for path, fc in self.counts.items():
            st = fc.status
            out.append(FileInfo(
                path=path,
                format=st.format if st else "auto",
                lines=st.lines if st else 0,
                events=fc.events,
                bad_lines=fc.bad_lines,
                offset=st.offset if st else 0,
                state=st.state if st else "following",
                why=st.why if st else "",
                untimed=fc.untimed,
            ))
        return out
