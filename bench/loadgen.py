"""A small load generator: raw HTTP/1.1 keep-alive over asyncio, one coroutine per client.

requests in threads spends ~0.3 ms of CPU per call under the GIL, which on two cores would be
the bottleneck; writing the request bytes and reading the status line and Content-Length
costs a tenth of that. `ceiling()` measures what the client itself can do against a server
that answers from memory, so the benchmark can show the client is not the limit.

    closed_loop(...)  N clients, each sends its next request when the last one is answered
    open_loop(...)    requests at fixed times whatever the answers (no coordinated omission)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

CANNED = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
          b"Connection: keep-alive\r\n\r\n{\"ok\":true}")


def post_bytes(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """One HTTP/1.1 POST, ready to write."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}",
             "Content-Type: application/json", f"Content-Length: {len(body)}",
             *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection:
    """One keep-alive connection; request() sends raw bytes and returns the status code."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> int:
        """Send one request and read the whole response; reconnect first if closed, and once
        more if the server had closed the idle connection (gunicorn keeps one 2 s)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            return await self._exchange(raw)
        try:
            return await self._exchange(raw)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            if isinstance(exc, asyncio.IncompleteReadError) and exc.partial:
                raise  # the server had begun to answer: not a stale connection
            self.close()
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            return await self._exchange(raw)

    async def _exchange(self, raw: bytes) -> int:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        at = lower.find(b"\r\ncontent-length:")
        if at >= 0:
            length = int(lower[at + 17:lower.index(b"\r\n", at + 2)])
            if length:
                await self.reader.readexactly(length)
        if b"\r\nconnection: close" in lower:
            self.close()
        return status

    def close(self) -> None:
        """Drop the connection (the next request opens a new one)."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Run:
    """What one load run saw: per request its completion time, latency and status."""

    started: float = 0.0  # perf_counter at the start of the measured window
    ended: float = 0.0
    done_at: list[float] = field(default_factory=list)
    latency: list[float] = field(default_factory=list)
    status: list[int] = field(default_factory=list)
    errors: int = 0  # connection errors (no status)
    all_ok: int = 0  # 200s including the warm-up and the requests finishing after the window
    client_cpu: float = 0.0  # CPU seconds of this process in the window

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    def ok_rate(self) -> float:
        """Answers 200 per second in the measured window."""
        return sum(1 for s in self.status if s == 200) / self.seconds


async def _closed_loop(host: str, port: int, next_request: Callable[[], bytes], clients: int,
                       warmup: float, duration: float) -> Run:
    run = Run()
    start = time.perf_counter() + warmup
    end = start + duration

    async def client() -> None:
        connection = Connection(host, port)
        try:
            while (sent := time.perf_counter()) < end:
                raw = next_request()
                try:
                    status = await connection.request(raw)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    connection.close()
                    if sent >= start:
                        run.errors += 1
                    await asyncio.sleep(0.01)
                    continue
                done = time.perf_counter()
                run.all_ok += status == 200
                if start <= done < end:
                    run.done_at.append(done)
                    run.latency.append(done - sent)
                    run.status.append(status)
        finally:
            connection.close()

    async def cpu_marks() -> None:
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        cpu0 = time.process_time()
        await asyncio.sleep(max(0.0, end - time.perf_counter()))
        run.client_cpu = time.process_time() - cpu0

    await asyncio.gather(cpu_marks(), *(client() for _ in range(clients)))
    run.started, run.ended = start, end
    return run


def closed_loop(host: str, port: int, next_request: Callable[[], bytes], clients: int,
                warmup: float = 1.0, duration: float = 5.0) -> Run:
    """`clients` connections sending back to back; measures after `warmup` for `duration` s."""
    return asyncio.run(_closed_loop(host, port, next_request, clients, warmup, duration))


@dataclass
class Sent:
    """One open-loop request: when it was due (wall clock), its answer and how late it left."""

    due: float
    status: int | None = None
    latency: float | None = None
    lag: float = 0.0  # how long after `due` the client actually wrote it


async def _open_loop(host: str, port: int, requests: list[bytes], rate: float) -> list[Sent]:
    idle: list[Connection] = []
    sent: list[Sent] = []
    tasks = []
    mono0 = time.perf_counter() + 0.05
    wall0 = time.time() + (mono0 - time.perf_counter())

    async def fire(index: int, raw: bytes) -> None:
        connection = idle.pop() if idle else Connection(host, port)
        record = sent[index]
        began = time.perf_counter()
        record.lag = began - (mono0 + index / rate)
        try:
            record.status = await connection.request(raw)
            record.latency = time.perf_counter() - (mono0 + index / rate)
            idle.append(connection)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            connection.close()

    for index, raw in enumerate(requests):
        delay = mono0 + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sent.append(Sent(due=wall0 + index / rate))
        tasks.append(asyncio.create_task(fire(index, raw)))
    await asyncio.gather(*tasks)
    for connection in idle:
        connection.close()
    return sent


def open_loop(host: str, port: int, requests: list[bytes], rate: float) -> list[Sent]:
    """Send requests[i] at start + i / rate, each on an idle connection or a new one."""
    return asyncio.run(_open_loop(host, port, requests, rate))


async def _serve_canned(port: int) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lower = head.lower()
                at = lower.find(b"\r\ncontent-length:")
                if at >= 0:
                    await reader.readexactly(int(lower[at + 17:lower.index(b"\r\n", at + 2)]))
                writer.write(CANNED)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", port, backlog=512)
    async with server:
        await server.serve_forever()


def serve_canned(port: int) -> None:
    """A server that answers every request with a canned 200 from memory (the client's
    ceiling); runs until killed. `python -m bench.loadgen PORT`."""
    try:
        asyncio.run(_serve_canned(port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    import signal
    import sys

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve_canned(int(sys.argv[1]))
