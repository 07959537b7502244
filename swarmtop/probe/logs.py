"""Log lines (``log`` records): written directly, or from Python's ``logging``."""

from __future__ import annotations

import logging

from swarmtop.probe import writer
from swarmtop.probe.tasks import _agent_field, _current
from swarmtop.probe.writer import _emit, _fmt_ts, _s


def log(level: str, message: str, *, agent: str | None = None) -> None:
    """Write one native ``log`` record (level: debug|info|warning|error|critical)."""
    if writer._fd < 0:
        return
    try:
        line = f'{{"ts":{_fmt_ts()},"type":"log","level":{_s(level)},"message":{_s(message)}'
        _emit(line + _agent_field(agent) + "}\n")
    except Exception:  # noqa: BLE001 - the probe never raises into the swarm
        pass


class LogHandler(logging.Handler):
    """A ``logging`` handler writing each record as a native ``log`` record.

    The agent is taken from ``extra={"agent": ...}``, else from the enclosing ``task``.
    Exceptions (``logger.exception``) are appended to the message by the handler's formatter.
    """

    _LEVELS = {"WARN": "warning", "FATAL": "critical"}

    def emit(self, record: logging.LogRecord) -> None:
        if writer._fd < 0:
            return
        try:
            msg = self.format(record)
            level = self._LEVELS.get(record.levelname) or record.levelname.lower()
            agent = getattr(record, "agent", None)
            if agent is None:
                cur = _current.get()
                agent = cur.agent if cur is not None else None
            line = (f'{{"ts":{record.created:.6f},"type":"log","level":{_s(level)},'
                    f'"message":{_s(msg)},"logger":{_s(record.name)}')
            if agent:
                line += f',"agent":{_s(agent)}'
            _emit(line + "}\n")
        except Exception:  # noqa: BLE001 - the probe never raises into the swarm
            self.handleError(record)
