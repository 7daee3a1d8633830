"""A loopback TCP proxy the test owns, between the app and PostgreSQL: the test cuts the database
off (open connections dropped, new ones refused) and brings it back, without touching the shared
server."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url

CHUNK = 65_536


@dataclass
class TcpProxy:
    target_host: str
    target_port: int
    port: int = 0
    stalled: bool = False  # connections are accepted but never answered: a database behind a dead link
    _server: asyncio.Server | None = None
    _open: set[asyncio.StreamWriter] = field(default_factory=set)
    _pipes: set["asyncio.Task[None]"] = field(default_factory=set)

    def reroute(self, database_url: str) -> str:
        """The same database, reached through this proxy."""
        return make_url(database_url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    async def up(self) -> None:
        """Accepts connections (again, on the same port: the app's URL stays valid)."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        """The database is gone: new connections are refused, open ones reset mid-conversation."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()
        await self._drain_pipes()

    async def _drain_pipes(self) -> None:
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.stalled:
            self._open.add(client_writer)  # held open, silent, until the proxy goes down
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        if self._server is None:  # went down while this connection was being made
            client_writer.transport.abort()
            server_writer.transport.abort()
            return
        self._open |= {client_writer, server_writer}
        for reader, writer in ((client_reader, server_writer), (server_reader, client_writer)):
            pipe = asyncio.create_task(self._pipe(reader, writer))
            self._pipes.add(pipe)
            pipe.add_done_callback(self._pipes.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(CHUNK):
                writer.write(chunk)
                await writer.drain()
        except OSError:
            pass
        finally:
            self._open.discard(writer)
            writer.transport.abort()


@asynccontextmanager
async def proxying(database_url: str) -> AsyncIterator[TcpProxy]:
    """A proxy to the database server of `database_url`, up; always shut down afterwards."""
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    try:
        await proxy.up()
        yield proxy
    finally:
        with contextlib.suppress(OSError):
            await proxy.down()
