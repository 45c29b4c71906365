"""Evidence files of an implementation report (SPEC §11): the draft reports'
checks (§7, §14), plus Excel workbooks and JPEG and PNG images, each recognised
by its content (checklists.uploads.sniff.sniff_evidence).

An image is never stored as it was sent: it is decoded and written again by
Pillow with nothing but its pixels, so the EXIF block (the phone's GPS position,
its owner's name, the time), XMP, comments and text chunks are gone. Its EXIF
orientation is applied to the pixels first, so the photo still stands the right
way up. A decoder is only trusted with images of a bounded size: the header's
dimensions are checked before any pixel is decoded (a "decompression bomb" is a
small file that unpacks to gigabytes), and Pillow's own bomb warning is an error.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from checklists.limits import MAX_EVIDENCE_IMAGE_PIXELS
from checklists.uploads.refusals import UploadInvalid
from checklists.uploads.sniff import EVIDENCE_EXTENSIONS, JPEG, PNG, sniff_evidence

# What decoding a damaged image can raise (Pillow's own and the codecs').
IMAGE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    MemoryError,
)
# Re-encoding a photo: high enough that a scanned page stays legible.
JPEG_QUALITY = 90


@dataclass(frozen=True)
class CheckedEvidence:
    """An accepted evidence file: the bytes to store (an image's re-encoded ones,
    else None: store what was sent) and the facts of the stored bytes."""

    content_type: str
    extension: str
    size: int
    sha256: str
    data: bytes | None = None


def check_evidence(stream: IO[bytes], *, max_bytes: int | None = None) -> CheckedEvidence:
    """Check one evidence file, or raise UploadRefused (see the module's docstring).
    Leaves the stream at its start."""
    sniffed = sniff_evidence(stream, max_bytes=max_bytes)
    if sniffed.content_type not in (JPEG, PNG):
        return CheckedEvidence(
            content_type=sniffed.content_type,
            extension=sniffed.extension,
            size=sniffed.size,
            sha256=sniffed.sha256,
        )
    try:
        data = reencode_image(stream, sniffed.content_type)
    finally:
        stream.seek(0)
    return CheckedEvidence(
        content_type=sniffed.content_type,
        extension=EVIDENCE_EXTENSIONS[sniffed.content_type],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )


def _damaged() -> UploadInvalid:
    return UploadInvalid(
        _("The image is damaged or incomplete and cannot be read. Save it again and send it."),
        code="corrupt",
    )


def _too_many_pixels() -> UploadInvalid:
    return UploadInvalid(
        _(
            "The image has more than %(limit)s megapixels, more than evidence can need. "
            "Send a smaller copy."
        )
        % {"limit": MAX_EVIDENCE_IMAGE_PIXELS // 1_000_000},
        code="image_too_large",
    )


def reencode_image(stream: IO[bytes], content_type: str) -> bytes:
    """The image's pixels written again in its own format, without metadata."""
    fmt = "JPEG" if content_type == JPEG else "PNG"
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow's own guard (far above our limit) stops what gets past ours.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream, formats=[fmt]) as image:
                # The header's dimensions, before a pixel is decoded.
                width, height = image.size
                if width * height > MAX_EVIDENCE_IMAGE_PIXELS:
                    raise _too_many_pixels()
                image.load()
                upright = ImageOps.exif_transpose(image)
                return _encode(upright, fmt)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except UploadInvalid:
        raise
    except IMAGE_ERRORS:
        raise _damaged() from None


def _encode(image: Image.Image, fmt: str) -> bytes:
    """Only the pixels (and, for a palette, its colours and transparency): no
    `exif`, `icc_profile`, `comment` or text chunks are passed on."""
    out = io.BytesIO()
    # Pillow's encoders fall back on the image's `info` (a JPEG's comment, a PNG's
    # ICC profile and EXIF): it is emptied, keeping only a palette's transparency.
    transparency = image.info.get("transparency")
    image.info = {}
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            image = image.convert("RGBA")
        params = {}
        if transparency is not None and image.mode in ("P", "L", "RGB"):
            params["transparency"] = transparency
        image.save(out, format="PNG", optimize=True, **params)
    return out.getvalue()
