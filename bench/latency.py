"""Drop-to-feed latency: rename a new article into the folder, then poll
/rss.xml on one keep-alive connection until it lists the article."""
import argparse
import http.client
import os
import statistics
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--folder", required=True)
    ap.add_argument("--staging", required=True)
    ap.add_argument("--drops", type=int, default=100)
    args = ap.parse_args()
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
    samples = []
    for i in range(args.drops):
        title = f"Latency probe {i} {time.time_ns()}"
        staged = os.path.join(args.staging, f"probe-{i}.txt")
        with open(staged, "w", encoding="utf-8") as f:
            f.write(f"Title: {title}\n\nA new article dropped by the latency benchmark.\n")
        start = time.perf_counter()
        os.rename(staged, os.path.join(args.folder, f"probe-{i}.txt"))
        deadline = start + 5
        while True:
            conn.request("GET", "/rss.xml")
            body = conn.getresponse().read()
            if title.encode() in body:
                samples.append((time.perf_counter() - start) * 1000)
                break
            if time.perf_counter() > deadline:
                raise SystemExit(f"drop {i} did not appear within 5 s")
        time.sleep(0.02)
    samples.sort()
    p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
    print(f"{len(samples)} drops: p50 {p(0.50):.2f} ms, p99 {p(0.99):.2f} ms, "
          f"max {samples[-1]:.2f} ms, mean {statistics.mean(samples):.2f} ms")
    print("floor: p99 under 50 ms:", "met" if p(0.99) < 50 else "NOT met")


if __name__ == "__main__":
    main()
