"""Event images: an organiser's upload checked, stripped of its metadata and resized with Pillow.

An image is stored as a few WebP files, one per width, named after a digest of the upload; the
event keeps only the key `<digest>-<width>x<height>` (its largest version's size). The key gives
every file name and size, so pages can write `srcset`, `width` and `height` without reading the disk,
and the URLs never change (they can be cached for a year).
"""

import hashlib
import io
import os
import re
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

WIDTHS = (480, 960, 1600)
# A photo from any camera fits; a "decompression bomb" (a small file that unpacks into gigabytes
# of pixels) does not. Checked on the header, before a pixel is decoded.
MAX_PIXELS = 40_000_000
FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
SUFFIX = ".webp"
_VERSION_NAME = re.compile(r"^[0-9a-f]{24}-[0-9]{1,4}\.webp$")


class ImageRefused(ValueError):
    """The upload is not an image we take; `message` says why, in the reader's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Version:
    width: int
    height: int
    name: str


def read_image(data: bytes) -> Image.Image:
    """The upload as a decoded RGB(A) image, turned upright; ImageRefused if it is not a JPEG, PNG,
    WebP or GIF image that Pillow can verify, or has too many pixels."""
    not_image = ImageRefused(_l("This file is not an image. Choose a JPEG, PNG or WebP file."))
    try:
        # Pillow's own bomb check only warns below twice its limit: make it an error at ours.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in FORMATS:
                    raise not_image
                _refuse_huge(probe.size)
                probe.verify()
            image = Image.open(io.BytesIO(data))
            _refuse_huge(image.size)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_large() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        if isinstance(error, ImageRefused):
            raise
        raise not_image from None
    upright: Image.Image = ImageOps.exif_transpose(image)
    return upright.convert("RGBA" if upright.mode in ("RGBA", "LA", "P") and _has_alpha(upright) else "RGB")


def _too_large() -> ImageRefused:
    return ImageRefused(
        _l("This image has too many pixels (at most %(max)d million). Send a smaller one.", max=MAX_PIXELS // 1_000_000)
    )


def _refuse_huge(size: tuple[int, int]) -> None:
    if size[0] * size[1] > MAX_PIXELS:
        raise _too_large()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA") or "transparency" in image.info


def versions(key: str) -> list[Version]:
    """The stored files of an image key, smallest first."""
    digest, size = key.rsplit("-", 1)
    width, height = (int(n) for n in size.split("x"))
    widths = [w for w in WIDTHS if w < width] + [width]
    return [Version(w, round(height * w / width), f"{digest}-{w}{SUFFIX}") for w in widths]


def is_version_name(name: str) -> bool:
    return bool(_VERSION_NAME.match(name))


def store_image(image: Image.Image, directory: str) -> str:
    """Write the image's versions into `directory` (created if needed); returns its key.

    Each version is a new image made from the pixels alone, so no EXIF, GPS, XMP or ICC data
    of the upload survives. Writing twice the same upload writes the same files.
    """
    largest = image if image.width <= WIDTHS[-1] else _resized(image, WIDTHS[-1])
    digest = hashlib.sha256(largest.tobytes()).hexdigest()[:24]
    key = f"{digest}-{largest.width}x{largest.height}"
    os.makedirs(directory, exist_ok=True)
    for version in versions(key):
        path = os.path.join(directory, version.name)
        if os.path.exists(path):
            continue
        resized = largest if version.width == largest.width else _resized(largest, version.width)
        clean = Image.frombytes(resized.mode, resized.size, resized.tobytes())
        # Written under a temporary name, then renamed: a reader never gets half a file.
        partial = f"{path}.{os.getpid()}.part"
        clean.save(partial, format="WEBP", quality=80, method=4)
        os.replace(partial, path)
    return key


def _resized(image: Image.Image, width: int) -> Image.Image:
    return image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
