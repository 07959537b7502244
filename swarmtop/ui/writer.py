"""Textual's output thread, made to outlive its terminal.

Textual's ``WriterThread`` dies on the first failed write (the terminal is gone: an SSH drop,
a closed tmux pane, EIO). Its queue then fills, and the next write — or ``stop()`` on the
way out, after SIGHUP — blocks forever: the monitor never exits, and its watcher and sampler
go on. This one stops writing after a failed write and goes on taking from the queue, so
every write and ``stop()`` returns."""

from __future__ import annotations

from textual.drivers._writer_thread import WriterThread


class SturdyWriterThread(WriterThread):
    broken: BaseException | None = None  # the write that failed, once one did

    def write(self, text: str) -> None:
        if self.broken is None:
            super().write(text)

    def run(self) -> None:
        write = self._file.write
        flush = self._file.flush
        get = self._queue.get
        qsize = self._queue.qsize
        while True:
            text = get()
            if text is None:
                break
            if self.broken is not None:
                continue  # (drained: nothing waits on a full queue)
            try:
                write(text)
                if qsize() == 0:
                    flush()
            except (OSError, ValueError) as exc:  # gone, or closed under us
                self.broken = exc
        if self.broken is None:
            try:
                flush()
            except (OSError, ValueError) as exc:
                self.broken = exc


def install() -> None:
    """Textual's Linux driver makes its output thread with this one (it names the class in
    its own module, textual/drivers/linux_driver.py, where ``start_application_mode`` makes
    it; pinned below textual 9)."""
    from textual.drivers import linux_driver

    linux_driver.WriterThread = SturdyWriterThread  # type: ignore[misc]  # a class swapped in
