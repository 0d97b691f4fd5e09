"""Flash messages: one name per kind of news, each with a visible style, shown in a status region."""

import ast
import re
from pathlib import Path

from flask import flash, render_template_string

ROOT = Path(__file__).resolve().parents[2]
CATEGORIES = {"info", "success", "error"}


def _flash_categories() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "eventapp").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name != "flash":
                continue
            args = [*node.args[1:2], *(k.value for k in node.keywords if k.arg == "category")]
            if not args:
                categories = ["message"]  # Flask's default: unstyled
            elif isinstance(args[0], ast.IfExp):  # "info" if result.ok else "error"
                categories = [getattr(args[0].body, "value", None), getattr(args[0].orelse, "value", None)]
            else:
                categories = [getattr(args[0], "value", None)]
            for category in categories:
                found.setdefault(category, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_flash_uses_a_known_category_and_each_has_a_style():
    found = _flash_categories()
    assert set(found) <= CATEGORIES, {c: where for c, where in found.items() if c not in CATEGORIES}
    assert {"info", "success", "error"} <= set(found)  # the walk sees the calls
    css = (ROOT / "eventapp/static/css/app.css").read_text(encoding="utf-8")
    for category in CATEGORIES:
        assert re.search(rf"\.flash-{category}\s*\{{[^}}]*border-color", css), category


def test_flashes_are_announced_in_a_status_region(app):
    with app.test_request_context("/"):
        flash("Saved.", "success")
        html = render_template_string('{% extends "base.html" %}')
    assert re.search(r'<div class="flashes" role="status">\s*<p class="flash flash-success">Saved\.</p>', html)
