"""The documentation names every setting, so that what users read stays true."""

from pathlib import Path

from helpline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _variables() -> list[str]:
    return [f"HELPLINE_{name.upper()}" for name in Settings.model_fields]


def test_env_example_lists_every_setting() -> None:
    text = (ROOT / ".env.example").read_text()
    assert [v for v in _variables() if f"# {v}=" not in text] == []


def test_readme_documents_every_setting() -> None:
    text = (ROOT / "README.md").read_text()
    assert [v for v in _variables() if f"`{v}`" not in text] == []
