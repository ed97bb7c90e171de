"""Make time.sleep() work under libfaketime, in every Python process of a run with the clock moved.

`make suite-shifted` puts this folder on PYTHONPATH, so Python loads this module at start-up
in the test process, its xdist workers and every process a test starts (spawned voters and
indexers, gunicorn, `flask worker`). Those runs fake only the wall clock
(FAKETIME_DONT_FAKE_MONOTONIC=1: with a faked monotonic clock every timed wait in a thread
would last the whole shift), and libfaketime 0.9.10 then gets clock_nanosleep(TIMER_ABSTIME),
which time.sleep() uses, wrong: it fails with EINVAL. select() sleeps correctly.
"""
import os
import select
import time


def _sleep(seconds):
    """time.sleep() through select(), which libfaketime leaves alone."""
    select.select([], [], [], seconds)


if "faketime" in os.environ.get("LD_PRELOAD", ""):
    time.sleep = _sleep
