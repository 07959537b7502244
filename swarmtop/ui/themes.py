"""Colour themes as TOML files: the shipped ones in `themes/` plus the user's own.

A theme file holds the fields of `textual.theme.Theme` (name, primary, background, ...,
`ansi = true` to use the terminal's own palette) and an optional `[variables]` table.
A broken user file is reported and skipped, never fatal.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from textual.theme import Theme

from swarmtop.errors import ThemeError

DEFAULT_THEME = "swarmtop-dark"
_FIELDS = {f.name for f in fields(Theme)}


UnknownTheme = ThemeError  # --theme NAME names no theme; the message lists the ones there are


def shipped_dir() -> Path:
    """`swarmtop/themes` (a link to the repository's `themes/` in a checkout, a copy when
    installed)."""
    return Path(__file__).resolve().parent.parent / "themes"


def user_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "swarmtop" / "themes"


def load_theme_file(path: Path) -> Theme:
    """Parse one theme file; raises ValueError with a one-line reason."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    data.setdefault("name", path.stem)
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise ValueError(f"{path}: unknown theme keys {', '.join(unknown)}")
    if "primary" not in data:
        raise ValueError(f"{path}: a theme needs at least 'primary'")
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(
        isinstance(v, str) for v in variables.values()
    ):
        raise ValueError(f"{path}: [variables] must map names to colour strings")
    try:
        theme = Theme(**data)
        theme.to_color_system()  # validates every colour now, not at first paint
    except Exception as exc:  # noqa: BLE001 - Theme/ColorSystem raise assorted errors on bad colours
        raise ValueError(f"{path}: {exc}") from None
    return theme


@dataclass
class ThemeSet:
    themes: dict[str, Theme] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return list(self.themes)


def load_themes(dirs: list[Path] | None = None) -> ThemeSet:
    """Themes from the shipped directory, then the user directory (same name: user wins)."""
    found = ThemeSet()
    for d in dirs if dirs is not None else [shipped_dir(), user_dir()]:
        if not d.is_dir():
            continue
        for path in sorted(d.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ValueError as exc:
                found.problems.append(str(exc))
                continue
            found.themes[theme.name] = theme
    return found


def resolve_theme(name: str | None, themes: ThemeSet) -> str:
    """The theme to start with; raises UnknownTheme for a name that is not there."""
    if not name:
        return DEFAULT_THEME if DEFAULT_THEME in themes.themes else next(iter(themes.names), "")
    if name not in themes.themes:
        raise UnknownTheme(
            f"unknown theme {name!r}; available: {', '.join(themes.names) or 'none'}"
        )
    return name
