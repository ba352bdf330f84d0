"""Issue 17: names through DNS (musl's resolver, the image's /etc/resolv.conf), IPv4 and
IPv6, for warden probe, --wait-for and --health, against a real dnsmasq in the test's own
network."""
import json
import os
import re

import pytest

from harness import run

HERE = os.path.dirname(os.path.abspath(__file__))

# db.test has both families, the others one each; shadowed.test is in /etc/hosts too,
# where it wins (DNS sends it to an address where nothing listens).
DNSMASQ_CONF = """no-resolv
no-hosts
listen-address=127.0.0.1
bind-interfaces
user=root
host-record=db.test,127.0.0.1,::1
host-record=v4only.test,127.0.0.1
host-record=v6only.test,::1
host-record=shadowed.test,127.0.0.9
address=/#/
"""
NO_SUCH_NAME = ("no such name (not in /etc/hosts; DNS has no address for it): check the name, "
                "or give an address")


@pytest.fixture
def network(tmp_path):
    """The prefix that runs a command inside the DNS test network; the HTTP listeners'
    requests are read back with requests()."""
    (tmp_path / "dnsmasq.conf").write_text(DNSMASQ_CONF)
    (tmp_path / "hosts").write_text("127.0.0.1 localhost\n::1 localhost\n"
                                    "127.0.0.1 shadowed.test\n")
    (tmp_path / "resolv.conf").write_text("nameserver 127.0.0.1\n")
    prefix = ["unshare", "--net", "--mount", "--pid", "--fork", "--mount-proc",
              "/usr/bin/python3",
              os.path.join(HERE, "dns_namespace.py"), str(tmp_path)]

    class Network:
        def run(self, args, pid1=False):
            return run(args, pid1=pid1, prefix=prefix, timeout=60)

        def requests(self):
            return json.loads((tmp_path / "requests.json").read_text())

    return Network()


def healthy(url, answer):
    return re.escape(f"{url}: {answer} in ") + r"\d+\.\d ms\n"


def test_probe_reaches_names_only_dns_knows(network):
    code, out, err = network.run(["probe", "http://v4only.test:8080/health"])
    assert (code, err) == (0, "")
    assert re.fullmatch(healthy("http://v4only.test:8080/health", "status 200"), out), out
    assert network.requests() == [[["/health", "v4only.test:8080"]], []]


def test_ipv6_from_an_aaaa_record(network):
    code, out, err = network.run(["probe", "http://v6only.test:8081/health"])
    assert (code, err) == (0, "")
    assert re.fullmatch(healthy("http://v6only.test:8081/health", "status 200"), out), out
    assert network.requests() == [[], [["/health", "v6only.test:8081"]]]


def test_both_families_tried_in_turn(network):
    # db.test has 127.0.0.1 and ::1; 9090 listens on ::1 alone, 8080 on 127.0.0.1 alone.
    code, out, err = network.run(["probe", "tcp://db.test:9090"])
    assert (code, err) == (0, "")
    assert re.fullmatch(healthy("tcp://db.test:9090", "connected"), out), out
    code, out, err = network.run(["probe", "tcp://db.test:8080"])
    assert (code, err) == (0, "")


def test_etc_hosts_comes_before_dns(network):
    code, out, err = network.run(["probe", "http://shadowed.test:8080/health"])
    assert (code, err) == (0, "")
    assert network.requests() == [[["/health", "shadowed.test:8080"]], []]


@pytest.mark.parametrize("name", ["nosuch.test", "nosuchhost"])
def test_a_name_that_does_not_exist_is_one_line(network, name):
    code, out, err = network.run(["probe", f"tcp://{name}:9090"])
    assert (code, out) == (1, "")
    assert err == f"warden: probe tcp://{name}:9090: cannot resolve '{name}': {NO_SUCH_NAME}\n"


def test_wait_for_reaches_a_name_through_dns(network):
    code, out, err = network.run(["--wait-for", "http://db.test:8080/health", "--wait-for",
                                  "tcp://v6only.test:9090", "echo", "started"], pid1=True)
    assert (code, out) == (0, "started\n"), err
    lines = err.splitlines()
    assert len(lines) == 2, lines
    assert all(re.fullmatch(r"warden: --wait-for (http://db\.test:8080/health|"
                            r"tcp://v6only\.test:9090): answered after \d+\.\d{3} s", line)
               for line in lines), lines
    assert network.requests() == [[["/health", "db.test:8080"]], []]


def test_wait_for_a_name_that_never_exists(network):
    code, out, err = network.run(["--wait-for", "tcp://nosuch.test:9090", "--wait-timeout", "0.5",
                                  "echo", "started"], pid1=True)
    assert (code, out) == (125, "")
    why = f"cannot resolve 'nosuch.test': {NO_SUCH_NAME}"
    assert err.splitlines() == [
        f"warden: --wait-for tcp://nosuch.test:9090: waiting (up to 0.5 s in all): {why}",
        f"warden: --wait-for: no answer within 0.5 s from tcp://nosuch.test:9090 ({why}); "
        "--wait-timeout or WARDEN_WAIT_TIMEOUT sets how long to wait",
    ]


def test_health_reaches_a_name_through_dns(network):
    # The listener answers 404 off /health: the first check over DNS fails, and with one
    # retry warden stops the program in order and exits 124.
    code, out, err = network.run(["--health", "http://v4only.test:8080/gone", "--health-interval",
                                  "0.1", "--health-retries", "1", "--on-unhealthy", "stop",
                                  "sleep", "60"], pid1=True)
    assert (code, out) == (124, ""), err
    assert ("warden: warning: health: unhealthy: status 404 (1 failed check in a row)"
            in err.splitlines()), err
    assert network.requests() == [[["/gone", "v4only.test:8080"]], []]
