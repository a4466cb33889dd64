"""FAULT-INJECTING STAND-IN for llama_cpp.server, for tests only: it answers /v1/models like the real server,
then dies by SIGILL (as a llama.cpp build with instructions this CPU refuses does) on the first completion.

Run as `python -m dies_on_first_completion --port N ...` (the real server's other flags are accepted and ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [{"id": "smollm2", "object": "model"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        print("stand-in: completion requested; dying as an illegal instruction would", flush=True)
        os.kill(os.getpid(), signal.SIGILL)

    def log_message(self, *args: object) -> None:
        return


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args, _ = parser.parse_known_args()
    print(f"stand-in: listening on {args.host}:{args.port}", flush=True)
    HTTPServer((args.host, args.port), Handler).serve_forever()


if __name__ == "__main__":
    sys.exit(main())
