"""Canary: what one test commits is gone for the next (see STYLE.md on flask-sqlalchemy#1167)."""

import sqlalchemy as sa

from eventapp.core.db import transaction
from eventapp.events.models import Theme
from eventapp.extensions import db


def test_commit_inside_a_test():
    with transaction():
        db.session.add(Theme(slug="canary", name_fr="x", name_nl="x", name_en="x"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Theme).where(Theme.slug == "canary")) == 1


def test_previous_commit_was_rolled_back():
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Theme).where(Theme.slug == "canary")) == 0


def test_rollback_inside_transaction_block_keeps_earlier_work():
    with transaction():
        db.session.add(Theme(slug="kept", name_fr="x", name_nl="x", name_en="x"))
    try:
        with transaction():
            db.session.add(Theme(slug="dropped", name_fr="x", name_nl="x", name_en="x"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    slugs = set(db.session.scalars(sa.select(Theme.slug)))
    assert "kept" in slugs
    assert "dropped" not in slugs
