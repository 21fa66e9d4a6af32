"""bench/html: what saved web pages cost against Markdown (run through bench/html).

Two corpora of the same articles (bench/scale_corpus.py's Markdown, and the same
articles as saved WordPress pages from bench/html_corpus.py), measured in the same
run, alternating:

- `feedd render` of each corpus: wall time, time per file, peak RSS (/usr/bin/time
  %M: the largest of feedd and its parse workers), several runs each;
- drop to feed: a daemon on a folder of N articles of each kind, into which new
  saved pages and new Markdown articles are renamed in turn; the time from the
  rename until /rss.xml lists the new title.

Every wait has a deadline; the whole run has a time budget. Progress goes to
stderr, the tables to stdout. Talks only to 127.0.0.1; stops what it started, by
its PID.
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import html_corpus as hc
import scale_corpus as md
from scale import Budget, Daemon, pct, progress, timed_drops

KINDS = ("md", "html")
LABEL = {"md": "markdown", "html": "saved pages"}


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def corpus_dirs(cache, n):
    """Writes (once) and returns the Markdown and saved-page corpora of n articles."""
    dirs = {"md": os.path.join(cache, f"md-{n}"), "html": os.path.join(cache, f"html-{n}")}
    if md.write_corpus(dirs["md"], n):
        progress(f"corpus {n}: Markdown written")
    if hc.write_corpus(dirs["html"], n):
        progress(f"corpus {n}: saved pages written")
    return dirs


def warm(folder):
    """Reads every file (so each run starts from the page cache); returns the bytes."""
    size = 0
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), "rb") as f:
            size += len(f.read())
    return size


def check_same_articles(binary, dirs, count, timeout):
    """`feedd inspect --json` of the first `count` files of both corpora: the fields
    each kind must agree on. Returns a list of differences (empty: the same)."""
    fields = ("title", "date", "section", "tags", "paragraphs", "first_paragraph",
              "last_paragraph", "published")
    got = {}
    for kind, ext in (("md", ".md"), ("html", ".html")):
        names = sorted(n for n in os.listdir(dirs[kind]) if n.endswith(ext))[:count]
        r = subprocess.run([binary, "inspect", "--json"] + [os.path.join(dirs[kind], n)
                                                           for n in names],
                           capture_output=True, text=True, timeout=timeout)
        try:
            got[kind] = json.loads(r.stdout)
        except ValueError:
            return [f"inspect of the {kind} corpus failed: {r.stderr.strip()[-200:]}"]
    diffs = []
    for a, b in zip(got["md"], got["html"]):
        for k in fields:
            if a.get(k) != b.get(k):
                diffs.append(f"{os.path.basename(b['file'])}: {k} differs")
        diffs += [f"{os.path.basename(b['file'])}: warning {w}" for w in b.get("warnings", [])]
    if len(got["md"]) != len(got["html"]):
        diffs.append(f"{len(got['md'])} Markdown against {len(got['html'])} pages inspected")
    return diffs


def output_root(work):
    """render writes into a tmpfs when it has room (this disk is slow to delete tens
    of thousands of fresh files and writes them back during the next run)."""
    try:
        st = os.statvfs("/dev/shm")
        if st.f_bavail * st.f_frsize > 4 << 30:
            return tempfile.mkdtemp(prefix="feedd-html-out.", dir="/dev/shm"), True
    except OSError:
        pass
    return work, False


def render_once(binary, folder, n, out, work, timeout):
    """One `feedd render`; returns (seconds, peak RSS kB, CPU seconds, None) or
    (None, None, None, why)."""
    shutil.rmtree(out, ignore_errors=True)
    mem = os.path.join(work, "render.mem")
    cmd = ["/usr/bin/time", "-f", "%M %U %S", "-o", mem, binary, "render", "--input", folder,
           "--output", out, "--base-url", "http://127.0.0.1/"]
    start = time.perf_counter()
    # Its own process group, so a timeout ends time(1), feedd and its workers together.
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    try:
        log, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return None, None, None, f"not done after {timeout:.0f} s"
    secs = time.perf_counter() - start
    log = log.decode(errors="replace")
    if p.returncode != 0:
        return None, None, None, f"exit status {p.returncode}: {log.strip()[-200:]}"
    if f"rendered {n} of {n} articles" not in log:
        return None, None, None, f"not every article rendered: {log.strip()[-200:]}"
    try:
        with open(os.path.join(out, "rss.xml"), encoding="utf-8") as f:
            if md.article_title(n - 1) not in f.read():
                return None, None, None, "rss.xml lacks the newest article"
        with open(mem) as f:
            rss, user, system = f.read().split()[-3:]
    except (OSError, ValueError) as e:
        return None, None, None, f"no output: {e}"
    return secs, int(rss), float(user) + float(system), None


def run_render(binary, dirs, n, work, out_root, reps, budget, timeout):
    """reps runs of each kind, alternating (and which goes first alternates too)."""
    res = {k: {"secs": [], "rss": [], "cpu": [], "errs": []} for k in KINDS}
    out = os.path.join(out_root, f"render-out-{n}")
    for rep in range(reps):
        for kind in (KINDS if rep % 2 == 0 else KINDS[::-1]):
            bound = budget.bound(timeout)
            if bound < 1:
                res[kind]["errs"].append("skipped: time budget")
                continue
            secs, rss, cpu, err = render_once(binary, dirs[kind], n, out, work, bound)
            if err:
                res[kind]["errs"].append(err + (" (time budget)" if bound < timeout else ""))
                progress(f"render {n} {kind} run {rep + 1}: {err}")
                continue
            res[kind]["secs"].append(secs)
            res[kind]["rss"].append(rss)
            res[kind]["cpu"].append(cpu)
            progress(f"render {n} {kind} run {rep + 1}: {secs:.2f} s, CPU {cpu:.2f} s, "
                     f"{rss / 1024:.0f} MiB")
    shutil.rmtree(out, ignore_errors=True)
    return res


def measure_drops(d, folder, n, pairs, budget, per_drop):
    """pairs of drops, one saved page and one Markdown article each (which goes
    first alternates), each dated after every other article, written to a dot name
    and renamed (scale.timed_drops); the time until /rss.xml lists its title.
    Returns ({kind: [ms]}, error)."""
    newest = md.START + (n - 1) * md.STEP

    def make_drop(j):
        kind = (KINDS if (j // 2) % 2 == 0 else KINDS[::-1])[j % 2]
        title = f"HTML bench drop {j} {kind} {time.time_ns()}"
        date = newest + datetime.timedelta(minutes=j + 1)
        index = n + j  # a new article each time, as in bench/scale
        if kind == "html":
            return kind, title, hc.page_html(index, title=title, date=date), "html"
        return kind, title, md.article_text(index, title=title, date=date), "md"

    got, err = timed_drops(d, folder, 2 * pairs, make_drop, budget, per_drop)
    samples = {k: [] for k in KINDS}
    for kind, ms in got:
        samples[kind].append(ms)
    return samples, err


def run_daemon(binary, corpus_dir, kind, n, work, pairs, budget, timeout, per_drop):
    """A daemon on a hard-linked copy of one corpus (the drops never reach the
    cache), with an empty state folder: time until ready, drops, peak RSS."""
    res = {"notes": []}
    folder = os.path.join(work, f"daemon-{kind}-{n}")
    state = folder + "-state"
    for p in (folder, state):
        shutil.rmtree(p, ignore_errors=True)
    subprocess.run(["cp", "-al", corpus_dir, folder], check=True)
    os.makedirs(state)
    d = None
    try:
        bound = budget.bound(timeout)
        if bound < 1:
            res["err"] = "skipped: time budget"
            return res
        progress(f"daemon on {n} {kind}: starting (bound {bound:.0f} s)")
        d = Daemon(binary, folder, state, work, f"daemon-{kind}-{n}")
        res["ready"], res["err"] = d.wait_ready(md.article_title(n - 1), bound, bound < timeout)
        d.peaks.sample()
        res["rss_ready"] = d.peaks.daemon + d.peaks.worker()
        if res["ready"] is not None:
            progress(f"daemon on {n} {kind}: ready in {res['ready']:.2f} s; {pairs} pairs of drops")
            res["drops"], res["drops_err"] = measure_drops(d, folder, n, pairs, budget, per_drop)
            d.peaks.sample()
            res["rss_drops"] = d.peaks.daemon + d.peaks.worker()
        if d.stop() is None:
            res["notes"].append(f"{kind} folder: did not exit within 30 s of SIGTERM; killed")
        if res.get("err") and d.log_tail(1):
            res["notes"].append(f"{kind} folder: last log line: {d.log_tail(1)[:200]}")
        return res
    finally:
        if d is not None and d.proc.poll() is None:  # an exception left it running
            d.proc.kill()
            d.proc.wait()
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)


def med_range(vals, fmt):
    if not vals:
        return "-"
    return f"{fmt(statistics.median(vals))} ({fmt(min(vals))}-{fmt(max(vals))})"


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "n/a"


def table(rows):
    width = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for r in rows:
        print(f"{r[0]:<{width[0]}}" + "".join(f"  {v:>{w}}" for v, w in zip(r[1:], width[1:])))


def print_render(n, sizes, res, load):
    print(f"\n== feedd render, {n:,} articles: Markdown {sizes['md'] / 1e6:.1f} MB "
          f"({sizes['md'] / n / 1e3:.1f} KB a file), saved pages {sizes['html'] / 1e6:.1f} MB "
          f"({sizes['html'] / n / 1e3:.1f} KB a page); load average before: {load} ==")
    m, h = res["md"], res["html"]
    med = {k: statistics.median(res[k]["secs"]) if res[k]["secs"] else None for k in KINDS}
    rss = {k: statistics.median(res[k]["rss"]) if res[k]["rss"] else None for k in KINDS}
    cpu = {k: statistics.median(res[k]["cpu"]) if res[k]["cpu"] else None for k in KINDS}
    extra = (f"+{(med['html'] - med['md']) * 1000 / n:.2f} ms a page"
             if med["md"] and med["html"] else "")
    table([
        ("", "markdown (reference)", "saved pages", "html / markdown"),
        ("wall time, s", med_range(m["secs"], lambda v: f"{v:.2f}"),
         med_range(h["secs"], lambda v: f"{v:.2f}"), ratio(med["html"], med["md"])),
        ("per file, ms", med_range([s * 1000 / n for s in m["secs"]], lambda v: f"{v:.2f}"),
         med_range([s * 1000 / n for s in h["secs"]], lambda v: f"{v:.2f}"), extra),
        ("CPU time (user+sys), s", med_range(m["cpu"], lambda v: f"{v:.2f}"),
         med_range(h["cpu"], lambda v: f"{v:.2f}"), ratio(cpu["html"], cpu["md"])),
        ("CPU per file, ms", med_range([s * 1000 / n for s in m["cpu"]], lambda v: f"{v:.2f}"),
         med_range([s * 1000 / n for s in h["cpu"]], lambda v: f"{v:.2f}"),
         f"+{(cpu['html'] - cpu['md']) * 1000 / n:.2f} ms a page" if cpu["md"] and cpu["html"]
         else ""),
        ("peak RSS, MiB", med_range(m["rss"], lambda v: f"{v / 1024:.0f}"),
         med_range(h["rss"], lambda v: f"{v / 1024:.0f}"), ratio(rss["html"], rss["md"])),
    ])
    print(f"{len(m['secs'])} and {len(h['secs'])} runs, alternating; median (min-max); "
          "ratios of the medians; RSS: /usr/bin/time %M, the largest of feedd and its workers")
    for k in KINDS:
        for e in sorted(set(res[k]["errs"])):
            print(f"note: {LABEL[k]}: {res[k]['errs'].count(e)} run(s): {e}")


def print_drops(n, daemons, load):
    print(f"\n== drop to feed, {n:,} articles loaded; load average before: {load} ==")

    def fmt(s):
        if not s:
            return "-"
        return f"{pct(s, 0.5):.1f} / {pct(s, 0.99):.1f} / {max(s):.1f}"

    rows = [("folder of", "ready, s", "RSS, MiB", "md drop p50/p99/max, ms",
             "html drop p50/p99/max, ms", "html/md p50", "p99")]
    for kind in KINDS:
        r = daemons.get(kind) or {}
        drops = r.get("drops") or {}
        dm, dh = drops.get("md") or [], drops.get("html") or []
        rows.append((
            LABEL[kind], f"{r['ready']:.2f}" if r.get("ready") is not None else r.get("err") or "-",
            f"{r['rss_ready'] / 1024:.0f} / {r['rss_drops'] / 1024:.0f}" if r.get("rss_drops")
            else "-", fmt(dm), fmt(dh),
            ratio(pct(dh, 0.5), pct(dm, 0.5)) if dm and dh else "n/a",
            ratio(pct(dh, 0.99), pct(dm, 0.99)) if dm and dh else "n/a"))
    table(rows)
    counts = {k: len(((daemons.get(k) or {}).get("drops") or {}).get("html") or [])
              for k in KINDS}
    ready = {k: (daemons.get(k) or {}).get("ready") for k in KINDS}
    print(f"drops into each folder: {counts['md']} and {counts['html']} of each kind, "
          "alternating; RSS: VmHWM of daemon + parse worker when ready / after the drops")
    print(f"ready (cold start, empty state): folder of saved pages / of Markdown = "
          f"{ratio(ready['html'], ready['md'])}")
    for kind in KINDS:
        r = daemons.get(kind) or {}
        if r.get("drops_err"):
            print(f"note: {LABEL[kind]} folder: {r['drops_err']}")
        for note in r.get("notes", []):
            print(f"note: {note}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedd", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--reps", type=int, default=6)
    ap.add_argument("--drop-sizes", type=lambda s: [int(x) for x in s.split()],
                    default=[100, 10000])
    ap.add_argument("--drops", type=int, default=40, help="drops of each kind per daemon")
    ap.add_argument("--drop-timeout", type=float, default=10)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--budget", type=float, default=1200)
    ap.add_argument("--machine", default="")
    ap.add_argument("sizes", type=int, nargs="*", default=[1000, 10000])
    args = ap.parse_args()
    budget = Budget(args.budget)
    os.makedirs(args.cache, exist_ok=True)
    work = tempfile.mkdtemp(prefix="run.", dir=args.cache)  # same file system: cp -al works
    out_root, out_on_tmpfs = output_root(work)
    try:
        v = subprocess.run([args.feedd, "--version"], capture_output=True, text=True,
                           timeout=10).stdout.strip()
        print(f"machine: {args.machine}")
        print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
              f"load average: {loadavg()}")
        print(f"feedd: {args.feedd} ({v})")
        print(f"render: {args.reps} runs of each kind per size, writing into {out_root}"
              + (" (tmpfs)" if out_on_tmpfs else "") + f", at most {args.timeout:.0f} s a run; "
              f"drops: {args.drops} of each kind per folder, at most {args.drop_timeout:.0f} s "
              f"each; budget {args.budget:.0f} s")
        sys.stdout.flush()
        checked = False
        for n in args.sizes:
            progress(f"corpus {n}: writing or reusing")
            dirs = corpus_dirs(args.cache, n)
            if not checked:
                diffs = check_same_articles(args.feedd, dirs, 20, 60)
                print(f"same articles: `feedd inspect` of the first 20 of each kind "
                      + ("agrees on title, date, section, tags, paragraphs, first and last "
                         "paragraph" if not diffs else "DIFFERS: " + "; ".join(diffs[:5])))
                checked = True
            load = loadavg()
            sizes = {k: warm(dirs[k]) for k in KINDS}
            res = run_render(args.feedd, dirs, n, work, out_root, args.reps, budget, args.timeout)
            print_render(n, sizes, res, load)
            sys.stdout.flush()
        for n in args.drop_sizes:
            dirs = corpus_dirs(args.cache, n)
            load = loadavg()
            daemons = {}
            for kind in KINDS:
                warm(dirs[kind])
                daemons[kind] = run_daemon(args.feedd, dirs[kind], kind, n, work, args.drops,
                                           budget, min(args.timeout, 180), args.drop_timeout)
            print_drops(n, daemons, load)
            sys.stdout.flush()
        print(f"\nload average after: {loadavg()}; {args.budget - budget.left():.0f} s of the "
              f"{args.budget:.0f} s budget used")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if out_on_tmpfs:
            shutil.rmtree(out_root, ignore_errors=True)
        progress("removed the run's folders")


if __name__ == "__main__":
    main()
