#!/usr/bin/python3
"""Real readers read what feedd writes and serves.

Debian's python3-feedparser must read both feeds, as `feedd render` writes them and
as the daemon serves them, with no bozo error and see the expected titles, ids,
links, dates, authors and categories; xmllint validates the Atom feed against
../shared/schemas/atom.rng when that file exists; Debian's newsboat subscribes to
the running daemon and never sees an item twice across a restart, a touch of every
file, an edit and a rename. Exits 77 (skipped) when feedparser is not installed.
"""
import argparse
import calendar
import signal
import sqlite3
import time
import urllib.parse
import urllib.request
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import feedparser
except ImportError:
    print("SKIP: python3-feedparser is not installed (apt-get install python3-feedparser)")
    sys.exit(77)

BASE = "https://news.example.org"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def render(feedd, src, out):
    subprocess.run([feedd, "render", "--input", src, "--output", out, "--base-url", BASE + "/",
                    "--title", "Readers & Tests"], check=True, capture_output=True)


def read(path):
    parsed = feedparser.parse(path)
    check(not parsed.bozo, f"{path}: bozo: {parsed.get('bozo_exception')}")
    return parsed


def by_title(parsed):
    return {e.title: e for e in parsed.entries}


def check_folder(feedd, src, expectations, shared_schema):
    with tempfile.TemporaryDirectory() as out:
        render(feedd, src, out)
        check_feeds(os.path.join(out, "rss.xml"), os.path.join(out, "atom.xml"), expectations,
                    shared_schema, out)


def _die_with_parent():
    import ctypes
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Daemon:
    """The feedd daemon on 127.0.0.1, stopped with SIGTERM."""

    def __init__(self, feedd, folder, state, port=0):
        self.dir = tempfile.mkdtemp()
        port_file = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "log"), "w")
        # The daemon ends with this script even if the script is killed (ctest timeout).
        self.proc = subprocess.Popen(
            [feedd, "--input", folder, "--listen", f"127.0.0.1:{port}", "--port-file", port_file,
             "--state-dir", state, "--base-url", BASE + "/", "--title", "Readers & Tests"],
            stdout=self.log, stderr=self.log, preexec_fn=_die_with_parent)
        deadline = time.time() + 10
        while time.time() < deadline:
            if os.path.exists(port_file) and open(port_file).read().endswith("\n"):
                self.port = int(open(port_file).read())
                return
            time.sleep(0.02)
        raise SystemExit("feedd did not start")

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return r.read()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        check(self.proc.wait(timeout=20) == 0, "feedd exits 0 after SIGTERM")
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def check_served(feedd, src, expectations, shared_schema):
    with tempfile.TemporaryDirectory() as work:
        folder = os.path.join(work, "articles")
        shutil.copytree(src, folder)
        state = os.path.join(work, "state")
        os.mkdir(state)
        d = Daemon(feedd, folder, state)
        try:
            for name in ("rss.xml", "atom.xml", "feed.json"):
                with open(os.path.join(work, name), "wb") as f:
                    f.write(d.get("/" + name))
            metrics = d.get("/metrics").decode("utf-8")
        finally:
            d.stop()
        # /metrics parses with Prometheus's own Python client.
        try:
            from prometheus_client.parser import text_string_to_metric_families
            families = {f.name: f for f in text_string_to_metric_families(metrics)}
            check("feedd_http_responses" in families, "/metrics has feedd_http_responses")
            check("feedd_regeneration_duration_seconds" in families and
                  families["feedd_regeneration_duration_seconds"].type == "histogram",
                  "/metrics has the regeneration histogram")
            articles = [s.value for s in families["feedd_articles"].samples]
            check(articles == [len(expectations)], f"/metrics feedd_articles {articles}")
        except ImportError:
            print("NOTE: python3-prometheus-client is not installed; /metrics not parsed")
        # JSON Feed: the same ids (as RSS; Atom's urn:feedd: form for those that are not
        # IRIs), titles, links, dates and authors as Atom.
        with open(os.path.join(work, "feed.json"), encoding="utf-8") as f:
            jf = json.load(f)
        check(jf.get("version") == "https://jsonfeed.org/version/1.1", "JSON Feed version")
        atom_entries = {e.link: e for e in read(os.path.join(work, "atom.xml")).entries}
        check(len(jf["items"]) == len(atom_entries), "JSON Feed has as many items as Atom")
        for item in jf["items"]:
            e = atom_entries.get(item["url"])
            check(e is not None, f"JSON Feed item {item['id']} is in Atom too")
            if e is None:
                continue
            check(e.id in (item["id"], "urn:feedd:" + urllib.parse.quote(item["id"], safe="")),
                  f"JSON Feed id {item['id']} is Atom's {e.id}")
            check(item["title"] == e.title, f"JSON Feed title of {item['id']}")
            check(item["url"] == e.link, f"JSON Feed url of {item['id']}")
            check(calendar.timegm(feedparser.datetimes._parse_date(item["date_published"])) ==
                  calendar.timegm(e.published_parsed), f"JSON Feed date of {item['id']}")
            check(item.get("authors", [{}])[0].get("name", "") == e.get("author", ""),
                  f"JSON Feed author of {item['id']}")
        check_feeds(os.path.join(work, "rss.xml"), os.path.join(work, "atom.xml"), expectations,
                    shared_schema, work)


def check_feeds(rss_path, atom_path, expectations, shared_schema, out):
    if True:
        rss = read(rss_path)
        atom = read(atom_path)
        check(rss.version == "rss20", f"rss version {rss.version}")
        check(atom.version == "atom10", f"atom version {atom.version}")
        check(rss.feed.title == "Readers & Tests", f"rss feed title {rss.feed.title!r}")
        check(atom.feed.title == "Readers & Tests", f"atom feed title {atom.feed.title!r}")
        for feed in (rss, atom):
            entries = by_title(feed)
            check(len(feed.entries) == len(expectations),
                  f"{feed.version}: {len(feed.entries)} entries, expected {len(expectations)}")
            for exp in expectations:
                e = entries.get(exp["title"])
                check(e is not None, f"{feed.version}: no entry titled {exp['title']!r}")
                if e is None:
                    continue
                link = BASE + "/articles/" + exp["slug"]
                check(e.link == link, f"{feed.version} {exp['slug']}: link {e.link}")
                # An id that is not an absolute IRI is urn:feedd:... in Atom only.
                want = exp.get("id", link)
                if feed.version == "atom10":
                    want = exp.get("atom_id", want)
                check(e.id == want, f"{feed.version} {exp['slug']}: id {e.id}")
                check(e.get("author", "") == exp.get("author", ""),
                      f"{feed.version} {exp['slug']}: author {e.get('author')!r}")
                tags = [t.term for t in e.get("tags", [])]
                check(tags == exp.get("tags", []), f"{feed.version} {exp['slug']}: tags {tags}")
                if "published" in exp:
                    got = calendar.timegm(e.published_parsed)
                    check(got == exp["published"],
                          f"{feed.version} {exp['slug']}: published {got} != {exp['published']}")
                else:
                    check(e.get("published_parsed") is not None,
                          f"{feed.version} {exp['slug']}: no date")
                if "summary_starts_with" in exp:
                    check(e.summary.startswith(exp["summary_starts_with"]),
                          f"{feed.version} {exp['slug']}: summary {e.summary[:60]!r}")
        if shared_schema and shutil.which("xmllint"):
            r = subprocess.run(["xmllint", "--noout", "--relaxng", shared_schema,
                                os.path.join(out, "atom.xml")], capture_output=True, text=True)
            check(r.returncode == 0, f"atom.xml fails atom.rng: {r.stderr.strip()}")
            print(f"xmllint --relaxng: {r.stderr.strip()}")


def newsboat_items(work, port):
    """Runs `newsboat -x reload`, one cache per feed (newsboat keys items by guid alone,
    and both feeds carry the same ids); returns {feed: [(guid, content)]}."""
    items = {}
    for feed in ("rss.xml", "atom.xml"):
        urls = os.path.join(work, feed + ".urls")
        with open(urls, "w") as f:
            f.write(f"http://127.0.0.1:{port}/{feed}\n")
        cache = os.path.join(work, feed + ".cache.db")
        config = os.path.join(work, "config")
        open(config, "a").close()
        subprocess.run(["newsboat", "-u", urls, "-c", cache, "-C", config, "-x", "reload"],
                       check=True, capture_output=True, env=dict(os.environ, HOME=work),
                       timeout=60)
        db = sqlite3.connect(cache)
        items[feed] = list(db.execute("SELECT guid, content FROM rss_item"))
        db.close()
    return items


def check_newsboat(feedd, src):
    if not shutil.which("newsboat"):
        print("NOTE: newsboat is not installed (apt-get install newsboat); its check is skipped")
        return
    with tempfile.TemporaryDirectory() as work:
        folder = os.path.join(work, "articles")
        shutil.copytree(src, folder)
        state = os.path.join(work, "state")
        os.mkdir(state)
        n = len([f for f in os.listdir(folder) if not f.startswith(".")])
        d = Daemon(feedd, folder, state)
        port = d.port
        try:
            first = newsboat_items(work, port)
        finally:
            d.stop()
        for feed, items in first.items():
            check(len(items) == n, f"newsboat: {feed} has {len(items)} items, expected {n}")
        # A restart, a touch of every file, an edit of one, a rename of another.
        names = sorted(f for f in os.listdir(folder) if f.endswith(".txt"))
        later = time.time() + 3600
        for name in os.listdir(folder):
            os.utime(os.path.join(folder, name), (later, later))
        edited = os.path.join(folder, names[0])
        with open(edited, "a", encoding="utf-8") as f:
            f.write("\nA sentence added by an edit.\n")
        os.rename(os.path.join(folder, names[1]), os.path.join(folder, "renamed-" + names[1]))
        d = Daemon(feedd, folder, state, port)
        try:
            second = newsboat_items(work, port)
        finally:
            d.stop()
        for feed, items in second.items():
            check(len(items) == n, f"newsboat after restart, touch, edit, rename: {feed} has "
                  f"{len(items)} items, expected {n} (never {n + 1})")
            check(len({g for g, _ in items}) == n, f"newsboat: {feed} has {len({g for g, _ in items})} distinct guids, expected {n}")
            updated = [g for g, c in items if "A sentence added by an edit." in (c or "")]
            check(len(updated) == 1, f"newsboat: {feed} shows the edit in {len(updated)} items, expected 1")
        print(f"newsboat: {n} items per feed before and after restart, touch, edit and rename")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedd", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--shared", required=True)
    args = ap.parse_args()
    schema = os.path.join(args.shared, "schemas", "atom.rng")
    schema = schema if os.path.exists(schema) else None
    if schema is None:
        print(f"NOTE: {args.shared}/schemas/atom.rng not found; RELAX NG validation skipped")

    own = [
        {"title": "Harbour Bridge to Close for Three Weekends of Repairs",
         "slug": "harbour-bridge-repairs", "author": "Marta Kowalski", "tags": ["City Desk"],
         "summary_starts_with": "The harbour bridge will close"},
        {"title": "הבנק המרכזי השאיר את הריבית ללא שינוי", "slug": "hebrew-rtl",
         "author": "דנה לוי", "tags": ["כלכלה"]},
        {"title": 'Notes on "Quoting" & <Escaping>', "slug": "markdown-links",
         "id": "tag:example.org,2026:notes-quoting", "author": "Sam Lee",
         "tags": ["Guides", "release", "notes"], "published": 1772323200},
        {"title": "Volunteers Count Birds Along the River for the Tenth Year",
         "slug": "wrapped-no-kicker"},
        {"title": "draft: not really a header", "slug": "colon-first-line"},
        {"title": "Ferry Timetable Changes for the Winter", "slug": "offset-date",
         "author": "Leila Farahani", "tags": ["Transport"], "published": 1795602900},
        {"title": "Library Extends Its Opening Hours", "slug": "numeric-id", "id": "12345",
         "atom_id": "urn:feedd:12345", "published": 1795856400},
    ]
    own_folder = os.path.join(args.source, "tests", "testdata", "articles")
    check_folder(args.feedd, own_folder, own, schema)
    check_served(args.feedd, own_folder, own, schema)
    check_newsboat(args.feedd, own_folder)

    # Saved web pages: the same feeds, and the page's canonical link as Atom rel="via".
    pages_folder = os.path.join(args.source, "tests", "testdata", "html")
    pages, vias = [], {}
    for name in sorted(os.listdir(pages_folder)):
        if not name.endswith(".expected.json"):
            continue
        with open(os.path.join(pages_folder, name), encoding="utf-8") as f:
            e = json.load(f)
        pages.append({"title": e["title"], "slug": name[:-len(".expected.json")],
                      "author": e["author"],
                      # the section, then the tags, each name once
                      "tags": list(dict.fromkeys(([e["section"]] if e["section"] else []) + e["tags"])),
                      "published": calendar.timegm(
                          feedparser.datetimes._parse_date(e["published"]))})
        vias[e["title"]] = e["via"]
    with tempfile.TemporaryDirectory() as folder:
        for name in os.listdir(pages_folder):
            if name.endswith(".html"):
                shutil.copy(os.path.join(pages_folder, name), folder)
        check_folder(args.feedd, folder, pages, schema)
        with tempfile.TemporaryDirectory() as out:
            render(args.feedd, folder, out)
            for e in read(os.path.join(out, "atom.xml")).entries:
                via = [l.href for l in e.links if l.rel == "via"]
                want = [vias[e.title]] if vias.get(e.title) else []
                check(via == want, f"atom {e.title!r}: via {via} != {want}")

    fixtures = os.path.join(args.shared, "fixtures")
    if os.path.isdir(fixtures):
        with open(os.path.join(fixtures, "seed", "expected.json"), encoding="utf-8") as f:
            seed = json.load(f)
        shared = [
            {"title": seed["title"], "slug": seed["slug"], "author": seed["author"],
             "tags": [seed["category"]], "summary_starts_with": seed["summary_starts_with"]},
            {"title": "Chabahar Port Opens Second Container Terminal",
             "slug": "2026-11-20-port-expansion", "author": "Leila Farahani",
             "tags": ["economy", "shipping", "Sistan & Baluchestan"],
             "published": 1795154400},
            {"title": "Tehran Metro Line 10 Enters Test Phase", "slug": "header-block",
             "author": "Reza Karimi", "tags": ["Urban", "transport", "tehran"],
             "published": 1795602900},
            {"title": "Caspian Sea Water Level Falls to a 30-Year Low",
             "slug": "no-kicker-no-byline"},
            {"title": "Iran Beat Japan 2-1 in Asian Cup Qualifier", "slug": "crlf-bom-sports",
             "author": "Sara Moradi", "tags": ["Sports"]},
            {"title": "سفر وزیر امور خارجه به مسقط برای گفت\u200cوگوهای منطقه\u200cای",
             "slug": "persian-rtl", "author": "مریم احمدی", "tags": ["سیاسی"]},
        ]
        with tempfile.TemporaryDirectory() as folder:
            # The shared folder also holds a README and JSON; copy just the articles.
            for sub, name in [("seed", seed["file"])] + [
                    ("articles", n) for n in os.listdir(os.path.join(fixtures, "articles"))
                    if n != "README.md"]:
                shutil.copy(os.path.join(fixtures, sub, name), folder)
            check_folder(args.feedd, folder, shared, schema)
            check_served(args.feedd, folder, shared, schema)
    else:
        print(f"NOTE: {fixtures} not found; shared fixtures skipped")

    if failures:
        print(f"0 passed, {len(failures)} failed")
        sys.exit(1)
    print("feedparser read every feed with no bozo error; every expectation held")


if __name__ == "__main__":
    main()
