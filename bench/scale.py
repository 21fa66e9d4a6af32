"""bench/scale: feedd against Hugo at growing folder sizes (run through bench/scale).

For each size: Hugo's full build and feeds-only build (time, peak RSS); feedd's
cold start on an empty state folder, its warm restart on the same state, its peak
RSS, and the time from a drop (rename into the folder) until /rss.xml lists it.
Every wait has a deadline; the whole run has a time budget. Progress goes to
stderr, the tables to stdout. Talks only to 127.0.0.1; stops what it started.
"""
import argparse
import datetime
import http.client
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import scale_corpus as corpus

T0 = time.monotonic()


def progress(msg):
    print(f"[{time.monotonic() - T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


class Budget:
    """The run's time budget: every wait is cut to what is left of it."""

    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return max(0.0, self.end - time.monotonic())

    def bound(self, seconds):
        return min(seconds, self.left())


def rss_kb(pid):
    """VmHWM (peak resident set) of a live process in kB, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


class Peaks:
    """Peak RSS of the daemon and, separately, of its parse-worker children (each
    child's VmHWM is kept from its last sample, so a replaced child still counts)."""

    def __init__(self, pid):
        self.pid = pid
        self.daemon = 0
        self.workers = {}

    def sample(self):
        d = rss_kb(self.pid)
        if d:
            self.daemon = max(self.daemon, d)
        for c in children(self.pid):
            w = rss_kb(c)
            if w:
                self.workers[c] = max(self.workers.get(c, 0), w)

    def worker(self):
        return max(self.workers.values(), default=0)


class Client:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port, reopened when closed."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def get(self, path, headers=None, timeout=5):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                self.conn.request("GET", path, headers=headers or {})
                r = self.conn.getresponse()
                return r.status, r.getheader("ETag"), r.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn:
            self.conn.close()
        self.conn = None


class Daemon:
    """A feedd process started by this script; stopped by its PID only."""

    def __init__(self, binary, folder, state, work, name):
        self.port_file = os.path.join(work, f"{name}.port")
        self.log = os.path.join(work, f"{name}.log")
        if os.path.exists(self.port_file):
            os.remove(self.port_file)
        self.started = time.perf_counter()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [binary, "--input", folder, "--listen", "127.0.0.1:0", "--port-file",
                 self.port_file, "--state-dir", state, "--log-level", "warn"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.peaks = Peaks(self.proc.pid)
        self.port = None

    def wait_ready(self, newest_title, timeout, budget_cut=False):
        """Polls every 10 ms until /healthz answers 200 and /rss.xml lists
        newest_title. Returns (seconds, None) or (None, why not); budget_cut says
        the timeout is what was left of the run's budget."""
        deadline = self.started + timeout
        want = newest_title.encode()
        client = None
        try:
            while True:
                self.peaks.sample()
                if self.proc.poll() is not None:
                    return None, f"exited with status {self.proc.returncode}"
                if self.port is None:
                    try:
                        with open(self.port_file) as f:
                            text = f.read().strip()
                        if text:
                            self.port = int(text)
                            client = Client(self.port)
                    except (OSError, ValueError):
                        pass
                if client is not None:
                    try:
                        status, _, _ = client.get("/healthz", timeout=2)
                        if status == 200:
                            status, _, body = client.get("/rss.xml", timeout=10)
                            if status == 200 and want in body:
                                return time.perf_counter() - self.started, None
                    except (OSError, http.client.HTTPException):
                        client.close()
                if time.perf_counter() >= deadline:
                    return None, f"not ready after {timeout:.0f} s" + (
                        " (time budget)" if budget_cut else "")
                time.sleep(0.01)
        finally:
            if client:
                client.close()

    def stop(self, timeout=30):
        """SIGTERM, then SIGKILL after timeout. Returns seconds to exit, or None
        when it had to be killed."""
        self.peaks.sample()
        if self.proc.poll() is not None:
            return 0.0
        start = time.perf_counter()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
            return time.perf_counter() - start
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def log_tail(self, n=3):
        try:
            with open(self.log, errors="replace") as f:
                return " | ".join(line.strip() for line in f.readlines()[-n:])
        except OSError:
            return ""


def timed_drops(d, folder, count, make_drop, budget, per_drop):
    """Drops `count` new files into the running daemon d's folder, one at a time:
    make_drop(j) gives (tag, title, text, ext) for drop j, made just before it is
    written; the text goes to a dot name (.drop-J.EXT) and is renamed to
    drop-JJJ.EXT; the time from the rename until /rss.xml (conditional GETs on one
    keep-alive connection, every 1 ms) lists the title. At most per_drop seconds a
    drop; none is started with less than that left of the budget. Returns
    ([(tag, ms)], error); the error names a late drop "drop J (TAG)", or "drop J"
    when its tag is None. Shared by bench/scale and bench/html."""
    client = Client(d.port)
    samples = []
    try:
        status, etag, body = client.get("/rss.xml")
        for j in range(count):
            if budget.left() < per_drop:
                return samples, f"stopped after {j} drops: time budget"
            tag, title, text, ext = make_drop(j)
            want = title.encode()
            temp = os.path.join(folder, f".drop-{j}.{ext}")
            with open(temp, "w", encoding="utf-8") as f:
                f.write(text)
            start = time.perf_counter()
            os.rename(temp, os.path.join(folder, f"drop-{j:03d}.{ext}"))
            deadline = start + per_drop
            while True:
                status, new_etag, new_body = client.get(
                    "/rss.xml", headers={"If-None-Match": etag} if etag else None)
                if status == 200:
                    etag, body = new_etag, new_body
                    if want in body:
                        samples.append((tag, (time.perf_counter() - start) * 1000))
                        break
                if time.perf_counter() > deadline:
                    what = f"drop {j}" if tag is None else f"drop {j} ({tag})"
                    return samples, f"{what} not visible after {per_drop:.0f} s"
                time.sleep(0.001)
            d.peaks.sample()
            time.sleep(0.02)  # spacing between drops, as bench/latency, so none batch
    except (OSError, http.client.HTTPException) as e:
        return samples, f"HTTP failed: {e}"
    finally:
        client.close()
    return samples, None


def measure_drops(d, folder, first_index, drops, budget, per_drop):
    """Renames `drops` new articles, newer than any in the folder, into it one by
    one (timed_drops); returns (ms list, error)."""
    newest = corpus.START + (first_index - 1) * corpus.STEP

    def make_drop(j):
        title = f"Scale drop {j} {time.time_ns()}"
        text = corpus.article_text(first_index + j, title=title,
                                   date=newest + datetime.timedelta(minutes=j + 1))
        return None, title, text, "md"

    samples, err = timed_drops(d, folder, drops, make_drop, budget, per_drop)
    return [ms for _, ms in samples], err


def pct(samples, q):
    s = sorted(samples)
    return s[min(len(s) - 1, int(q * len(s)))]


def run_feedd(binary, corpus_dir, n, work, label, budget, timeout, drops, drop_timeout):
    """Cold start, warm restart, drops, on a hard-linked copy of the corpus (the
    drops never reach the cache). Returns a dict of results; "notes" holds what
    went wrong, with the daemon's last log line."""
    res = {"n": n, "notes": []}
    folder = os.path.join(work, f"{label}-articles")
    state = os.path.join(work, f"{label}-state")
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)
    subprocess.run(["cp", "-al", corpus_dir, folder], check=True)
    os.makedirs(state)
    newest = corpus.article_title(n - 1)
    d = None
    if budget.left() < 1:
        res["cold_err"] = res["warm_err"] = res["drops_err"] = "skipped: time budget"
        return res

    def bound(seconds):  # (timeout, whether the budget cut it)
        return budget.bound(seconds), budget.left() < seconds

    def finish(phase):  # stops the daemon; notes a kill and a failure's last log line
        secs = d.stop()
        if secs is None:
            res["stop_err"] = "killed after 30 s"
            res["notes"].append(f"{phase}: did not exit within 30 s of SIGTERM; killed")
        if res.get(phase) is None and d.log_tail(1):
            res["notes"].append(f"{phase}: last log line: {d.log_tail(1)[:200]}")
        return secs

    try:
        progress(f"{label} {n}: cold start (bound {budget.bound(timeout):.0f} s)")
        d = Daemon(binary, folder, state, work, f"{label}-{n}-cold")
        res["cold"], res["cold_err"] = d.wait_ready(newest, *bound(timeout))
        d.peaks.sample()
        res["rss_cold"] = (d.peaks.daemon, d.peaks.worker())
        res["stop"] = finish("cold")
        if res["cold"] is None:
            res["warm_err"] = res["drops_err"] = "skipped"
            return res
        progress(f"{label} {n}: cold start {res['cold']:.2f} s; warm restart")
        d = Daemon(binary, folder, state, work, f"{label}-{n}-warm")
        res["warm"], res["warm_err"] = d.wait_ready(newest, *bound(timeout))
        d.peaks.sample()
        res["rss_warm"] = (d.peaks.daemon, d.peaks.worker())
        if res["warm"] is not None:
            progress(f"{label} {n}: warm restart {res['warm']:.2f} s; {drops} drops")
            res["drops"], res["drops_err"] = measure_drops(d, folder, n, drops, budget,
                                                           drop_timeout)
            d.peaks.sample()
            res["rss_drops"] = (d.peaks.daemon, d.peaks.worker())
        else:
            res["drops_err"] = "skipped"
        finish("warm")
        return res
    finally:
        if d is not None and d.proc.poll() is None:  # an exception left it running
            d.proc.kill()
            d.proc.wait()
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)


def hugo_output_root(work):
    """Where Hugo writes its pages: a tmpfs (/dev/shm) when it has room, since this
    disk takes minutes to delete 100,000 freshly written pages and writes them back
    while feedd is measured; else the run folder. Returns (folder, on tmpfs)."""
    try:
        st = os.statvfs("/dev/shm")
        if st.f_bavail * st.f_frsize > 4 << 30:
            return tempfile.mkdtemp(prefix="feedd-scale-hugo.", dir="/dev/shm"), True
    except OSError:
        pass
    return work, False


def run_hugo(corpus_dir, n, work, out_root, out_on_tmpfs, budget, timeout):
    """Full build and feeds-only build. Returns a dict of results."""
    res = {}

    def set_aside(out):
        if out_on_tmpfs:
            shutil.rmtree(out, ignore_errors=True)
        elif os.path.exists(out):  # on disk, deleting now would load it: at the end
            os.rename(out, out + ".trash")

    site = os.path.join(work, f"hugo-site-{n}")
    corpus.write_hugo_site(site, corpus_dir)
    for kind, config in (("full", "config.toml"), ("feeds", "feeds-only.toml")):
        out = os.path.join(out_root, f"hugo-out-{n}-{kind}")
        mem = os.path.join(work, f"hugo-mem-{n}-{kind}")
        bound = budget.bound(timeout)
        if bound < 1:
            res[kind + "_err"] = "skipped: time budget"
            continue
        progress(f"hugo {n}: {kind} build (bound {bound:.0f} s)")
        cmd = ["/usr/bin/time", "-f", "%M", "-o", mem, "hugo", "--quiet", "-s", site,
               "--config", os.path.join(site, config), "-d", out,
               "--cacheDir", os.path.join(work, "hugo-cache")]
        start = time.perf_counter()
        # Its own process group, so a timeout ends time(1) and hugo together.
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, stderr = p.communicate(timeout=bound)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            res[kind + "_err"] = f"not done after {bound:.0f} s" + (
                " (time budget)" if bound < timeout else "")
            set_aside(out)
            continue
        secs = time.perf_counter() - start
        progress(f"hugo {n}: {kind} build {secs:.2f} s; checking its output")
        if p.returncode != 0:
            res[kind + "_err"] = f"exit status {p.returncode}"
            res.setdefault("notes", []).append(
                f"hugo {kind}: {stderr.decode(errors='replace').strip()[-300:]}")
        else:
            err = check_hugo_output(out, n, kind == "full")
            if err:
                res[kind + "_err"] = err
            else:
                res[kind] = secs
                with open(mem) as f:
                    res[kind + "_rss"] = int(f.read().split()[-1])
        set_aside(out)
    shutil.rmtree(site, ignore_errors=True)
    return res


def check_hugo_output(out, n, pages):
    """None when Hugo wrote what it should: every page (full build) and the home
    RSS listing the newest article."""
    if pages:
        missing = [i for i in range(n) if not os.path.exists(
            os.path.join(out, corpus.article_name(i)[:-3], "index.html"))]
        if missing:
            return f"{len(missing)} of {n} pages missing"
    try:
        with open(os.path.join(out, "index.xml"), encoding="utf-8") as f:
            rss = f.read()
    except OSError:
        return "no index.xml"
    if corpus.article_title(n - 1) not in rss:
        return "index.xml lacks the newest article"
    return None


def fmt_s(res, key):
    if res.get(key) is not None:
        return f"{res[key]:.2f}"
    return res.get(key + "_err") or "-"


def fmt_rss(pair):
    """daemon+worker MiB, e.g. "41 (35+6)"."""
    if not pair or not pair[0]:
        return "-"
    d, w = pair
    return f"{(d + w) / 1024:.0f} ({d / 1024:.0f}+{w / 1024:.0f})"


def fmt_drops(res):
    s = res.get("drops") or []
    if not s:
        return res.get("drops_err") or "-"
    text = f"{pct(s, 0.5):.1f} / {pct(s, 0.99):.1f} / {max(s):.1f}"
    return text + (f" (n={len(s)}: {res['drops_err']})" if res.get("drops_err") else "")


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "n/a"


def peak_rss_kb(res):
    """The largest daemon+worker peak over the phases that reached their ready point."""
    vals = [sum(res[k]) for k, ok in (("rss_cold", "cold"), ("rss_warm", "warm"),
                                      ("rss_drops", "warm"))
            if res.get(k) and res.get(ok) is not None]
    return max(vals, default=None)


def print_table(n, corpus_bytes, hugo, feedds, ref, load):
    print(f"\n== {n:,} articles ({corpus_bytes / 1e6:.1f} MB of Markdown; "
          f"load average before: {load}) ==")

    def mib(kb):
        return f"{kb / 1024:.0f}" if kb else "-"

    rows = [
        ("", ["hugo"] + [label for label, _ in feedds]),
        ("full build / cold start, s",
         [fmt_s(hugo, "full")] + [fmt_s(r, "cold") for _, r in feedds]),
        ("feeds-only build, s", [fmt_s(hugo, "feeds")] + ["-" for _ in feedds]),
        ("warm restart, s", ["-"] + [fmt_s(r, "warm") for _, r in feedds]),
        ("stop after cold start (SIGTERM), s", ["-"] + [fmt_s(r, "stop") for _, r in feedds]),
        ("peak RSS build / cold start, MiB", [mib(hugo.get("full_rss"))] +
         [fmt_rss(r.get("rss_cold")) for _, r in feedds]),
        ("peak RSS feeds-only / warm, MiB", [mib(hugo.get("feeds_rss"))] +
         [fmt_rss(r.get("rss_warm")) for _, r in feedds]),
        ("peak RSS after drops, MiB", ["-"] + [fmt_rss(r.get("rss_drops")) for _, r in feedds]),
        ("drop to feed p50 / p99 / max, ms", ["-"] + [fmt_drops(r) for _, r in feedds]),
    ]
    width = [max(len(r[0]) for r in rows)] + [
        max(len(r[1][c]) for r in rows) for c in range(len(rows[0][1]))]
    for name, vals in rows:
        print(f"{name:<{width[0]}}" + "".join(f"  {v:>{w}}" for v, w in zip(vals, width[1:])))
    print("feedd RSS: daemon + parse worker, each its VmHWM; drops: "
          f"{len((feedds[0][1].get('drops') or []))} renames into the running (warm) "
          "daemon's folder")
    for label, r in feedds:
        drops = r.get("drops") or []
        ref_drops = (ref.get(label) or {}).get("drops") or []
        median = statistics.median(drops) if drops else None
        ref_median = statistics.median(ref_drops) if ref_drops else None
        print(f"{label}: cold start / hugo full build = {ratio(r.get('cold'), hugo.get('full'))}; "
              f"peak RSS / hugo peak RSS = {ratio(peak_rss_kb(r), hugo.get('full_rss'))}; "
              f"drop median at {n:,} / at 100 = {ratio(median, ref_median)}")
    for note in hugo.get("notes", []) + [f"{l}: {x}" for l, r in feedds for x in r["notes"]]:
        print(f"note: {note}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedd", required=True)
    ap.add_argument("--baseline")
    ap.add_argument("--cache", required=True)
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--hugo-timeout", type=float, default=300)
    ap.add_argument("--drops", type=int, default=40)
    ap.add_argument("--drop-timeout", type=float, default=10)
    ap.add_argument("--budget", type=float, default=1440)
    ap.add_argument("--machine", default="")
    ap.add_argument("sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    args = ap.parse_args()
    budget = Budget(args.budget)
    binaries = [("feedd", args.feedd)] + ([("baseline", args.baseline)] if args.baseline else [])
    os.makedirs(args.cache, exist_ok=True)
    work = tempfile.mkdtemp(prefix="run.", dir=args.cache)  # same file system: cp -al works
    hugo_out, hugo_out_on_tmpfs = hugo_output_root(work)
    try:
        ref = {}
        ref_corpus = os.path.join(args.cache, "corpus-100")
        corpus.write_corpus(ref_corpus, 100)
        for label, binary in binaries:
            ref[label] = run_feedd(binary, ref_corpus, 100, work, label, budget, args.timeout,
                                   args.drops, args.drop_timeout)
        print(f"machine: {args.machine}")
        print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
        for label, binary in binaries:
            v = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
            print(f"{label}: {binary} ({v})")
        print(subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.strip())
        print(f"hugo writes into {hugo_out}" + (" (tmpfs)" if hugo_out_on_tmpfs else ""))
        print(f"timeout {args.timeout:.0f} s, hugo timeout {args.hugo_timeout:.0f} s, "
              f"{args.drops} drops of at most {args.drop_timeout:.0f} s, "
              f"budget {args.budget:.0f} s")
        for label, _ in binaries:
            r = ref[label]
            print(f"{label} at 100 articles: cold start {fmt_s(r, 'cold')} s, "
                  f"drop to feed p50/p99/max {fmt_drops(r)} ms")
        sys.stdout.flush()
        for n in args.sizes:
            cdir = os.path.join(args.cache, f"corpus-{n}")
            progress(f"corpus {n}: writing or reusing {cdir}")
            if corpus.write_corpus(cdir, n):
                progress(f"corpus {n}: written")
            load = " ".join(open("/proc/loadavg").read().split()[:3])
            progress(f"corpus {n}: reading it, so both start from the page cache")
            size = 0
            for name in os.listdir(cdir):
                with open(os.path.join(cdir, name), "rb") as f:
                    size += len(f.read())
            hugo = run_hugo(cdir, n, work, hugo_out, hugo_out_on_tmpfs, budget,
                            args.hugo_timeout)
            feedds = [(label, run_feedd(binary, cdir, n, work, label, budget, args.timeout,
                                        args.drops, args.drop_timeout))
                      for label, binary in binaries]
            print_table(n, size, hugo, feedds, ref, load)
            sys.stdout.flush()
        progress(f"done; {budget.left():.0f} s of the budget left; removing {work}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if hugo_out_on_tmpfs:
            shutil.rmtree(hugo_out, ignore_errors=True)
        progress("removed")


if __name__ == "__main__":
    main()
