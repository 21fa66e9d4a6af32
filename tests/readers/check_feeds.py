#!/usr/bin/python3
"""Real readers read what `feedd render` writes.

Debian's python3-feedparser must read both feeds with no bozo error and see the
expected titles, ids, links, dates and authors; xmllint validates the Atom feed
against ../shared/schemas/atom.rng when that file exists. Exits 77 (skipped)
when feedparser is not installed.
"""
import argparse
import calendar
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
        rss = read(os.path.join(out, "rss.xml"))
        atom = read(os.path.join(out, "atom.xml"))
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
                check(e.id == exp.get("id", link), f"{feed.version} {exp['slug']}: id {e.id}")
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
    ]
    check_folder(args.feedd, os.path.join(args.source, "tests", "testdata", "articles"), own,
                 schema)

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
    else:
        print(f"NOTE: {fixtures} not found; shared fixtures skipped")

    if failures:
        print(f"0 passed, {len(failures)} failed")
        sys.exit(1)
    print("feedparser read every feed with no bozo error; every expectation held")


if __name__ == "__main__":
    main()
