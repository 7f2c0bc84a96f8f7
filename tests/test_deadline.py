"""The watchdog cuts a connection whose server stopped answering."""

import socket
import time

from ivr.resilience.deadline import Watchdog


class FakeWrapper:
    """Stands in for Django's connection object: `.connection.fileno()`."""

    def __init__(self, sock):
        self.connection = sock


def test_a_wait_past_the_deadline_is_cut_short():
    ours, server = socket.socketpair()  # the server never answers
    watchdog = Watchdog()
    started = time.monotonic()
    with watchdog.deadline(0.2, FakeWrapper(ours)):
        data = ours.recv(1)  # would block forever
    assert data == b""
    assert time.monotonic() - started < 5
    assert watchdog.fired == 1
    server.close()
    ours.close()


def test_work_done_in_time_is_left_alone():
    ours, server = socket.socketpair()
    watchdog = Watchdog()
    with watchdog.deadline(0.2, FakeWrapper(ours)):
        server.sendall(b"x")
        assert ours.recv(1) == b"x"
    time.sleep(0.4)
    ours.sendall(b"y")  # still usable: not shut down
    assert server.recv(1) == b"y"
    assert watchdog.fired == 0
    server.close()
    ours.close()
