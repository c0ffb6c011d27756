"""Running the web view under uvicorn: in the foreground (`policy-monitor serve`) or in a thread of
its own beside the daemon (`policy-monitor run` with `[web] listen`), so that a stuck scheduler loop
does not take the health check down with it: /healthz keeps answering, and says 503."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import uvicorn

from monitor.config import Config, parse_listen
from monitor.store import Store
from monitor.web.app import create_app
from monitor.web.errors import AnsweredErrors
from monitor.web.metrics import SchedulerHealth

log = logging.getLogger("monitor.web")


class ListenError(OSError):
    """The web view could not bind its address (in use, not allowed); uvicorn logged why."""


def _uvicorn_config(config: Config, store: Store, listen: str, scheduler: SchedulerHealth | None) -> uvicorn.Config:
    host, port = parse_listen(listen)
    app = create_app(config, store, scheduler=scheduler)
    return uvicorn.Config(
        # uvicorn logs every exception the app lets out, with its traceback, at any level: Starlette
        # lets out each one it answered with a 500 (see monitor.web.errors).
        AnsweredErrors(app, app.state.error_page),
        host=host,
        port=port,
        log_config=None,  # keep the service's own logging (monitor.logs)
        lifespan="off",
        server_header=False,
        proxy_headers=False,  # behind a proxy, set --forwarded-allow-ips yourself; nothing is trusted here
    )


def _bound(server: uvicorn.Server) -> str:
    sock = server.servers[0].sockets[0]
    host, port = sock.getsockname()[:2]
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"


def serve(config: Config, store: Store, listen: str) -> None:
    """Serve until SIGINT/SIGTERM (uvicorn's own handlers), logging the address actually bound."""
    server = uvicorn.Server(_uvicorn_config(config, store, listen, None))

    async def announce() -> None:
        while not server.started:
            await asyncio.sleep(0.05)
        log.info("web view on %s", _bound(server), extra={"url": _bound(server)})

    async def main() -> None:
        task = asyncio.create_task(announce())
        try:
            await server.serve()
        finally:
            task.cancel()

    try:
        asyncio.run(main())
    except SystemExit:  # uvicorn exits when it cannot bind; say so as our own error instead
        if server.started:
            raise
        raise ListenError(f"could not listen on {listen} (see the log above)") from None


class BackgroundServer:
    """uvicorn in a daemon thread with its own event loop; `start()` waits until it listens."""

    def __init__(
        self, config: Config, store: Store, listen: str, *, scheduler: SchedulerHealth | None = None
    ) -> None:
        self.server = uvicorn.Server(_uvicorn_config(config, store, listen, scheduler))
        self.thread = threading.Thread(target=self.server.run, name="web", daemon=True)
        self.url = ""
        self.listen = listen

    def start(self, timeout: float = 30.0) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise ListenError(f"[web] listen: could not listen on {self.listen} (see the log above)")
            time.sleep(0.02)
        self.url = _bound(self.server)
        log.info("web view on %s", self.url, extra={"url": self.url})
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
