"""eventapp: registration and participation platform of the Brussels Smart City Events."""

import os

from flask import Flask

from config import CONFIGS, ProductionConfig

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
TRANSLATIONS_DIR = os.path.join(PACKAGE_DIR, "translations")


def project_dir(name: str) -> str:
    """templates/ and migrations/ sit beside the package in a checkout, inside it in a wheel (setup.py)."""
    bundled = os.path.join(PACKAGE_DIR, name)
    return bundled if os.path.isdir(bundled) else os.path.join(PACKAGE_DIR, "..", name)


def missing_catalogs(languages) -> list[str]:
    """The languages without a compiled catalog; English needs none (the messages are written in it)."""
    return [
        lang
        for lang in languages
        if lang != "en" and not os.path.isfile(os.path.join(TRANSLATIONS_DIR, lang, "LC_MESSAGES", "messages.mo"))
    ]


def create_app(config: str | type | None = None, **overrides) -> Flask:
    """Build the app. `config` is a name from config.CONFIGS or a class; FLASK_CONFIG picks by default."""
    app = Flask(
        __name__,
        template_folder=project_dir("templates"),
        instance_path=os.path.abspath(os.path.join(PACKAGE_DIR, "..", "instance")),
    )
    if config is None:
        config = os.environ.get("FLASK_CONFIG", "development")
    config_class = CONFIGS[config] if isinstance(config, str) else config
    app.config.from_object(config_class)
    app.config.update(overrides)
    if issubclass(config_class, ProductionConfig):
        ProductionConfig.validate(app.config)
        # Without them Flask-Babel serves English under lang="fr" without a word; French and Dutch are
        # legal duties in Brussels.
        if missing := missing_catalogs(app.config["LANGUAGES"]):
            raise RuntimeError(
                f"compiled translations missing for {', '.join(missing)} in {TRANSLATIONS_DIR}: install with pip "
                "(the package build compiles them) or run `make compile-translations`"
            )
    os.makedirs(app.instance_path, exist_ok=True)

    register_extensions(app)
    from eventapp.core.web import register_converters

    register_converters(app)
    register_blueprints(app)
    connect_domains()
    register_cli(app)
    from eventapp.core.logs import configure_logging
    from eventapp.core.web import register_web_hooks

    register_web_hooks(app)
    configure_logging(app)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        # Flask's documented way to wrap the app in WSGI middleware; its types declare wsgi_app a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    return app


def register_extensions(app: Flask) -> None:
    from eventapp.core.db import install_postgresql_liveness_check, install_sqlite_fixes
    from eventapp.core.i18n import select_locale
    from eventapp.extensions import babel, csrf, db, limiter, login, mail, migrate

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            install_sqlite_fixes(db.engine)
        elif db.engine.dialect.name == "postgresql":
            install_postgresql_liveness_check(db.engine)
    # Batch mode lets SQLite migrations alter tables (it has no ALTER COLUMN).
    migrate.init_app(app, db, directory=project_dir("migrations"), render_as_batch=True, compare_type=True)
    mail.init_app(app)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=TRANSLATIONS_DIR,
    )
    login.init_app(app)
    limiter.init_app(app)
    import_models()


def import_models() -> None:
    """Import every model module so that metadata (and Alembic) sees all tables."""
    import eventapp.accounts.auth
    import eventapp.accounts.models
    import eventapp.core.outbox
    import eventapp.events.models
    import eventapp.participation.models
    import eventapp.participation.opinion_models
    import eventapp.registration.models
    import eventapp.tickets.models  # noqa: F401


def connect_domains() -> None:
    """Import the modules that register with a lower domain at import, so that every app (web, CLI,
    outbox worker, tests) has them: those that follow events' changes (`eventapp.events.hooks`;
    without registration's, changes to events would tell nobody), registration's ticket minter and
    the outbox's ticket attachments (`eventapp.tickets.codes`, `eventapp.tickets.emails`)."""
    import eventapp.participation.queries
    import eventapp.registration.notices
    import eventapp.registration.services
    import eventapp.tickets.codes
    import eventapp.tickets.emails  # noqa: F401


def register_blueprints(app: Flask) -> None:
    from eventapp.accounts.views import bp as accounts_bp
    from eventapp.api import bp as api_bp
    from eventapp.backoffice.views import bp as backoffice_bp
    from eventapp.core.devmailbox import bp as devmailbox_bp
    from eventapp.core.statements import bp as statements_bp
    from eventapp.events.views import bp as events_bp
    from eventapp.feeds.views import bp as feeds_bp
    from eventapp.participation import opinion_views  # noqa: F401  (adds the opinion map's pages to that blueprint)
    from eventapp.participation.views import bp as participation_bp
    from eventapp.registration.views import bp as registration_bp
    from eventapp.tickets.views import bp as tickets_bp

    blueprints = (events_bp, api_bp, feeds_bp, registration_bp, devmailbox_bp, tickets_bp, participation_bp)
    for blueprint in (*blueprints, statements_bp, accounts_bp, backoffice_bp):
        app.register_blueprint(blueprint)


def register_cli(app: Flask) -> None:
    from eventapp.accounts.cli import users_cli
    from eventapp.core.outbox_cli import outbox_cli
    from eventapp.demo_cli import demo_cli
    from eventapp.maintenance.cli import retention_cli
    from eventapp.participation.opinions_cli import participation_cli
    from eventapp.registration.cli import registrations_cli, reminders_cli
    from eventapp.tickets.cli import scanners_cli

    for command in (demo_cli, outbox_cli, reminders_cli, registrations_cli, retention_cli, scanners_cli, users_cli):
        app.cli.add_command(command)
    app.cli.add_command(participation_cli)
