"""PixelBudget: the decoded pixels concurrent uploads may hold, shared, waited for briefly, then refused."""

from __future__ import annotations

import threading
import time

import pytest

from app.exceptions import Overloaded
from app.limits import PixelBudget


def test_reservations_share_the_budget_and_one_beyond_it_is_refused_after_its_wait():
    budget = PixelBudget(100, wait=0.05)
    with budget.reserve(60), budget.reserve(40):
        assert budget.in_use == 100
        with pytest.raises(Overloaded, match="too many large images") as refused:
            with budget.reserve(1):
                pass
        assert refused.value.status == 503
    assert budget.in_use == 0


def test_a_waiting_reservation_gets_the_room_another_frees():
    budget = PixelBudget(100, wait=10)
    holding = threading.Event()

    def hold():
        with budget.reserve(100):
            holding.set()
            time.sleep(0.2)  # still held when the other asks (all of it: the other cannot get in before)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(5)
    with budget.reserve(50):  # waits for the holder, then proceeds
        assert budget.in_use == 50
    holder.join(5)
    assert budget.in_use == 0


def test_an_image_larger_than_the_budget_fits_alone_and_a_failure_gives_its_room_back():
    budget = PixelBudget(100, wait=0.05)
    with pytest.raises(RuntimeError):
        with budget.reserve(10_000):  # clamped to the whole budget
            assert budget.in_use == 100
            raise RuntimeError("the decoder failed")
    assert budget.in_use == 0
