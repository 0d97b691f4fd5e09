"""Shared browser fixtures: headless Chromium (Debian's, launched by path) and a live server with data.

Chromium's fake camera is fed a Y4M file of I420 frames (MJPEG hangs it); `write_y4m` makes one
from any Pillow image, so a test can show a ticket's QR code to the scanner page.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import require
from tests.live_server import LiveServer, app_for, fresh_database

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BASE_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]


def write_y4m(image: Image.Image, path: Path, *, size=(640, 480), frames: int = 10) -> Path:
    """A short Y4M (4:2:0, full range) video showing `image` centred on white."""
    canvas = Image.new("RGB", size, "white")
    image = image.convert("RGB")
    scale = min(size[0] * 0.8 / image.width, size[1] * 0.8 / image.height)
    image = image.resize((int(image.width * scale), int(image.height * scale)), Image.NEAREST)
    canvas.paste(image, ((size[0] - image.width) // 2, (size[1] - image.height) // 2))
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    frame = y.tobytes() + cb.resize(half, Image.BILINEAR).tobytes() + cr.resize(half, Image.BILINEAR).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + frame)
    return path


@pytest.fixture(scope="session")
def chromium_path() -> str:
    require(shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}")
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_instance(chromium_path):
    # One Playwright driver for the whole run: the sync API cannot run two at once in one thread.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance, chromium_path):
    """One headless Chromium for the session; tests open their own contexts (cheap) in it."""
    browser = playwright_instance.chromium.launch(executable_path=chromium_path, headless=True, args=BASE_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def launch(playwright_instance, chromium_path):
    """launch(video=None, user_data_dir=None) -> a browser context (persistent when a directory is given)."""
    contexts, browsers = [], []

    def _launch(*, video: Path | None = None, user_data_dir: Path | None = None, **options):
        args = list(BASE_ARGS)
        if video is not None:
            args.append(f"--use-file-for-fake-video-capture={video}")
        if user_data_dir is not None:
            context = playwright_instance.chromium.launch_persistent_context(
                str(user_data_dir), executable_path=chromium_path, headless=True, args=args, **options
            )
        else:
            browser = playwright_instance.chromium.launch(executable_path=chromium_path, headless=True, args=args)
            browsers.append(browser)
            context = browser.new_context(**options)
        contexts.append(context)
        return context

    yield _launch
    for context in contexts:
        with suppress(Exception):  # already closed by the test
            context.close()
    for browser in browsers:
        browser.close()


@contextmanager
def live_site(
    tmp_path: Path, kind: str = "sqlite", workers: int = 2, env: dict | None = None
) -> Iterator[tuple[LiveServer, object]]:
    """A migrated database, an app on it to arrange data, and gunicorn serving it (with `env` added)."""
    url = fresh_database(kind, tmp_path)
    app = app_for(url)
    with LiveServer(url, workers=workers, env=env) as server:
        yield server, app
    from eventapp.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live(tmp_path):
    with live_site(tmp_path) as site:
        yield site


@pytest.fixture(scope="session")
def site(tmp_path_factory, chromium_path):
    """One live server for the accessibility suite: demo data plus the pages' fixtures (tests/browser/site.py).

    Tests using it only read, or write rows of their own (a new registration), so they can share it.
    """
    from tests.browser.site import arrange

    with live_site(tmp_path_factory.mktemp("site"), workers=2) as (server, app):
        yield server, arrange(app)


@pytest.fixture(scope="session")
def shared_page(browser, site):
    """shared_page(lang, width, who) -> a page kept open for the session, one per combination.

    A new context costs a cold renderer (~1 s); reusing one per language, width and visitor keeps the
    page matrix fast. Only for tests that read pages; tests that change state open their own context.
    """
    from tests.browser.site import new_context

    server, values = site
    pages = {}

    def get(lang: str, width: str = "desktop", who: str = "anonymous"):
        key = (lang, width, who)
        if key not in pages:
            pages[key] = new_context(browser, server.url, values, lang=lang, width=width, who=who).new_page()
        return pages[key]

    yield get
    for page in pages.values():
        page.context.close()
