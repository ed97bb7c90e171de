"""The OpenAPI 3 description of API v1, served at /api/v1/openapi.json and rendered at /api/docs.

Written by hand from what the routes really do; tests check that every /api/v1 rule is
documented (and nothing else is), and schemathesis checks the responses against it.
"""
from copy import deepcopy

from flask import render_template, request, url_for

from app import badges, reputation
from app.api import bp
from app.auth import scopes
from app.models import CLOSE_REASONS
from app.questions.queries import EXACT_TOTALS_BELOW, KEPT_TOTAL_SECONDS
from app.validation import MAX_ID

JSON = "application/json"


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description):
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _error(description):
    return _json(_ref("Error"), description)


ERRORS = {
    "400": _error("The body is not a JSON object."),
    "401": {**_error("No working API token: send `Authorization: Bearer <token>`. A revoked or expired token, "
                     "one issued before the account's password changed, and one holding a scope the account's "
                     "role no longer allows are refused; `error.message` says which."),
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
    "403": _error("The token's user may not do this: `error.code` is `insufficient_scope` when the token lacks the "
                  "operation's scope (`x-required-scope`), `forbidden` when the member is suspended (every token "
                  "request, for as long as the suspension runs) or the rules refuse the action."),
    "404": _error("There is no such thing, or it is not visible."),
    "405": _error("Method not allowed. Werkzeug answers this instead of 404 for an id beyond the largest "
                  "possible one on a path that also has another method."),
    "409": _error("The request collides with the current state."),
    "413": _error("The request body is too large."),
    "422": _error("A field breaks a rule; `error.fields` names each field and its message."),
    "429": _error("Too many requests; try again later."),
}


def _errors(*codes):
    return {code: ERRORS[code] for code in codes}


def _id_parameter(name, what):
    return {"name": name, "in": "path", "required": True, "description": f"The {what}'s id.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


def _query(name, description, schema=None):
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def _body(schema, required=True):
    return {"required": required, "content": {JSON: {"schema": schema}}}


BEARER = [{"bearerToken": []}]
NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}
TIME = {"type": "string", "format": "date-time"}
CARE_RATING = {
    "type": "object", "required": ["episode", "solved", "score", "satisfied", "created_at"],
    "properties": {"episode": {"type": "integer", "minimum": 1}, "solved": {"type": "boolean"},
                   "score": {"type": "integer", "minimum": 1, "maximum": 5, "nullable": True},
                   "satisfied": {"type": "boolean"}, "created_at": TIME,
                   "comment": {"type": "string", "nullable": True}},
}
TAG_NAME = {"name": "name", "in": "path", "required": True,
            "description": "A tag's name (any case); a tag no question ever carried is 404.",
            "schema": {"type": "string"}}
PAGE = _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1})

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "A stable machine-readable code, e.g. `invalid`."},
                "message": {"type": "string", "description": "A sentence safe to show to a person."},
                "fields": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "For `invalid`: each offending field and what is wrong with it."},
            },
        }},
    },
    "NewImage": {
        "type": "object", "required": ["image"],
        "properties": {
            "image": {"type": "string", "format": "binary",
                      "description": "A PNG, JPEG, GIF (first frame) or WebP file, whatever its name or declared type; "
                                     "at most UPLOADS_MAX_BYTES (5 MB unless an admin changed it) and 50 million "
                                     "pixels."},
            "alt": {"type": "string", "maxLength": 100,
                    "description": "What the image shows, for the Markdown; the file name's stem when omitted."},
        },
    },
    "Image": {
        "type": "object", "required": ["name", "url", "markdown", "content_type", "size", "width", "height"],
        "properties": {
            "name": {"type": "string", "description": "The stored name: the re-encoded content's hash."},
            "url": {"type": "string", "description": "Where the image is served, on this site (`/uploads/<name>`)."},
            "markdown": {"type": "string", "description": "`![alt](url)`, to put in a question or answer body."},
            "content_type": {"type": "string", "enum": ["image/png", "image/jpeg", "image/webp"]},
            "size": {"type": "integer", "description": "Bytes stored, after re-encoding."},
            "width": {"type": "integer", "maximum": 2048},
            "height": {"type": "integer", "maximum": 2048},
        },
    },
    "Author": {
        "type": "object", "required": ["id", "username", "reputation", "is_staff", "url"],
        "properties": {"id": {"type": "integer"}, "username": {"type": "string"},
                       "reputation": {"type": "integer", "minimum": 1}, "is_staff": {"type": "boolean"},
                       "url": {"type": "string", "format": "uri"}},
    },
    "QuestionSummary": {
        "type": "object",
        "required": ["id", "title", "url", "score", "answer_count", "view_count", "accepted_answer_id", "status",
                     "closed", "duplicate_of", "tags", "author", "created_at", "last_activity_at"],
        "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"}, "url": {"type": "string", "format": "uri"},
            "score": {"type": "integer"}, "answer_count": {"type": "integer", "minimum": 0},
            "view_count": {"type": "integer", "minimum": 0},
            "accepted_answer_id": {"type": "integer", "nullable": True},
            "status": {"type": "string", "enum": ["open", "resolved", "closed"]},
            "closed": {
                "type": "object", "nullable": True, "required": ["reason", "closed_at"],
                "description": "Why and when a moderator closed the question; null while it is open.",
                "properties": {"reason": {"type": "string", "enum": list(CLOSE_REASONS)}, "closed_at": TIME},
            },
            "duplicate_of": {
                "type": "object", "nullable": True, "required": ["id", "title", "url"],
                "description": "The original a question closed as a duplicate points to (its answers may help); "
                               "null otherwise.",
                "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
                               "url": {"type": "string", "format": "uri"}},
            },
            "tags": {"type": "array", "items": {"type": "string"}},
            "author": _ref("Author"), "created_at": TIME, "last_activity_at": TIME,
        },
    },
    "Answer": {
        "type": "object",
        "required": ["id", "question_id", "body_html", "score", "accepted", "official", "author", "created_at",
                     "edited_at"],
        "properties": {
            "id": {"type": "integer"}, "question_id": {"type": "integer"},
            "body_html": {"type": "string", "description": "Sanitized HTML rendered from the Markdown body."},
            "score": {"type": "integer"}, "accepted": {"type": "boolean"},
            "official": {"type": "boolean", "description": "Written by brand staff: stamped when the answer was "
                         "posted, unchanged by later role changes (`author.is_staff` is the author's role now)."},
            "author": _ref("Author"), "created_at": TIME, "edited_at": NULLABLE_TIME,
        },
    },
    "QuestionDetail": {
        "allOf": [_ref("QuestionSummary"), {
            "type": "object", "required": ["body_html", "edited_at", "answers"],
            "properties": {"body_html": {"type": "string"}, "edited_at": NULLABLE_TIME,
                           "answers": {"type": "array", "items": _ref("Answer"),
                                       "description": "Accepted answer first, then by score, then oldest."}},
        }],
    },
    "QuestionPage": {
        "type": "object", "required": ["items", "page", "pages", "total"],
        "properties": {"items": {"type": "array", "items": _ref("QuestionSummary")},
                       "page": {"type": "integer"}, "pages": {"type": "integer"},
                       "total": {"type": "integer", "description": (
                           f"Exact below {EXACT_TOTALS_BELOW:,} questions; a larger total may be up to "
                           f"{KEPT_TOTAL_SECONDS} s old (the items are always current).")}},
    },
    "SearchResults": {
        "type": "object", "required": ["items", "page", "pages", "total", "did_you_mean", "degraded"],
        "properties": {
            "items": {"type": "array", "items": {"allOf": [_ref("QuestionSummary"), {
                "type": "object", "required": ["snippet"],
                "properties": {"snippet": {"type": "string", "description": "HTML with <mark> around matches."}}}]}},
            "page": {"type": "integer"}, "pages": {"type": "integer"}, "total": {"type": "integer"},
            "did_you_mean": {"type": "string", "nullable": True},
            "notice": {"type": "string", "nullable": True,
                       "description": "Why the query as typed could not be run (only words left out, say), "
                                      "or that the results are degraded."},
            "degraded": {"type": "boolean",
                         "description": "True while this host's search index is missing or being rebuilt: the "
                                        "results come from a simpler database search (the words as typed, in "
                                        "titles and question text, newest first, at most 200)."},
        },
    },
    "Suggestions": {
        "type": "object", "required": ["results", "degraded"],
        "properties": {"degraded": {"type": "boolean",
                                    "description": "True while this host's search index is missing or being "
                                                   "rebuilt: the results are titles holding each typed word's "
                                                   "start, newest first."},
                       "results": {"type": "array", "maxItems": 10, "items": {
            "type": "object",
            "required": ["id", "title", "url", "resolved", "score", "answer_count", "snippet", "excerpt_of"],
            "properties": {"id": {"type": "integer"}, "title": {"type": "string"}, "url": {"type": "string"},
                           "resolved": {"type": "boolean"}, "score": {"type": "integer"},
                           "answer_count": {"type": "integer"},
                           "snippet": {"type": "string", "description": "HTML-escaped text, matches in <mark>."},
                           "excerpt_of": {"type": "string", "enum": ["accepted answer", "top answer", "question"],
                                          "description": "Where the snippet comes from: a solved question's "
                                                         "accepted answer, else its best-scored answer."}}}}},
    },
    "NewQuestion": {
        "type": "object", "required": ["title", "body", "tags"],
        "properties": {"title": {"type": "string", "description": "15 to 150 characters."},
                       "body": {"type": "string", "description": "Markdown, 20 to 30,000 characters."},
                       "tags": {"description": "1 to 5 tags: a list, or one string separated by spaces or commas.",
                                "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}},
        "additionalProperties": True,
    },
    "NewAnswer": {"type": "object", "required": ["body"],
                  "properties": {"body": {"type": "string", "description": "Markdown, 20 to 30,000 characters."}}},
    "Vote": {"type": "object", "required": ["value"],
             "properties": {"value": {"type": "integer", "enum": [1, -1, 0],
                                      "description": "1 up, -1 down, 0 withdraw; the same vote again withdraws it."}}},
    "Score": {"type": "object", "required": ["score"], "properties": {"score": {"type": "integer"}}},
    "Accepted": {"type": "object", "required": ["accepted_answer_id"],
                 "properties": {"accepted_answer_id": {"type": "integer"}}},
    "TagFollow": {"type": "object", "required": ["tag", "following"],
                  "properties": {"tag": {"type": "string", "description": "The tag's name, in lower case."},
                                 "following": {"type": "boolean",
                                               "description": "Whether the token's member follows the tag."}}},
    "SuggestionOpened": {
        "type": "object", "required": ["draft", "question_id"],
        "properties": {"draft": {"type": "string", "pattern": "^[0-9a-f]{16,64}$",
                                 "description": "The draft token the ask form was given in this session."},
                       "question_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}},
}

READ = "Reading"
WRITE = "Writing (bearer token)"
FOLLOWING = "Following tags (bearer token)"

PATHS = {
    "/questions": {
        "get": {
            "tags": [READ], "summary": "List questions", "operationId": "listQuestions",
            "parameters": [
                _query("tab", "Which list.", {"type": "string", "default": "active", "enum": [
                    "newest", "active", "votes", "unanswered", "unresolved", "resolved"]}),
                _query("tag", "Only questions with this tag (an unknown tag gives an empty list)."), PAGE],
            "responses": {"200": _json(_ref("QuestionPage"), "One page of questions."), **_errors("422")},
        },
        "post": {
            "tags": [WRITE], "summary": "Ask a question", "operationId": "createQuestion", "security": BEARER,
            "requestBody": _body(_ref("NewQuestion")),
            "responses": {"201": {**_json(_ref("QuestionDetail"), "The new question."),
                                  "headers": {"Location": {"schema": {"type": "string"}}}},
                          **_errors("400", "401", "403", "413", "422", "429")},
        },
    },
    "/images": {
        "post": {
            "tags": [WRITE], "summary": "Upload an image for a post", "operationId": "uploadImage",
            "security": BEARER,
            "description": ("The image is decoded, turned upright, scaled down to 2048 pixels at most and encoded anew "
                            "without metadata (EXIF, GPS); anything that does not decode as an image is refused with "
                            "422. A body over the size limit is refused with 413 before it is read."),
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _ref("NewImage")}}},
            "responses": {"201": {**_json(_ref("Image"), "The stored image and the Markdown that shows it."),
                                  "headers": {"Location": {"schema": {"type": "string"}}}},
                          **_errors("400", "401", "403", "413", "422", "429")},
        },
    },
    "/questions/{question_id}": {
        "get": {
            "tags": [READ], "summary": "A question with its answers", "operationId": "getQuestion",
            "parameters": [_id_parameter("question_id", "question")],
            "responses": {"200": _json(_ref("QuestionDetail"), "The question."), **_errors("404")},
        },
    },
    "/questions/{question_id}/answers": {
        "post": {
            "tags": [WRITE], "summary": "Answer a question", "operationId": "createAnswer", "security": BEARER,
            "parameters": [_id_parameter("question_id", "question")], "requestBody": _body(_ref("NewAnswer")),
            "responses": {"201": _json(_ref("Answer"), "The new answer."),
                          **_errors("400", "401", "403", "404", "409", "413", "422", "429")},
        },
    },
    "/questions/{question_id}/vote": {
        "post": {
            "tags": [WRITE], "summary": "Vote on a question", "operationId": "voteQuestion", "security": BEARER,
            "parameters": [_id_parameter("question_id", "question")], "requestBody": _body(_ref("Vote")),
            "responses": {"200": _json(_ref("Score"), "The question's new score."),
                          **_errors("400", "401", "403", "404", "409", "413", "422", "429")},
        },
    },
    "/answers/{answer_id}/vote": {
        "post": {
            "tags": [WRITE], "summary": "Vote on an answer", "operationId": "voteAnswer", "security": BEARER,
            "parameters": [_id_parameter("answer_id", "answer")], "requestBody": _body(_ref("Vote")),
            "responses": {"200": _json(_ref("Score"), "The answer's new score."),
                          **_errors("400", "401", "403", "404", "409", "413", "422", "429")},
        },
    },
    "/answers/{answer_id}/accept": {
        "post": {
            "tags": [WRITE], "summary": "Accept an answer (the asker or staff)", "operationId": "acceptAnswer",
            "security": BEARER, "parameters": [_id_parameter("answer_id", "answer")],
            "responses": {"200": _json(_ref("Accepted"), "The question is resolved by this answer."),
                          **_errors("400", "401", "403", "404", "409", "413", "422", "429")},
        },
    },
    "/tags/{name}/follow": {
        "get": {
            "tags": [FOLLOWING], "summary": "Whether you follow a tag", "operationId": "getTagFollow",
            "security": BEARER, "parameters": [TAG_NAME],
            "responses": {"200": _json(_ref("TagFollow"), "Whether the token's member follows the tag."),
                          **_errors("401", "404")},
        },
        "put": {
            "tags": [FOLLOWING], "summary": "Follow a tag", "operationId": "followTag", "security": BEARER,
            "description": "Each new question in the tag that everyone may see then notifies the member once "
                           "(never for their own questions), by email too as their notification settings say. "
                           "Following a tag already followed changes nothing.",
            "parameters": [TAG_NAME],
            "responses": {"200": _json(_ref("TagFollow"), "The member follows the tag."),
                          **_errors("401", "403", "404", "413")},
        },
        "delete": {
            "tags": [FOLLOWING], "summary": "Stop following a tag", "operationId": "unfollowTag", "security": BEARER,
            "parameters": [TAG_NAME],
            "responses": {"200": _json(_ref("TagFollow"), "The member no longer follows the tag."),
                          **_errors("401", "403", "404", "413")},
        },
    },
    "/search": {
        "get": {
            "tags": [READ], "summary": "Search questions and answers", "operationId": "search",
            "parameters": [
                _query("q", "Words, \"phrases\", and filters such as tag:x200, is:resolved, has:answers."),
                _query("tag", "Only this tag."),
                _query("resolved", "true or false: only resolved or only unresolved questions."),
                _query("answered", "true: only questions with answers."),
                _query("sort", "Order.", {"type": "string", "enum": ["relevance", "newest", "votes"],
                                          "default": "relevance"}),
                _query("page", "Page number (anything else means 1).")],
            "responses": {"200": _json(_ref("SearchResults"), "One page of results."), **_errors("422", "429")},
        },
    },
    "/suggest": {
        "get": {
            "tags": [READ], "summary": "Existing questions that may answer a draft", "operationId": "suggest",
            "parameters": [_query("q", "The draft's title (a short text gives no results)."),
                           _query("limit", "How many, at most 10 (default 5)."),
                           _query("exclude", "A question id to leave out (the one being edited).")],
            "responses": {"200": _json(_ref("Suggestions"), "Up to `limit` suggestions."), **_errors("429")},
        },
    },
    "/suggest/opened": {
        "post": {
            "tags": [READ], "summary": "Report that a suggestion was opened while writing a draft",
            "description": "For the ask form: `draft` must be the token the form was given in this browser "
                           "session (sent with the session cookie); reports are rate limited.",
            "operationId": "suggestionOpened", "requestBody": _body(_ref("SuggestionOpened")),
            "responses": {"204": {"description": "Noted."}, **_errors("400", "404", "413", "422", "429"),
                          "403": _error("The draft was not started in this browser session.")},
        },
    },
    "/openapi.json": {
        "get": {
            "tags": [READ], "summary": "This document", "operationId": "openapi",
            "responses": {"200": _json({"type": "object"}, "The OpenAPI 3 description of API v1.")},
        },
    },
}

MEMBERS = "Members: badges and reputation"

SCHEMAS.update({
    "BadgeAward": {
        "type": "object", "required": ["badge", "name", "description", "awarded_at"],
        "properties": {
            "badge": {"type": "string", "enum": [badge.slug for badge in badges.CATALOGUE],
                      "description": "The badge's stable key; the catalogue is listed at /badges."},
            "name": {"type": "string"}, "description": {"type": "string", "description": "What earns it."},
            "awarded_at": TIME,
        },
    },
    "BadgeList": {"type": "object", "required": ["items"],
                  "properties": {"items": {"type": "array", "items": _ref("BadgeAward"),
                                           "description": "Newest first; each badge at most once."}}},
    "ReputationEntry": {
        "type": "object", "required": ["amount", "reason", "description", "created_at", "post"],
        "properties": {
            "amount": {"type": "integer", "description": "Points added (negative: taken away)."},
            "reason": {"type": "string", "enum": list(reputation.REASONS),
                       "description": "Why, as a stable key; `before_history` holds the points earned before "
                                      "history was kept."},
            "description": {"type": "string", "description": "The reason in words."},
            "created_at": TIME,
            "post": {"type": "object", "nullable": True, "required": ["type", "id", "question_id", "title", "url"],
                     "description": "The post it is about; null when there is none or it is no longer public.",
                     "properties": {"type": {"type": "string", "enum": ["question", "answer"]},
                                    "id": {"type": "integer"}, "question_id": {"type": "integer"},
                                    "title": {"type": "string", "description": "The question's title."},
                                    "url": {"type": "string", "format": "uri"}}},
        },
    },
    "ReputationHistory": {
        "type": "object", "required": ["reputation", "points", "items", "page", "pages", "total"],
        "properties": {
            "reputation": {"type": "integer", "minimum": 1, "description": "As shown: 1 plus the points, at least 1."},
            "points": {"type": "integer", "description": "The sum of every entry of the history."},
            "items": {"type": "array", "items": _ref("ReputationEntry"), "description": "Newest first."},
            "page": {"type": "integer"}, "pages": {"type": "integer"}, "total": {"type": "integer"},
        },
    },
})

PATHS.update({
    "/users/{user_id}/badges": {"get": {
        "tags": [MEMBERS], "summary": "The badges a member holds", "operationId": "listMemberBadges",
        "parameters": [_id_parameter("user_id", "member")],
        "responses": {"200": _json(_ref("BadgeList"), "The member's badges."), **_errors("404")},
    }},
    "/users/{user_id}/reputation": {"get": {
        "tags": [MEMBERS], "summary": "A member's reputation history", "operationId": "getMemberReputation",
        "description": "Every change of the member's points, newest first, 30 a page; the amounts of the whole "
                       "history add up to `points`.",
        "parameters": [_id_parameter("user_id", "member"), PAGE],
        "responses": {"200": _json(_ref("ReputationHistory"), "One page of the history."), **_errors("404", "422")},
    }},
})

MODERATION = "Flags and moderation"
CARE = "Care queue (staff tokens)"

SCHEMAS.update({
    "NewFlag": {
        "type": "object", "required": ["reason"],
        "properties": {"reason": {"type": "string", "enum": ["spam", "rude", "off-topic", "staff", "other"],
                                  "description": "`spam` and `rude` count toward hiding the post at once "
                                                 "(FLAG_HIDE_THRESHOLD, or one moderator's flag); `staff` goes to "
                                                 "the care queue, not to moderators."},
                       "text": {"type": "string", "nullable": True, "maxLength": 500,
                                "description": "Details: required when the reason is `other`."}},
    },
    "Flag": {
        "type": "object",
        "required": ["id", "post_type", "post_id", "question_id", "reason", "text", "status", "weight", "flagger",
                     "created_at", "resolved_at"],
        "properties": {
            "id": {"type": "integer"},
            "post_type": {"type": "string", "enum": ["question", "answer", "comment"]},
            "post_id": {"type": "integer"}, "question_id": {"type": "integer"},
            "reason": {"type": "string"}, "text": {"type": "string", "nullable": True},
            "status": {"type": "string", "enum": ["open", "agreed", "disagreed", "ignored"]},
            "weight": {"type": "number"},
            "flagger": {"type": "object", "required": ["id", "username"],
                        "properties": {"id": {"type": "integer"}, "username": {"type": "string"}}},
            "created_at": TIME, "resolved_at": NULLABLE_TIME,
            "post_hidden": {"type": "boolean", "description": "On a new flag: whether the post is hidden now."},
        },
    },
    "FlagPage": {
        "type": "object", "required": ["items", "page", "pages", "total"],
        "properties": {"items": {"type": "array", "items": _ref("Flag")}, "page": {"type": "integer"},
                       "pages": {"type": "integer"}, "total": {"type": "integer"}},
    },
    "CareClock": {
        "type": "object", "required": ["due_at", "stopped_at", "seconds_left", "breached", "paused"],
        "properties": {
            "due_at": NULLABLE_TIME, "stopped_at": NULLABLE_TIME,
            "stopped_by": {"type": "string", "nullable": True,
                           "description": "Why the clock stopped: response (a first staff response), resolved (by "
                                          "staff or the community) or withdrawn (with its question); null while "
                                          "it runs."},
            "seconds_left": {"type": "integer", "description": "Seconds from now (or, once stopped, from the stop: "
                                                               "frozen) to the due time; negative when late."},
            "breached": {"type": "boolean"}, "met": {"type": "boolean"}, "paused": {"type": "boolean"},
            "asked_at": TIME, "queued_at": TIME, "started_at": TIME,
            "counted_from": {"type": "string", "enum": ["queued", "asked", "reopened"],
                             "description": "Which moment the clock counts from (CARE_SLA_CLOCK_START; after a "
                                            "reopening, the resolution clock counts from it)."},
            "business_hours": {"type": "string", "nullable": True,
                               "description": "The team's business hours the clock counts in; null for 24/7."},
            "time_zone": {"type": "string", "nullable": True},
        },
    },
    "CareItem": {
        "type": "object",
        "required": ["id", "question", "status", "category", "team", "priority", "priority_overridden", "assignee",
                     "reasons", "matched_words", "created_at", "updated_at", "resolved_at", "resolved_by", "satisfied",
                     "rating", "ratings", "routed", "clocks"],
        "properties": {
            "id": {"type": "integer"},
            "question": {"type": "object", "required": ["id", "title", "url"],
                         "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
                                        "url": {"type": "string"}}},
            "status": {"type": "string", "enum": ["new", "acknowledged", "in_progress", "waiting", "resolved",
                                                 "withdrawn"]},
            "category": {"type": "string", "nullable": True}, "team": {"type": "string", "nullable": True},
            "priority": {"type": "string", "nullable": True}, "priority_overridden": {"type": "boolean"},
            "assignee": {"type": "object", "nullable": True, "required": ["id", "username"],
                         "properties": {"id": {"type": "integer"}, "username": {"type": "string"}}},
            "reasons": {"type": "array", "items": {
                "type": "object", "required": ["kind", "detail", "at"],
                "properties": {"kind": {"type": "string"}, "detail": {"type": "string", "nullable": True},
                               "at": NULLABLE_TIME}}},
            "matched_words": {"type": "array", "items": {"type": "string"}},
            "created_at": TIME, "updated_at": TIME, "resolved_at": NULLABLE_TIME,
            "resolved_by": {"type": "string", "nullable": True},
            "satisfied": {"type": "boolean", "nullable": True,
                          "description": "The asker's answer for the current resolution (see rating)."},
            "rating": {**CARE_RATING, "nullable": True,
                       "description": "The asker's answer to “Did this solve your problem?” for this resolution."},
            "ratings": {"type": "array", "items": _ref("CareRating"),
                        "description": "Every answer, one per resolution, with the optional comment."},
            "routed": {"type": "string", "nullable": True, "description": "Why the item went to its team."},
            "clocks": {"type": "object", "additionalProperties": _ref("CareClock")},
        },
    },
    "CareRating": CARE_RATING,
    "CareItemList": {
        "type": "object", "required": ["items", "total", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": _ref("CareItem")},
            "total": {"type": "integer", "nullable": True,
                      "description": "Matching items in all pages (order=due); null in the feed of changes."},
            "next_cursor": {"type": "string", "nullable": True,
                            "description": "Pass as `cursor` for the next page; null on the last page."}},
    },
    "CareNote": {
        "type": "object", "required": ["id", "body", "author", "created_at"],
        "properties": {"id": {"type": "integer"}, "body": {"type": "string"}, "created_at": TIME,
                       "author": {"type": "object", "required": ["id", "username"],
                                  "properties": {"id": {"type": "integer"}, "username": {"type": "string"}}}},
    },
    "CareNoteList": {
        "type": "object", "required": ["items"],
        "properties": {"items": {"type": "array", "items": _ref("CareNote")}},
    },
    "CareText": {
        "type": "object", "required": ["body"],
        "properties": {"body": {"type": "string", "minLength": 1, "maxLength": 5000}},
    },
    "CareAcknowledgement": {
        "type": "object",
        "properties": {"body": {"type": "string", "nullable": True,
                                "description": "The comment; the acknowledgement setting's message by default."}},
    },
    "CareComment": {
        "type": "object", "required": ["comment", "care_item"],
        "properties": {"comment": {"type": "object", "required": ["id", "url"],
                                   "properties": {"id": {"type": "integer"}, "url": {"type": "string"}}},
                       "care_item": _ref("CareItem")},
    },
    "CareItemChange": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "status": {"type": "string", "enum": ["new", "acknowledged", "in_progress", "waiting", "resolved"]},
            "assignee": {"type": "integer", "nullable": True, "description": "A staff member's user id, or null."},
            "category": {"type": "string", "enum": ["question", "complaint", "compliment", "other"]},
            "priority": {"type": "string", "description": "urgent, high, normal, low, or auto (clears an override)."},
            "team": {"type": "string"},
        },
    },
    "NewCareItem": {
        "type": "object", "required": ["question_id"],
        "properties": {"question_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                       "note": {"type": "string", "nullable": True}},
    },
})


def _flag_path(kind):
    return {"post": {
        "tags": [MODERATION], "summary": f"Flag {'an' if kind == 'answer' else 'a'} {kind} for moderators",
        "operationId": f"flag{kind.title()}", "security": BEARER,
        "parameters": [_id_parameter("post_id", kind)], "requestBody": _body(_ref("NewFlag")),
        "responses": {"201": _json(_ref("Flag"), "The flag."),
                      **_errors("400", "401", "403", "404", "409", "413", "422", "429")},
    }}


PATHS.update({
    "/questions/{post_id}/flags": _flag_path("question"),
    "/answers/{post_id}/flags": _flag_path("answer"),
    "/comments/{post_id}/flags": _flag_path("comment"),
    "/moderation/flags": {"get": {
        "tags": [MODERATION], "summary": "Flags, newest first (moderators and admins)", "operationId": "listFlags",
        "security": BEARER,
        "parameters": [_query("status", "Only flags in this state.", {"type": "string", "enum": [
            "open", "agreed", "disagreed", "ignored"]}), PAGE],
        "responses": {"200": _json(_ref("FlagPage"), "One page of flags."), **_errors("401", "403", "422")},
    }},
    "/care/items": {
        "get": {
            "tags": [CARE], "summary": "Care items, soonest breach first, or every change since a time",
            "operationId": "listCareItems", "security": BEARER,
            "description": "order=due (the default) lists the queue as staff see it, soonest breach first; "
                           "order=updated (the default with updated_since) lists items by their last change, "
                           "oldest first, for a CRM that keeps in step: page with next_cursor until it is null, "
                           "then ask again with updated_since set to the last item's updated_at. Nothing is "
                           "capped: every matching item is in some page.",
            "parameters": [
                _query("status", "open (default), all, or one status.", {"type": "string", "enum": [
                    "open", "all", "new", "acknowledged", "in_progress", "waiting", "resolved", "withdrawn"]}),
                _query("order", "due or updated.", {"type": "string", "enum": ["due", "updated"]}),
                _query("updated_since", "Only items changed at or after this UTC time (ISO 8601).",
                       {"type": "string", "format": "date-time"}),
                _query("cursor", "The next_cursor of the page before."),
                _query("limit", "Items per page.", {"type": "integer", "minimum": 1, "maximum": 500,
                                                    "default": 100}),
                _query("team", "Only this team."),
                _query("assignee", "A user id, or none for unassigned items."),
                _query("category", "Only this category.", {"type": "string", "enum": [
                    "question", "complaint", "compliment", "other"]}),
                _query("reason", "Only items queued for this reason.")],
            "responses": {"200": _json(_ref("CareItemList"), "The matching items."),
                          **_errors("401", "403", "422")},
        },
        "post": {
            "tags": [CARE], "summary": "Send a thread to the care queue by hand", "operationId": "createCareItem",
            "security": BEARER, "requestBody": _body(_ref("NewCareItem")),
            "responses": {"201": {**_json(_ref("CareItem"), "The item."),
                                  "headers": {"Location": {"schema": {"type": "string"}}}},
                          **_errors("400", "401", "403", "404", "409", "413", "422")},
        },
    },
    "/care/items/{item_id}": {
        "get": {
            "tags": [CARE], "summary": "One care item", "operationId": "getCareItem", "security": BEARER,
            "parameters": [_id_parameter("item_id", "care item")],
            "responses": {"200": _json(_ref("CareItem"), "The item."), **_errors("401", "403", "404")},
        },
        "patch": {
            "tags": [CARE], "summary": "Change a care item's status, assignee, category, team or priority",
            "operationId": "updateCareItem", "security": BEARER,
            "parameters": [_id_parameter("item_id", "care item")], "requestBody": _body(_ref("CareItemChange")),
            "responses": {"200": _json(_ref("CareItem"), "The item after the change."),
                          **_errors("400", "401", "403", "404", "405", "409", "413", "422")},
        },
    },
    "/care/items/{item_id}/notes": {
        "get": {
            "tags": [CARE], "summary": "A care item's internal notes", "operationId": "listCareNotes",
            "security": BEARER, "parameters": [_id_parameter("item_id", "care item")],
            "responses": {"200": _json(_ref("CareNoteList"), "The notes, oldest first."),
                          **_errors("401", "403", "404")},
        },
        "post": {
            "tags": [CARE], "summary": "Add an internal note (staff only, never on the thread)",
            "operationId": "createCareNote", "security": BEARER,
            "parameters": [_id_parameter("item_id", "care item")], "requestBody": _body(_ref("CareText")),
            "responses": {"201": _json(_ref("CareNote"), "The note."),
                          **_errors("400", "401", "403", "404", "405", "413", "422")},
        },
    },
    "/care/items/{item_id}/comments": {"post": {
        "tags": [CARE], "summary": "Comment on the item's thread as staff (a first response)",
        "operationId": "createCareComment", "security": BEARER,
        "parameters": [_id_parameter("item_id", "care item")], "requestBody": _body(_ref("CareText")),
        "responses": {"201": _json(_ref("CareComment"), "The comment and the item after it."),
                      **_errors("400", "401", "403", "404", "405", "409", "413", "422", "429")},
    }},
    "/care/items/{item_id}/acknowledge": {"post": {
        "tags": [CARE], "summary": "Post the acknowledgement comment on the item's thread",
        "operationId": "acknowledgeCareItem", "security": BEARER,
        "parameters": [_id_parameter("item_id", "care item")],
        "requestBody": _body(_ref("CareAcknowledgement"), required=False),
        "responses": {"201": _json(_ref("CareComment"), "The comment and the item after it."),
                      **_errors("400", "401", "403", "404", "405", "409", "413", "422", "429")},
    }},
})

# The scope each bearer operation checks with require_scope(); a test keeps this in step with the routes.
OPERATION_SCOPES = {
    "createQuestion": "write", "createAnswer": "write", "voteQuestion": "write", "voteAnswer": "write",
    "acceptAnswer": "write", "getTagFollow": "read", "followTag": "write", "unfollowTag": "write",
    "uploadImage": "write", "flagQuestion": "write", "flagAnswer": "write", "flagComment": "write",
    "listFlags": "moderate",
    "listCareItems": "care:read", "getCareItem": "care:read", "createCareItem": "care:write",
    "updateCareItem": "care:write", "listCareNotes": "care:read", "createCareNote": "care:write",
    "createCareComment": "care:write", "acknowledgeCareItem": "care:write",
}


def _with_scopes(paths):
    """Name each bearer operation's scope: in `x-required-scope` and in words in its description."""
    for operations in paths.values():
        for operation in operations.values():
            scope = OPERATION_SCOPES.get(operation.get("operationId"))
            if operation.get("security"):
                for code in ("401", "403"):  # every bearer operation may answer both
                    operation["responses"].setdefault(code, ERRORS[code])
            if operation.get("security") and scope:
                operation["x-required-scope"] = scope
                needs = f"Needs a token with the `{scope}` scope."
                operation["description"] = f"{operation['description']} {needs}" if operation.get("description") \
                    else needs
    return paths


def _scheme_description():
    lines = [f"- `{name}`: {scopes.label(name)}." for name in scopes.SCOPES]
    return ("An API token of a member or staff account, created on the account's API tokens page (or with "
            "`flask users token`). Each token holds the scopes chosen when it was created, from those the "
            "member's role allows (`care:*` for staff, `moderate` for moderators and admins), and expires after "
            "at most 365 days. It stops working when it expires or is revoked, when the account's password "
            "changes, and when the role no longer allows one of its scopes; a suspended member's tokens are "
            "refused while the suspension runs.\n\n" + "\n".join(lines))


DOCUMENT = {
    "openapi": "3.0.3",
    "info": {
        "title": "Peerdesk API",
        "version": "1",
        "description": (
            "The community's questions, answers, search and care queue for a brand's other systems. "
            "Reads are public; writes need `Authorization: Bearer <token>` (`flask users token NAME`, or the "
            "account page) of a token holding the operation's scope (`x-required-scope`). "
            "Errors are always `{\"error\": {\"code\", \"message\"}}` with a 4xx status. "
            "Webhooks (signed deliveries of events) are set up by admins at /admin/webhooks."),
    },
    "tags": [{"name": READ, "description": "Public reads; no token needed."},
             {"name": WRITE, "description": "Writes as the token's user, with the same rules as the web pages."},
             {"name": FOLLOWING, "description": "The tags the token's member follows: new questions in them "
                                                "notify the member, as on the tag's page."},
             {"name": MEMBERS, "description": "Public reads of a member's badges and reputation history."},
             {"name": MODERATION, "description": "Members flag posts; moderators list the flags."},
             {"name": CARE, "description": "The staff care queue, for a brand's CRM."}],
    "paths": _with_scopes(PATHS),
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer",
                                            "description": _scheme_description()}},
    },
}

def document(server_url=None):
    """The whole document, with the server this request reached."""
    doc = deepcopy(DOCUMENT)
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API."""
    return document(request.host_url.rstrip("/") + "/api/v1")


def docs():
    """Browsable docs rendered from the same document, no script or CDN needed."""
    return render_template("api/docs.html", doc=document(request.host_url.rstrip("/") + "/api/v1"),
                           spec_url=url_for("api.openapi"))


bp.record_once(lambda state: state.app.add_url_rule("/api/docs", "api_docs", docs))
