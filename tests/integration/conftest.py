"""Fixtures several integration modules share: Redis for the multi-process tests, a local webhook receiver."""
import os

import pytest
import redis

from tests.webhook_receiver import Receiver

REDIS_URL = os.environ.get("TEST_REDIS_URL")  # tests marked needs_redis are only collected when it is set


@pytest.fixture
def redis_url():
    """TEST_REDIS_URL, checked: set but unreachable is a failure, never a skip."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"TEST_REDIS_URL={REDIS_URL} is set but Redis does not answer: {error}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def receiver(app):
    """A local receiver, with private addresses allowed as an admin would for an in-network receiver."""
    app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] = True
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def admin(make):
    return make.user("hookadmin", role="admin")
