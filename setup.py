"""Build hooks: every install path (a wheel, `pip install .`, `pip install -e .`) carries what the app
serves, not only `make install`.

The gettext catalogs (.mo) are build output (.gitignore): without them the site serves English under
lang="fr" without a word. `build_py` compiles them from the .po sources, into the source tree (so a
checkout served after `pip install .` has them) and into the build (so the wheel has them). The templates
and migrations sit beside the package in a checkout; the wheel carries them inside it
(eventapp/__init__.py looks there first), with config.py and wsgi.py as top-level modules.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
CATALOGS = ROOT / "eventapp" / "translations"
BUNDLED_DIRS = ("templates", "migrations")


def compile_catalogs(directory: Path) -> list[Path]:
    """Compile every <lang>/LC_MESSAGES/messages.po under `directory` next to itself; fuzzy entries
    stay out, as with `pybabel compile`."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        compiled.append(mo_path)
    if not compiled:
        raise RuntimeError(f"no gettext catalog (*/LC_MESSAGES/messages.po) under {directory}")
    return compiled


class BuildWithCatalogs(build_py):
    def run(self):
        compile_catalogs(CATALOGS)
        super().run()
        if self.editable_mode:
            return  # an editable install serves the source tree, compiled above
        package_dir = Path(self.build_lib) / "eventapp"
        for name in BUNDLED_DIRS:
            target = package_dir / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(
    cmdclass={"build_py": BuildWithCatalogs},
    py_modules=["config", "wsgi"],
    package_data={
        "eventapp": ["static/**/*", "data/*", "translations/*/LC_MESSAGES/*.mo", "translations/*/LC_MESSAGES/*.po"]
    },
)
