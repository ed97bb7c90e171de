"""The upload form: an image and its alt text (CSRF comes with FlaskForm)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField


class ImageUploadForm(FlaskForm):
    """Upload one image; the page answers with the Markdown that shows it."""

    image = FileField(_l("Image"), render_kw={"accept": "image/png,image/jpeg,image/gif,image/webp"})
    alt = StringField(_l("Description (alt text)"), render_kw={"maxlength": 100, "autocomplete": "off"})


class RemoveImageForm(FlaskForm):
    """A moderator removes an image, saying why."""

    reason = StringField(_l("Reason"), render_kw={"maxlength": 500, "required": True})
