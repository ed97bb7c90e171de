"""A webhook: a URL that receives signed deliveries of the events it subscribed to."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import NEVER_REUSE_IDS, User

# Event names as deliveries carry them, with what admins read on the form.
EVENTS = {
    "question.asked": _l("A question is asked"),
    "answer.posted": _l("An answer is posted"),
    "answer.accepted": _l("An answer is accepted"),
    "care_item.created": _l("A care item is created"),
    "care_item.status_changed": _l("A care item's status changes (withdrawn and back included)"),
    "care_item.assigned": _l("A care item's assignee changes"),
    "care_item.answered": _l("A thread in the care queue gets a new answer"),
    "care_item.breached": _l("A care item breaches its SLA"),
    "care_item.resolved": _l("A care item is resolved"),
    "care_item.reopened": _l("A resolved care item is reopened"),
    "post.flagged": _l("A post is flagged"),
}
PING = "ping"  # the admin page's "send test event"


class Webhook(db.Model):
    """A registered receiver; deliveries are outbox rows with topic "webhook:<id>"."""

    __tablename__ = "webhooks"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list] = mapped_column(JSON)
    # Kept in the clear: signing needs it. Only admins ever see it.
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column()
    deleted_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()

    @property
    def topic(self):
        """The outbox topic of this hook's deliveries."""
        return f"webhook:{self.id}"
