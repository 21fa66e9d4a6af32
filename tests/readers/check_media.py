#!/usr/bin/env python3
"""A folder with an episode and its picture, rendered by the real binary: the RSS and
Atom feeds pass the W3C feed validator's own code (../shared/validators), and
feedparser (as podcast apps built on it read) finds the enclosure's URL, length and
type and the Media RSS image. Exit 77 when feedparser or the validator is missing."""
import argparse
import os
import subprocess
import sys
import tempfile

try:
    import feedparser
except ImportError:
    print("SKIP: python3-feedparser is not installed")
    sys.exit(77)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedd", required=True)
    ap.add_argument("--shared", required=True)
    args = ap.parse_args()
    validator = os.path.join(args.shared, "validators", "validate-w3c")
    if not os.path.exists(validator):
        print(f"SKIP: {validator} not found (the shared folder is not here)")
        sys.exit(77)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "in"), os.path.join(tmp, "out")
        os.makedirs(os.path.join(src, "2026"))
        with open(os.path.join(src, "2026", "harbour talk.mp3"), "wb") as f:
            f.write(os.urandom(54321))
        with open(os.path.join(src, "2026", "cover.png"), "wb") as f:
            f.write(os.urandom(777))
        with open(os.path.join(src, "2026", "ep1.md"), "w") as f:
            f.write("---\ntitle: Harbour talk\ndate: 2026-01-05T10:00:00Z\n"
                    "image: cover.png\nenclosure: harbour talk.mp3\nduration: \"12:34\"\n---\n\n"
                    "We talk about the harbour and its new pier.\n")
        with open(os.path.join(src, "plain.md"), "w") as f:
            f.write("---\ntitle: No media\ndate: 2026-01-04T10:00:00Z\n---\n\nJust text.\n")
        subprocess.run([args.feedd, "render", "--input", src, "--output", out,
                        "--base-url", "https://example.org/show"], check=True,
                       stdout=subprocess.DEVNULL)
        for name in ("rss.xml", "atom.xml"):
            r = subprocess.run([validator, os.path.join(out, name)], capture_output=True, text=True)
            print(r.stdout.strip())
            if r.returncode == 77 or "cannot import" in r.stderr:
                print(f"SKIP: the validator cannot run here: {r.stderr.strip()}")
                sys.exit(77)
            # The self link names the public address, not the file: that warning only.
            errors = [l for l in r.stdout.splitlines() if l.startswith("error")]
            if r.returncode != 0 or errors:
                failures.append(f"{name}: W3C validator: {errors or r.stderr.strip()}")
        url = "https://example.org/show/media/2026/harbour%20talk.mp3"
        for name in ("rss.xml", "atom.xml"):
            d = feedparser.parse(os.path.join(out, name))
            entries = {e.title: e for e in d.entries}
            ep = entries.get("Harbour talk")
            if ep is None:
                failures.append(f"{name}: no episode entry")
                continue
            encs = ep.get("enclosures", [])
            if len(encs) != 1:
                failures.append(f"{name}: {len(encs)} enclosures, want 1")
            else:
                e = encs[0]
                if (e.get("href"), str(e.get("length")), e.get("type")) != (url, "54321", "audio/mpeg"):
                    failures.append(f"{name}: enclosure {dict(e)}")
            if entries.get("No media") is not None and entries["No media"].get("enclosures"):
                failures.append(f"{name}: an item without media has an enclosure")
            if name == "rss.xml":
                media = ep.get("media_content", [])
                want = "https://example.org/show/media/2026/cover.png"
                if not media or media[0].get("url") != want or media[0].get("medium") != "image":
                    failures.append(f"rss.xml: media:content {media}")
    for f in failures:
        print("FAIL:", f)
    if failures:
        sys.exit(1)
    print("ok: enclosures and images valid and read by feedparser")


if __name__ == "__main__":
    main()
