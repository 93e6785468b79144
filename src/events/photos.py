"""Photos of reports and handling results: checked by content, cleaned, stored after commit.

- The type is decided by the bytes (Pillow opens and verifies the image), never by the file name
  or the declared content type: JPEG, PNG and WebP are accepted.
- Limits: `MAX_PHOTOS` per request, `MAX_BYTES` per file, `MAX_PIXELS` per image (decompression bombs).
- EXIF: the orientation is applied to the pixels, the GPS position is read into fields
  (`gps_lat`, `gps_lng`), and the image is re-encoded without any EXIF or other metadata
  (privacy: camera serials, owner names, times).
- A thumbnail (longest side `THUMB_SIZE` px, JPEG) is made beside it.
- Files are written with `core.files.store_on_commit`: a rolled-back report leaves no file.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import PlatformError
from core.files import store_on_commit

MAX_PHOTOS = 9
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMB_SIZE = 320
FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
GPS_IFD = 0x8825


@dataclass
class CleanPhoto:
    content: bytes
    thumbnail: bytes
    content_type: str
    ext: str
    width: int
    height: int
    sha256: str
    gps_lat: float | None
    gps_lng: float | None
    original_name: str


def _refuse(name: str, message: str) -> PlatformError:
    return PlatformError(f"照片“{name}”{message}", code="bad_photo", fields={"photos": [f"{name}: {message}"]})


def _degrees(value: Any, ref: Any) -> float | None:
    try:
        d, m, s = (float(v) for v in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    deg = d + m / 60 + s / 3600
    return -deg if str(ref).upper() in ("S", "W") else deg


def _gps(image: Image.Image) -> tuple[float | None, float | None]:
    gps = image.getexif().get_ifd(GPS_IFD)
    if not gps:
        return None, None
    lat = _degrees(gps.get(2), gps.get(1, "N"))
    lng = _degrees(gps.get(4), gps.get(3, "E"))
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None, None
    return round(lat, 7), round(lng, 7)


def clean(data: bytes, name: str) -> CleanPhoto:
    """Check and clean one upload (see the module docstring); a 400 naming the file otherwise."""
    name = (name or "照片")[-100:]
    if len(data) > MAX_BYTES:
        raise _refuse(name, f"超过 {MAX_BYTES // (1024 * 1024)} MB")
    if not data:
        raise _refuse(name, "是空文件")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image: Image.Image = Image.open(io.BytesIO(data))
        fmt = image.format or ""
        if fmt not in FORMATS:
            raise _refuse(name, f"的格式为 {fmt}，只接受 JPEG、PNG 或 WebP 照片")
        if image.width * image.height > MAX_PIXELS:
            raise _refuse(name, "像素过多")
        lat, lng = _gps(image)
        image = ImageOps.exif_transpose(image)
        image.load()
    except PlatformError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse(name, "不是有效的图片（按文件内容判断，与扩展名无关），请上传 JPEG、PNG 或 WebP 照片")
    content_type, ext = FORMATS[fmt]
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)  # no exif= argument: nothing kept
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)  # pnginfo not passed: text chunks dropped
    else:
        image.save(out, "WEBP", quality=88)
    thumb = image.convert("RGB")
    thumb.thumbnail((THUMB_SIZE, THUMB_SIZE))
    tout = io.BytesIO()
    thumb.save(tout, "JPEG", quality=80)
    content = out.getvalue()
    return CleanPhoto(content, tout.getvalue(), content_type, ext, image.width, image.height,
                      hashlib.sha256(content).hexdigest(), lat, lng, name)


def clean_uploads(files: list[Any]) -> list[CleanPhoto]:
    """Uploaded files (Django UploadedFile or (name, bytes) pairs) → cleaned photos; all or nothing."""
    if len(files) > MAX_PHOTOS:
        raise PlatformError(f"每次最多上传 {MAX_PHOTOS} 张照片", code="too_many_photos",
                            fields={"photos": [f"最多 {MAX_PHOTOS} 张"]})
    out = []
    for f in files:
        if isinstance(f, tuple):
            name, data = f
        else:
            name = getattr(f, "name", "照片")
            size = getattr(f, "size", None)
            if size is not None and size > MAX_BYTES:
                raise _refuse(name, f"超过 {MAX_BYTES // (1024 * 1024)} MB")
            data = f.read(MAX_BYTES + 1)
        out.append(clean(data, name))
    return out


def store(photo: CleanPhoto, event_id: int) -> tuple[str, str]:
    """Register the photo and its thumbnail to be written on commit; (path, thumbnail path)."""
    folder = f"events/{timezone.localdate():%Y/%m}/{event_id}"
    path = store_on_commit(f"{folder}/{photo.sha256[:16]}{photo.ext}", photo.content)
    thumb = store_on_commit(f"{folder}/{photo.sha256[:16]}.thumb.jpg", photo.thumbnail)
    return path, thumb
