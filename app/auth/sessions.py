"""Flask-Login wiring: ids carry a session version so one bump ends every session."""
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin

from app.extensions import db, login_manager
from app.models import User
from app.validation import positive_int


class Visitor(AnonymousUserMixin):
    """Someone reading without an account."""

    id = None
    role = None
    is_staff = False


def load_user(session_id):
    """The signed-in user, or None when the id is malformed or its session version is stale."""
    user_id, _, version = str(session_id).partition(":")
    user_id, version = positive_int(user_id), positive_int(version)
    if user_id is None or version is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version:
        return None
    return user


def configure_login(app):
    """Attach the loader, the anonymous user and the sign-in page to Flask-Login."""
    login_manager.user_loader(load_user)
    login_manager.anonymous_user = Visitor
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.localize_callback = str  # flashed as text in the reader's language: a session holds no lazy string
    login_manager.login_message_category = "info"
    # "strong" would log people out whenever their address changes (mobile networks).
    login_manager.session_protection = "basic"
