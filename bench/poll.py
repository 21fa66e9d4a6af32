"""bench/poll's driver: feedd's polling cost against a stat walk and a full read."""
import argparse
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale_corpus as corpus  # noqa: E402

FOLDERS = 100


def progress(msg):
    print(f"[poll] {msg}", file=sys.stderr, flush=True)


def cpu_seconds(pid):
    """User + system CPU of the process (all threads) and its children so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        c.close()


def make_tree(cache, n):
    """The scale corpus, hard-linked into FOLDERS folders (as years and months would be)."""
    flat = os.path.join(cache, f"flat-{n}")
    tree = os.path.join(cache, f"tree-{n}")
    if corpus.write_corpus(flat, n) or not os.path.exists(tree + ".complete"):
        shutil.rmtree(tree, ignore_errors=True)
        names = sorted(x for x in os.listdir(flat))
        for i, name in enumerate(names):
            sub = os.path.join(tree, f"{i % FOLDERS:02d}")
            os.makedirs(sub, exist_ok=True)
            os.link(os.path.join(flat, name), os.path.join(sub, name))
        open(tree + ".complete", "w").write(f"{n}\n")
    return tree


def timed(cmd, repeat=3):
    best = None
    for _ in range(repeat):
        t = time.monotonic()
        subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
        d = time.monotonic() - t
        best = d if best is None else min(best, d)
    return best


def measure(args, n):
    tree = make_tree(args.cache, n)
    work = tempfile.mkdtemp(prefix="run.", dir=args.cache)
    port_file = os.path.join(work, "port")
    log = open(os.path.join(work, "feedd.log"), "w")
    proc = subprocess.Popen(
        [args.feedd, "--input", tree, "--listen", "127.0.0.1:0", "--port-file", port_file,
         "--state-dir", work, "--watch", "poll", "--poll-interval", f"{int(args.interval * 1000)}ms",
         "--log-level", "warn"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        port = None
        while time.monotonic() < deadline:
            if os.path.exists(port_file) and open(port_file).read().endswith("\n"):
                port = int(open(port_file).read())
                try:
                    status, body = get(port, "/healthz")
                    if status == 200:
                        break
                except OSError:
                    pass
            time.sleep(0.2)
            if proc.poll() is not None:
                raise RuntimeError(f"feedd exited: {open(log.name).read()[-500:]}")
        else:
            raise RuntimeError(f"feedd not ready with {n} articles within 300 s")
        time.sleep(args.interval * 2)  # past the first walks
        c0, t0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(args.idle)
        c1, t1 = cpu_seconds(proc.pid), time.monotonic()
        walks = (t1 - t0) / args.interval
        per_walk_ms = (c1 - c0) / walks * 1000
        rss = rss_kib(proc.pid)
        latencies = []
        for k in range(args.drops):
            name = f"poll-drop-{k}-{int(time.time() * 1000)}.txt"
            title = f"Polled drop {k} {name}"
            path = os.path.join(tree, "00", name)
            with open(path, "w") as f:
                f.write(f"Title: {title}\n\nA new article for the poll bench.\n")
            t = time.monotonic()
            while time.monotonic() - t < args.interval * 5:
                if title in get(port, "/rss.xml")[1]:
                    latencies.append(time.monotonic() - t)
                    break
                time.sleep(0.02)
            os.remove(path)
            time.sleep(args.interval * 2.5)  # the removal is seen before the next drop
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    find_s = timed(f"find {tree} -type f -printf '%s %T@ %i\\n'")
    read_s = timed(f"find {tree} -type f -print0 | xargs -0 cat")
    return per_walk_ms, rss, latencies, find_s * 1000, read_s * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedd", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--interval", type=float, default=2)
    ap.add_argument("--idle", type=float, default=20)
    ap.add_argument("--drops", type=int, default=5)
    ap.add_argument("--machine", default="")
    ap.add_argument("sizes", nargs="*", type=int, default=[10000, 100000])
    args = ap.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    print(f"machine: {args.machine}")
    print(f"poll interval {args.interval:g} s, {FOLDERS} folders; CPU per walk measured over "
          f"{args.idle:g} s idle; find and read: best of 3, warm page cache")
    print("| articles | feedd CPU per walk | find's stat walk | read every file | "
          "feedd / find | feedd / read | RSS | new file -> /rss.xml (median, max) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for n in args.sizes:
        progress(f"{n} articles")
        walk, rss, lat, find_ms, read_ms = measure(args, n)
        lat.sort()
        med = f"{lat[len(lat) // 2]:.2f} s, {lat[-1]:.2f} s" if lat else "not seen"
        print(f"| {n:,} | {walk:.0f} ms | {find_ms:.0f} ms | {read_ms:.0f} ms | "
              f"{walk / find_ms:.2f} | {walk / read_ms:.2f} | {rss / 1024:.0f} MiB | {med} "
              f"({len(lat)} of {args.drops}) |", flush=True)


if __name__ == "__main__":
    main()
