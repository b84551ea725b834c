"""The size budget (issue 4): everything loaded before the visitor opens the widget stays
under 30 KB gzipped, as served. That is the entry (as served, with its version), the widget it
imports from the versioned folder, and everything that imports statically, followed to the end."""

import re

from helpline.widget.routes import STATIC_DIR, assets, entry, widget_version

BUDGET_BYTES = 30 * 1024
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^"';]*?from\s+["']\./([\w-]+\.js)["']""", re.M)
# The entry's one import, of a module in the versioned folder.
ENTRY_IMPORT = re.compile(r"""^\s*import\s+["']\./([0-9a-f]+)/([\w-]+\.js)["']""", re.M)


def loaded_from_the_entry() -> list[str]:
    [(version, first)] = ENTRY_IMPORT.findall(entry().body.decode())
    assert version == widget_version()
    seen: list[str] = []
    todo = [first]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.append(name)
        # The modules of the versioned folder import each other relatively: same folder.
        todo += IMPORT.findall((STATIC_DIR / name).read_text(encoding="utf-8"))
    return sorted(seen)


def test_the_import_graph_is_followed() -> None:
    names = loaded_from_the_entry()

    assert {"main.js", "client.js", "protocol.js", "ui.js", "styles.js"} <= set(names)
    assert "widget.js" not in names
    # The screens behind the launcher come when the visitor opens the widget (ui.js).
    assert "screens.js" not in names
    assert "forms.js" not in names


def test_everything_loaded_before_opening_is_under_30_kb_gzipped() -> None:
    sizes = {name: len(assets()[name].gzipped) for name in loaded_from_the_entry()}
    sizes["widget.js (entry)"] = len(entry().gzipped)
    total = sum(sizes.values())

    assert total < BUDGET_BYTES, f"{total} bytes gzipped, over the budget: {sizes}"
