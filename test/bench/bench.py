#!/usr/bin/env python3
"""uvsup's benchmark: uvsup against the floors (a posix_spawn loop and a bare
uv_spawn loop) and the peers (xargs -P, GNU parallel, Python subprocess and
multiprocessing), side by side in one run, contenders alternating so that
machine noise hits all alike. Prints a Markdown table; test/bench/run builds
everything first. Timed targets are reported, never asserted."""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

PY_POOL = r"""
import subprocess, sys
from concurrent.futures import ThreadPoolExecutor
n, j, prog = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with ThreadPoolExecutor(j) as pool:
    codes = list(pool.map(lambda i: subprocess.run([prog, str(i)]).returncode,
                          range(n)))
sys.exit(1 if any(codes) else 0)
"""

# The original script's way: a Process per worker, join, exitcode; at most
# j alive at once, joined oldest first.
PY_MULTIPROCESSING = r"""
import multiprocessing, os, sys
def work(prog, i):
    os.execv(prog, [prog, str(i)])
if __name__ == "__main__":
    n, j, prog = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    ctx = multiprocessing.get_context("fork")
    alive, failed = [], 0
    for i in range(n):
        if len(alive) == j:
            p = alive.pop(0); p.join(); failed += p.exitcode != 0
        p = ctx.Process(target=work, args=(prog, i)); p.start(); alive.append(p)
    for p in alive:
        p.join(); failed += p.exitcode != 0
    sys.exit(1 if failed else 0)
"""


def run(argv, stdin_bytes=None, rss=None, env=None):
    """Runs argv; returns (seconds, peak RSS in KiB or 0). With rss (the
    bench_rss helper), the peak RSS is measured by that small parent."""
    if rss:
        argv = [rss] + argv
    start = time.perf_counter()
    proc = subprocess.run(argv, input=stdin_bytes, env=env,
                          stdin=None if stdin_bytes else subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(argv[:4])} ... exited {proc.returncode}")
    peak = 0
    for line in proc.stderr.decode(errors="replace").splitlines():
        if line.startswith("rss_kib "):
            peak = int(line.split()[1])
    return seconds, peak


def median_range(values):
    return statistics.median(values), min(values), max(values)


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") >> 30
    return (f"{os.cpu_count()} CPUs ({model}), {mem} GiB, "
            f"Linux {platform.release()}")


class Table:
    def __init__(self):
        self.rows = []

    def add(self, workload, contender, unit, values, base, higher_better):
        med, lo, hi = median_range(values)
        ratio = ""
        if base is not None and med > 0:
            ratio = f"{(med / base if higher_better else base / med):.2f}"
        self.rows.append((workload, contender, f"{med:.3g} {unit}",
                          f"{lo:.3g}-{hi:.3g}", ratio))
        # As it comes, so a run cut short still says what it measured.
        print("| " + " | ".join(self.rows[-1]) + " |", file=sys.stderr,
              flush=True)

    def markdown(self):
        out = ["| workload | contender | median | min-max | vs uvsup |",
               "|---|---|---|---|---|"]
        out += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(out)


def alternate(contenders, reps):
    """Runs each contender reps times, interleaved; returns name -> runs."""
    results = {name: [] for name in contenders}
    for _ in range(reps):
        for name, fn in contenders.items():
            results[name].append(fn())
    return results


def spawn_throughput(b, table, n, jobs, reps, with_parallel, notes):
    # Every contender runs the same argv, "/bin/true K" for K = 0 .. n-1:
    # uvsup, xargs and parallel append the value, the floors (--index) and
    # the Python ones the job's number. (With an argument coreutils' true
    # loads the locale, ~200 us a job: floors that ran it bare had that
    # head start.)
    true = "/bin/true"
    values = "\n".join(str(i) for i in range(n)).encode() + b"\n"
    for j in jobs:
        contenders = {
            "posix_spawn loop": lambda: run([b.spawn_loop, "--index", str(n),
                                             str(j), true]),
            "uv_spawn loop": lambda: run([b.uv_loop, "--index", str(n),
                                          str(j), true]),
            "uvsup": lambda: run([b.uvsup, "-j", str(j), "--summary", "none",
                                  "--output", "inherit", true], values),
            "uvsup --output tag": lambda: run([b.uvsup, "-j", str(j),
                                               "--summary", "none", true],
                                              values),
            "uvsup, spawning in-process": lambda: run(
                [b.uvsup, "-j", str(j), "--summary", "none", "--output",
                 "inherit", true], values,
                env=dict(os.environ, UVSUP_SPAWN="in-process")),
            "xargs -P": lambda: run(["xargs", "-P", str(j), "-n", "1", true],
                                    values),
            "Python subprocess pool": lambda: run(
                [sys.executable, "-c", PY_POOL, str(n), str(j), true]),
            "Python multiprocessing": lambda: run(
                [sys.executable, "-c", PY_MULTIPROCESSING, str(n), str(j),
                 true]),
        }
        if with_parallel:
            contenders["GNU parallel"] = lambda: run(
                ["parallel", "-j", str(j), true], values)
        res = alternate(contenders, reps)
        rate = {k: [n / s for s, _ in v] for k, v in res.items()}
        base = statistics.median(rate["uvsup"])
        for name in contenders:
            table.add(f"1. {n} x true K, -j {j}", name, "jobs/s", rate[name],
                      base, True)
        med = {k: statistics.median(v) for k, v in rate.items()}
        notes.append(f"-j {j}: uvsup runs at "
                     f"{med['uvsup'] / med['uv_spawn loop']:.2f}x the bare "
                     f"uv_spawn loop, {med['uvsup'] / med['xargs -P']:.2f}x "
                     f"xargs -P, {med['uvsup'] / med['posix_spawn loop']:.2f}x "
                     f"the posix_spawn loop")


def sleepers(b, table, n, reps):
    # Each worker is "sleep 1": the value is the argument.
    res = alternate({
        "uvsup": lambda: run([b.uvsup, "-j", "0", "--summary", "none",
                              "sleep", ":::"] + ["1"] * n, rss=b.rss),
        "uv_spawn loop": lambda: run([b.uv_loop, str(n), str(n),
                                      "/usr/bin/sleep", "1"]),
    }, reps)
    wall = {k: [s for s, _ in v] for k, v in res.items()}
    base = statistics.median(wall["uvsup"])
    for name in res:
        table.add(f"2. {n} x sleep 1, -j 0", f"{name} wall", "s",
                  wall[name], base, False)
    table.add(f"2. {n} x sleep 1, -j 0", "uvsup peak RSS", "MiB",
              [r / 1024 for _, r in res["uvsup"]], None, False)


def memory_per_worker(b, table, n, reps):
    small = max(n // 10, 1)
    runs = {}
    for count in (small, n):
        values = "\n".join(str(i) for i in range(count)).encode() + b"\n"
        runs[count] = [run([b.uvsup, "-j", "16", "true"], values,
                           rss=b.rss)[1] for _ in range(reps)]
    table.add(f"3. {n} short jobs", "uvsup peak RSS", "MiB",
              [r / 1024 for r in runs[n]], None, False)
    per = [(hi - lo) * 1024 / (n - small)
           for hi, lo in zip(runs[n], runs[small])]
    table.add(f"3. {n} short jobs", "uvsup bytes per finished worker", "B",
              per, None, False)


def tagged_output(b, table, total_bytes, reps):
    each = (total_bytes // 4) // 40 * 40
    producer = f"{b.lines} {each}"
    cat_cmd = ["/bin/sh", "-c",
               f"({producer} & {producer} & {producer} & {producer} & wait)"
               " | cat > /dev/null"]
    uvsup_cmd = [b.uvsup, "--summary", "none", "--output", "tag"]
    for _ in range(4):
        uvsup_cmd += ["-c", producer]
    res = alternate({
        "uvsup --output tag": lambda: run(uvsup_cmd),
        "cat": lambda: run(cat_cmd),
    }, reps)
    mb = each * 4 / 1e6
    rate = {k: [mb / s for s, _ in v] for k, v in res.items()}
    base = statistics.median(rate["uvsup --output tag"])
    for name in res:
        table.add(f"4. 4 x 40-byte lines, {mb:.0f} MB", name, "MB/s",
                  rate[name], base, True)


def embedding(b, table, heap_mib, n, reps):
    import json
    for mode in ("helper", "in-process"):
        env = dict(os.environ, UVSUP_SPAWN=mode)
        for j in (0, 4):
            runs = []
            for _ in range(reps):
                out = subprocess.run([b.embed_host, str(heap_mib), str(n),
                                      str(j), "/bin/true"],
                                     capture_output=True, check=True,
                                     text=True, env=env).stdout
                runs.append(json.loads(out))
            label = (f"5. host with {heap_mib} MiB, {n} workers, -j {j}, "
                     f"spawning {mode}")
            if j == 0:
                table.add(label, "ms per spawn", "ms",
                          [r["ms_per_spawn"] for r in runs], None, False)
            table.add(label, "longest loop block", "ms",
                      [r["max_block_ms"] for r in runs], None, False)


def kept_open(b, table, n, reps):
    import json
    runs = []
    for _ in range(reps):
        out = subprocess.run([b.feed_host, str(n), "16", "/bin/true"],
                             capture_output=True, check=True,
                             text=True).stdout
        runs.append(json.loads(out))
    label = f"6. kept-open service fed {n} jobs, 16 in flight"
    table.add(label, "uvsup jobs/s", "jobs/s",
              [r["jobs_per_s"] for r in runs], None, True)
    table.add(label, "peak RSS", "MiB", [r["peak_rss_mib"] for r in runs],
              None, False)
    table.add(label, "heap growth, 10 % to 100 % of the jobs", "KiB",
              [r["heap_end_kib"] - r["heap_tenth_kib"] for r in runs], None,
              False)


def proc_gone(pid):
    """True once pid is no process at all, or a zombie (it has ended; who
    reaps it is its new parent's business)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in "ZX"
    except (OSError, IndexError):
        return True


def wait_until(condition, timeout_s, step_s=0.001):
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(step_s)
    return True


def kill9_cleanup(b, table, n, reps, limit_s):
    """kill -9 of uvsup with n running workers: the time from its death to
    the last worker gone, with the spawn helper (which stops them) and
    spawning in-process (nothing does)."""
    for mode in ("helper", "in-process"):
        kill9_one(b, table, n, reps if mode == "helper" else 1, limit_s,
                  mode)


def kill9_one(b, table, n, reps, limit_s, mode):
    """Workers write their pids, so they are found wherever they run
    (children of uvsup, or of the spawn helper)."""
    import tempfile
    label = f"7. kill -9 of uvsup, {n} workers, spawning {mode}"
    env = dict(os.environ, UVSUP_SPAWN=mode)
    times, left = [], []
    for _ in range(reps):
        with tempfile.NamedTemporaryFile("r", prefix="uvsup-bench-") as f:
            script = f'echo $$ >> {f.name} && exec sleep 3600'
            proc = subprocess.Popen(
                [b.uvsup, "-j", "0", "--summary", "none", "-q", "sh", "-c",
                 script, ":::"] + [str(i) for i in range(n)], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

            def pids():
                f.seek(0)
                return [int(x) for x in f.read().split()]
            if not wait_until(lambda: len(pids()) == n, 30):
                proc.kill()
                sys.exit("bench: the workers of the kill -9 run never started")
            workers = pids()
            proc.kill()
            start = time.perf_counter()
            proc.wait()
            gone = wait_until(lambda: all(proc_gone(p) for p in workers),
                              limit_s)
            if gone:
                times.append((time.perf_counter() - start) * 1000)
            else:
                alive = [p for p in workers if not proc_gone(p)]
                left.append(len(alive))
                for p in alive:  # the harness cleans up after uvsup
                    try:
                        os.kill(p, 9)
                    except OSError:
                        pass
    if times:
        table.add(label, "time to the last worker gone", "ms", times, None,
                  False)
    if left:
        table.rows.append((label, "time to the last worker gone",
                           f"never: {statistics.median(left):.0f} of {n} "
                           f"still ran after {limit_s:g} s", "", ""))
        print("| " + " | ".join(table.rows[-1]) + " |", file=sys.stderr,
              flush=True)


class Binaries:
    def __init__(self, build):
        bench = os.path.join(build, "test", "bench")
        self.uvsup = os.path.join(build, "uvsup")
        self.spawn_loop = os.path.join(bench, "bench_spawn_loop")
        self.uv_loop = os.path.join(bench, "bench_uv_loop")
        self.lines = os.path.join(bench, "bench_lines")
        self.embed_host = os.path.join(bench, "bench_embed_host")
        self.rss = os.path.join(bench, "bench_rss")
        self.feed_host = os.path.join(bench, "bench_feed_host")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", required=True, help="a Release build dir")
    ap.add_argument("--quick", action="store_true",
                    help="tiny sizes, one repetition (CI smoke run)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--only", default="1,2,3,4,5,6,7",
                    help="the workloads to run, by number (e.g. 1,5)")
    args = ap.parse_args()
    only = {int(w) for w in args.only.split(",") if w.strip()}
    b = Binaries(args.build)
    # The library's helper, from the build tree rather than an install.
    os.environ["UVSUP_SPAWN_HELPER"] = os.path.join(args.build, "uvsup-spawn")
    quick = args.quick
    reps = 1 if quick else args.reps

    table = Table()
    notes = []
    print(f"machine: {machine()}", flush=True)
    print(f"load average at the start: {os.getloadavg()[0]:.2f}", flush=True)
    if 1 in only:
        spawn_throughput(b, table, 200 if quick else 5000, (2, 16), reps,
                         with_parallel=shutil.which("parallel") is not None,
                         notes=notes)
    if 2 in only:
        sleepers(b, table, 50 if quick else 1000, reps)
    if 3 in only:
        memory_per_worker(b, table, 500 if quick else 20000, reps)
    if 4 in only:
        tagged_output(b, table, 4_000_000 if quick else 1_000_000_000, reps)
    if 5 in only:
        embedding(b, table, 16 if quick else 1024, 20 if quick else 200, reps)
    if 6 in only:
        kept_open(b, table, 500 if quick else 100000, reps)
    if 7 in only:
        kill9_cleanup(b, table, 5 if quick else 20, reps,
                      1.0 if quick else 3.0)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print()
    print(table.markdown())
    print()
    for note in notes:
        print(note)
    print()
    print("vs uvsup: how the contender compares with uvsup on that "
          "workload, above 1 when it is ahead (more jobs/s or MB/s, or less "
          "wall time): 0.5 means half as fast as uvsup, 2 twice as fast.")


if __name__ == "__main__":
    main()
