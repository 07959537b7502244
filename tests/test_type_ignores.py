"""Every ``# type: ignore`` in swarmtop/ names its error code and says why (issue 22): a bare
one hides every error on its line, and one without a reason cannot be judged when the code
around it changes (mypy's warn_unused_ignores only catches those no longer needed)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "swarmtop"

IGNORE = re.compile(r"#\s*type:\s*ignore\b")
# `# type: ignore[code, code]  # why`: codes in brackets, then a comment of its own
EXPLAINED = re.compile(r"#\s*type:\s*ignore\[[a-z-]+(?:,\s*[a-z-]+)*\]\s+#\s*\S")


def unexplained(source: str) -> list[tuple[int, str]]:
    """(line, comment) of each ``type: ignore`` comment without codes and a reason."""
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT and IGNORE.search(tok.string):
            if not EXPLAINED.search(tok.string):
                out.append((tok.start[0], tok.string))
    return out


def test_the_check_tells_explained_from_bare() -> None:
    assert unexplained("x = f()  # type: ignore\n")
    assert unexplained("x = f()  # type: ignore[attr-defined]\n")
    assert unexplained("x = f()  #type:ignore[attr-defined]#\n")
    assert unexplained("x = f()  # type: ignore  # because\n")
    assert not unexplained("x = f()  # type: ignore[attr-defined]  # untyped library\n")
    assert not unexplained("x = f()  # type: ignore[arg-type, misc]  # see issue 22\n")
    assert not unexplained('x = "# type: ignore"  # in a string, not a comment\n')


def test_every_type_ignore_in_the_package_says_why() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 50  # (the package itself, not an empty directory)
    bad = [f"{path.relative_to(PACKAGE.parent)}:{line}: {comment}"
           for path in files for line, comment in unexplained(path.read_text(encoding="utf-8"))]
    assert not bad, "type: ignore without [code] and '  # why':\n" + "\n".join(bad)
