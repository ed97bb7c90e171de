"""Pages and actions of moderation (/moderation/..., flags) and administration (/admin/...)."""
from datetime import datetime, timedelta
from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app import audit, brand, permissions, settings
from app.clock import request_now
from app.exceptions import DomainError, NotFound, ValidationError, must_exist
from app.extensions import db
from app.models import ROLES, Question, User
from app.moderation import queries, services
from app.moderation.forms import DecisionForm, FlagForm, NoteForm, RoleForm, SettingForm, SuspendForm
from app.moderation.models import FLAG_REASONS, POST_TYPES, ROLE_LABELS, ReviewItem
from app.security import is_safe_redirect
from app.urls import question_url
from app.validation import positive_int
from app.visibility import is_shown_to
from app.web import page_number

bp = Blueprint("moderation", __name__)

POST_ACTIONS = {
    "hide": (services.hide_post, _l("The post is hidden.")),
    "unhide": (services.unhide_post, _l("The post is visible again.")),
    "delete": (services.delete_post, _l("The post is deleted (a moderator can restore it).")),
    "restore": (services.restore_post, _l("The post is restored.")),
}
THREAD_ACTIONS = {
    "lock": (services.lock_thread, _l("The thread is locked: no new answers or comments.")),
    "unlock": (services.unlock_thread, _l("The thread is unlocked.")),
    "merge": (services.merge_answers, _l("The answers moved to the original question.")),
}


def moderator_required(view):
    """Visitors go to sign in; signed-in people who are not moderators or admins get 403."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not permissions.can_moderate(current_user, now=request_now()):
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def admin_required(view):
    """Visitors go to sign in; anyone but an admin gets 403."""
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not permissions.is_admin(current_user):
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def _back(default):
    """The page the form came from when it is on this site, else `default`."""
    target = request.form.get("next")
    return redirect(target if target and is_safe_redirect(target) else default)


def _flash_error(error):
    """A refused action as a flash: the service's own message (a plain string: flashes are kept in the session)."""
    flash(str(error.message), "error")


def post_url(post_type, post):
    """Where a post is shown in its thread."""
    question = post if post_type == "question" else db.session.get(Question, post.question_id)
    anchor = {"question": "question", "answer": f"answer-{post.id}", "comment": f"comment-{post.id}"}[post_type]
    return question_url(question, _anchor=anchor)


def review_url(post_type, post_id):
    """The moderators' page of one post."""
    return url_for("moderation.review_post", post_type=post_type, post_id=post_id)



def _post_or_404(post_type, post_id):
    if post_type not in POST_TYPES:
        raise NotFound(_("There is no such kind of post."))
    try:
        return services.get_post(post_type, post_id)
    except DomainError:
        raise NotFound(_("That post does not exist.")) from None


# Flags (members) ----------------------------------------------------------------------------


@bp.post("/flags/<post_type>/<id:post_id>")
@login_required
def flag(post_type, post_id):
    """Flag a post; back to the thread with a thank-you or the reason it was refused."""
    post = _post_or_404(post_type, post_id)
    form = FlagForm()
    if not form.validate_on_submit() and not form.reason.data:
        flash(_("Choose why you are flagging this post."), "error")
    else:
        try:
            services.flag_post(current_user, post, form.reason.data, form.text.data, now=request_now())
        except (ValidationError, DomainError) as error:
            if error.status == 404:
                raise NotFound(_("That post does not exist.")) from None
            _flash_error(error)
        else:
            message = (_("Thanks: %(staff)s will take a look.", staff=brand.current().staff_label)
                       if form.reason.data == "staff" else _("Thanks for flagging: a moderator will review it."))
            flash(message, "success")
    db.session.rollback()
    post = _post_or_404(post_type, post_id)
    if not is_shown_to(post, current_user):
        return redirect(url_for("questions.index"))
    return redirect(post_url(post_type, post))


@bp.get("/flags/mine")
@login_required
def my_flags():
    """A member's own flags and what moderators decided."""
    flags = queries.my_flags(current_user)
    posts = queries.load_posts((f.post_type, f.post_id) for f in flags)
    return render_template("moderation/my_flags.html", flags=flags, posts=posts)


# The queue -----------------------------------------------------------------------------------


@bp.get("/moderation")
@moderator_required
def queue():
    """Flagged and held posts, oldest waiting (or most flagged) first; decided ones on their own tab."""
    status = request.args.get("status", "pending")
    status = status if status in queries.QUEUE_STATUSES else "pending"
    sort = request.args.get("sort", "oldest")
    sort = sort if sort in queries.QUEUE_SORTS else "oldest"
    kind = request.args.get("kind") if request.args.get("kind") in ("flagged", "held") else None
    pagination = queries.queue(status, sort, kind, page_number())
    return render_template("moderation/queue.html", pagination=pagination, status=status, sort=sort, kind=kind,
                           sorts=queries.QUEUE_SORTS, form=DecisionForm(), reasons=FLAG_REASONS)


@bp.post("/moderation/items/<id:item_id>/decide")
@moderator_required
def decide(item_id):
    """Agree, disagree or ignore (flags), approve or reject (held posts)."""
    item = must_exist(db.session.get(ReviewItem, item_id), _("That review item does not exist."))
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.decide(current_user, item, form.action.data, form.note.data, now=request_now())
        except DomainError as error:
            _flash_error(error)
        else:
            flash(str(DECISION_MESSAGES.get(form.action.data) or _("Done.")), "success")
    return _back(url_for("moderation.queue"))


DECISION_MESSAGES = {
    "agree-hide": _l("Agreed: the post stays hidden and the flaggers are thanked."),
    "agree-delete": _l("Agreed: the post is deleted."),
    "disagree": _l("Flags dismissed: the post is visible again."),
    "ignore": _l("Ignored: the flags are closed and the post is left as it is."),
    "approve": _l("Approved: the post is now public."),
    "reject": _l("Rejected: the post is deleted."),
}


@bp.get("/moderation/posts/<post_type>/<id:post_id>")
@moderator_required
def review_post(post_type, post_id):
    """One post for moderators: thread context, flags, decisions, its author's history, and every action."""
    post = _post_or_404(post_type, post_id)
    review = queries.post_review(post_type, post)
    return render_template("moderation/post.html", review=review, form=DecisionForm(), note_form=NoteForm(),
                           reasons=FLAG_REASONS)


@bp.post("/moderation/posts/<post_type>/<id:post_id>/<action>")
@moderator_required
def post_action(post_type, post_id, action):
    """Hide, unhide, delete or restore a post."""
    if action not in POST_ACTIONS:
        raise NotFound(_("There is no such action."))
    post = _post_or_404(post_type, post_id)
    form = NoteForm()
    if form.validate_on_submit():
        service, message = POST_ACTIONS[action]
        try:
            service(current_user, post, form.note.data, now=request_now())
        except DomainError as error:
            _flash_error(error)
        else:
            flash(str(message), "success")
    return _back(review_url(post_type, post_id))


@bp.post("/moderation/questions/<id:question_id>/<action>")
@moderator_required
def thread_action(question_id, action):
    """Lock, unlock, or merge a duplicate's answers into its original."""
    if action not in THREAD_ACTIONS:
        raise NotFound(_("There is no such action."))
    question = must_exist(db.session.get(Question, question_id), _("That question does not exist."))
    form = NoteForm()
    target = question
    if form.validate_on_submit():
        service, message = THREAD_ACTIONS[action]
        try:
            result = service(current_user, question, form.note.data, now=request_now())
        except DomainError as error:
            _flash_error(error)
        else:
            flash(str(message), "success")
            target = result
    return _back(question_url(target))


# Members -------------------------------------------------------------------------------------


@bp.get("/moderation/users/<id:user_id>")
@moderator_required
def member(user_id):
    """A member's moderation record, and the form to suspend them or lift a suspension."""
    user = must_exist(db.session.get(User, user_id), _("That member does not exist."))
    days = services.suggested_days(user)
    form = SuspendForm(formdata=None, until=(request_now() + timedelta(days=days)).date())
    return render_template("moderation/member.html", history=queries.author_history(user), form=form,
                           suggested_days=days, steps=services.SUSPENSION_STEPS, note_form=NoteForm(),
                           now=request_now())


@bp.post("/moderation/users/<id:user_id>/suspend")
@moderator_required
def suspend(user_id):
    """Suspend a member until the chosen date."""
    user = must_exist(db.session.get(User, user_id), _("That member does not exist."))
    form = SuspendForm()
    days = positive_int(request.form.get("days", ""), maximum=services.MAX_SUSPENSION_DAYS)
    if form.validate_on_submit() or days:
        now = request_now()
        until = now + timedelta(days=days) if days else (
            datetime.combine(form.until.data, now.time()) if form.until.data else None)
        try:
            services.suspend(current_user, user, until, form.reason.data, now=now)
        except DomainError as error:
            _flash_error(error)
        else:
            flash(_("%(name)s is suspended until %(time)s.", name=user.username, time=permissions.reader_time(until)),
                  "success")
    else:
        flash(_("Give the end date as a date."), "error")
    return redirect(url_for("moderation.member", user_id=user.id))


@bp.post("/moderation/users/<id:user_id>/unsuspend")
@moderator_required
def unsuspend(user_id):
    """Lift a suspension early."""
    user = must_exist(db.session.get(User, user_id), _("That member does not exist."))
    form = NoteForm()
    if form.validate_on_submit():
        try:
            services.lift_suspension(current_user, user, form.note.data, now=request_now())
        except DomainError as error:
            _flash_error(error)
        else:
            flash(_("%(name)s's suspension is lifted.", name=user.username), "success")
    return redirect(url_for("moderation.member", user_id=user.id))


# Administration ------------------------------------------------------------------------------


@bp.get("/admin/audit")
@admin_required
def audit_log():
    """The audit log, newest first, filtered by actor, action, target."""
    args = request.args
    actor, actor_id = (args.get("actor") or "").strip(), None
    if actor:
        actor_id = db.session.scalar(select(User.id).where(func.lower(User.username) == actor.lower())) or -1
    target_type = (args.get("target_type") or "").strip()[:30] or None
    target_id = (args.get("target_id") or "").strip()[:100] or None
    action = (args.get("action") or "").strip()[:50] or None
    page = page_number()
    rows, more = audit.entries(actor_id=actor_id, action=action, target_type=target_type, target_id=target_id,
                               page=page)
    return render_template("admin/audit.html", rows=rows, more=more, page=page, actor=actor, action=action or "",
                           target_type=target_type or "", target_id=target_id or "")


@bp.get("/admin/settings")
@admin_required
def settings_page():
    """Every setting, grouped by feature, with its value, where the value comes from and a form to change it."""
    return render_template("admin/settings.html", groups=settings.overview(), summary=settings.summary,
                           form=SettingForm(formdata=None), failed=None, errors={})


@bp.post("/admin/settings/<name>")
@admin_required
def change_setting(name):
    """Save one setting (or reset it to its default), with a reason; audited, unless the value stays the same."""
    definition = must_exist(settings.DEFINITIONS.get(name), _("There is no such setting."))
    form = SettingForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        change = settings.change(current_user, name, None if form.reset.data else (form.value.data or ""),
                                 form.reason.data, now=request_now())
    except ValidationError as error:
        errors = {"value": error.errors.get(name), "reason": error.errors.get("reason")}
        return render_template("admin/settings.html", groups=settings.overview(), summary=settings.summary,
                               form=form, failed=name, errors=errors), 422
    if change.changed:
        flash(_("%(setting)s is now %(value)s.", setting=str(definition.label), value=settings.summary(change.value)),
              "success")
    else:
        flash(_("No change: %(setting)s is already %(value)s.", setting=str(definition.label),
                value=settings.summary(change.value)), "info")
    return redirect(url_for("moderation.settings_page", _anchor=f"setting-{name}"))


@bp.get("/admin/users")
@admin_required
def users():
    """Find members by name to change their role."""
    text = (request.args.get("q") or "").strip()[:30]
    query = select(User).order_by(User.role.desc(), User.username).limit(50)
    if text:
        query = query.where(func.lower(User.username).contains(text.lower(), autoescape=True))
    else:
        query = query.where(User.role != "member")
    return render_template("admin/users.html", users=db.session.scalars(query).all(), q=text, roles=ROLES,
                           form=RoleForm(formdata=None))


@bp.post("/admin/users/<id:user_id>/role")
@admin_required
def change_role(user_id):
    """Give a member a new role, with a reason; audited."""
    user = must_exist(db.session.get(User, user_id), _("That member does not exist."))
    form = RoleForm()
    if form.validate_on_submit() or form.role.data in ROLES:
        try:
            services.change_role(current_user, user, form.role.data, form.reason.data, now=request_now())
        except DomainError as error:
            _flash_error(error)
        else:
            role = ROLE_LABELS.get(form.role.data, form.role.data)
            flash(_("%(name)s is now %(role)s.", name=user.username, role=role), "success")
    else:
        flash(_("Choose a role."), "error")
    return redirect(url_for("moderation.users", q=user.username))
