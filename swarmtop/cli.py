"""Command line: `swarmtop [SOURCE...]`, `swarmtop report ...`, `swarmtop replay ...`.

The public contract is documented in docs/cli.md. Usage errors exit 2 with one plain line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

import swarmtop.numpy_threads  # noqa: F401  (first of swarmtop's: numpy on one BLAS thread)
from swarmtop import __version__
from swarmtop.argtypes import non_negative, number, positive
from swarmtop.core.config import Config, ConfigError, load_config, with_overrides
from swarmtop.errors import UsageError
from swarmtop.sources.decoders import FORMATS

EXIT_OK, EXIT_ALERT, EXIT_USAGE = 0, 1, 2




class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, never a traceback
        raise UsageError(f"{message} (see '{self.prog} --help')")


_interval = number(at_least=0.1, at_most=60, what="--interval must be between 0.1 and 60 s")
_positive = positive
_nonneg = non_negative
_pid = number(above=0, what="--pid takes a positive process id", cast=int)
_jobs = number(at_least=1, at_most=256, what="--jobs takes a number of processes, 1 to 256",
               cast=int)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMATS, default="auto",
                   help="log format of every SOURCE (default: detect per file)")
    p.add_argument("--config", metavar="FILE", help="TOML config (default ~/.config/swarmtop/config.toml)")
    p.add_argument("--prices", metavar="FILE", help="price table in LiteLLM JSON format")
    p.add_argument("--budget", metavar="USD", type=_positive, help="spend budget in dollars")
    p.add_argument("--since", metavar="2h|ISO-TIME",
                   help="ignore events older than this, by their own timestamps")
    p.add_argument("--baseline", metavar="BASE",
                   help="compare against a saved snapshot JSON or a --record file")


def build_live_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="swarmtop", description="htop for LLM agent swarms.",
                epilog="Subcommands: 'swarmtop report --help', 'swarmtop replay --help'.")
    p.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="log file, directory (recursive) or glob to follow")
    p.add_argument("--pid", type=_pid, action="append", default=[], metavar="PID",
                   help="attach to a process (repeatable); its children are included")
    p.add_argument("--no-children", action="store_true", help="do not include child processes")
    p.add_argument("--run", action="store_true",
                   help="start the command after '--' and watch it: --run -- CMD ARGS...")
    p.add_argument("--demo", action="store_true", help="monitor a built-in simulated swarm")
    p.add_argument("--interval", type=_interval, default=None, metavar="S",
                   help="process sampling period, 0.1-60 s (default 0.5)")
    p.add_argument("--theme", metavar="NAME", help="colour theme (see themes/)")
    p.add_argument("--record", metavar="FILE", help="append every event to FILE (JSONL)")
    p.add_argument("--state", metavar="FILE", help="checkpoint file offsets here; resume on restart")
    p.add_argument("--prometheus", metavar="HOST:PORT", help="serve /metrics (host defaults to 127.0.0.1)")
    p.add_argument("--otlp", metavar="HOST:PORT",
                   help="receive OTLP/HTTP (traces, logs, metrics) on PORT (conventionally 4318; "
                   "host defaults to 127.0.0.1)")
    p.add_argument("--no-otel-env", action="store_true",
                   help="with --run: do not point the command's OpenTelemetry exporters at swarmtop")
    p.add_argument("--from-end", action="store_true", help="start at the end of existing files")
    p.add_argument("--poll", action="store_true", help="poll files instead of inotify (NFS, containers)")
    p.add_argument("--no-ui", action="store_true", help="run headless")
    p.add_argument("--duration", type=_positive, metavar="SECONDS", help="with --no-ui: stop after S seconds")
    p.add_argument("--json", action="store_true", help="with --no-ui: print the final snapshot as JSON")
    p.add_argument("--version", action="version", version=f"swarmtop {__version__}")
    _common(p)
    return p


def build_report_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="swarmtop report",
                description="Read SOURCEs to their end, print the snapshot and exit "
                "(0 ok, 1 a critical alert fires, 2 usage error).")
    p.add_argument("sources", nargs="*", metavar="SOURCE")
    p.add_argument("--pid", type=_pid, action="append", default=[], metavar="PID")
    p.add_argument("--output", choices=("json", "markdown", "text"), default="text")
    p.add_argument("--fail-on-regression", type=_nonneg, metavar="PCT",
                   help="with --baseline: exit 1 when a figure is worse by more than PCT %%")
    p.add_argument("--jobs", type=_jobs, metavar="N",
                   help="decode files in N processes (default: one per core, at most 4; "
                   "1: this one)")
    _common(p)
    return p


def build_replay_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="swarmtop replay", description="Replay a file written by --record.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--speed", type=_positive, default=1.0, metavar="X")
    p.add_argument("--no-ui", action="store_true", help="headless: print the final snapshot")
    p.add_argument("--json", action="store_true", help="with --no-ui: as JSON")
    p.add_argument("--theme", metavar="NAME")
    p.add_argument("--config", metavar="FILE")
    return p


def load_settings(args: argparse.Namespace) -> Config:
    config = load_config(args.config)
    return with_overrides(
        config,
        budget_usd=getattr(args, "budget", None),
        interval_s=getattr(args, "interval", None),
        prices_file=getattr(args, "prices", None),
        theme=getattr(args, "theme", None),
    )


def split_run(argv: list[str]) -> tuple[list[str], list[str]]:
    """`--run -- CMD ARGS...`: everything after the first '--' is the command."""
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1 :]
    return argv, []


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _dispatch(args_list)
    except UsageError as exc:
        print(f"swarmtop: {exc}", file=sys.stderr)
        code = EXIT_USAGE
    except ConfigError as exc:
        print(f"swarmtop: {exc}", file=sys.stderr)
        code = EXIT_USAGE
    except KeyboardInterrupt:
        code = 130
    if argv is None:
        sys.exit(code)
    return code


def _dispatch(argv: list[str]) -> int:
    from swarmtop.sources.paths import SourceError

    try:
        if argv and argv[0] == "report":
            from swarmtop.commands.report import run_report

            args = build_report_parser().parse_args(argv[1:])
            if not args.sources and not args.pid:
                args.sources, args.discovered = _agent_sessions()
            if args.fail_on_regression is not None and not args.baseline:
                raise UsageError("--fail-on-regression needs --baseline BASE")
            if args.jobs is None:
                from swarmtop.sources.parallel import default_jobs

                args.jobs = default_jobs()
            return run_report(args, load_settings(args))
        if argv and argv[0] == "replay":
            from swarmtop.commands.replay import run_replay

            args = build_replay_parser().parse_args(argv[1:])
            if args.json and not args.no_ui:
                raise UsageError("--json goes with --no-ui")
            args.speed_given = any(a.startswith("--speed") for a in argv[1:])
            return run_replay(args)
        head, command = split_run(argv)
        args = build_live_parser().parse_args(head)
        args.command = command
        if args.run and not command:
            raise UsageError("--run needs a command after '--', e.g. swarmtop --run -- python swarm.py")
        if command and not args.run:
            raise UsageError("arguments after '--' are only taken with --run")
        if (args.duration or args.json) and not args.no_ui:
            raise UsageError("--duration and --json go with --no-ui")
        if args.no_otel_env and not args.run:
            raise UsageError("--no-otel-env goes with --run")
        if not (args.sources or args.pid or args.run or args.demo or args.otlp):
            args.sources, args.discovered = _agent_sessions()
        from swarmtop.commands.live import run_live

        return run_live(args, load_settings(args))
    except SourceError as exc:
        raise UsageError(str(exc)) from None


def _agent_sessions() -> tuple[list[str], list[tuple[str, str]]]:
    """No SOURCE: the agent sessions on this machine (sources/discover.py), said on stderr
    before the screen starts (and in the Sources panel: the second list, (tool, where));
    none found is "nothing to watch"."""
    from swarmtop.sources.discover import agent_session_dirs, describe, stores

    found = agent_session_dirs()
    if not found:
        raise UsageError("nothing to watch: give a SOURCE, --pid PID, --run -- CMD, --otlp PORT "
                         "or --demo "
                         "(no agent sessions found in ~/.claude/projects, "
                         "$CLAUDE_CONFIG_DIR/projects, ${CODEX_HOME:-~/.codex}/sessions, "
                         "~/.gemini/tmp or $GEMINI_CLI_HOME/.gemini/tmp)")
    print(f"swarmtop: watching {describe(found)}", file=sys.stderr)
    return [str(path) for _, path in found], stores(found)
