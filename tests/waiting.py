"""Waiting in tests for something another process does."""

from __future__ import annotations

import time


def wait_for(predicate, timeout: float, what: str):
    """predicate()'s first true value, polled every 0.2 s; AssertionError naming `what` after timeout s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
