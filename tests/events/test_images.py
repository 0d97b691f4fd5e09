"""Event images: the upload is checked, stripped of its metadata, resized, and shown on the public pages."""

import io
import json
import os
import re

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image

from eventapp.events.models import Event
from eventapp.extensions import db
from tests.accounts.factories import login, make_admin
from tests.backoffice.test_event_editing import _form_values
from tests.factories import make_event


@pytest.fixture
def image_dir(app, tmp_path):
    previous = app.config["EVENT_IMAGES_DIR"]
    app.config["EVENT_IMAGES_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["EVENT_IMAGES_DIR"] = previous


def _png_with_gps(width=2000, height=1000) -> bytes:
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (50.0, 50.0, 0.0)}
    )
    out = io.BytesIO()
    image.save(out, format="PNG", exif=exif)
    # The test means something only if the upload really carries the GPS position.
    assert Image.open(io.BytesIO(out.getvalue())).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return out.getvalue()


def _image_key(slug):
    return db.session.scalar(sa.select(Event.image_key).where(Event.slug == slug))


def _admin_client(app, event):
    admin = make_admin().email
    db.session.commit()
    client = app.test_client()
    login(client, admin)
    return client


def _post(client, slug, upload=None, **overrides):
    url = f"/admin/events/{slug}/edit?lang=en"
    data = _form_values(client, url) | overrides
    if upload is not None:
        data["image"] = (io.BytesIO(upload[1]), upload[0])
    return client.post(url, data=data, content_type="multipart/form-data")


ALTS = {"image_alt_fr": "Des élèves devant un écran", "image_alt_nl": "Leerlingen voor een scherm"}


def test_an_uploaded_image_is_stored_without_metadata_in_three_widths_and_shown(app, image_dir):
    event = make_event()
    slug = event.slug
    client = _admin_client(app, event)
    response = _post(client, slug, ("photo.png", _png_with_gps()), **ALTS)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert re.fullmatch(r"[0-9a-f]{24}-1600x800", _image_key(slug))
    files = sorted(os.listdir(image_dir))
    assert len(files) == 3
    sizes = {}
    for name in files:
        with Image.open(image_dir / name) as stored:
            assert stored.format == "WEBP"
            assert not stored.getexif(), name
            assert "exif" not in stored.info and "xmp" not in stored.info
            sizes[stored.width] = stored.height
    assert sizes == {480: 240, 960: 480, 1600: 800}

    page = client.get(f"/events/{slug}?lang=nl").get_data(as_text=True)
    img = re.search(r"<img[^>]*event-image[^>]*>", page, re.S).group(0)
    assert 'alt="Leerlingen voor een scherm"' in img
    assert "480w" in img and "1600w" in img and 'width="1600"' in img and 'height="800"' in img
    url = re.search(r'src="([^"]+)"', img).group(1)
    served = client.get(url)
    served.close()
    assert served.status_code == 200 and served.mimetype == "image/webp"
    # English was left empty: the page falls back to another language and says which.
    page_en = client.get(f"/events/{slug}?lang=en").get_data(as_text=True)
    assert re.search(r'alt="Des élèves devant un écran" lang="fr"', page_en)

    catalogue = client.get("/?lang=fr").get_data(as_text=True)
    card_img = re.search(r"<img[^>]*>", catalogue.split("event-list", 1)[1]).group(0)
    assert 'loading="lazy"' in card_img and "-480.webp" in card_img and "srcset" not in card_img

    document = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert document["image"] == [f"http://events.test{url.rsplit('-', 1)[0]}-{w}.webp" for w in (480, 960, 1600)]


def test_removing_the_image(app, image_dir):
    event = make_event()
    slug = event.slug
    client = _admin_client(app, event)
    assert _post(client, slug, ("photo.png", _png_with_gps(800, 600)), **ALTS).status_code == 302
    assert _image_key(slug).endswith("-800x600")
    assert _post(client, slug, remove_image="y").status_code == 302
    assert _image_key(slug) == ""
    assert "event-image" not in client.get(f"/events/{slug}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (("notes.png", b"Just some text, not a picture at all.\n" * 20), "This file is not an image"),
        (("broken.png", _png_bytes := b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "This file is not an image"),
    ],
)
def test_a_file_that_is_not_an_image_is_refused_with_a_form_error(app, image_dir, upload, message):
    event = make_event()
    slug = event.slug
    client = _admin_client(app, event)
    response = _post(client, slug, upload, **ALTS)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert os.listdir(image_dir) == []


def test_a_decompression_bomb_is_refused_with_a_form_error_in_the_users_language(app, image_dir):
    # 10,000 x 10,000 pixels of one colour: a few kilobytes of PNG, 300 MB once decoded.
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, format="PNG", optimize=True)
    assert len(bomb.getvalue()) < 200_000
    event = make_event()
    slug = event.slug
    client = _admin_client(app, event)
    url = f"/admin/events/{slug}/edit?lang=fr"
    data = _form_values(client, url) | ALTS | {"image": (io.BytesIO(bomb.getvalue()), "bomb.png")}
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Cette image a trop de pixels (40 millions au plus)" in response.get_data(as_text=True)
    assert os.listdir(image_dir) == []


@pytest.mark.parametrize("missing", ["image_alt_fr", "image_alt_nl"])
def test_the_french_and_dutch_text_alternatives_are_required(app, image_dir, missing):
    event = make_event()
    slug = event.slug
    client = _admin_client(app, event)
    response = _post(client, slug, ("photo.png", _png_with_gps(600, 400)), **(ALTS | {missing: ""}))
    assert response.status_code == 422
    assert f'id="{missing}-error"' in response.get_data(as_text=True)
    assert _image_key(slug) == ""
