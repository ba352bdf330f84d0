"""Runs a command in a network of its own with a real DNS server: the init of fresh
network, mount and PID namespaces (so dnsmasq dies with it), started by
    unshare --net --mount --pid --fork python3 dns_namespace.py DIR COMMAND...
Loopback is brought up; DIR/hosts and DIR/resolv.conf (nameserver 127.0.0.1) are
bind-mounted over /etc's; dnsmasq answers on 127.0.0.1:53 from DIR/dnsmasq.conf. Before
COMMAND runs, the listeners the DNS tests reach are listening: HTTP on 127.0.0.1:8080 and
[::1]:8081, plain TCP on [::1]:9090 only. COMMAND's exit status, stdout and stderr pass
through; what the HTTP listeners were asked goes to DIR/requests.json."""
import http.server
import json
import os
import socket
import subprocess
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append([self.path, self.headers.get("Host")])
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class V6Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6


def serve(server):
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    base, command = sys.argv[1], sys.argv[2:]
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    for name in ("hosts", "resolv.conf"):
        subprocess.run(["mount", "--bind", os.path.join(base, name), f"/etc/{name}"], check=True)
    # In the foreground of its start: dnsmasq's first process returns once the daemon has
    # its sockets, so the name server answers from here on.
    subprocess.run(["dnsmasq", f"--conf-file={base}/dnsmasq.conf",
                    f"--pid-file={base}/dnsmasq.pid"], check=True)
    servers = [serve(http.server.ThreadingHTTPServer(("127.0.0.1", 8080), Handler)),
               serve(V6Server(("::1", 8081), Handler))]
    plain = socket.socket(socket.AF_INET6)
    plain.bind(("::1", 9090))
    plain.listen(16)
    code = subprocess.run(command).returncode
    with open(os.path.join(base, "requests.json"), "w") as f:
        json.dump([s.requests for s in servers], f)
    sys.exit(code)


main()
