"""Every install path serves French and Dutch, and production refuses to start without them."""

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

import eventapp
from eventapp import create_app, missing_catalogs
from tests.conftest import ROOT

# A page rendered by the installed copy, in each language, through the gettext catalogs only.
RENDER = textwrap.dedent(
    """
    import json
    import eventapp
    from eventapp import create_app

    app = create_app()
    client = app.test_client()
    pages = {lang: client.get(f"/?lang={lang}", base_url="https://events.test").get_data(as_text=True)
             for lang in ("fr", "nl", "en")}
    pages["privacy_nl"] = client.get("/privacy?lang=nl", base_url="https://events.test").get_data(as_text=True)
    print(json.dumps({"package": eventapp.__file__, "pages": pages}))
    """
)


def test_production_refuses_to_start_without_a_french_or_dutch_catalog(monkeypatch, tmp_path):
    monkeypatch.setattr(eventapp, "TRANSLATIONS_DIR", str(tmp_path))
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "fr" / "LC_MESSAGES" / "messages.mo").write_bytes(b"")
    assert missing_catalogs(("fr", "nl", "en")) == ["nl"]
    with pytest.raises(RuntimeError, match="compiled translations missing for nl"):
        create_app("production", SECRET_KEY="x" * 40, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_the_checkout_has_every_catalog_compiled():
    """make install, pip install . and pip install -e . all compile them (setup.py)."""
    assert missing_catalogs(("fr", "nl", "en")) == []


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_venv_serves_french_and_dutch(tmp_path):
    wheels = tmp_path / "wheels"
    # With build isolation: pip fetches the build requirements (setuptools, Babel) like any install does.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(ROOT)],
        check=True,
        timeout=600,
    )
    [wheel] = wheels.glob("eventapp-*.whl")

    fresh = tmp_path / "venv"
    venv.create(fresh, with_pip=True)
    python = fresh / "bin" / "python"
    site_packages = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The dependencies come from this venv, without network; its .pth files (the editable install of
    # the checkout) are not read from a directory added this way.
    Path(site_packages, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], check=True, timeout=300
    )

    env = {
        **os.environ,
        "FLASK_CONFIG": "production",  # refuses to start without the catalogs
        "SECRET_KEY": "s" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "FLASK_APP": "wsgi",
    }
    env.pop("PYTHONPATH", None)
    workdir = tmp_path / "elsewhere"  # not the checkout: nothing may come from it
    workdir.mkdir()
    subprocess.run([python, "-m", "flask", "db", "upgrade"], check=True, cwd=workdir, env=env, timeout=300)
    script = workdir / "render.py"
    script.write_text(RENDER)
    result = subprocess.run([python, script], check=True, cwd=workdir, env=env, capture_output=True, text=True)
    rendered = json.loads(result.stdout.strip().splitlines()[-1])
    assert rendered["package"].startswith(str(fresh)), rendered["package"]
    pages = rendered["pages"]
    assert '<html lang="fr"' in pages["fr"] and "Aller au contenu" in pages["fr"]
    assert '<html lang="nl"' in pages["nl"] and "Naar de inhoud" in pages["nl"]
    assert "Skip to content" in pages["en"]
    assert "Skip to content" not in pages["fr"] + pages["nl"]
    assert "Naar de inhoud" in pages["privacy_nl"]
