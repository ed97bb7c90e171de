"""Member list, public profiles and the badge catalogue."""
from flask import redirect, render_template

from app import badges, page_cache
from app.formatting import slugify
from app.urls import member_url
from app.users import bp, queries
from app.web import page_number


@bp.get("/users")
@page_cache.public_page
def index():
    """Members, highest reputation first."""
    return render_template("users/index.html", pagination=queries.top_members(page_number(), 36))


@bp.get("/users/<id:user_id>")
@bp.get("/users/<id:user_id>/<slug>")
@page_cache.public_page
def profile(user_id, slug=None):
    """A member's public profile: figures, badges, questions, answers and reputation history (?page=)."""
    user = queries.get_user_or_404(user_id)
    if slug != slugify(user.username):
        return redirect(member_url(user), code=301)
    history, entries = queries.reputation_history(user, page_number())
    return render_template("users/profile.html", profile=queries.load_profile(user), awards=badges.awards_of(user),
                           history=history, history_days=queries.history_by_day(entries))


@bp.get("/badges")
def badge_list():
    """The badge catalogue: what earns each badge and how many members hold it."""
    return render_template("users/badges.html", catalogue=queries.badge_catalogue())
