"""Make time.sleep() work under libfaketime, for the suite's runs with the clock moved (make suite-shifted).

Those runs fake only the wall clock (FAKETIME_DONT_FAKE_MONOTONIC=1: with a faked monotonic clock,
every timed wait in a thread would last the whole shift). libfaketime 0.9.10 then gets
clock_nanosleep(TIMER_ABSTIME), which time.sleep() uses, wrong and it fails with EINVAL;
select() sleeps correctly. Imported first by tests/conftest.py, before anything binds
`from time import sleep` (Whoosh does), and only when libfaketime is loaded.
"""
import os
import select
import time

UNDER_FAKETIME = "faketime" in os.environ.get("LD_PRELOAD", "")


def _sleep(seconds):
    """time.sleep() through select(), which libfaketime leaves alone."""
    select.select([], [], [], seconds)


if UNDER_FAKETIME:
    time.sleep = _sleep
