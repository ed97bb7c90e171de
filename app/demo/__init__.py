"""The demo community: planned as plain data from a seed, then loaded through the real services."""
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, select, update

from app import brand, settings
from app.auth import services as accounts
from app.database import begin_write
from app.demo import content
from app.exceptions import Conflict
from app.extensions import db
from app.models import Answer, AnswerVote, Comment, Question, QuestionVote, Revision, User
from app.moderation import holds
from app.moderation import services as moderation
from app.notifications import services as notification_services
from app.questions import services as threads
from app.search.queries import SYNONYMS

HISTORY = timedelta(days=548)
QUESTIONS = 160

# Content --------------------------------------------------------------------------------
# The brand, its products, people and phrases are data (community.toml, phrases.toml beside this file), so
# another brand is another pair of files.

_CONTENT = content.load()
DEMO_PASSWORD = _CONTENT.password  # documented in the README for the demo accounts
EMAIL_DOMAIN = _CONTENT.email_domain
PRODUCTS = _CONTENT.products
TOPICS = _CONTENT.topics
MEMBERS = _CONTENT.members
AGENTS = _CONTENT.agents
MODERATOR = _CONTENT.moderator
STAFF = (("admin", "admin"), *((name, "agent") for name in AGENTS), (MODERATOR, "moderator"))
# community.toml's [brand] keys and the settings the demo saves them in.
BRAND_SETTINGS = {"name": brand.NAME, "staff": brand.STAFF_LABEL, "description": brand.DESCRIPTION,
                  "footer": brand.FOOTER_TEXT, "support": brand.SUPPORT_CONTACT}

OPENERS = _CONTENT.question_openers
CLOSINGS = _CONTENT.question_closings
MONTHS = _CONTENT.months
PHONES = _CONTENT.phones
ANSWER_OPENERS = _CONTENT.answer_openers
ANSWER_CLOSINGS = _CONTENT.answer_closings
GENERIC_ANSWERS = _CONTENT.generic_answers
SELF_ANSWER = _CONTENT.self_answer
TECH_FOLLOWUPS = _CONTENT.tech_followups  # (comment on a question, the asker's reply or None)
GENERAL_FOLLOWUPS = _CONTENT.general_followups
ANSWER_COMMENTS = _CONTENT.answer_comments
ACCEPT_COMMENTS = _CONTENT.accept_comments
STUCK_COMMENTS = _CONTENT.stuck_comments
STAFF_COMMENTS = _CONTENT.staff_comments
MODERATOR_COMMENTS = _CONTENT.moderator_comments
ABOUT_PAGE = _CONTENT.about_page

# The plan --------------------------------------------------------------------------------


@dataclass
class Note:
    """A comment."""

    author: str
    text: str
    at: datetime


@dataclass
class Reply:
    """An answer with its votes and comments."""

    author: str
    body: str
    at: datetime
    votes: list = field(default_factory=list)  # (voter, value, at)
    comments: list = field(default_factory=list)


@dataclass
class Thread:
    """A question with everything that happens to it."""

    asker: str
    title: str
    tags: list
    body: str
    asked_at: datetime
    votes: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    answers: list = field(default_factory=list)
    accepted: int | None = None  # index into answers
    last_activity_at: datetime | None = None
    views: int = 0


@dataclass
class Account:
    """A demo account; every one signs in with DEMO_PASSWORD."""

    username: str
    role: str
    joined: datetime


@dataclass
class Community:
    """Everything `seed` will create, in order."""

    accounts: list
    threads: list

    def summary(self):
        """How many of each thing, for the command line."""
        answers = [answer for thread in self.threads for answer in thread.answers]
        return {
            "members": sum(a.role == "member" for a in self.accounts),
            "staff": sum(a.role != "member" for a in self.accounts),
            "questions": len(self.threads),
            "answers": len(answers),
            "accepted answers": sum(t.accepted is not None for t in self.threads),
            "comments": sum(len(t.comments) for t in self.threads) + sum(len(a.comments) for a in answers),
            "votes": sum(len(t.votes) for t in self.threads) + sum(len(a.votes) for a in answers),
            "tags": len({tag for t in self.threads for tag in t.tags}),
        }


def _fill(text, values):
    """A content template with its {placeholders} filled in."""
    return text.format_map(values)


def _after(rng, start, now, mean_hours):
    """A moment after `start` (about `mean_hours` later) that is never later than `now`."""
    moment = start + timedelta(hours=rng.expovariate(1 / mean_hours), minutes=2)
    if moment >= now:
        moment = start + (now - start) * rng.uniform(0.2, 0.9)
    return moment


class _People:
    """Who takes part, since when, and how eagerly: a few regulars do most of the asking and answering."""

    FOUNDERS = 16  # members from before the history starts, so the first questions find answerers

    def __init__(self, rng, now):
        start = now - HISTORY
        self.joined = {"admin": start - timedelta(days=200)}
        for name, _ in STAFF[1:]:
            self.joined[name] = start - timedelta(days=rng.uniform(60, 190))
        for rank, name in enumerate(rng.sample(MEMBERS, len(MEMBERS))):
            if rank < self.FOUNDERS:
                self.joined[name] = start - timedelta(days=rng.uniform(1, 150))
            else:
                self.joined[name] = start + HISTORY * rng.uniform(0.02, 0.97)
        self.joined["demo"] = start - timedelta(days=30)  # the documented login has a long history
        self.ask_weights = self._weights(rng)
        self.answer_weights = self._weights(rng)

    def accounts(self):
        """Every account with its role and join date, the admin first."""
        return [Account(name, role, self.joined[name]) for name, role in STAFF] + [
            Account(name, "member", self.joined[name]) for name in MEMBERS]

    @staticmethod
    def _weights(rng):
        order = rng.sample(MEMBERS, len(MEMBERS))
        weights = {name: 1 / (rank + 1) ** 0.5 for rank, name in enumerate(order)}
        weights["demo"] = 0.4  # enough posts that the documented login shows a lived-in profile
        return weights

    def member(self, rng, weights, at, exclude=()):
        """A member who had joined by `at`, favouring the heavier weights."""
        pool = [name for name in MEMBERS if name not in exclude and self.joined[name] < at]
        return rng.choices(pool, [weights[name] for name in pool])[0]

    def voter(self, rng, at, exclude):
        """Anyone, staff included, who had joined by `at`."""
        return rng.choice([name for name in self.joined if name not in exclude and self.joined[name] < at])


def _pick_questions(rng):
    """(topic, product, title, versions) for QUESTIONS distinct titles, spread evenly over the topics."""
    queues = []
    for topic in TOPICS:
        combos = []
        for key in topic.products:
            versions = PRODUCTS[key].versions
            for title in topic.titles:
                index = rng.randrange(len(versions) - 1)
                combos.append((topic, key, title, versions[index], versions[index + 1]))
        rng.shuffle(combos)
        queues.append(combos)
    picked, titles = [], set()
    while len(picked) < QUESTIONS and any(queues):
        for queue in rng.sample(queues, len(queues)):
            while queue and len(picked) < QUESTIONS:
                topic, key, template, fw, fw_new = queue.pop()
                title = _fill(template, _values(key, fw, fw_new))
                if title not in titles:
                    titles.add(title)
                    picked.append((topic, key, title, fw, fw_new))
                    break
    return picked


def _values(key, fw, fw_new):
    product = PRODUCTS[key]
    return {"product": product.name, "short": product.short, "key": key, "fw": fw, "fw_new": fw_new,
            "about": product.about, "restart": product.restart, "reset": product.reset}


def _question_times(rng, now, count):
    """Ask times over HISTORY, busier lately as the community grew, with a handful from the last few days."""
    start = now - HISTORY
    recent = 6
    times = [start + HISTORY * rng.random() ** 0.8 for _ in range(count - recent)]
    times += [now - timedelta(hours=rng.uniform(1, 96)) for _ in range(recent)]
    return sorted(min(t, now - timedelta(minutes=30)) for t in times)


def _question_body(rng, topic, key, values):
    """The topic's question with a personal opening, sometimes the device's About page, and a sign-off."""
    parts = [_fill(rng.choice(OPENERS), values) + _fill(topic.body, values)]
    if topic.technical and "```" not in topic.body and rng.random() < 0.3:
        product = PRODUCTS[key]
        app = PRODUCTS[content.COMPANION_APP]
        if key == content.COMPANION_APP:
            lines = [(app.name, values["fw"]), ("Phone", values["phone"])]
        else:
            lines = [("Device", f"{product.name} ({product.model})"), ("Firmware", values["fw"]),
                     (app.name, rng.choice(app.versions[1:]))]
        block = "\n".join(f"{label + ':':<11}{value}" for label, value in lines)
        parts.append(f"{ABOUT_PAGE}\n\n```\n{block}\n```")
    closing = rng.choice(CLOSINGS)
    if closing:
        parts.append(closing)
    return "\n\n".join(parts)


def _plan_answers(rng, now, topic, thread, values, people, resolved):
    """The answers (members' and an official one) in order; returns the index the asker accepts, if any."""
    count = rng.choices(range(1, 9), (22, 28, 22, 12, 7, 4, 3, 2))[0]
    if now - thread.asked_at < timedelta(days=1):
        count = min(count, 2)
    official = rng.random() < (0.75 if topic.official else 0.3)
    generic = GENERIC_ANSWERS if topic.technical else ()
    texts = (rng.sample(topic.answers, len(topic.answers)) + rng.sample(generic, len(generic)))[:count - official]
    # (author, body); a member author is chosen once the moment is known, among those who had joined by then.
    replies = [(None, rng.choice(ANSWER_OPENERS) + _fill(text, values) + rng.choice(ANSWER_CLOSINGS))
               for text in texts]
    if official:
        agent = rng.choice(list(AGENTS))
        replies.insert(rng.randrange(len(replies) + 1), (agent, _fill(topic.staff, {**values, "agent": AGENTS[agent]})))
    self_answer = resolved and topic.technical and rng.random() < 0.05
    if self_answer:
        replies.append((thread.asker, _fill(SELF_ANSWER, values)))

    delays = [timedelta(hours=rng.expovariate(1 / (6 if i == 0 else 18)), minutes=10) for i in range(len(replies))]
    squeeze = min(1.0, (now - thread.asked_at) * 0.8 / sum(delays, timedelta()))
    at, taken = thread.asked_at, {thread.asker}
    for (author, body), delay in zip(replies, delays, strict=True):
        at += delay * squeeze
        author = author or people.member(rng, people.answer_weights, at, taken)
        taken.add(author)
        thread.answers.append(Reply(author, body, at))
    if not resolved:
        return None
    if self_answer:
        return len(thread.answers) - 1
    official_index = [i for i, reply in enumerate(thread.answers) if reply.author in AGENTS]
    if official_index and rng.random() < 0.5:
        return official_index[0]
    return rng.choices(range(len(thread.answers)), [1 / (i + 1) for i in range(len(thread.answers))])[0]


def _plan_comments(rng, now, topic, thread, values, people):
    """Follow-ups under the question, remarks under answers, and the asker's word on what worked."""
    followups = GENERAL_FOLLOWUPS + (TECH_FOLLOWUPS if topic.technical else ())
    for question_text, reply_text in rng.sample(followups, rng.choices((0, 1, 2), (45, 40, 15))[0]):
        at = _after(rng, thread.asked_at, now, 8)
        note = Note(people.member(rng, people.answer_weights, at, {thread.asker}), _fill(question_text, values), at)
        thread.comments.append(note)
        if reply_text:
            thread.comments.append(Note(thread.asker, _fill(reply_text, values), _after(rng, note.at, now, 4)))
    if rng.random() < 0.04:
        thread.comments.append(Note(MODERATOR, rng.choice(MODERATOR_COMMENTS), _after(rng, thread.asked_at, now, 24)))
    if thread.accepted is None and not any(a.author in AGENTS for a in thread.answers) and rng.random() < 0.12:
        thread.comments.append(Note(rng.choice(list(AGENTS)), _fill(rng.choice(STAFF_COMMENTS), values),
                                    _after(rng, thread.asked_at, now, 30)))
    for index, answer in enumerate(thread.answers):
        taken = {answer.author, thread.asker}
        for _ in range(rng.choices((0, 1, 2), (65, 27, 8))[0]):
            at = _after(rng, answer.at, now, 30)
            author = people.member(rng, people.answer_weights, at, taken)
            taken.add(author)
            answer.comments.append(Note(author, rng.choice(ANSWER_COMMENTS), at))
        if answer.author == thread.asker:
            continue
        if index == thread.accepted and rng.random() < 0.55:
            answer.comments.append(Note(thread.asker, rng.choice(ACCEPT_COMMENTS), _after(rng, answer.at, now, 6)))
        elif thread.accepted is None and rng.random() < 0.3:
            answer.comments.append(Note(thread.asker, rng.choice(STUCK_COMMENTS), _after(rng, answer.at, now, 10)))


def _plan_votes(rng, now, thread, people):
    """Up and down votes from others who had joined by then; accepted and official answers attract more."""
    damp = 0.5 if now - thread.asked_at < timedelta(days=3) else 1.0

    def votes(author, at, ups, downs):
        voters, result = {author}, []
        for index in range(int(ups * damp) + downs):
            moment = _after(rng, at, now, 48)
            voter = people.voter(rng, moment, voters)
            voters.add(voter)
            result.append((voter, -1 if index < downs else 1, moment))
        return result

    ups = rng.choices(range(7), (14, 24, 22, 16, 11, 8, 5))[0]
    thread.votes = votes(thread.asker, thread.asked_at, ups, rng.choices((0, 1, 2), (86, 11, 3))[0])
    for index, answer in enumerate(thread.answers):
        if index == thread.accepted:
            ups = rng.randint(1, 6)
        elif answer.author in AGENTS:
            ups = rng.randint(0, 4)
        else:
            ups = rng.choices(range(5), (35, 28, 18, 12, 7))[0]
        answer.votes = votes(answer.author, answer.at, ups, rng.choices((0, 1, 2), (90, 8, 2))[0])


def _plan_thread(rng, now, pick, asked_at, people):
    """One question and everything that happens to it, up to `now`."""
    topic, key, title, fw, fw_new = pick
    asker = people.member(rng, people.ask_weights, asked_at)
    values = {**_values(key, fw, fw_new), "asker": asker, "phone": rng.choice(PHONES), "month": rng.choice(MONTHS)}
    tags = [PRODUCTS[key].tag, *topic.tags]
    if topic.technical and "troubleshooting" not in tags and rng.random() < 0.1:
        tags.append("troubleshooting")
    thread = Thread(asker, title, tags, _question_body(rng, topic, key, values), asked_at)
    recent = now - asked_at < timedelta(days=2)
    state = rng.choices(("unanswered", "open", "resolved"), (50, 35, 15) if recent else (10, 27, 63))[0]
    if state != "unanswered":
        thread.accepted = _plan_answers(rng, now, topic, thread, values, people, state == "resolved")
    _plan_comments(rng, now, topic, thread, values, people)
    _plan_votes(rng, now, thread, people)
    moments = [asked_at] + [note.at for note in thread.comments]
    for answer in thread.answers:
        moments += [answer.at] + [note.at for note in answer.comments]
    if thread.accepted is not None:
        accepted = thread.answers[thread.accepted]
        moments.append(_after(rng, max([accepted.at] + [n.at for n in accepted.comments]), now, 2))
    thread.last_activity_at = max(moments)
    age_days = (now - asked_at) / timedelta(days=1)
    thread.views = int(rng.uniform(2, 15) + age_days * rng.uniform(0.3, 3.0) + len(thread.answers) * rng.randint(4, 30)
                       + len(thread.votes) * rng.randint(5, 15))
    return thread


def plan(seed=2026, *, now):
    """The whole community as plain data, without touching the database: the same seed gives the same one.

    `now` is a naive UTC datetime; every moment falls in the HISTORY before it.
    """
    rng = random.Random(seed)
    people = _People(rng, now)
    picks = _pick_questions(rng)
    rng.shuffle(picks)
    threads = [_plan_thread(rng, now, pick, asked_at, people)
               for pick, asked_at in zip(picks, _question_times(rng, now, len(picks)), strict=True)]
    return Community(people.accounts(), threads)


# Loading ---------------------------------------------------------------------------------


def seed(seed=2026, *, now):
    """Build the demo community as of `now` through the real services; returns {what: how many}.

    Raises Conflict, before writing anything, when a demo username or email is already taken.
    """
    community = plan(seed, now=now)
    users = _create_accounts(community.accounts, now)
    settings.preset(SYNONYMS, list(_CONTENT.synonyms), "What the demo community's members call the same thing",
                    now=now)
    for key, name in BRAND_SETTINGS.items():
        settings.preset(name, _CONTENT.brand[key], "The demo community's brand", now=now)
    stamps = _Timestamps()
    with notification_services.without_email():  # fictional members: notifications, but no email
        with holds.trusted_load():  # written by us: no new-member holds or hourly posting limits
            for thread in community.threads:
                _load_thread(thread, users, stamps)
        stamps.save(users, community.accounts)
        _replay_care_sweeps(now)
        _flag_examples(users, stamps, now)
    return community.summary()


def _flag_examples(users, stamps, now):
    """Two flagged posts waiting in the moderation queue (below the hiding threshold), so the moderator has work."""
    members = [user for user in users.values() if user.role == "member"]
    for model, pk, reason, text in ((Comment, stamps.comments[0]["pk"], "off-topic", None),
                                    (Answer, stamps.answers[-1]["pk"], "other", "Looks copied from the manual")):
        post = db.session.get(model, pk)
        flaggers = [user for user in members if user.id != post.author_id][:2 if reason == "off-topic" else 1]
        for flagger in flaggers:
            moderation.flag_post(flagger, post, reason, text, now=now)


def _replay_care_sweeps(now):
    """A living care queue: forget items made while loading (at load-time clocks), then replay the
    cron sweeps of the last hours on the backdated threads, so some clocks run and some have breached."""
    from app.care import sweep
    from app.care.models import CareItem, CareReason

    begin_write(db.session)
    db.session.execute(CareReason.__table__.delete())
    db.session.execute(CareItem.__table__.delete())
    db.session.commit()
    for hours_ago in (6, 3, 2, 1, 0.5, 0):
        sweep.run(now - timedelta(hours=hours_ago))
    # Agents at work: the most urgent items are claimed, and one waits on its customer.
    from app.care import queries as care_queries
    from app.care import services as care

    rows = care_queries.queue(now)
    agents = db.session.scalars(select(User).where(User.role == "agent").order_by(User.id)).all()
    for (item, *_), agent in zip(rows[:len(agents)], agents, strict=False):
        care.claim(agent, item, now=now)
    if len(rows) > len(agents):
        care.set_status(agents[0], rows[len(agents)][0], "waiting", now=now)


def _email(username):
    return f"{username.lower()}@{EMAIL_DOMAIN}"


def _create_accounts(planned, now):
    """All demo accounts with one scrypt hash: the admin registers normally, the rest share its hash."""
    names = [account.username for account in planned]
    taken = db.session.scalars(select(User.username).where(or_(
        func.lower(User.username).in_([name.lower() for name in names]),
        User.email.in_([_email(name) for name in names]),
    ))).all()
    if taken:
        raise Conflict(f"Demo accounts already exist ({', '.join(sorted(taken)[:3])}…): "
                       "the demo community seems to be loaded already.")
    admin, *others = planned
    # A trusted load: the demo's addresses are ours, so its members are verified and send no verification email.
    first = accounts.register(admin.username, _email(admin.username), DEMO_PASSWORD, role=admin.role, now=now,
                              verified=True)
    password_hash = first.password_hash
    # Hashing each account takes a noticeable fraction of a second with scrypt; the password is the same, so
    # the hash can be too. register() would also refuse the password for `demo`, which it contains.
    rows = [User(username=accounts.clean_username(a.username), email=accounts.clean_email(_email(a.username)),
                 role=a.role, password_hash=password_hash, created_at=a.joined, email_verified_at=a.joined)
            for a in others]
    begin_write(db.session)
    db.session.add_all(rows)
    db.session.commit()
    return {user.username: _detached(user) for user in [first, *rows]}


def _detached(obj):
    """`obj`, fully loaded and out of the session, so that passing it to a service costs no query.

    Every service begins with a rollback, which expires whatever the session holds: an actor or post kept
    there would be reloaded on each of the thousands of calls just to read its id.
    """
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


class _Timestamps:
    """Collects the planned moments while the services run, then writes them in a few bulk updates."""

    def __init__(self):
        self.questions, self.answers, self.comments = [], [], []
        self.question_votes, self.answer_votes = [], []

    def save(self, users, planned):
        """Backdate everything in one transaction."""
        joined = [{"pk": users[a.username].id, "at": a.joined} for a in planned]
        begin_write(db.session)
        for model, rows in ((User, joined), (Answer, self.answers), (Comment, self.comments)):
            table = model.__table__
            db.session.execute(update(table).where(table.c.id == bindparam("pk"))
                               .values(created_at=bindparam("at")), rows)
        questions = Question.__table__
        db.session.execute(update(questions).where(questions.c.id == bindparam("pk")).values(
            last_activity_at=bindparam("activity"), view_count=bindparam("views")), self.questions)
        revisions = Revision.__table__
        for column, rows in ((revisions.c.question_id, self.questions), (revisions.c.answer_id, self.answers)):
            db.session.execute(update(revisions).where(column == bindparam("pk"))
                               .values(created_at=bindparam("at")), rows)
        for model, column, rows in ((QuestionVote, "question_id", self.question_votes),
                                    (AnswerVote, "answer_id", self.answer_votes)):
            table = model.__table__
            db.session.execute(update(table).where(table.c.user_id == bindparam("voter"),
                                                   table.c[column] == bindparam("pk"))
                               .values(created_at=bindparam("at")), rows)
        db.session.commit()


def _load_thread(thread, users, stamps):
    """Ask, answer, comment, vote and accept exactly as members would, noting each planned moment."""
    question = _detached(threads.ask_question(users[thread.asker], thread.title, thread.body, thread.tags,
                                              now=thread.asked_at))
    stamps.questions.append({"pk": question.id, "at": thread.asked_at, "activity": thread.last_activity_at,
                             "views": thread.views})
    _load_reactions(thread, question, None, users, stamps)
    answers = []
    for reply in thread.answers:
        answer = _detached(threads.post_answer(users[reply.author], question, reply.body, now=reply.at))
        stamps.answers.append({"pk": answer.id, "at": reply.at})
        _load_reactions(reply, question, answer, users, stamps)
        answers.append(answer)
    if thread.accepted is not None:
        threads.accept_answer(users[thread.asker], answers[thread.accepted], now=thread.last_activity_at)


def _load_reactions(planned, question, answer, users, stamps):
    """The planned comments and votes on the question, or on one of its answers."""
    post = answer or question
    vote_rows = stamps.answer_votes if answer else stamps.question_votes
    for note in planned.comments:
        comment = threads.add_comment(users[note.author], question, note.text, answer=answer, now=note.at)
        stamps.comments.append({"pk": comment.id, "at": note.at})
    for voter, value, at in planned.votes:
        threads.cast_vote(users[voter], post, value, now=at)
        vote_rows.append({"voter": users[voter].id, "pk": post.id, "at": at})
