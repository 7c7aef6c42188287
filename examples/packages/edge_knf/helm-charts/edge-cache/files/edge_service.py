"""LOCUS edge KNF: answer GET / with five random integers between 0 and 100 as JSON."""

import json
import os
import random
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BIND = os.environ.get("LOCUS_BIND", "0.0.0.0")
PORT = int(os.environ.get("LOCUS_PORT", "8080"))


class EdgeService(BaseHTTPRequestHandler):
    server_version = "locus-edge-cache/1.0"

    def do_GET(self):
        if self.path not in ("/", "/data"):
            self.reply(404, {"error": "not found"})
            return
        self.reply(200, [random.randint(0, 100) for _ in range(5)])

    def reply(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


if __name__ == "__main__":
    ThreadingHTTPServer((BIND, PORT), EdgeService).serve_forever()
