#!/usr/bin/env python3
"""bench/run.py: warden against tini, tini-static, dumb-init, catatonit, gosu and setpriv
on this machine, in one run. Writes docs/benchmarks.md and docs/benchmarks.png.

    sudo python3 bench/run.py [--quick] [--chown [--render]] [--latency] [--wait-for]

--chown measures the volume part alone (bench/chown.py) and rewrites only its section of
docs/benchmarks.md and its panel of the chart; --chown --render writes them again from the
last such measurement (bench/out/chown.pickle). --latency and --wait-for measure one thing
and print it (docs/benchmarks.md has their sections by hand).

Installs the peers from Debian's packages if missing, builds its small C helpers with
gcc, and needs build/warden (the release build). Timings are medians or per-run averages
of many runs; ratios are against a bare run in the same process, same machine, same run.
"""
import datetime
import os
import pickle
import platform
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chown as chown_bench  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WARDEN = os.path.join(ROOT, "build", "warden")
WT = os.path.join(ROOT, "build", "tests", "wt")
OUT = os.path.join(ROOT, "bench", "out")
QUICK = "--quick" in sys.argv
TRUE = "/bin/true"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def ensure_peers():
    packages = {"tini": "/usr/bin/tini-static", "dumb-init": "/usr/bin/dumb-init",
                "catatonit": "/usr/bin/catatonit", "gosu": "/usr/sbin/gosu",
                "gnuplot-nox": "/usr/bin/gnuplot", "valgrind": "/usr/bin/valgrind",
                "strace": "/usr/bin/strace"}
    missing = [p for p, path in packages.items() if not os.path.exists(path)]
    if missing:
        # The project's installer: apt-get update first, waits for dpkg's lock, starts no service.
        installer = os.path.join(ROOT, "tests", "install-deps.sh")
        subprocess.run(["sh", installer, *missing], check=True)


def build_helpers():
    os.makedirs(OUT, exist_ok=True)
    for name in ("startcost", "latency", "stamp"):
        sh(["gcc", "-O2", "-o", os.path.join(OUT, name), os.path.join(ROOT, "bench", name + ".c")])


INITS = {
    "warden": [WARDEN, "--"],
    "tini": ["/usr/bin/tini", "--"],
    "tini-static": ["/usr/bin/tini-static", "--"],
    "dumb-init": ["/usr/bin/dumb-init"],
    "catatonit": ["/usr/bin/catatonit", "--"],
}


def startcost(cmd, mode, runs):
    cpu, wall = sh([os.path.join(OUT, "startcost"), str(runs), mode, *cmd]).split()
    return float(cpu), float(wall)


def measure_startup():
    runs = 300 if QUICK else 2000
    results = {}
    for mode in ("pid1", "child"):
        bare = startcost([TRUE], mode, runs)
        results[(mode, "bare")] = bare
        for name, prefix in INITS.items():
            results[(mode, name)] = startcost([*prefix, TRUE], mode, runs)
    return results, runs


def own_instructions(cmd):
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          *cmd], capture_output=True, text=True)
    m = re.search(r"Collected : (\d+)", out.stderr)
    return int(m.group(1)) if m else None


def own_syscalls(cmd):
    """System calls of the init itself after execve: strace without -f, so that neither
    the program nor lines split by other processes are counted."""
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as f:
        subprocess.run(["strace", "-o", f.name, *cmd], capture_output=True)
        lines = f.read().splitlines()
    return len([l for l in lines if not l.startswith(("execve(", "+++", "---"))])


def find_init(outer):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    with open(f"/proc/{name}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    if int(fields[1]) == outer:
                        return int(name)
                except (OSError, IndexError):
                    pass
        time.sleep(0.002)
    raise RuntimeError("init not found")


def rss_and_wakeups(prefix, seconds):
    proc = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", *prefix,
                             "/bin/sleep", "1000"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    init = find_init(proc.pid)

    def read():
        with open(f"/proc/{init}/status") as f:
            st = dict(line.split(":", 1) for line in f if ":" in line)
        return (int(st["voluntary_ctxt_switches"]) + int(st["nonvoluntary_ctxt_switches"]),
                int(st["VmRSS"].split()[0]))
    time.sleep(0.5)
    before, rss = read()
    time.sleep(seconds)
    after, _ = read()
    os.kill(init, signal.SIGKILL)
    proc.wait()
    return after - before, rss


def orphans(prefix, count):
    # The program stays until stdin closes, so that the init is still there to be read.
    proc = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", *prefix, "sh", "-c",
                             f"{WT} orphans {count} 300; read x"], stdout=subprocess.PIPE,
                            stdin=subprocess.PIPE, text=True)
    init = find_init(proc.pid)
    line = proc.stdout.readline()
    # se.sum_exec_runtime (ms, ns precision): the init's own CPU, not its children's.
    with open(f"/proc/{init}/sched") as f:
        cpu_ns = float(re.search(r"se.sum_exec_runtime\s*:\s*([\d.]+)", f.read()).group(1)) * 1e6
    proc.stdin.close()
    proc.wait()
    m = re.search(r"reaped in ([\d.]+) s", line)
    left = 0 if m else int(re.search(r": (\d+) still", line).group(1))
    return (float(m.group(1)) if m else None), cpu_ns / count, left


def latency(prefix, runs):
    samples = []
    for _ in range(runs):
        proc = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", *prefix,
                                 os.path.join(OUT, "latency")], stdout=subprocess.PIPE,
                                text=True)
        init = find_init(proc.pid)
        assert proc.stdout.readline() == "ready\n"
        t0 = time.monotonic_ns()
        os.kill(init, signal.SIGTERM)
        arrived = int(proc.stdout.readline())
        proc.wait()
        samples.append((arrived - t0) / 1000)
    return statistics.median(samples)


def mktree(path, entries):
    sh([sys.executable, os.path.join(ROOT, "bench", "mktree.py"), path, str(entries)])


def chown_scaling():
    """The volume part (bench/chown.py): 1,000 to 2,000,000 entries, or up to 50,000."""
    return chown_bench.measure(chown_bench.QUICK_SIZES if QUICK else chown_bench.SIZES)


def privilege_drop(runs):
    cmds = {
        "bare /bin/true": [TRUE],
        "tini-static -- /bin/true": ["/usr/bin/tini-static", "--", TRUE],
        "warden --user nobody -- /bin/true": [WARDEN, "--user", "nobody", "--", TRUE],
        "gosu nobody /bin/true": ["/usr/sbin/gosu", "nobody", TRUE],
        "setpriv --reuid nobody --regid nogroup --init-groups /bin/true":
            ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--init-groups", TRUE],
    }
    return {(name, mode): startcost(cmd, mode, runs) for name, cmd in cmds.items()
            for mode in ("pid1", "child")}


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "warden": sh([WARDEN, "--version"]).strip()}


def chart(startup, scaling, path):
    data = os.path.join(OUT, "startup.dat")
    with open(data, "w") as f:
        for name in INITS:
            f.write(f"\"{name}\" {startup[('pid1', name)][0] - startup[('pid1', 'bare')][0]:.1f}\n")
    sdata = os.path.join(OUT, "scaling.dat")
    chown_bench.chart_data(scaling, sdata)
    script = f"""
set terminal pngcairo size 1400,600 font ",10"
set output "{path}"
set multiplot layout 1,2
set title "CPU an init adds to /bin/true as PID 1 (us, lower is better)"
set style fill solid 0.7
set boxwidth 0.6
set yrange [0:*]
unset key
plot "{data}" using 0:2:xtic(1) with boxes lc rgb "#4472c4", "" using 0:2:(sprintf("%.0f",$2)) with labels offset 0,0.7
set title "Volume chown time by tree size (ms, log-log, lower is better)"
set logscale xy
set xlabel "entries"
set key below font ",9" maxrows 4
set yrange [*:*]
set xrange [500:4000000]
{chown_bench.chart_plot(sdata)}unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    assert os.geteuid() == 0, "run as root (namespaces, chown)"
    assert os.access(WARDEN, os.X_OK), "build warden first: cmake -S . -B build && cmake --build build"
    ensure_peers()
    build_helpers()
    m = machine()
    print("bench: start-up", flush=True)
    startup, runs = measure_startup()
    print("bench: instructions, syscalls, sizes", flush=True)
    static_info = {}
    for name, prefix in INITS.items():
        static_info[name] = {
            "size": os.path.getsize(prefix[0]),
            "instructions": own_instructions([*prefix, TRUE]),
            "syscalls": own_syscalls([*prefix, TRUE]),
        }
    print("bench: idle", flush=True)
    idle = {name: rss_and_wakeups(prefix, 3 if QUICK else 10) for name, prefix in INITS.items()}
    print("bench: orphans and latency", flush=True)
    reaping = {name: orphans(prefix, 20000) for name, prefix in INITS.items()}
    lat = {name: latency(prefix, 50 if QUICK else 200) for name, prefix in INITS.items()}
    print("bench: privilege drop", flush=True)
    drop = privilege_drop(300 if QUICK else 2000)
    print("bench: chown scaling", flush=True)
    scaling = chown_scaling()
    results = (m, startup, runs, static_info, idle, reaping, lat, drop, scaling)
    with open(os.path.join(OUT, "results.pickle"), "wb") as f:
        pickle.dump(results, f)
    render(results)


def chown_section(scaling):
    return ["", "## Volume chown (ms, medians; warm cache)", "",
            "Trees from `bench/mktree.py` (1,000 entries per directory). Each tool is a process "
            "on the same tree for the same owner (1000:1000), the page cache warm for all, the "
            "filesystem synced before each timed command. Each round runs every tool on a "
            "first run (the tree reset to root) and again on the tree it has just changed "
            "(already owned), the tools' order reversed every other round; warden runs as a "
            "container runs it (`warden --user 1000:1000 --chown DIR /bin/true`): *whole* is "
            "its wall time, *added* that minus the same command without `--chown` in the same "
            "round (for root-mismatch, the median of fifteen interleaved pairs), *own* its own "
            "measure of the volume step (the `-v` summary). A round's ratio is warden's added "
            "time over `chown -R`'s whole time in that round; `bench/chown.py` documents the "
            "method. " + chown_bench.load_note(scaling), "",
            *chown_bench.table(scaling)]


def startup_from_markdown(text):
    """The start-up chart's numbers, from the last full run's table in docs/benchmarks.md."""
    startup = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 6 and cells[0] in INITS and ("pid1", cells[0]) not in startup:
            startup[("pid1", cells[0])] = (float(cells[1]), 0.0)
    startup[("pid1", "bare")] = (0.0, 0.0)
    return startup


def render_chown_only(scaling, m):
    """bench/run.py --chown: the volume section and chart panel alone; the rest of
    docs/benchmarks.md stays from its last full run."""
    path = os.path.join(ROOT, "docs", "benchmarks.md")
    with open(path) as f:
        text = f.read()
    head = text.split("\n## Volume chown", 1)[0].rstrip("\n")
    note = (f"\nThe volume section below was measured again on its own (`bench/run.py --chown`) "
            f"on {m['date']}, {m['warden']}; the sections above are from the full run.\n")
    head = head.split("\nThe volume section below")[0]
    with open(path, "w") as f:
        f.write(head + "\n" + note + "\n".join(chown_section(scaling)) + "\n")
    chart(startup_from_markdown(text), scaling, os.path.join(ROOT, "docs", "benchmarks.png"))
    print("\n".join(chown_section(scaling)))


def render(results):
    """Writes docs/benchmarks.md and the chart from measured results (also alone:
    bench/run.py --render, from bench/out/results.pickle)."""
    m, startup, runs, static_info, idle, reaping, lat, drop, scaling = results
    docs = os.path.join(ROOT, "docs")
    os.makedirs(docs, exist_ok=True)
    chart(startup, scaling, os.path.join(docs, "benchmarks.png"))
    bare1, bare0 = startup[("pid1", "bare")], startup[("child", "bare")]
    ts = startup[("pid1", "tini-static")][0] - bare1[0]
    lines = [
        "# Benchmarks",
        "",
        "Regenerated by `sudo python3 bench/run.py` (warden from `build/`, the static musl "
        "release build; peers from Debian's packages). Every figure comes from the same run "
        "on the same machine. Benchmarks are not tests: nothing in the test suite depends on "
        "timing.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, Linux {m['kernel']}; {m['warden']}; "
        f"{m['date']}.",
        "",
        "![start-up and chown scaling](benchmarks.png)",
        "",
        f"## Start-up: `INIT /bin/true` ({runs} runs each; CPU per start from "
        "RUSAGE_CHILDREN, wall time median)",
        "",
        "| init | CPU over bare, PID 1 (µs) | ratio to tini-static | wall, PID 1 (µs) | CPU over bare, plain child (µs) | wall, plain child (µs) |",
        "|---|---:|---:|---:|---:|---:|",
        f"| bare `/bin/true` | 0 (= {bare1[0]:.0f}) | | {bare1[1]:.0f} | 0 (= {bare0[0]:.0f}) | {bare0[1]:.0f} |",
    ]
    for name in INITS:
        p1, p0 = startup[("pid1", name)], startup[("child", name)]
        lines.append(f"| {name} | {p1[0] - bare1[0]:.0f} | {(p1[0] - bare1[0]) / ts:.2f} | "
                     f"{p1[1]:.0f} | {p0[0] - bare0[0]:.0f} | {p0[1]:.0f} |")
    lines += ["", "## The init itself",
              "",
              "| init | binary (bytes) | own instructions (callgrind) | own system calls (strace, after execve) | idle RSS (kB) | wake-ups in idle window |",
              "|---|---:|---:|---:|---:|---:|"]
    for name in INITS:
        info = static_info[name]
        lines.append(f"| {name} | {info['size']} | {info['instructions']} | {info['syscalls']} | "
                     f"{idle[name][1]} | {idle[name][0]} |")
    lines += ["", f"Idle window: {3 if QUICK else 10} s with `sleep` as the program.", "",
              "## Reaping 20,000 orphans and forwarding SIGTERM (as PID 1)", "",
              "| init | all reaped after (s) | init CPU per orphan (µs) | left over | SIGTERM forwarding latency, median (µs) |",
              "|---|---:|---:|---:|---:|"]
    for name in INITS:
        secs, per, left = reaping[name]
        lines.append(f"| {name} | {secs if secs is not None else 'not all'} | {per / 1000:.2f} | {left} | {lat[name]:.0f} |")
    lines += ["", "## Privilege drop (CPU per start over bare /bin/true)", "",
              "| command | as PID 1 (µs) | as plain child (µs) | wall median as PID 1 (µs) |",
              "|---|---:|---:|---:|"]
    names = list(dict.fromkeys(name for name, _ in drop))
    for name in names:
        p1, p0 = drop[(name, "pid1")], drop[(name, "child")]
        lines.append(f"| `{name}` | {p1[0] - drop[('bare /bin/true', 'pid1')][0]:.0f} | "
                     f"{p0[0] - drop[('bare /bin/true', 'child')][0]:.0f} | {p1[1]:.0f} |")
    lines += chown_section(scaling)
    with open(os.path.join(docs, "benchmarks.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def latency_rounds(rounds=5, runs=100):
    """SIGTERM forwarding latency alone, the inits interleaved round by round so that the
    machine's load at any moment weighs on every init alike; prints each round's medians
    and the median of the rounds."""
    per_init = {name: [] for name in INITS}
    for r in range(rounds):
        row = []
        for name, prefix in INITS.items():
            per_init[name].append(latency(prefix, runs))
            row.append(f"{name} {per_init[name][-1]:.0f}")
        print(f"round {r + 1}: " + ", ".join(row) + " (µs)", flush=True)
    print("median of the round medians: " + ", ".join(
        f"{name} {statistics.median(v):.0f}" for name, v in per_init.items()) + " (µs)")


# What images use today to wait for a dependency: wait-for-it.sh's loop (a connection
# through bash's /dev/tcp, then `sleep 1`), and the same loop with a shorter sleep.
WAITERS = {
    "warden --wait-for": lambda port, prog: [WARDEN, "-q", "--wait-for",
                                             f"tcp://127.0.0.1:{port}", "--", prog],
    "shell loop, sleep 1 (wait-for-it.sh)": lambda port, prog: [
        "bash", "-c", f"until (: >/dev/tcp/127.0.0.1/{port}) 2>/dev/null; do sleep 1; done; "
        f"exec {prog}"],
    "shell loop, sleep 0.1": lambda port, prog: [
        "bash", "-c", f"until (: >/dev/tcp/127.0.0.1/{port}) 2>/dev/null; do sleep 0.1; done; "
        f"exec {prog}"],
}


def wait_for_once(command):
    """ms from listen() on a dependency to the program's first instruction: the waiter
    starts, the port is bound but refuses, and it starts listening at a random moment
    0.2 to 1.2 s later (its retries are at every phase of their schedule)."""
    import random
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    proc = subprocess.Popen(command(s.getsockname()[1], os.path.join(OUT, "stamp")),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    time.sleep(random.uniform(0.2, 1.2))
    listened = time.monotonic_ns()
    s.listen(64)
    out, _ = proc.communicate(timeout=30)
    s.close()
    return (int(out) - listened) / 1e6


def wait_for_bench(runs=10 if QUICK else 40):
    """Medians over runs, the waiters interleaved run by run."""
    times = {name: [] for name in WAITERS}
    for _ in range(runs):
        for name, command in WAITERS.items():
            times[name].append(wait_for_once(command))
    print(f"--wait-for: from a dependency listening to the program's start, {runs} runs (ms)")
    print("| waiter | median | 90th percentile | max |")
    print("|---|---:|---:|---:|")
    for name, t in times.items():
        t.sort()
        print(f"| {name} | {statistics.median(t):.1f} | {t[int(len(t) * 0.9) - 1]:.1f} | "
              f"{t[-1]:.1f} |")


if __name__ == "__main__":
    if "--latency" in sys.argv:
        assert os.geteuid() == 0 and os.access(WARDEN, os.X_OK), "as root, with build/warden"
        ensure_peers()
        build_helpers()
        latency_rounds()
    elif "--wait-for" in sys.argv:
        assert os.access(WARDEN, os.X_OK), "build warden first"
        build_helpers()
        wait_for_bench()
    elif "--chown" in sys.argv:
        # --chown --render: the section again from bench/out/chown.pickle, not measured.
        saved = os.path.join(OUT, "chown.pickle")
        if "--render" in sys.argv:
            with open(saved, "rb") as f:
                render_chown_only(*pickle.load(f))
            sys.exit(0)
        assert os.geteuid() == 0 and os.access(WARDEN, os.X_OK), "as root, with build/warden"
        ensure_peers()
        os.makedirs(OUT, exist_ok=True)
        m = machine()  # the date the run started
        scaling = chown_scaling()
        m["date"] += " to " + machine()["date"].split()[1]
        measured = (scaling, m)
        with open(saved, "wb") as f:
            pickle.dump(measured, f)
        render_chown_only(*measured)
    elif "--render" in sys.argv:
        with open(os.path.join(OUT, "results.pickle"), "rb") as f:
            render(pickle.load(f))
    else:
        main()
