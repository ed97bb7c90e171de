"""Images attached to posts: upload, re-encoding, serving under a content hash, removal by moderators."""
from flask import Blueprint

bp = Blueprint("uploads", __name__)


def init_app(app):
    """The upload and image routes, the uploads folder, and the body limit of upload requests."""
    from app.uploads import models, routes  # noqa: F401  (the table belongs to the metadata; routes attach to bp)
    from app.uploads.services import limit_upload_body, size_limit_in_words, uploads_folder

    uploads_folder(app).mkdir(parents=True, exist_ok=True)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(image_upload_limit=size_limit_in_words)
    # First of all hooks: CSRF protection (installed with the extensions) reads the form, and would
    # otherwise parse an image's body under the site-wide MAX_CONTENT_LENGTH meant for text posts.
    app.before_request_funcs.setdefault(None, []).insert(0, limit_upload_body)
