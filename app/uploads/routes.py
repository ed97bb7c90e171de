"""The upload page (also the script's endpoint), the stored images, and moderators' list of recent uploads."""
from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import permissions
from app.clock import request_now
from app.errors import wants_json
from app.exceptions import DomainError, PermissionDenied, ValidationError
from app.http_caching import ONE_YEAR, cache_forever
from app.ratelimits import upload_limit
from app.uploads import bp, services
from app.uploads.forms import ImageUploadForm, RemoveImageForm
from app.web import show_errors

# An image opened on its own is a document of this site: nothing in it may run, load or be framed.
IMAGE_CONTENT_SECURITY_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def upload_result(upload, alt):
    """What a client needs to show an upload: its URL and the Markdown for a post."""
    url = url_for("uploads.image", name=upload.name)
    return {"name": upload.name, "url": url, "markdown": services.markdown_for(upload, alt),
            "content_type": upload.content_type, "size": upload.size, "width": upload.width,
            "height": upload.height}


@bp.route("/uploads/new", methods=["GET", "POST"])
@services.accepts_image_upload
@login_required
@upload_limit
def upload():
    """Upload an image: the page shows the Markdown to copy; a script asking for JSON gets it as JSON."""
    form = ImageUploadForm()
    result = None
    if form.validate_on_submit():
        file = request.files.get(form.image.name)
        alt = form.alt.data or services.alt_from_filename(file.filename if file else "")
        try:
            upload = services.store_image(current_user, file, now=request_now())
        except DomainError as error:
            if wants_json() or not hasattr(error, "errors"):
                raise  # JSON for the script; a 413 or 429 page for the form
            show_errors(form, error)
        else:
            result = upload_result(upload, alt)
            if wants_json():
                return result, 201
    status = 422 if form.errors else 200
    return render_template("uploads/upload.html", form=form, result=result), status


@bp.get("/uploads/<name>")
def image(name):
    """A stored image, cached for a year: its name is its content's hash, so it never changes."""
    path = services.stored_path(name)
    cache_forever()
    response = send_file(path, mimetype=services.CONTENT_TYPES[path.suffix[1:]], conditional=True, etag=True,
                         max_age=ONE_YEAR)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = IMAGE_CONTENT_SECURITY_POLICY
    return response


@bp.get("/uploads/recent")
@login_required
def recent():
    """Moderators: the latest uploads, each with a button to remove it."""
    if not permissions.is_moderator(current_user):
        raise PermissionDenied(_("This page is for moderators."))
    return render_template("uploads/recent.html", uploads=services.recent_uploads(), form=RemoveImageForm())


@bp.post("/uploads/<name>/remove")
@login_required
def remove(name):
    """Moderators: remove an image (its file and every post's view of it), with a reason for the audit log."""
    form = RemoveImageForm()
    try:
        services.remove_image(current_user, name, form.reason.data, now=request_now())
    except ValidationError as error:
        flash(error.message, "error")
    else:
        flash(_("The image was removed."), "success")
    return redirect(url_for("uploads.recent"))
