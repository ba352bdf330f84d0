"""bench/health.py: the cost of --health (issue 16), run by bench/health.sh.

1. CPU per health check, same run, same endpoint (a local HTTP server answering 200):
   - warden's in-process check: warden --health URL --health-interval 0.01 -- sleep; its
     CPU time from /proc/PID/schedstat (nanoseconds on the CPU), divided by the requests
     the endpoint counted meanwhile;
   - what images do today, a checker process started per check as Docker's HEALTHCHECK
     does (the engine's own exec machinery, runc and the shim, not counted, so the
     comparison favours them): `warden probe URL` and Debian's `curl -f URL`, each
     started with posix_spawn and waited for with wait4, its CPU from the rusage.
   Rounds interleave the three; medians of the rounds are reported.
2. Idle wake-ups: warden --health URL --health-interval 10 -- sleep, for 60 s (then
   TERM), under strace counting every wait call warden makes (ppoll, epoll_*, poll,
   rt_sigtimedwait ...), grouped into bursts (calls closer than 1 s); and warden's own
   debug counter (-vv: "woke up N times; M health checks" at the end).
Prints markdown for docs/benchmarks.md. --quick: fewer checks, and the idle part over 20 s
with --health-interval 10 (2 checks)."""
import http.server
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WARDEN = os.environ.get("TESTED_WARDEN", os.path.join(ROOT, "build", "warden"))
CURL = "/usr/bin/curl"
WAIT_CALLS = "ppoll,poll,epoll_wait,epoll_pwait,epoll_pwait2,rt_sigtimedwait,select,pselect6"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.requests += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()

    def log_message(self, *args):
        pass


def serve():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.requests = 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def on_cpu_ns(pid):
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0])


def in_process(url, server, seconds):
    """CPU ns per check of warden's own --health checks."""
    w = subprocess.Popen([WARDEN, "--health", url, "--health-interval", "0.01",
                          "--health-timeout", "1", "--", "sleep", "1000"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(0.5)  # past the start and the first checks
        cpu0, req0 = on_cpu_ns(w.pid), server.requests
        time.sleep(seconds)
        cpu1, req1 = on_cpu_ns(w.pid), server.requests
    finally:
        w.send_signal(signal.SIGTERM)
        w.communicate(timeout=30)
    return (cpu1 - cpu0) / (req1 - req0), req1 - req0


def exec_per_check(argv, server, count):
    """CPU ns per check of a checker process started for each check."""
    total, req0 = 0.0, server.requests
    for _ in range(count):
        pid = os.posix_spawn(argv[0], argv, dict(os.environ))
        _, status, usage = os.wait4(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{argv}: exit {os.waitstatus_to_exitcode(status)}")
        total += usage.ru_utime + usage.ru_stime
    assert server.requests - req0 == count, (server.requests - req0, count)
    return total * 1e9 / count


def cpu_table(quick):
    server = serve()
    url = f"http://127.0.0.1:{server.server_address[1]}/health"
    rounds, seconds, execs = (3, 2, 100) if quick else (5, 5, 300)
    results = {"in-process": [], "probe": [], "curl": []}
    checks = 0
    for _ in range(rounds):
        per, n = in_process(url, server, seconds)
        results["in-process"].append(per)
        checks += n
        results["probe"].append(exec_per_check([WARDEN, "probe", url], server, execs))
        results["curl"].append(exec_per_check([CURL, "-fsS", "-o", "/dev/null", url], server,
                                              execs))
    server.shutdown()
    base = statistics.median(results["in-process"])
    print(f"CPU per health check ({rounds} interleaved rounds; in-process: {checks} checks "
          f"in all, {seconds} s per round at --health-interval 0.01; exec: {execs} processes "
          f"per round each; medians of the rounds)\n")
    print("| checker | CPU per check (µs) | rounds (µs) | against warden --health |")
    print("|---|---|---|---|")
    names = {"in-process": "warden --health (in-process)",
             "probe": "exec `warden probe URL` per check", "curl": "exec `curl -f URL` per check"}
    for key, values in results.items():
        median = statistics.median(values)
        rounds_text = ", ".join(f"{v / 1000:.1f}" for v in values)
        print(f"| {names[key]} | {median / 1000:.1f} | {rounds_text} | {median / base:.1f}x |")
    print()


def idle_wakeups(quick):
    server = serve()
    url = f"http://127.0.0.1:{server.server_address[1]}/health"
    window = 20.5 if quick else 60.5
    trace = f"/tmp/warden-health-bench.{os.getpid()}.strace"
    tracer = subprocess.Popen(["strace", "-ttt", "-e", f"trace={WAIT_CALLS}", "-o", trace,
                               WARDEN, "-vv", "--health", url, "--health-interval", "10",
                               "--", "sleep", "1000"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1)
    warden = int(subprocess.check_output(["pgrep", "-P", str(tracer.pid), "-x", "warden"]))
    start = time.monotonic()
    time.sleep(window - 1)
    stop_at = time.time()
    os.kill(warden, signal.SIGTERM)
    _, err = tracer.communicate(timeout=60)
    elapsed = time.monotonic() - start + 1
    server.shutdown()
    calls = []
    with open(trace) as f:
        for line in f:
            m = re.match(r"(\d+\.\d+) (\w+)\(", line)
            if m and m.group(2) in WAIT_CALLS.split(","):
                calls.append((float(m.group(1)), line.strip()))
    os.unlink(trace)
    # strace stamps a call with the time it was entered: those entered before the TERM; the
    # last of them is the wait the TERM ended.
    before = [c for c in calls if c[0] < stop_at]
    bursts, last = 0, None
    for t, _ in before[1:]:  # the first call is the first wait, not a wake-up
        if last is None or t - last > 1.0:
            bursts += 1
        last = t
    counter = re.search(r"woke up (\d+) times; (\d+) health checks", err.decode())
    print(f"Idle wake-ups, --health-interval 10, {elapsed:.1f} s, TERM at the end "
          f"(strace -e trace={WAIT_CALLS})\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| health checks (requests the endpoint got) | {server.requests} |")
    print(f"| wake-ups from idle (bursts of wait calls, > 1 s apart) before the TERM | {bursts} |")
    print(f"| wait calls that returned before the TERM (each check: its timer, then its "
          f"socket events) | {len(before) - 1} |")
    if counter:
        print(f"| warden's own counter (-vv, whole run incl. TERM and the exit) | "
              f"{counter.group(1)} wake-ups, {counter.group(2)} checks |")
    print()


def main():
    quick = "--quick" in sys.argv
    if "--idle-only" not in sys.argv:
        cpu_table(quick)
    if "--cpu-only" not in sys.argv:
        idle_wakeups(quick)


if __name__ == "__main__":
    main()
