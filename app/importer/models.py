"""Where imported rows came from: one mapping row per imported thing, so an import can run again safely."""
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ImportedRecord(db.Model):
    """One row of a foreign dump (a Stack Exchange user, post, comment, vote or link) and the local row it became."""

    __tablename__ = "import_records"
    __table_args__ = (Index("ix_import_records_kind_local_id", "kind", "local_id"),)

    # The primary key is what makes a second run create nothing twice.
    site: Mapped[str] = mapped_column(String(60), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # user, question, answer, comment, vote, link
    external_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # The local row's id (for a vote or a link: the post it is on); no foreign key, as kinds differ.
    local_id: Mapped[int]
    imported_at: Mapped[datetime] = mapped_column()
