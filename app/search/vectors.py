"""Question vectors: computed when the change log is applied, stored in the database, searched in memory.

Stored, so that a rebuild or a new host reads them instead of recomputing them; searched from
a matrix each process keeps, brought up to date from the rows written since it last looked
(every batch of writes takes the next `revision`).

The nearest-neighbour search is exact up to EXACT_LIMIT questions (a matrix product: 1.6 ms
for 20,000 vectors of 384 dimensions here, 15 ms for 100,000). Beyond, it is two-stage: exact
over the vectors projected on their COARSE_DIMENSIONS principal directions (computed once, from
a sample, when the set grows past the limit), then exact over the full vectors of the best
COARSE_CANDIDATES.

numpy's BLAS runs on one thread: a web server runs a worker per core already, and OpenBLAS's
idle threads spin after every product (measured: a suggest request's CPU time at p95 42 ms for
27 ms of wall time, 27 ms on one thread).
"""
import functools
import threading
from collections import OrderedDict

from flask import current_app
from sqlalchemy import ForeignKey, LargeBinary, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.search.embeddings import text_hash

EXACT_LIMIT = 25_000
COARSE_DIMENSIONS = 64
COARSE_CANDIDATES = 256
BASIS_SAMPLE = 4096
SYNC_CHUNK = 5000
REMEMBERED = 2048


class QuestionVector(db.Model):
    """A question's embedding, with the model and the text it was computed from."""

    __tablename__ = "question_vectors"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(64))
    text_hash: Mapped[str] = mapped_column(String(40))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    # Rows written in one batch share a revision; a process's matrix reads the revisions it has not seen.
    revision: Mapped[int] = mapped_column(index=True)


def store(encoder, texts):
    """Compute and store the vectors of {question_id: text} whose stored vector is missing or stale.

    Returns how many were computed. In the caller's transaction.
    """
    import numpy

    if not texts:
        return 0
    hashes = {question_id: text_hash(text) for question_id, text in texts.items()}
    current = {row.question_id for row in db.session.execute(
        select(QuestionVector.question_id, QuestionVector.model, QuestionVector.text_hash)
        .where(QuestionVector.question_id.in_(list(texts)))) if (row.model, row.text_hash) == (
        encoder.name, hashes[row.question_id])}
    stale = [question_id for question_id in texts if question_id not in current]
    if not stale:
        return 0
    vectors = encoder.encode([texts[question_id] for question_id in stale])
    revision = (db.session.scalar(select(func.max(QuestionVector.revision))) or 0) + 1
    db.session.execute(delete(QuestionVector).where(QuestionVector.question_id.in_(stale)))
    db.session.add_all(QuestionVector(question_id=question_id, model=encoder.name, text_hash=hashes[question_id],
                                      vector=vector.astype(numpy.float32).tobytes(), revision=revision)
                       for question_id, vector in zip(stale, vectors, strict=True))
    return len(stale)


class VectorSet:
    """One process's copy of the stored vectors of one model, as a matrix grown in place."""

    def __init__(self, model, dimension):
        import numpy

        _one_blas_thread()
        self.model = model
        self.dimension = dimension
        self._lock = threading.Lock()
        self._revision = 0
        self._synced_for = None  # the index commit the last sync was for (sync's `commit`)
        self._rows = {}  # question_id -> row of the matrix
        self._count = 0
        self._ids = numpy.zeros(0, dtype=numpy.int64)
        self._matrix = numpy.zeros((0, dimension), dtype=numpy.float32)
        self._basis = None  # (dimension, COARSE_DIMENSIONS), once the set is past EXACT_LIMIT
        self._coarse = None
        self._remembered = OrderedDict()  # what callers computed from the set as it is (recall/remember)

    def __len__(self):
        return self._count

    @property
    def revision(self):
        """The newest revision read: the set is the same as long as it does not move."""
        return self._revision

    def recall(self, key):
        """What was remembered under `key` since the set last changed, or None."""
        with self._lock:
            found = self._remembered.get(key)
            if found is not None:
                self._remembered.move_to_end(key)
            return found

    def remember(self, key, value):
        """Keep `value` under `key` until the set changes (the oldest go first past REMEMBERED)."""
        with self._lock:
            self._remembered[key] = value
            while len(self._remembered) > REMEMBERED:
                self._remembered.popitem(last=False)

    def sync(self, commit=None):
        """Read the rows written since the last sync (one indexed query), unless it was for the same index `commit`.

        In chunks, so that the first sync of a large community never holds every row at once.
        """
        import numpy

        with self._lock:
            if commit is not None and commit == self._synced_for:
                return
            result = db.session.execute(
                select(QuestionVector.question_id, QuestionVector.vector, QuestionVector.revision)
                .where(QuestionVector.model == self.model, QuestionVector.revision > self._revision)
                .execution_options(yield_per=SYNC_CHUNK))
            revision = self._revision
            if not self._count:  # the first sync: room for all at once, not by doubling
                self._grow(db.session.scalar(select(func.count()).select_from(QuestionVector)
                                             .where(QuestionVector.model == self.model)) or 0)
            for rows in result.partitions():
                self._grow(self._count + sum(row.question_id not in self._rows for row in rows))
                for row in rows:
                    position = self._rows.get(row.question_id)
                    if position is None:
                        position = self._rows[row.question_id] = self._count
                        self._ids[position] = row.question_id
                        self._count += 1
                    self._matrix[position] = numpy.frombuffer(row.vector, dtype=numpy.float32)
                    if self._basis is not None:
                        self._coarse[position] = self._matrix[position] @ self._basis
                    revision = max(revision, row.revision)
            if revision != self._revision:
                self._remembered.clear()
            self._revision, self._synced_for = revision, commit
            if self._basis is None and self._count > EXACT_LIMIT:
                self._project()

    def _grow(self, needed):
        """Room for `needed` rows, doubling, so that appending stays cheap."""
        import numpy

        if needed <= len(self._ids):
            return
        size = max(needed, 2 * len(self._ids), 1024)
        ids = numpy.zeros(size, dtype=numpy.int64)
        matrix = numpy.zeros((size, self.dimension), dtype=numpy.float32)
        ids[:self._count], matrix[:self._count] = self._ids[:self._count], self._matrix[:self._count]
        self._ids, self._matrix = ids, matrix
        if self._basis is not None:
            coarse = numpy.zeros((size, COARSE_DIMENSIONS), dtype=numpy.float32)
            coarse[:self._count] = self._coarse[:self._count]
            self._coarse = coarse

    def _project(self):
        """The principal directions of a sample of the vectors, and every vector projected on them."""
        import numpy

        sample = self._matrix[:self._count:max(1, self._count // BASIS_SAMPLE)]
        _, _, directions = numpy.linalg.svd(sample, full_matrices=False)
        self._basis = numpy.ascontiguousarray(directions[:COARSE_DIMENSIONS].T, dtype=numpy.float32)
        self._coarse = self._matrix @ self._basis

    def nearest(self, vector, limit):
        """[(question_id, cosine similarity)] of the `limit` nearest stored vectors, nearest first."""
        import numpy

        count = self._count
        if not count or limit <= 0:
            return []
        ids, matrix = self._ids[:count], self._matrix[:count]
        if self._basis is not None and count > COARSE_CANDIDATES:
            coarse = self._coarse[:count] @ (vector @ self._basis)
            shortlist = numpy.argpartition(-coarse, COARSE_CANDIDATES)[:COARSE_CANDIDATES]
            ids, matrix = ids[shortlist], matrix[shortlist]
        similarity = matrix @ vector
        limit = min(limit, len(similarity))
        best = numpy.argpartition(-similarity, limit - 1)[:limit]
        best = best[numpy.argsort(-similarity[best], kind="stable")]
        return [(int(ids[i]), float(similarity[i])) for i in best]


@functools.cache
def _one_blas_thread():
    """Limit numpy's BLAS to one thread in this process, once."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


def app_vectors(encoder, commit=None):
    """This process's vector set for the encoder's model, synced with the database (once per index `commit`)."""
    extensions = current_app.extensions
    vectors = extensions.get("peerdesk_vectors")
    if vectors is None or vectors.model != encoder.name:
        vectors = extensions["peerdesk_vectors"] = VectorSet(encoder.name, encoder.dimension)
    vectors.sync(commit)
    return vectors
