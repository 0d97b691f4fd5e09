"""Events comes first: the domains above it follow its changes through `eventapp.events.hooks`."""

import ast
from pathlib import Path

from eventapp.events import hooks

EVENTS = Path(hooks.__file__).parent
ABOVE = ("registration", "tickets", "feeds", "participation", "backoffice", "api")
# The Flask idiom: the open-data routes are added to the /api/v1 blueprint, which api/ owns.
ALLOWED = {("api.py", "eventapp.api")}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    return modules | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}


def test_events_imports_no_domain_above_it():
    found = {
        (str(path.relative_to(EVENTS)), module)
        for path in EVENTS.rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[:2] in (["eventapp", name] for name in ABOVE)
    }
    assert found == ALLOWED


def test_every_change_events_announces_has_a_follower(app):
    """The app imports the subscribers (`connect_domains`): a hook nobody follows would tell nobody."""
    announced = {name: hook for name, hook in vars(hooks).items() if isinstance(hook, hooks.Hook)}
    assert len(announced) == 7
    assert [name for name, hook in announced.items() if not hook.subscribers] == []
