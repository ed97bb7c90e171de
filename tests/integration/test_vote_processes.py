"""Votes from several processes at once, as from several gunicorn workers: none is lost."""
import multiprocessing

from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.models import AnswerVote

PROCESSES, VOTES_EACH = 4, 12


def vote_in_own_process(database_url, folder, user_ids, answer_id):
    """Child process: its own app, engine and connections, voting once per user."""
    from app import create_app
    from app.config import testing_config
    from app.models import Answer, User
    from app.questions import services

    app = create_app(testing_config(folder, database_url, folder + "/index"))
    with app.app_context():
        for user_id in user_ids:
            services.cast_vote(db.session.get(User, user_id), db.session.get(Answer, answer_id), 1, now=utcnow())
        db.engine.dispose()


def test_votes_from_several_processes_all_count(database_url, make, tmp_path):
    question = make.question()
    answer = make.answer(question)
    voters = [make.user(f"voter{number}").id for number in range(PROCESSES * VOTES_EACH)]
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=vote_in_own_process,
                               args=(database_url, str(tmp_path / f"p{index}"), voters[index::PROCESSES], answer.id))
               for index in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    db.session.rollback()
    assert answer.score == PROCESSES * VOTES_EACH
    assert answer.author.reputation_points == 10 * PROCESSES * VOTES_EACH
    assert db.session.scalar(select(func.count()).select_from(AnswerVote)) == PROCESSES * VOTES_EACH
