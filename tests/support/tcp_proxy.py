"""A small threaded TCP forwarder that a test can cut and restore, like a network that fails.

    proxy = TcpProxy("/path/to/mysqld.sock")   # or TcpProxy(("127.0.0.1", 3306))
    url = f"mysql+pymysql://root@127.0.0.1:{proxy.port}/db"
    proxy.cut()      # every live connection dropped (RST), new ones closed at once
    proxy.restore()  # connections forwarded again
    proxy.close()
"""

from __future__ import annotations

import socket
import struct
import threading

BUFFER = 64 * 1024


class TcpProxy:
    """Listens on a loopback port and forwards each connection to `target`."""

    def __init__(self, target: str | tuple[str, int]):
        self.target = target
        self.accepted = self.refused = self.dropped = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._live: set[socket.socket] = set()
        self._up = True
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self._thread.start()

    def cut(self) -> None:
        """Drop every live connection and refuse new ones until restore()."""
        with self._lock:
            self._up = False
            live, self._live = self._live, set()
            self.dropped += len(live) // 2
        for sock in live:
            _reset(sock)

    def restore(self) -> None:
        """Forward new connections again."""
        with self._lock:
            self._up = True

    def close(self) -> None:
        """Stop listening and drop everything."""
        self._closed = True
        self.cut()
        self._listener.close()
        self._thread.join(5)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed
            with self._lock:
                up = self._up
            if not up:
                self.refused += 1
                _reset(client)
                continue
            try:
                server = self._connect()
            except OSError:
                self.refused += 1
                _reset(client)
                continue
            with self._lock:
                if not self._up:  # cut while connecting
                    _reset(client)
                    _reset(server)
                    continue
                self._live.update((client, server))
                self.accepted += 1
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _connect(self) -> socket.socket:
        if isinstance(self.target, str):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(self.target)
            return sock
        return socket.create_connection(self.target, timeout=5)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(BUFFER):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._live.discard(source)
                self._live.discard(sink)
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()


def _reset(sock: socket.socket) -> None:
    """Close with an RST, as a dropped network path or a killed server looks to the peer."""
    try:
        if sock.family == socket.AF_UNIX:
            sock.shutdown(socket.SHUT_RDWR)
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RD)  # wakes the pump blocked in recv(); close() sends RST
    except OSError:
        pass
    sock.close()
