"""Image uploads: decode with Pillow, refuse anything that is not a plain image, re-encode, store under its hash.

Nothing of the uploaded file reaches the disk as sent: only pixels Pillow decoded from a PNG, JPEG, GIF
(first frame) or WebP are kept, turned upright by their EXIF orientation, downscaled to MAX_DIMENSION and
encoded anew without metadata (EXIF, GPS, comments, colour profiles). The file is named by the SHA-256 of
those new bytes, whatever the uploader called it or said it was.
"""
import hashlib
import io
import os
import re
import tempfile
import warnings
from datetime import timedelta
from pathlib import Path

from babel.numbers import format_decimal
from flask import current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps
from sqlalchemy import delete, exists, func, select, update

from app import audit, permissions, settings
from app.database import begin_write, insert_or_skip
from app.exceptions import DomainError, NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.uploads.models import StoredImage, Upload

MAX_BYTES = settings.define(
    "UPLOADS_MAX_BYTES", int, 5 * 1024 * 1024,
    _l("The largest image file a member may upload, in bytes; larger request bodies are refused with 413 before "
       "they are read."), minimum=64 * 1024, maximum=20 * 1024 * 1024, label=_l("Largest image upload (bytes)"))
PER_DAY = settings.define(
    "UPLOADS_PER_DAY", int, 60, _l("How many images one member may upload in 24 hours."), minimum=1,
    label=_l("Images one member may upload a day"))

# Decoded size, checked from the header before any pixel is decoded: a few hundred bytes can declare a
# canvas that takes gigabytes. Below Pillow's own MAX_IMAGE_PIXELS, so its warning never fires first.
MAX_PIXELS = 50_000_000
MAX_DIMENSION = 2048
# Room for the multipart framing and the CSRF field around the file itself.
BODY_OVERHEAD = 64 * 1024
# Pillow's name of each accepted format -> the format it is stored in, its extension and Content-Type.
# A GIF keeps its first frame only, as a PNG: no animation loops, and no GIF encoder quirks.
STORED_AS = {
    "PNG": ("PNG", "png", "image/png"),
    "JPEG": ("JPEG", "jpg", "image/jpeg"),
    "GIF": ("PNG", "png", "image/png"),
    "WEBP": ("WEBP", "webp", "image/webp"),
}
CONTENT_TYPES = {extension: content_type for _, extension, content_type in STORED_AS.values()}
NAME_RE = re.compile(r"[0-9a-f]{32}\.(?:png|jpg|webp)")
NOT_AN_IMAGE = _l("That file is not an image we accept: send a PNG, JPEG, GIF or WebP picture.")


class ImageTooLarge(DomainError):
    """The file is over the size limit (the same 413 as a body over the limit)."""

    status = 413
    code = "too_large"


class UploadQuotaReached(DomainError):
    """The member has uploaded as many images as a day allows."""

    status = 429
    code = "too_many_requests"


def uploads_folder(app=None):
    """Where stored images live (UPLOADS_DIR, by default instance/uploads)."""
    return Path((app or current_app).config["UPLOADS_DIR"])


def accepts_image_upload(view):
    """Mark a view that takes an image in its body, so limit_upload_body raises that view's body limit."""
    view.accepts_image_upload = True
    return view


def max_body_bytes():
    """The largest request body an upload view reads: the file limit plus the multipart framing."""
    return settings.get(MAX_BYTES) + BODY_OVERHEAD


def limit_upload_body():
    """Give upload views their own body limit; every other view keeps MAX_CONTENT_LENGTH."""
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "accepts_image_upload", False):
        # Werkzeug refuses a larger declared body with 413 before reading it.
        request.max_content_length = max_body_bytes()


def _mib(size):
    megabytes = float(f"{size / (1024 * 1024):.3g}")  # three significant digits: 5, 0.0625, 12.5
    return _("%(size)s MB", size=format_decimal(megabytes, "#,##0.####", locale=str(get_locale() or "en")))


def size_limit_in_words():
    """The current file limit as people read it: "5 MB"."""
    return _mib(settings.get(MAX_BYTES))


def _decode(data):
    """The picture in `data`, turned upright, and Pillow's name of its format; or ValidationError."""
    too_many_pixels = ValidationError({"image": _("That image has too many pixels to process: at most "
                                                  "%(millions)d million.", millions=MAX_PIXELS // 1_000_000)})
    try:
        with warnings.catch_warnings():
            # Pillow checks the declared size as it opens; its warning would otherwise only be logged.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(STORED_AS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except Exception:  # Pillow's identifiers raise many kinds of errors on files that are not images
        raise ValidationError({"image": str(NOT_AN_IMAGE)}) from None
    if image.width * image.height > MAX_PIXELS:
        raise too_many_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()  # the first frame only, for a GIF or an animated WebP
            # Before the EXIF goes: a phone photo keeps the orientation it was taken in.
            upright = ImageOps.exif_transpose(image)
    except Exception:  # a truncated or malformed body raises whatever the decoder met (OSError, SyntaxError...)
        raise ValidationError({"image": str(NOT_AN_IMAGE)}) from None
    return upright, image.format


def _re_encode(image, source_format):
    """Downscaled, metadata-free bytes of `image`: (bytes, extension, content type, width, height)."""
    stored_format, extension, content_type = STORED_AS[source_format]
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha and stored_format != "JPEG" else "RGB")
    image.thumbnail((MAX_DIMENSION, MAX_DIMENSION), Image.Resampling.LANCZOS)
    image.info = {}  # the encoders copy some metadata (a PNG's colour profile, text) from here
    options = {"PNG": {"optimize": True}, "JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 85}}
    out = io.BytesIO()
    image.save(out, format=stored_format, **options[stored_format])
    return out.getvalue(), extension, content_type, image.width, image.height


def _write_once(folder, name, data):
    """Store `data` as folder/name unless an identical file (same hash, same name) is already there."""
    path = folder / name
    if path.exists():
        return
    # Written beside it and renamed: a reader never sees half a file, and two writers of one image agree.
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def store_image(user, file, *, now):
    """Check, re-encode and store an uploaded image (a werkzeug FileStorage); returns its Upload row."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Sign in to upload images."))
    if permissions.is_suspended(user, now=now):
        raise PermissionDenied(permissions.suspension_message(user))
    if file is None or not file.filename:
        raise ValidationError({"image": _("Choose an image to upload.")})
    limit = settings.get(MAX_BYTES)
    data = file.stream.read(limit + 1)
    if not data:
        raise ValidationError({"image": _("That file is empty: choose an image to upload.")})
    if len(data) > limit:
        raise ImageTooLarge(_("That file is too large: images can be at most %(limit)s.", limit=_mib(limit)))
    since = now - timedelta(days=1)
    uploaded_today = db.session.scalar(select(func.count()).select_from(Upload).where(
        Upload.uploader_id == user.id, Upload.created_at > since))
    if uploaded_today >= settings.get(PER_DAY):
        raise UploadQuotaReached(_("You have uploaded as many images as a day allows. Try again tomorrow."))

    encoded, extension, content_type, width, height = _re_encode(*_decode(data))
    name = f"{hashlib.sha256(encoded).hexdigest()[:32]}.{extension}"
    begin_write(db.session)
    # The bytes go into the database with the record, so every host serves them; the same image twice is one row.
    db.session.execute(insert_or_skip(db.session, StoredImage).values(name=name, data=encoded, created_at=now)
                       .on_conflict_do_nothing(index_elements=["name"]))
    upload = Upload(uploader_id=user.id, name=name, content_type=content_type, size=len(encoded), width=width,
                    height=height, created_at=now)
    db.session.add(upload)
    db.session.commit()
    _write_once(uploads_folder(), name, encoded)  # this host's copy, after the commit that makes it live
    return upload


def markdown_for(upload, alt="image"):
    """The Markdown that shows an upload in a post: ![alt](/uploads/name)."""
    alt = re.sub(r"[\[\]\\\n\r]", "", alt or "").strip() or "image"
    return f"![{alt}](/uploads/{upload.name})"


def alt_from_filename(filename):
    """A starting alt text from the uploader's file name ("router lights.jpg" -> "router lights")."""
    stem = Path(filename or "").stem.replace("_", " ").replace("-", " ")
    return " ".join(stem.split())[:100] or "image"


def stored_path(name):
    """This host's file of a live stored image, copied from the database on its first read here; else NotFound.

    Liveness is the database's word, read on every request: a moderator's removal through another host also
    drops this host's copy. (Browsers and CDNs keep an image for a year: its name is its content's hash.)
    """
    if not NAME_RE.fullmatch(name):
        raise NotFound(_("There is no such image."))
    path = uploads_folder() / name
    live = db.session.scalar(select(exists().where(Upload.name == name, Upload.removed_at.is_(None))))
    if not live:
        path.unlink(missing_ok=True)
        raise NotFound(_("There is no such image."))
    if not path.is_file():
        data = db.session.scalar(select(StoredImage.data).where(StoredImage.name == name))
        if data is None:
            raise NotFound(_("There is no such image."))
        _write_once(uploads_folder(), name, data)
    return path


def recent_uploads(limit=100):
    """The latest uploads not yet removed, newest first, for moderators."""
    return list(db.session.scalars(select(Upload).where(Upload.removed_at.is_(None))
                                   .order_by(Upload.id.desc()).limit(limit)))


def remove_image(moderator, name, reason, *, now):
    """A moderator removes a stored image: its file goes, every upload of it is marked removed and audited."""
    if not permissions.is_moderator(moderator) or permissions.is_suspended(moderator, now=now):
        raise PermissionDenied(_("Only moderators remove images."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the image is removed.")})
    if not NAME_RE.fullmatch(name):
        raise NotFound(_("There is no such image."))
    begin_write(db.session)
    uploads = list(db.session.scalars(select(Upload).where(Upload.name == name, Upload.removed_at.is_(None))))
    if not uploads:
        raise NotFound(_("There is no such image."))
    db.session.execute(update(Upload).where(Upload.name == name, Upload.removed_at.is_(None))
                       .values(removed_at=now, removed_by_id=moderator.id))
    audit.record(moderator, "upload.remove", "upload", name, reason[:500],
                 before={"uploader_ids": sorted({upload.uploader_id for upload in uploads})}, now=now)
    db.session.execute(delete(StoredImage).where(StoredImage.name == name))
    db.session.commit()
    # After the commit: a failed commit must not leave posts pointing at a deleted file that is still recorded.
    (uploads_folder() / name).unlink(missing_ok=True)


def load_folder(folder):
    """Copy the files in `folder` of live uploads the database does not hold yet into it; returns how many.

    For a deployment whose hosts kept images on their own disks before images lived in the database:
    run it once on each such host.
    """
    missing = db.session.execute(
        select(Upload.name, func.min(Upload.created_at)).where(
            Upload.removed_at.is_(None), ~exists().where(StoredImage.name == Upload.name))
        .group_by(Upload.name)).all()
    loaded = 0
    for name, created_at in missing:
        path = Path(folder) / name
        if NAME_RE.fullmatch(name) and path.is_file():
            begin_write(db.session)
            db.session.execute(insert_or_skip(db.session, StoredImage)
                               .values(name=name, data=path.read_bytes(), created_at=created_at)
                               .on_conflict_do_nothing(index_elements=["name"]))
            db.session.commit()
            loaded += 1
    db.session.rollback()
    return loaded
