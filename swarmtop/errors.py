"""Every error swarmtop raises on purpose, in one place. Each one is a problem the user can fix
and is printed as one plain line (the CLI exits 2), never a traceback. The historical homes
(``swarmtop.cli.UsageError``, ``swarmtop.core.config.ConfigError``,
``swarmtop.sources.paths.SourceError`` …) import them from here, so old imports still work.
The ``ValueError`` bases are kept: callers that caught ``ValueError`` still do."""

from __future__ import annotations


class SwarmtopError(Exception):
    """Base of the errors below."""


class UsageError(SwarmtopError):
    """A wrong command line."""


class ConfigError(SwarmtopError, ValueError):
    """A config file (or --alert/--budget value) that cannot be used; says file and key."""


class SourceError(SwarmtopError, ValueError):
    """A SOURCE that names nothing readable."""


class AddressError(SourceError):
    """An address to serve on (--otlp, --prometheus) that is wrong or cannot be bound."""


class LaunchError(SourceError):
    """A --run command that cannot be started."""


class StateError(SourceError):
    """A checkpoint/state file that cannot be used."""


class ReplayError(SwarmtopError, ValueError):
    """A recording that cannot be replayed."""


class ThemeError(SwarmtopError, ValueError):
    """An unknown --theme."""
