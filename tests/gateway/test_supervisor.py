"""The sockets `serve --workers N` listens on (`gateway/supervisor.py`): one per worker on one port, each with
SO_REUSEPORT so that Linux spreads new connections across them, and a port someone else listens on refused."""

from __future__ import annotations

import socket

import pytest

from gateway import supervisor
from gateway.server import bind_socket
from gateway.supervisor import listening_sockets

linux_only = pytest.mark.skipif(
    not supervisor.spreads_connections(), reason="SO_REUSEPORT spreads connections on Linux"
)


def _reuse_port(sock: socket.socket) -> int:
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)


def _listening(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))


@linux_only
def test_one_listening_socket_per_worker_on_the_port_the_kernel_chose() -> None:
    sockets = listening_sockets(bind_socket, "127.0.0.1", 0, 3)
    try:
        ports = {s.getsockname()[1] for s in sockets}
        assert len(sockets) == 3 and len({s.fileno() for s in sockets}) == 3
        assert len(ports) == 1 and ports != {0}
        assert all(_reuse_port(s) and _listening(s) for s in sockets)
        # A connection to the port is taken by one of them.
        with socket.create_connection(("127.0.0.1", ports.pop()), timeout=2):
            pass
    finally:
        for s in sockets:
            s.close()


@linux_only
def test_a_port_another_listener_holds_is_refused_even_one_that_shares_with_so_reuseport() -> None:
    for reuse_port in (False, True):
        other = bind_socket("127.0.0.1", 0, reuse_port)  # a plain server, or a gateway left running
        try:
            with pytest.raises(OSError):
                listening_sockets(bind_socket, "127.0.0.1", other.getsockname()[1], 2)
        finally:
            other.close()


def test_one_worker_or_a_platform_that_does_not_spread_gets_one_plain_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    single = listening_sockets(bind_socket, "127.0.0.1", 0, 1)
    assert len(single) == 1 and not _reuse_port(single[0])
    single[0].close()

    monkeypatch.setattr(supervisor, "spreads_connections", lambda: False)
    shared = listening_sockets(bind_socket, "127.0.0.1", 0, 4)
    assert len(shared) == 1 and not _reuse_port(shared[0]) and _listening(shared[0])
    shared[0].close()


@linux_only
def test_a_failure_part_way_closes_the_sockets_already_bound() -> None:
    made: list[socket.socket] = []

    def bind(host: str, port: int, reuse_port: bool, listen: bool) -> socket.socket:
        if len(made) == 3:  # the probe and two workers' sockets bound, the third fails
            raise OSError("no more")
        sock = bind_socket(host, port, reuse_port, listen)
        made.append(sock)
        return sock

    with pytest.raises(OSError, match="no more"):
        listening_sockets(bind, "127.0.0.1", 0, 3)
    assert all(s.fileno() == -1 for s in made)


@linux_only
def test_the_port_is_first_taken_without_listening_so_no_connection_reaches_the_probe() -> None:
    calls: list[tuple[bool, bool]] = []

    def bind(host: str, port: int, reuse_port: bool, listen: bool) -> socket.socket:
        calls.append((reuse_port, listen))
        return bind_socket(host, port, reuse_port, listen)

    sockets = listening_sockets(bind, "127.0.0.1", 0, 2)
    for s in sockets:
        s.close()
    assert calls == [(False, False), (True, True), (True, True)]
