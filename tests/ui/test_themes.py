"""Theme files: the shipped ones load, bad ones are reported not fatal, and they ship."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from swarmtop.ui import SwarmtopApp, run_app
from swarmtop.ui.themes import (
    UnknownTheme,
    load_theme_file,
    load_themes,
    resolve_theme,
    shipped_dir,
)
from tests.ui.fakes import FakeFeed

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_themes_load():
    themes = load_themes([ROOT / "themes"])
    assert themes.problems == []
    assert {"swarmtop-dark", "swarmtop-light", "terminal", "high-contrast"} <= set(themes.names)
    assert themes.themes["terminal"].ansi is True  # the terminal's own palette
    assert themes.themes["swarmtop-light"].dark is False
    assert shipped_dir().resolve() == (ROOT / "themes").resolve()


def test_user_theme_overrides_and_bad_files_are_reported(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    (user / "mine.toml").write_text('name = "mine"\nprimary = "#123456"\n')
    (user / "broken.toml").write_text("name = [unclosed\n")
    (user / "badcolour.toml").write_text('primary = "not-a-colour"\n')
    (user / "typo.toml").write_text('primry = "#123456"\n')
    themes = load_themes([ROOT / "themes", user])
    assert "mine" in themes.names
    assert len(themes.problems) == 3
    assert all("toml" in p for p in themes.problems)


def test_user_dir_is_searched(tmp_path, monkeypatch):
    d = tmp_path / "swarmtop" / "themes"
    d.mkdir(parents=True)
    (d / "ocean.toml").write_text('primary = "#0000aa"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert "ocean" in load_themes().names  # name from the file name


def test_unknown_theme_is_a_usage_error(capsys):
    with pytest.raises(UnknownTheme):
        resolve_theme("nope", load_themes())
    assert run_app(FakeFeed(), theme="nope", interval=1) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown theme 'nope'" in err and "terminal" in err


def test_load_theme_file_validates_colours(tmp_path):
    p = tmp_path / "x.toml"
    p.write_text('primary = "#zzzzzz"\n')
    with pytest.raises(ValueError, match="x.toml"):
        load_theme_file(p)


async def test_no_color_is_respected(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = SwarmtopApp(FakeFeed(), interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.no_color
        assert any(type(f).__name__ in ("Monochrome", "NoColor") for f in app._filters)


@pytest.mark.skipif(os.environ.get("SWARMTOP_SKIP_BUILD") == "1", reason="asked to skip")
def test_the_wheel_ships_the_themes(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
         str(ROOT)],
        capture_output=True, text=True, timeout=240,
    )
    if out.returncode != 0 and "No matching distribution" in out.stderr:
        pytest.skip("no build backend available offline")
    assert out.returncode == 0, out.stderr
    wheel = next(tmp_path.glob("swarmtop-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n.rsplit("/", 1)[1] for n in names if n.startswith("swarmtop/themes/")}
    assert {"swarmtop-dark.toml", "swarmtop-light.toml", "terminal.toml",
            "high-contrast.toml"} <= shipped
