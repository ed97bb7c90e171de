"""Questions, answers, comments, votes and acceptance: the threads of the community."""
from flask import Blueprint

bp = Blueprint("questions", __name__)


def init_app(app):
    """The thread pages; for every template, close reasons, duplicate candidates and the comment edit window."""
    from app import page_cache
    from app.models import CLOSE_REASONS
    from app.questions import routes  # noqa: F401  (routes attach themselves to bp)
    from app.questions.services import comment_edit_window, member_thread_facts
    from app.search.queries import duplicate_candidates

    app.register_blueprint(bp)
    # duplicate_candidates runs a search: the page calls it only inside the close box, for moderators.
    app.jinja_env.globals.update(close_reasons=CLOSE_REASONS, duplicate_candidates=duplicate_candidates,
                                 comment_edit_window=comment_edit_window)
    page_cache.add_member_facts(app, member_thread_facts)  # what a member wrote and voted in a thread
