"""One care sweeper per deployment (a lease on the database's clock), and sweeps immune to hosts' clock skew."""
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import insert, select, update

from app import background, create_app, leases
from app.care import sweep
from app.care.models import CareItem, SameProblem
from app.clock import utcnow
from app.database import begin_write
from app.extensions import db
from app.leases import Lease
from app.models import Question

pytestmark = pytest.mark.time_sensitive  # run again under a shifted clock (make test)

ASKED = utcnow().replace(microsecond=0) - timedelta(days=60)


def _expires_at(name):
    db.session.rollback()
    return db.session.scalar(select(Lease.expires_at).where(Lease.name == name))


def _run_out(name):
    """The holder stopped renewing long ago: its lease ran out an hour ago by the database's own clock."""
    expired = _expires_at(name) - timedelta(hours=1, minutes=1)
    begin_write(db.session)
    db.session.execute(update(Lease).where(Lease.name == name).values(expires_at=expired))
    db.session.commit()


# The lease -----------------------------------------------------------------------------------


def test_of_two_holders_only_one_wins_and_renewing_keeps_it(app):
    assert leases.hold("job", "host-a", 60)
    first = _expires_at("job")
    assert not leases.hold("job", "host-b", 60)
    assert leases.holder_of("job") == "host-a"
    assert leases.hold("job", "host-a", 120)  # renewed by its holder, further out
    assert _expires_at("job") > first
    assert not leases.hold("job", "host-b", 60)
    assert leases.holder_of("job") == "host-a"
    assert leases.hold("other-job", "host-b", 60)  # one lease per name


def test_a_lease_that_ran_out_is_taken_over_and_its_old_holder_no_longer_holds_it(app):
    assert leases.hold("job", "host-a", 60)
    _run_out("job")
    assert leases.holder_of("job") is None
    assert leases.hold("job", "host-b", 60)
    assert leases.holder_of("job") == "host-b"
    assert not leases.hold("job", "host-a", 60)


def test_a_released_lease_is_free_at_once_and_only_its_holder_releases_it(app):
    assert leases.hold("job", "host-a", 3600)
    assert not leases.release("job", "host-b")
    assert leases.holder_of("job") == "host-a"
    assert leases.release("job", "host-a")
    assert leases.holder_of("job") is None
    assert leases.hold("job", "host-b", 3600)


def test_the_expiry_is_the_databases_clock_not_the_hosts(app):
    assert leases.hold("job", "host-a", 60)
    # A host whose clock is a day ahead neither sees the lease run out nor holds its own a day longer.
    with time_machine.travel(datetime.now(UTC) + timedelta(days=1), tick=False):
        assert not leases.hold("job", "host-b", 60)
        assert leases.hold("other-job", "host-b", 60)
    assert _expires_at("other-job") - _expires_at("job") < timedelta(minutes=10)


@pytest.mark.parametrize("seconds", [0, -5, 86401])
def test_a_lease_needs_a_sensible_duration_a_name_and_a_holder(app, seconds):
    with pytest.raises(ValueError, match="seconds"):
        leases.hold("job", "host-a", seconds)
    with pytest.raises(ValueError, match="name and a holder"):
        leases.hold("", "host-a", 60)
    with pytest.raises(ValueError, match="name and a holder"):
        leases.release("job", "")


def test_two_processes_asking_at_once_get_one_holder(app):
    apps = [create_app(app.config) for _ in range(2)]  # built before the threads (see test_care_queue)
    rounds, won, errors = 5, [], []
    barrier = threading.Barrier(2, timeout=120)

    def ask(other, holder):
        with other.app_context():
            try:
                for number in range(rounds):
                    barrier.wait()
                    if leases.hold(f"job-{number}", holder, 60):
                        won.append((number, holder))
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                db.session.remove()
                db.engine.dispose()

    workers = [threading.Thread(target=ask, args=(other, f"host-{n}")) for n, other in enumerate(apps)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert sorted(number for number, _ in won) == list(range(rounds))
    assert all(leases.holder_of(f"job-{number}") == holder for number, holder in won)


# The in-app sweeper --------------------------------------------------------------------------


def _bulk_questions(author, count, asked=ASKED):
    """Questions inserted straight through the model (no services, no signals)."""
    body = "The left earbud stopped pairing after the update."
    begin_write(db.session)
    rows = [dict(author_id=author.id, title=f"X200 case {n} will not pair", body_source=body,
                 body_html=f"<p>{body}</p>", created_at=asked, last_activity_at=asked) for n in range(count)]
    ids = sorted(db.session.scalars(insert(Question).returning(Question.id), rows))
    db.session.commit()
    return ids


def _queued():
    db.session.rollback()
    return set(db.session.scalars(select(CareItem.question_id)))


def test_only_the_lease_holder_sweeps_and_another_takes_over_when_it_stops_renewing(app, make):
    first, second = background._care_sweep(app), background._care_sweep(app)  # two processes' sweepers
    author = make.user(now=ASKED)
    early = _bulk_questions(author, 3)
    now = ASKED + timedelta(hours=2)
    assert first.round(now) == 60  # the default interval
    assert _queued() == set(early)
    assert leases.holder_of(background.CARE_LEASE) == first.lease.holder
    late = _bulk_questions(author, 2, asked=ASKED + timedelta(minutes=90))
    assert second.round(now + timedelta(hours=1)) == 60  # skipped: the first holds the lease
    assert _queued() == set(early)
    assert first.round(now + timedelta(hours=1, minutes=1)) == 60  # renewed, and swept
    assert _queued() == set(early + late)
    newest = _bulk_questions(author, 2, asked=ASKED + timedelta(hours=3))
    _run_out(background.CARE_LEASE)  # the first process died
    assert second.round(now + timedelta(hours=3)) == 60
    assert leases.holder_of(background.CARE_LEASE) == second.lease.holder
    assert _queued() == set(early + late + newest)
    assert not first.lease.hold(60)  # back from the dead, it waits its turn


def test_the_lease_is_held_for_a_few_rounds(app):
    lease = background.SweepLease()
    assert lease.hold(60)
    db.session.rollback()
    remaining = _expires_at(background.CARE_LEASE) - db.session.scalar(select(leases._database_now(
        db.engine.dialect.name)))
    # Three rounds of 60 s, less the moments between the two statements (a loaded machine).
    print(f"lease remaining just after taking it: {remaining.total_seconds():.3f} s")
    assert timedelta(seconds=120) < remaining <= timedelta(seconds=180)


def test_a_clean_stop_gives_the_lease_back(app):
    app.config["CARE_IN_APP_SWEEP"] = True
    thread = background.thread_of(app, "care_sweep")
    try:
        thread.ensure_started()
        deadline = time.monotonic() + 300  # generous: the machine is shared
        while thread.rounds < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert thread.rounds >= 1, "the sweeper never finished a round"
        db.session.rollback()
        assert leases.holder_of(background.CARE_LEASE) == thread.lease.holder
    finally:
        background.stop_all(app)
    db.session.rollback()
    assert leases.holder_of(background.CARE_LEASE) is None


def test_at_a_clean_exit_the_sweeper_gives_the_lease_back(app):
    app.config["CARE_IN_APP_SWEEP"] = True
    thread = background.thread_of(app, "care_sweep")
    try:
        thread.ensure_started()
        deadline = time.monotonic() + 300
        while thread.rounds < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert thread.rounds >= 1, "the sweeper never finished a round"
        background.finish_all()  # what atexit runs at a graceful stop
        db.session.rollback()
        assert leases.holder_of(background.CARE_LEASE) is None
    finally:
        background.stop_all(app)


# Clock skew between sweepers -----------------------------------------------------------------


@pytest.fixture
def swept(make):
    """Thirty questions queued by a first (full) sweep; returns that sweep's `now`."""
    author = make.user(now=ASKED)
    _bulk_questions(author, 30)
    now = ASKED + timedelta(days=40)
    first = sweep.run(now)
    assert first.full and first.created == 30
    return now


@pytest.mark.parametrize("behind", [timedelta(seconds=5), timedelta(minutes=9)])
def test_a_sweep_a_little_behind_the_last_one_examines_only_what_changed(make, swept, behind):
    changed = make.question(now=swept - timedelta(seconds=3))  # stamped by the host whose clock is behind
    result = sweep.run(swept - behind)
    assert not result.full and result.examined == 1, result
    saved = sweep._load_state()
    assert saved.at == swept and saved.seen == swept - sweep._OVERLAP  # never moved backwards
    # The next sweep, by the clock ahead, still has only the changed question to look at again.
    assert sweep.run(swept + timedelta(seconds=10)).examined == 1
    assert changed.id not in _queued()


def test_a_sweeper_minutes_behind_still_sees_the_writes_its_own_host_stamped(make, swept):
    behind = timedelta(minutes=5)  # beyond the overlap, within the tolerance
    host_now = swept - behind + timedelta(seconds=20)
    pressed = make.question(now=host_now - timedelta(seconds=10))
    begin_write(db.session)
    # Three "I have this problem too", stamped on that host's clock.
    db.session.add_all(SameProblem(question_id=pressed.id, browser_hash=name,
                                   created_at=host_now - timedelta(seconds=5)) for name in "abc")
    db.session.commit()
    result = sweep.run(host_now)
    assert not result.full and result.examined == 1 and result.created == 1, result
    assert pressed.id in _queued()


def test_a_sweep_far_behind_the_last_one_is_a_replay_that_looks_at_everything(swept):
    just_past_tolerance = sweep.run(swept - sweep.SKEW_TOLERANCE - timedelta(minutes=1))
    assert just_past_tolerance.full and just_past_tolerance.examined == 30
    replay = sweep.run(swept - timedelta(days=30))
    assert replay.full and replay.examined == 30, replay
    assert sweep._load_state().at == swept - timedelta(days=30)  # a replay starts the record over
    assert not sweep.run(swept + timedelta(minutes=1)).full  # the live sweep after it is incremental again
