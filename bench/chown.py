#!/usr/bin/env python3
"""bench/chown.py [--quick] [SIZE...]: warden --chown against `chown -R` and
`find ! -user -exec chown {} +`, by tree size, in one run (as root). bench/run.py uses it for
docs/benchmarks.md and the log-log chart in docs/benchmarks.png; alone it prints the table.

For each size, every repetition runs, on the same tree, with the page cache warm:
  first run     the tree owned by root, given to 1000:1000;
  already owned the same command again;
  root-mismatch warden --chown-policy root-mismatch on the owned tree.
warden runs its program (/bin/true) as a container would; "added" is warden's time minus the
median of the same warden command without --chown, in the same run: the cost of --chown.
warden's own measure of its volume step (the -v summary's elapsed_us) is given too.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WARDEN = os.environ.get("WARDEN", os.path.join(ROOT, "build", "warden"))
SIZES = [1000, 10000, 100000, 1000000, 2000000]
QUICK_SIZES = [1000, 10000, 100000]
TRUE = "/bin/true"
OWNER = "1000:1000"


def reps_for(size):
    return 9 if size <= 10000 else 5 if size <= 100000 else 3 if size <= 200000 else 1


def timed(cmd):
    """Wall time of cmd in ms, and its stderr."""
    os.sync()
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    return (time.perf_counter() - t0) * 1000, done.stderr.decode(errors="replace")


def own_elapsed_us(stderr):
    for line in stderr.splitlines():
        if line.startswith("{") and '"elapsed_us"' in line:
            return json.loads(line)["elapsed_us"]
    raise RuntimeError("no summary line in warden's output: " + stderr)


def commands(tree):
    warden = [WARDEN, "-v", "--log-format", "json", "--user", OWNER]
    return {
        "chown -R": ["chown", "-R", OWNER, tree],
        "find": ["find", tree, "!", "-user", OWNER.split(":")[0], "-exec", "chown", OWNER, "{}",
                 "+"],
        "warden": [*warden, "--chown", tree, TRUE],
        "warden root-mismatch": [*warden, "--chown-policy", "root-mismatch", "--chown", tree,
                                 TRUE],
        "warden alone": [*warden, TRUE],
    }


def one_repetition(tree, cmds, samples):
    def add(key, value):
        samples.setdefault(key, []).append(value)
    for tool in ("chown -R", "find", "warden"):
        subprocess.run(["chown", "-R", "0:0", tree], check=True)
        first, err_first = timed(cmds[tool])
        owned, err_owned = timed(cmds[tool])
        add((tool, "first"), first)
        add((tool, "owned"), owned)
        if tool == "warden":
            add(("warden", "first own"), own_elapsed_us(err_first) / 1000)
            add(("warden", "owned own"), own_elapsed_us(err_owned) / 1000)
    rm, err_rm = timed(cmds["warden root-mismatch"])
    add(("warden root-mismatch", "owned"), rm)
    add(("warden root-mismatch", "owned own"), own_elapsed_us(err_rm) / 1000)
    add(("warden alone", ""), timed(cmds["warden alone"])[0])


def measure_size(size, log):
    base = tempfile.mkdtemp(dir="/var/tmp", prefix="warden-bench-chown-")
    tree = os.path.join(base, "tree")
    try:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "mktree.py"), tree,
                        str(size)], check=True, capture_output=True)
        entries = int(subprocess.run(f"find {tree} | wc -l", shell=True, check=True,
                                     capture_output=True, text=True).stdout)
        samples = {}
        load_before = os.getloadavg()[0]
        reps = reps_for(size)
        log(f"bench: chown, {entries} entries, {reps} repetitions")
        cmds = commands(tree)
        for _ in range(reps):
            one_repetition(tree, cmds, samples)
        row = {key: statistics.median(values) for key, values in samples.items()}
        row["entries"], row["reps"] = entries, reps
        row["load"] = (load_before, os.getloadavg()[0])
        alone = row[("warden alone", "")]
        for key in (("warden", "first"), ("warden", "owned"), ("warden root-mismatch", "owned")):
            row[key + ("added",)] = row[key] - alone
        return row
    finally:
        shutil.rmtree(base, ignore_errors=True)


def measure(sizes, log=print):
    return [measure_size(size, log) for size in sizes]


def load_note(rows):
    """The machine's 1-minute load average around the measurements: parallel walkers only
    help where cores are free."""
    loads = [x for r in rows for x in r.get("load", ())]
    if not loads:
        return ""
    return (f"1-minute load average during the run: {min(loads):.1f} to {max(loads):.1f} on "
            f"{os.cpu_count()} cores.")


def ratio(a, b):
    return f"{a / b:.2f}" if b > 0 else "-"


def table(rows):
    """Markdown lines: times in ms, medians; ratios of warden's added time to chown -R's."""
    lines = [
        "| entries | runs | chown -R first | find first | warden first: whole / added / own | "
        "**first / chown -R** | chown -R owned | find owned | warden owned: whole / added / own | "
        "**owned / chown -R** | warden root-mismatch owned: whole / added / own |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        w, wr = "warden", "warden root-mismatch"
        lines.append(
            f"| {r['entries']} | {r['reps']} | {r[('chown -R', 'first')]:.1f} | "
            f"{r[('find', 'first')]:.1f} | {r[(w, 'first')]:.1f} / "
            f"{r[(w, 'first', 'added')]:.1f} / {r[(w, 'first own')]:.1f} | "
            f"**{ratio(r[(w, 'first', 'added')], r[('chown -R', 'first')])}** | "
            f"{r[('chown -R', 'owned')]:.1f} | {r[('find', 'owned')]:.1f} | "
            f"{r[(w, 'owned')]:.1f} / {r[(w, 'owned', 'added')]:.1f} / "
            f"{r[(w, 'owned own')]:.1f} | "
            f"**{ratio(r[(w, 'owned', 'added')], r[('chown -R', 'owned')])}** | "
            f"{r[(wr, 'owned')]:.1f} / {r[(wr, 'owned', 'added')]:.1f} / "
            f"{r[(wr, 'owned own')]:.3f} |")
    return lines


def chart_data(rows, path):
    """Columns for gnuplot: entries, then the series chart_plot names, in ms."""
    series = [("chown -R", "first"), ("chown -R", "owned"), ("find", "first"), ("find", "owned"),
              ("warden", "first", "added"), ("warden", "owned", "added"),
              ("warden root-mismatch", "owned own")]
    with open(path, "w") as f:
        for r in rows:
            # A log scale has no 0: anything under 1 µs is drawn at 1 µs.
            f.write(" ".join([str(r["entries"])] + [f"{max(r[s], 0.001):.4f}" for s in series])
                    + "\n")


def chart_plot(path):
    titles = ["chown -R, first run", "chown -R, already owned", "find ! -user, first run",
              "find ! -user, already owned", "warden --chown, first run (added)",
              "warden --chown, already owned (added)",
              "warden root-mismatch, already owned (own)"]
    parts = [f'"{path}" using 1:{i + 2} with linespoints title "{t}"'
             for i, t in enumerate(titles)]
    return "plot " + ", \\\n     ".join(parts) + "\n"


def main():
    assert os.geteuid() == 0, "run as root (chown)"
    args = [a for a in sys.argv[1:] if a != "--quick"]
    sizes = [int(a) for a in args] or (QUICK_SIZES if "--quick" in sys.argv else SIZES)
    print("\n".join(table(measure(sizes))))


if __name__ == "__main__":
    main()
