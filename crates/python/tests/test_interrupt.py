"""Ctrl-C during a long run_batch: KeyboardInterrupt within a fraction of a second, and the
model still works afterwards."""

import os
import signal
import threading
import time

import numpy as np
import pytest

import pressure
from conftest import EXAMPLES


@pytest.fixture
def sigint_raises():
    """SIGINT raises KeyboardInterrupt for the test's duration, whatever the process inherited.

    A process started in the background by a non-interactive shell (`cmd &` in a script, nohup,
    a CI runner) inherits SIGINT *ignored*; Python then installs no handler and Ctrl-C (or
    `_thread.interrupt_main`) does nothing, in any Python code. That, not the engine, is why
    this test once hung in a CI run started that way: the batch ran to its end."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def test_keyboard_interrupt_stops_a_long_batch_quickly(sigint_raises):
    model = pressure.load(EXAMPLES / "sir.toml")
    names = ["contact_infectivity", "duration"]
    small = np.array([[0.3, 5.0], [0.4, 6.0]])
    before = model.run_batch(small, names=names, outputs=["infectious"])
    # Far more runs than finish in the test's time (minutes): rk4 at a small step. Only the start
    # and the end are saved: the results of 2 million runs saved at every step would need about
    # 50 GB (the CI run of 2026-12-07 was killed by the kernel's out-of-memory killer).
    X = np.tile([[0.3, 5.0]], (2_000_000, 1))
    started = time.perf_counter()
    # A real SIGINT, as Ctrl-C sends it to the process (from another thread, after 0.5 s).
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            model.run_batch(
                X, names=names, outputs=["infectious"], method="rk4", dt=0.03125, save_every=100.0, threads=2
            )
    finally:
        timer.cancel()
    elapsed = time.perf_counter() - started
    # The batch would take minutes; the interrupt ends it within a chunk (about 0.1 s).
    assert elapsed < 5.0, elapsed
    after = model.run_batch(small, names=names, outputs=["infectious"])
    assert after["infectious"].tobytes() == before["infectious"].tobytes()


def interrupt_after(seconds):
    """A real SIGINT to this process after `seconds` (as Ctrl-C sends it)."""
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_keyboard_interrupt_stops_a_long_sensitivity_analysis(sigint_raises):
    model = pressure.load(EXAMPLES / "sir.toml")
    problem = {"num_vars": 2, "names": ["contact_infectivity", "duration"], "bounds": [[0.1, 0.6], [2, 10]]}
    outputs = [{"name": "peak", "variable": "infectious", "statistic": "peak"}]
    # 2^20 * 4 = 4 million runs at rk4 and a small step: hours, were it not stopped.
    started = time.perf_counter()
    timer = interrupt_after(0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            pressure.sensitivity.sobol(model, problem, outputs, N=2**20, calc_second_order=False, dt=0.03125 / 4)
    finally:
        timer.cancel()
    assert time.perf_counter() - started < 5.0
    # Still usable, with the same numbers as before.
    small = pressure.sensitivity.sobol(model, problem, outputs, N=64, calc_second_order=False)
    again = pressure.sensitivity.sobol(model, problem, outputs, N=64, calc_second_order=False)
    assert small.indices.equals(again.indices)


def test_keyboard_interrupt_stops_a_long_fit(sigint_raises):
    model = pressure.load(EXAMPLES / "sir.toml")
    days = np.arange(0.0, 101.0, 2.0)
    data = model.run(params={"contact_infectivity": 0.42, "duration": 4.0}, vars=["infectious"]).loc[days]
    # rk4 at a step of 1e-5 day: ten million steps (about a second) a run, and a fit makes dozens
    # of runs: the interrupt comes within the run in progress.
    started = time.perf_counter()
    timer = interrupt_after(0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            model.fit(data, {"contact_infectivity": (0.1, 0.6), "duration": (2, 10)}, method="rk4", dt=1e-5, save_every=1.0)
    finally:
        timer.cancel()
    assert time.perf_counter() - started < 5.0
