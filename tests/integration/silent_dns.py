"""A name server that never answers: run as a script, it holds 127.0.0.1:53 (UDP and TCP)
without ever replying while it runs a command. Imported, silent_dns_prefix gives the
prefix that runs a command in a fresh network and mount namespace where /etc/resolv.conf
names that server. (With nothing on port 53 at all, glibc's resolver hears the refusal
and gives up at once, musl's waits: a silent server makes both wait.)"""
import os
import socket
import subprocess
import sys


def silent_dns_prefix(tmp_path):
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\n")
    return ["unshare", "--net", "--mount", "sh", "-c",
            f"ip link set lo up && mount --bind {resolv} /etc/resolv.conf && exec \"$@\"", "sh",
            "/usr/bin/python3", os.path.abspath(__file__)]


if __name__ == "__main__":
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 53))
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 53))
    tcp.listen(8)
    sys.exit(subprocess.run(sys.argv[1:]).returncode)
