"""House rule: no module in gterm/ grows past 700 lines (split it by concern instead).

Checked here so the rule holds at every commit, not only when someone counts.
"""

from __future__ import annotations

from pathlib import Path

import gterm

MAX_LINES = 700


def test_no_module_in_gterm_is_over_700_lines() -> None:
    package = Path(gterm.__file__).parent
    sizes = {path.relative_to(package.parent): len(path.read_text(encoding="utf-8").splitlines())
             for path in package.rglob("*.py")}
    assert len(sizes) > 100  # the whole package was found, not an empty directory
    too_long = {str(path): lines for path, lines in sizes.items() if lines > MAX_LINES}
    assert too_long == {}
