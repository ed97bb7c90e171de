"""The table of anonymous answer feedback."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models import NEVER_REUSE_IDS


class AnswerFeedback(db.Model):
    """One browser's yes or no on one answer; the digest identifies the browser and nothing else."""

    __tablename__ = "answer_feedback"
    __table_args__ = (UniqueConstraint("answer_id", "browser_digest", name="uq_answer_feedback_browser"),
                      NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    browser_digest: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column()
