"""Daily digests: one email a day with everything a "daily" member has not been emailed yet."""
from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, or_, select, update

from app import i18n, mail, settings
from app.database import begin_write
from app.extensions import db
from app.models import User
from app.notifications import services
from app.notifications.models import EmailPreference, Notification
from app.urls import site_url, site_url_for

DIGEST_HOUR = settings.define("DIGEST_HOUR_UTC", int, 8, _l("Hour of the day (UTC) when daily digests go out"),
                              minimum=0, maximum=23, label=_l("Hour of the daily digest (UTC)"))
# A digest lists this many notifications and says how many more wait on the site.
DIGEST_LIMIT = 50


def latest_slot(now):
    """The most recent digest time at or before `now`."""
    slot = datetime.combine(now.date(), time(hour=settings.get(DIGEST_HOUR)))
    return slot if slot <= now else slot - timedelta(days=1)


def _due_user_ids(slot):
    """Members on the daily digest, not yet sent one since `slot`, with something waiting."""
    return list(db.session.scalars(
        select(EmailPreference.user_id)
        .where(EmailPreference.mode == "daily",
               or_(EmailPreference.last_digest_at.is_(None), EmailPreference.last_digest_at < slot),
               select(Notification.id).where(Notification.user_id == EmailPreference.user_id,
                                             Notification.email_pending.is_(True)).exists())
        .order_by(EmailPreference.user_id)
    ))


def _entry(item, user_id):
    """One notification as the digest lists it; as on the notifications page, a removed thread or post is not shown.

    In the current language: the caller renders the digest in its recipient's.
    """
    thread_gone = item.question_removed_for(user_id)
    return {
        "summary": item.describe(),
        "title": (_("a question that was removed") if thread_gone else item.question.title if item.question
                  else _("a post")),
        "url": services.post_url(item.question, item.answer_id, item.comment_id) if item.question else site_url(),
        "excerpt": None if thread_gone else item.shown_excerpt,
        "removed": None if thread_gone else item.removed_post,
    }


def send_due_digests(*, now):
    """Queue the digests that are due, one transaction per member; returns how many were queued.

    Claiming a member's digest is one conditional UPDATE, so two workers never send the same one.
    """
    slot = latest_slot(now)
    user_ids = _due_user_ids(slot)
    db.session.rollback()
    sent = 0
    for user_id in user_ids:
        begin_write(db.session)
        claimed = db.session.execute(
            update(EmailPreference)
            .where(EmailPreference.user_id == user_id, EmailPreference.mode == "daily",
                   or_(EmailPreference.last_digest_at.is_(None), EmailPreference.last_digest_at < slot))
            .values(last_digest_at=now)
        ).rowcount
        pending = select(Notification).where(Notification.user_id == user_id, Notification.email_pending.is_(True))
        items = list(db.session.scalars(
            pending.options(*services.NOTIFIED_POSTS)
            .order_by(Notification.created_at, Notification.id).limit(DIGEST_LIMIT)))
        user = db.session.get(User, user_id)
        if claimed != 1 or not items or user is None:
            db.session.rollback()
            continue
        total = db.session.scalar(select(func.count()).select_from(pending.subquery()))
        db.session.execute(update(Notification).where(Notification.user_id == user_id,
                                                      Notification.email_pending.is_(True),
                                                      Notification.created_at <= now)
                           .values(email_pending=False))
        with i18n.in_language_of(user):
            entries = [_entry(item, user_id) for item in items]
            subject = ngettext("Your daily summary: %(num)d notification", "Your daily summary: %(num)d notifications",
                               total)
        mail.enqueue_email(user.email, subject, "digest", user_id=user.id,
                           unsubscribe_url=services.unsubscribe_url(user.id, now=now), topic="digest", now=now,
                           user=user, entries=entries, more=total - len(entries),
                           notifications_url=site_url_for("notifications.index"),
                           settings_url=site_url_for("account.notifications"))
        db.session.commit()
        sent += 1
    return sent
