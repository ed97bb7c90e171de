"""The record of each uploaded image: who sent it, the file it became, whether a moderator removed it, and its bytes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import User


class Upload(db.Model):
    """One accepted upload; two uploads of the same image share one stored file (its name is the content hash)."""

    __tablename__ = "uploads"
    # Counting a member's recent uploads (the daily quota) reads this index only.
    __table_args__ = (Index("ix_uploads_uploader_id_created_at", "uploader_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(40), index=True)  # e.g. "3f2a…9c.png", never the uploader's file name
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column()  # bytes stored, after re-encoding
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    removed_at: Mapped[datetime | None] = mapped_column()
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    uploader: Mapped[User] = relationship(foreign_keys=[uploader_id])


class StoredImage(db.Model):
    """The bytes of one stored image, under its content-hash name: every host of a deployment finds them here.

    A host's UPLOADS_DIR is only its own copy, filled on first read, so a new host or a lost folder costs
    one database read per image and nothing is shared between hosts but the database.
    """

    __tablename__ = "stored_images"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column()
