"""A small web service: /health answers 200 until /tmp/sick exists; it writes to the
/data volume that warden prepared; SIGTERM stops it cleanly (exit 0)."""
import http.server
import os
import signal
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            self.send_response(503 if os.path.exists("/tmp/sick") else 200)
        elif self.path == "/whoami":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"{os.getuid()}:{os.getgid()}\n".encode())
            return
        else:
            self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    with open("/data/started", "a") as f:
        f.write("started\n")
    server = http.server.HTTPServer(("0.0.0.0", 8000), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("listening on :8000", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
