"""optuna-dashboard on the study, served on 127.0.0.1 (loopback only) from a background thread."""

from __future__ import annotations

import threading
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


class Dashboard:
    """`with Dashboard(storage, port) as d: print(d.url)` — port 0 picks a free one."""

    def __init__(self, storage: Any, port: int = 8080, host: str = "127.0.0.1"):
        from optuna_dashboard import wsgi

        self.server: WSGIServer = make_server(host, port, wsgi(storage), handler_class=_QuietHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="optuna-dashboard", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Dashboard:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
