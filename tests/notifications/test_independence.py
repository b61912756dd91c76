"""The notifications app is the outbox the other apps call: it imports none of them.

Each app composes its own messages and hands recipients and texts to notifications.services.notify;
were notifications to import an app back (even inside a function, to dodge the import loop), the
knowledge of shifts, tickets or codes would creep back into it.
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
APP = "notifications"
# The project package (settings, access rules, queue helpers) is shared by every app; the apps are not.
SHARED = {"kepu"}


def _kepu_apps() -> set[str]:
    return {name for name in settings.INSTALLED_APPS if "." not in name and (ROOT / name / "__init__.py").exists()}


def _package_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])


def _imported_modules(source: str, package: str) -> list[tuple[int, str]]:
    """(line, module) of every import in the source, wherever it stands (functions, TYPE_CHECKING blocks too)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = parts[: len(parts) - node.level + 1] if node.level else []
            if node.module:
                found.append((node.lineno, ".".join([*base, node.module])))
            else:  # "from .. import checkin": the names are the modules
                found += [(node.lineno, ".".join([*base, alias.name])) for alias in node.names]
    return found


def test_the_other_kepu_apps_are_found():
    assert {"events", "volunteers", "checkin", "stats", APP} <= _kepu_apps()


def test_notifications_imports_no_other_kepu_app():
    forbidden = _kepu_apps() - {APP} - SHARED
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / APP).rglob("*.py"))
        for line, module in _imported_modules(path.read_text(), _package_of(path))
        if module.split(".")[0] in forbidden
    ]
    assert offending == []


def test_the_check_sees_an_import_hidden_in_a_function():
    source = "def f():\n    from volunteers.selectors import waitlist_position\n    from .. import checkin\n"
    assert _imported_modules(source, APP) == [(2, "volunteers.selectors"), (3, "checkin")]
