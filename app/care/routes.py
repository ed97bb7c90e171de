"""Care queue pages for staff, and the public parts of a thread: "I have this problem too" and the follow-up."""
import math
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from babel import dates as babel_dates
from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import audit, permissions, ratelimits, settings, visitors
from app.care import bp, charts, metrics, options, queries, services
from app.care.models import CATEGORIES, PRIORITIES, REASONS, STATUS_LABELS, CareNote, CareReminder
from app.clock import request_now
from app.exceptions import DomainError, NotFound, ValidationError
from app.extensions import csrf, db
from app.models import Question, User
from app.questions import queries as thread_queries
from app.questions import services as threads
from app.urls import question_url
from app.validation import positive_int
from app.web import refuse_unless_staff


def _staff_only():
    """Staff pages: 404 for visitors (nothing to see here), 403 for members."""
    refuse_unless_staff(current_user)


def care_thread(question):
    """What the thread shows about care: public status, same-problem count, the asker's follow-up."""
    same_count, item = queries.thread_care(question.id)
    info = {"status": queries.status_of(item), "same_count": same_count,
            "can_press": (not question.is_resolved and not question.is_closed and not question.is_deleted
                          and not permissions.is_asker(current_user, question)),
            "item": item if permissions.is_staff(current_user) else None, "followup": False, "reminder": None}
    is_asker = current_user.is_authenticated and current_user.id == question.author_id
    if (is_asker and item is not None and not item.is_open and item.followup_asked_at
            and services.rating_of(item) is None):
        info["followup"] = item.episode  # the resolution the form asks about
    if is_asker and not question.is_resolved and question.answer_count:
        info["reminder"] = db.session.scalar(select(CareReminder).where(CareReminder.question_id == question.id)
                                             .order_by(CareReminder.number.desc()).limit(1))
    return info


# The queue ------------------------------------------------------------------------------


def _filters():
    args = request.args
    assignee = args.get("assignee") or None
    if assignee == "me":
        assignee = current_user.id
    elif assignee not in (None, "none"):
        assignee = positive_int(assignee)
    status = args.get("status") or "open"
    return {
        "team": args.get("team") or None,
        "assignee": assignee,
        "category": args.get("category") if args.get("category") in CATEGORIES else None,
        "status": status if status in (*STATUS_LABELS, "open", "all") else "open",
        "reason": args.get("reason") if args.get("reason") in REASONS else None,
    }


@bp.get("/staff/care")
def queue():
    """The care queue: every open item with its clocks, soonest breach first, with filters."""
    _staff_only()
    now = request_now()
    filters = _filters()
    rows = queries.queue(now, **filters)
    staff = queries.staff_members()
    return render_template(
        "care/queue.html", rows=rows, now=now, filters=filters, staff=staff, teams=settings.get(options.TEAMS),
        categories=CATEGORIES, statuses=STATUS_LABELS, reasons=REASONS, loads=queries.open_counts_by_assignee(),
        away={user.id for user in staff if queries.is_away(user)}, priority=queries.effective_priority)


@bp.get("/staff/care/items/<id:item_id>")
def item(item_id):
    """One item: the thread to read and answer, reasons, clocks, triage, assignment, notes, history."""
    _staff_only()
    care_item = queries.get_item_or_404(item_id)
    try:
        question = thread_queries.get_question_or_404(care_item.question_id, current_user)
    except NotFound:
        if care_item.is_open:
            raise
        # Withdrawn with its question (hidden or deleted): say so rather than a bare 404.
        flash(_("That care item was withdrawn: its question is hidden or deleted."), "info")
        return redirect(url_for("care.queue"))
    thread = thread_queries.load_thread(question, current_user)
    now = request_now()
    first, resolution = services.sla.clocks(care_item, now)
    notes = db.session.scalars(select(CareNote).where(CareNote.item_id == care_item.id).order_by(CareNote.id)).all()
    history, _total = audit.entries(target_type="care_item", target_id=care_item.id, per_page=100)
    return render_template(
        "care/item.html", item=care_item, question=question, thread=thread, first=first, resolution=resolution,
        now=now, notes=notes, history=history, staff=queries.staff_members(), teams=settings.get(options.TEAMS),
        categories=CATEGORIES, priorities=PRIORITIES, statuses=STATUS_LABELS,
        priority=queries.effective_priority(care_item), acknowledge_message=settings.get(options.ACKNOWLEDGE_MESSAGE),
        answer_body=request.args.get("draft", ""))


@bp.get("/staff/care/questions/<id:question_id>")
def item_of_question(question_id):
    """The care item of a question (where staff notices lead), or the thread when it has none."""
    _staff_only()
    care_item = queries.item_for_question(question_id)
    if care_item is None:
        question = thread_queries.get_question_or_404(question_id, current_user)
        flash(_("This thread has no care item."), "info")
        return redirect(question_url(question))
    return redirect(url_for("care.item", item_id=care_item.id))


def _back(item_id, anchor=None):
    return redirect(url_for("care.item", item_id=item_id, _anchor=anchor))


def _act(item_id, action, success):
    """Run a staff action on an item; domain errors become a flash on the item page."""
    _staff_only()
    care_item = queries.get_item_or_404(item_id)
    try:
        action(care_item)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(success, "success")
    return _back(item_id)


def _user_from_form(name):
    raw = request.form.get(name, "")
    if raw in ("", "none"):
        return None
    user_id = positive_int(raw)
    user = db.session.get(User, user_id) if user_id else None
    if user is None:
        raise ValidationError({name: _("Choose a member of staff.")})
    return user


@bp.post("/staff/care/items/<id:item_id>/claim")
@login_required
def claim(item_id):
    """Take the item."""
    return _act(item_id, lambda i: services.claim(current_user, i, now=request_now()), _("The item is yours."))


@bp.post("/staff/care/items/<id:item_id>/assign")
@login_required
def assign(item_id):
    """Assign, reassign or unassign."""
    return _act(item_id, lambda i: services.assign(current_user, i, _user_from_form("assignee"), now=request_now()),
                _("Assignment saved."))


@bp.post("/staff/care/items/<id:item_id>/status")
@login_required
def status(item_id):
    """Move the status (resolving or reopening)."""
    return _act(item_id, lambda i: services.set_status(current_user, i, request.form.get("status", ""),
                                                       now=request_now()),
                _("Status saved."))


@bp.post("/staff/care/items/<id:item_id>/triage")
@login_required
def triage(item_id):
    """Category, team and priority. The team select's default sends no team: a new category then re-routes."""
    form = request.form
    return _act(item_id, lambda i: services.triage(current_user, i, category=form.get("category") or None,
                                                   team=form.get("team") or None,
                                                   priority=form.get("priority") or None, now=request_now()),
                _("Triage saved."))


@bp.post("/staff/care/items/<id:item_id>/notes")
@login_required
def note(item_id):
    """An internal note."""
    return _act(item_id, lambda i: services.add_note(current_user, i, request.form.get("body", ""),
                                                     now=request_now()), _("Note added."))


@bp.post("/staff/care/items/<id:item_id>/answer")
@login_required
def answer(item_id):
    """Answer the thread from the queue: an official answer, and the first response."""
    _staff_only()
    care_item = queries.get_item_or_404(item_id)
    try:
        threads.post_answer(current_user, care_item.question, request.form.get("body", ""), now=request_now())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("care.item", item_id=item_id, draft=request.form.get("body", "")[:4000],
                                _anchor="reply"))
    flash(_("Your official answer is posted on the thread."), "success")
    return _back(item_id)


@bp.post("/staff/care/items/<id:item_id>/acknowledge")
@login_required
def acknowledge(item_id):
    """Post the public "we're looking into this" comment: it stops the first-response clock."""
    _staff_only()
    message = (request.form.get("body") or settings.get(options.ACKNOWLEDGE_MESSAGE)).strip()
    return _act(item_id, lambda i: threads.add_comment(current_user, i.question, message, now=request_now()),
                _("Acknowledged on the thread."))


@bp.post("/staff/care/items/<id:item_id>/comment")
@login_required
def comment(item_id):
    """A public comment on the thread."""
    return _act(item_id, lambda i: threads.add_comment(current_user, i.question, request.form.get("body", ""),
                                                       now=request_now()),
                _("Comment posted on the thread."))


@bp.post("/staff/care/send")
@login_required
def send():
    """Send any thread to the queue by hand, with a note."""
    _staff_only()
    question_id = positive_int(request.form.get("question_id", ""))
    question = db.session.get(Question, question_id) if question_id else None
    if question is None:
        raise NotFound(_("That question does not exist."))
    try:
        care_item = services.send_to_queue(current_user, question, request.form.get("note", ""), now=request_now())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(question_url(question))
    flash(_("The thread is in the care queue."), "success")
    return _back(care_item.id)


# Agents -----------------------------------------------------------------------------------


@bp.route("/staff/care/agents", methods=["GET", "POST"])
def agents():
    """Availability: who is away, their backup, and everyone's open items."""
    _staff_only()
    if request.method == "POST":
        try:
            agent = _user_from_form("agent") or current_user
            moved = services.set_away(current_user, agent, request.form.get("away") == "1",
                                      backup=_user_from_form("backup"), now=request_now())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(ngettext("Availability saved; %(num)d item handed to the backup.",
                           "Availability saved; %(num)d items handed to the backup.", moved)
                  if moved else _("Availability saved."), "success")
        return redirect(url_for("care.agents"))
    staff = queries.staff_members()
    rows = [(user, queries.agent_settings(user.id)) for user in staff]
    mine = queries.agent_settings(current_user.id)
    return render_template("care/agents.html", rows=rows, staff=staff, loads=queries.open_counts_by_assignee(),
                           teams=settings.get(options.TEAMS), my_teams=(mine.teams or []) if mine else [])


@bp.post("/staff/care/agents/teams")
@login_required
def teams():
    """The teams an agent works in."""
    _staff_only()
    try:
        agent = _user_from_form("agent") or current_user
        services.set_teams(current_user, agent, request.form.getlist("team"), now=request_now())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("Teams saved."), "success")
    return redirect(url_for("care.agents"))


# Measuring care ---------------------------------------------------------------------------


def _date_arg(name, default):
    raw = request.args.get(name, "")
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: _("%(name)s is a date such as 2026-11-01.", name=name)}) from None


def _range():
    today = request_now().date()
    start = _date_arg("start", today - timedelta(days=29))
    end = _date_arg("end", today)
    if end < start:
        raise ValidationError({"end": _("The end comes after the start.")})
    if (end - start).days > 3660:
        raise ValidationError({"start": _("Choose at most ten years.")})
    return start, end, datetime.combine(start, time()), datetime.combine(end + timedelta(days=1), time())


@bp.get("/staff/care/report")
def report():
    """The staff dashboard for a date range."""
    _staff_only()
    try:
        start, end, since, until = _range()
    except ValidationError as error:
        flash(error.message, "error")
        start, end, since, until = _fallback_range()
    figures = metrics.compute(since, until, request_now())
    return render_template("care/report.html", figures=figures, chart_data=charts.series(figures), start=start,
                           end=end)


def _fallback_range():
    today = request_now().date()
    start = today - timedelta(days=29)
    return start, today, datetime.combine(start, time()), datetime.combine(today + timedelta(days=1), time())


@bp.get("/staff/care/report.csv")
def report_csv():
    """The items behind one figure of the dashboard, as CSV."""
    _staff_only()
    start, end, since, until = _range()
    figure = request.args.get("figure", "")
    if figure not in metrics.EXPORTS:
        raise ValidationError({"figure": _("figure is one of: %(figures)s.", figures=", ".join(metrics.EXPORTS))})
    body = metrics.export_csv(figure, since, until, request_now())
    filename = f"care-{figure}-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# The public thread ------------------------------------------------------------------------


def _same_site():
    """Refuse a cross-site post: visitors have no CSRF token, so the browser's own headers decide."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    return origin is None or urlsplit(origin).netloc == request.host


@bp.post("/questions/<id:question_id>/same-problem")
@csrf.exempt
@ratelimits.visitor_press_limit
@ratelimits.counted_per_post_limit
@ratelimits.counted_across_posts_limit
def same_problem(question_id):
    """ "I have this problem too": once per member, once per browser that kept its visitor token (stored hashed)."""
    if not _same_site():
        abort(403)
    question = thread_queries.get_question_or_404(question_id)
    visitor = visitors.current()
    wants_json = request.accept_mimetypes.best == "application/json"
    signed_in = current_user.is_authenticated
    # A member counts by account, cookie or not (the token issued now is noted with the press);
    # a visitor only with a token it kept.
    token = visitor.token if visitor.stable or signed_in else None
    try:
        count, counted = services.press_same_problem(current_user, question, token, now=request_now())
    except DomainError as error:
        db.session.rollback()
        if wants_json:
            return {"error": {"code": error.code, "message": error.message}}, error.status
        return render_template("errors/error.html", status=error.status, message=error.message), error.status
    if counted:
        ratelimits.count_visitor_press()
    retry = not (visitor.stable or signed_in)  # nothing counted: the token was only just issued
    message = visitors.NOT_COUNTED_YET if retry else (_("Thanks: staff see how many people have this problem.")
                                                      if counted else _("You are already counted for this problem."))
    if wants_json:
        response = make_response({"count": count, "counted": counted, "retry": retry, "message": message})
    elif retry:
        response = visitors.press_again_page(request.path, {}, _("I have this problem too"))
    else:
        if signed_in:
            flash(message, "success")
        response = redirect(question_url(question, _anchor="care-status"))
    return visitors.keep(response, visitor)


@bp.post("/questions/<id:question_id>/care-feedback")
@login_required
def feedback(question_id):
    """The asker's answer to "Did this solve your problem?", with an optional 1-5 score and comment.

    Invalid input shows the form again with the answers kept (422); a second answer about the same
    resolution is refused with the first one named (409, from the error page); neither is saved.
    """
    question = thread_queries.get_question_or_404(question_id, current_user)
    form = request.form
    answer = form.get("solved")
    if answer not in ("yes", "no"):
        abort(400)
    episode = positive_int(form.get("episode")) if form.get("episode") else None
    if form.get("episode") and episode is None:
        abort(400)
    try:
        services.record_feedback(current_user, question, answer == "yes", form.get("score"), form.get("comment"),
                                 now=request_now(), episode=episode)
    except ValidationError as error:
        db.session.rollback()
        return render_template("care/feedback.html", question=question, episode=episode, errors=error.errors,
                               values={"score": form.get("score", ""), "comment": form.get("comment", "")}), 422
    flash(_("Thanks! Glad it is solved.") if answer == "yes"
          else _("Sorry it is not solved yet: staff will look at it again."), "success")
    return redirect(question_url(question, _anchor="care-status"))


def care_duration(delta):
    """A timedelta as "2 h 5 min", "12 min" or "20 s" (always positive; callers say left, late or ago).

    Under a minute it says seconds, and a fraction of a second counts as a whole one, so a clock
    that is late by any amount never reads "0 min" or "0 s".
    """
    seconds = math.ceil(abs(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(days)d d %(hours)d h", days=days, hours=hours)
    if hours:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    if minutes:
        return _("%(minutes)d min", minutes=minutes)
    return _("%(seconds)d s", seconds=seconds)


def care_decimal(value, digits=1):
    """A number with `digits` decimals in the reader's language: "2.0", "2,0"."""
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""))


def care_percent(share):
    """A share (0.5) as a whole percentage in the reader's language: "50%", "50 %"."""
    return format_percent(share)


def care_local_time(moment):
    """An aware moment in its own zone, in the reader's language: "Mon 10 Mar 09:30 CET", "lun. 10 mars 09:30 CET"."""
    local = babel_dates.format_datetime(moment, "EEE dd MMM HH:mm", tzinfo=moment.tzinfo, locale=get_locale() or "en")
    return f"{local} {moment.tzname()}"
