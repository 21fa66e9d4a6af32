#!/usr/bin/env python3
"""A podcast, end to end through the real daemon: episodes and cover art made here
with Debian's ffmpeg, a [podcast] configuration, and then
- the RSS feed fetched over HTTP by the W3C feed validator's own code (which judges
  the itunes tags and the HTTP headers): no error;
- feedparser reads the channel's itunes tags, each episode's enclosure (URL, length,
  type), itunes:duration (from front matter, or read by feedd from the MP3's
  headers), episode, season and episodeType; podcast:guid is the UUID v5 of the
  feed URL;
- Atom's rel="enclosure" link and JSON Feed's attachments and image agree;
- ffprobe reads the episode over HTTP from /media/ (with the ranges it asks for)
  and finds the duration feedd published;
- an episode dropped while the daemon runs appears with its duration.
Exit 77 when ffmpeg, feedparser or the validator is missing."""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

try:
    import feedparser
except ImportError:
    print("SKIP: python3-feedparser is not installed")
    sys.exit(77)

PODCAST_NS = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def _die_with_parent():
    import ctypes
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, dict(r.headers), r.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedd", required=True)
    ap.add_argument("--shared", required=True)
    args = ap.parse_args()
    for tool in ("ffmpeg", "ffprobe"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} is not installed (Debian's ffmpeg package)")
            sys.exit(77)
    validator = os.path.join(args.shared, "validators", "validate-w3c")
    if not os.path.exists(validator):
        print(f"SKIP: {validator} not found (the shared folder is not here)")
        sys.exit(77)

    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "show")
        os.makedirs(os.path.join(src, "2026"))
        # Three seconds of a tone at 64 kbit/s, a cover and an episode picture.
        ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-b:a", "64k",
               os.path.join(src, "2026", "pilot.mp3"))
        ffmpeg("-f", "lavfi", "-i", "sine=frequency=660:duration=5", "-b:a", "64k",
               os.path.join(src, "2026", "second take.mp3"))
        ffmpeg("-f", "lavfi", "-i", "color=c=navy:s=1400x1400", "-frames:v", "1",
               os.path.join(src, "cover.png"))
        ffmpeg("-f", "lavfi", "-i", "color=c=red:s=320x320", "-frames:v", "1",
               os.path.join(src, "2026", "pilot.jpg"))
        with open(os.path.join(src, "2026", "pilot.md"), "w") as f:
            f.write("---\ntitle: The pilot\ndate: 2026-01-05T10:00:00Z\nepisode: 1\nseason: 1\n"
                    "episode_type: trailer\nexplicit: false\n---\n\nWe start the show.\n")
        with open(os.path.join(src, "2026", "two.md"), "w") as f:
            f.write("---\ntitle: Second take\ndate: 2026-01-12T10:00:00Z\nepisode: 2\n"
                    "enclosure: second take.mp3\nduration: \"1:02:03\"\n---\n\nThe second.\n")
        config = os.path.join(tmp, "feedd.toml")
        with open(config, "w") as f:
            f.write('input = "show"\ntitle = "Harbour Talk"\nauthor = "Ana Sousa"\n'
                    'description = "Talk from the harbour"\n'
                    '[podcast]\nimage = "cover.png"\n'
                    'category = ["Society & Culture > Documentary", "News"]\n'
                    'owner_name = "Ana Sousa"\nowner_email = "ana@example.org"\n')
        port_file = os.path.join(tmp, "port")
        log_path = os.path.join(tmp, "log")
        log = open(log_path, "w")
        proc = subprocess.Popen([args.feedd, "--config", config, "--listen", "127.0.0.1:0",
                                 "--port-file", port_file],
                                stdout=log, stderr=log, preexec_fn=_die_with_parent)
        try:
            deadline = time.time() + 15
            port = None
            while time.time() < deadline and port is None:
                if os.path.exists(port_file) and open(port_file).read().endswith("\n"):
                    port = int(open(port_file).read())
                time.sleep(0.02)
            if port is None:
                raise SystemExit("feedd did not start:\n" + open(log_path).read())
            base = f"http://127.0.0.1:{port}"
            # The feeds are served once the folder is read.
            while time.time() < deadline:
                try:
                    if get(base + "/rss.xml")[0] == 200:
                        break
                except Exception:
                    time.sleep(0.05)
            check_feeds(base, validator)
            check_ffprobe(base)
            check_live_drop(base, src)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
            if failures:
                print(open(log_path).read())
    if failures:
        sys.exit(1)
    print("ok: the podcast validates, feedparser and ffprobe read its episodes")


def check_feeds(base, validator):
    r = subprocess.run(["/usr/bin/python3", validator, base + "/rss.xml"], capture_output=True,
                       text=True)
    print(r.stdout.strip())
    if "cannot import" in r.stderr or r.returncode == 3:
        print(f"SKIP: the validator cannot run here: {r.stderr.strip()}")
        sys.exit(77)
    errors = [line for line in r.stdout.splitlines() if line.startswith("error")]
    check(r.returncode == 0 and not errors, f"W3C validator on the podcast RSS: {errors or r.stderr}")

    _, headers, body = get(base + "/rss.xml")
    d = feedparser.parse(body)
    check(not d.bozo, f"feedparser reads the RSS cleanly: {d.get('bozo_exception')}")
    feed = d.feed
    # Apple's values are true/false (the validator insists); feedparser maps only
    # yes/clean and gives None for the rest, which it documents as "not explicit".
    check(not feed.get("itunes_explicit"), f"itunes:explicit false: {feed.get('itunes_explicit')}")
    check("<itunes:explicit>false</itunes:explicit>" in body.decode(), "itunes:explicit false")
    check(feed.get("image", {}).get("href") == base + "/media/cover.png",
          f"itunes:image: {feed.get('image')}")
    check(feed.get("author") == "Ana Sousa", f"itunes:author: {feed.get('author')}")
    publisher = feed.get("publisher_detail", {})
    check(publisher.get("email") == "ana@example.org" and publisher.get("name") == "Ana Sousa",
          f"itunes:owner: {publisher}")
    terms = [t.get("term") for t in feed.get("tags", [])]
    for term in ("Society & Culture", "Documentary", "News"):
        check(term in terms, f"itunes:category {term} in {terms}")
    text = body.decode()
    guid = str(uuid.uuid5(PODCAST_NS, base.split("://", 1)[1] + "/rss.xml"))
    check(f"<podcast:guid>{guid}</podcast:guid>" in text, f"podcast:guid {guid}")
    check("<podcast:locked owner=\"ana@example.org\">no</podcast:locked>" in text, "podcast:locked")

    entries = {e.title: e for e in d.entries}
    pilot, two = entries.get("The pilot"), entries.get("Second take")
    check(pilot is not None and two is not None, f"both episodes: {list(entries)}")
    if pilot is None or two is None:
        return
    want = {
        "The pilot": (base + "/media/2026/pilot.mp3", "3", "1", "1", "trailer"),
        "Second take": (base + "/media/2026/second%20take.mp3", "3723", "2", None, None),
    }
    for title, (url, duration, episode, season, kind) in want.items():
        e = entries[title]
        encs = e.get("enclosures", [])
        check(len(encs) == 1, f"{title}: one enclosure, got {encs}")
        if encs:
            status, h, data = get(url)
            check(encs[0].get("href") == url, f"{title}: enclosure url {encs[0].get('href')}")
            check(encs[0].get("type") == "audio/mpeg", f"{title}: enclosure type {encs[0].get('type')}")
            check(str(encs[0].get("length")) == str(len(data)),
                  f"{title}: enclosure length {encs[0].get('length')} vs {len(data)} served")
        check(e.get("itunes_duration") == duration, f"{title}: itunes:duration {e.get('itunes_duration')}")
        check(e.get("itunes_episode") == episode, f"{title}: itunes:episode {e.get('itunes_episode')}")
        if season:
            check(e.get("itunes_season") == season, f"{title}: itunes:season {e.get('itunes_season')}")
        if kind:
            check(e.get("itunes_episodetype") == kind,
                  f"{title}: itunes:episodetype {e.get('itunes_episodetype')}")
    check(pilot.get("image", {}).get("href") == base + "/media/2026/pilot.jpg",
          f"the pilot's itunes:image: {pilot.get('image')}")

    # Atom and JSON Feed carry the same enclosure.
    a = feedparser.parse(get(base + "/atom.xml")[2])
    atom = {e.title: e for e in a.entries}
    links = [l for l in atom.get("The pilot", {}).get("links", []) if l.get("rel") == "enclosure"]
    check(len(links) == 1 and links[0].get("href") == base + "/media/2026/pilot.mp3"
          and links[0].get("type") == "audio/mpeg" and int(links[0].get("length", 0)) > 0,
          f"Atom enclosure link: {links}")
    j = json.loads(get(base + "/feed.json")[2])
    items = {i["title"]: i for i in j["items"]}
    att = items.get("The pilot", {}).get("attachments", [])
    check(len(att) == 1 and att[0].get("url") == base + "/media/2026/pilot.mp3"
          and att[0].get("mime_type") == "audio/mpeg" and att[0].get("size_in_bytes", 0) > 0
          and att[0].get("duration_in_seconds") == 3, f"JSON Feed attachment: {att}")
    check(items.get("The pilot", {}).get("image") == base + "/media/2026/pilot.jpg",
          f"JSON Feed image: {items.get('The pilot', {}).get('image')}")
    two_att = items.get("Second take", {}).get("attachments", [{}])
    check(two_att[0].get("duration_in_seconds") == 3723, f"front matter's duration wins: {two_att}")
    # The page plays it.
    page = get(base + "/articles/pilot")[2].decode()
    check('<meta property="og:audio" content="' + base + '/media/2026/pilot.mp3"' in page,
          "the page's og:audio")
    check("<audio controls" in page and "/media/2026/pilot.mp3" in page, "the page's <audio> player")


def check_ffprobe(base):
    url = base + "/media/2026/pilot.mp3"
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name",
                        "-of", "json", url], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"ffprobe over HTTP: {r.stderr.strip()}")
    if r.returncode != 0:
        return
    info = json.loads(r.stdout)
    duration = float(info.get("format", {}).get("duration", 0))
    codecs = [s.get("codec_name") for s in info.get("streams", [])]
    check(abs(duration - 3.0) < 0.2, f"ffprobe: duration {duration}, want about 3 s")
    check(codecs == ["mp3"], f"ffprobe: streams {codecs}")
    # ffmpeg decodes all of it from the server (seeking with ranges as it needs).
    r = subprocess.run(["ffmpeg", "-v", "error", "-i", url, "-f", "null", "-"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and not r.stderr.strip(), f"ffmpeg decodes it over HTTP: {r.stderr.strip()}")


def check_live_drop(base, src):
    # A new episode, audio first then its article: published with the duration read
    # from its headers, within seconds.
    tmp_mp3 = os.path.join(src, "2026", ".live.mp3.part")
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=550:duration=4", "-b:a", "64k", "-f", "mp3", tmp_mp3)
    os.rename(tmp_mp3, os.path.join(src, "2026", "live.mp3"))
    with open(os.path.join(src, "2026", ".live.md.part"), "w") as f:
        f.write("---\ntitle: Live one\ndate: 2026-01-20T10:00:00Z\n---\n\nNew.\n")
    os.rename(os.path.join(src, "2026", ".live.md.part"), os.path.join(src, "2026", "live.md"))
    deadline = time.time() + 10
    found = None
    while time.time() < deadline and found is None:
        d = feedparser.parse(get(base + "/rss.xml")[2])
        for e in d.entries:
            if e.title == "Live one" and e.get("enclosures"):
                found = e
        time.sleep(0.1)
    check(found is not None, "a dropped episode appears within 10 s")
    if found is not None:
        check(found.get("itunes_duration") == "4", f"its duration: {found.get('itunes_duration')}")
        check(found["enclosures"][0].get("href") == base + "/media/2026/live.mp3",
              f"its enclosure: {found['enclosures']}")


if __name__ == "__main__":
    main()
