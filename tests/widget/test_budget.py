"""The size budget (issue 4): everything loaded before the visitor opens the widget stays
under 30 KB gzipped, as served. The loader imports its modules statically, so that is the
loader and everything it imports, followed to the end."""

import gzip
import re

from helpline.widget.routes import STATIC_DIR

BUDGET_BYTES = 30 * 1024
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^"';]*?from\s+["']\./([\w-]+\.js)["']""", re.M)


def loaded_at_start(entry: str = "widget.js") -> list[str]:
    seen: list[str] = []
    todo = [entry]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.append(name)
        todo += IMPORT.findall((STATIC_DIR / name).read_text(encoding="utf-8"))
    return sorted(seen)


def test_the_import_graph_is_followed() -> None:
    names = loaded_at_start()

    assert {"widget.js", "client.js", "protocol.js", "ui.js", "styles.js"} <= set(names)
    # The screens behind the launcher come when the visitor opens the widget (ui.js).
    assert "screens.js" not in names
    assert "forms.js" not in names


def test_everything_loaded_before_opening_is_under_30_kb_gzipped() -> None:
    sizes = {
        name: len(gzip.compress((STATIC_DIR / name).read_bytes(), compresslevel=9, mtime=0))
        for name in loaded_at_start()
    }
    total = sum(sizes.values())

    assert total < BUDGET_BYTES, f"{total} bytes gzipped, over the budget: {sizes}"
