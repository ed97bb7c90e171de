"""Member list and public profiles."""
from flask import redirect, render_template

from app.formatting import slugify
from app.urls import member_url
from app.users import bp, queries
from app.web import page_number


@bp.get("/users")
def index():
    """Members, highest reputation first."""
    return render_template("users/index.html", pagination=queries.top_members(page_number(), 36))


@bp.get("/users/<id:user_id>")
@bp.get("/users/<id:user_id>/<slug>")
def profile(user_id, slug=None):
    """A member's public profile: figures, questions and answers."""
    user = queries.get_user_or_404(user_id)
    if slug != slugify(user.username):
        return redirect(member_url(user), code=301)
    return render_template("users/profile.html", profile=queries.load_profile(user))
