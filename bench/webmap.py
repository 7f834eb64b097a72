"""Latency of the web map's read endpoints against a running server (`roadchief serve`).

    .venv/bin/python -m bench.webmap [BASE_URL] [--repeat N]

Prints the median and 95th percentile per endpoint and the response size. Reads only: it changes
nothing. Run it once; on a shared machine say so with the figures.
"""

import argparse
import os
import statistics
import time

import httpx

PATHS = [
    "/",
    "/api/webmap/config",
    "/api/coverage?level=district",
    "/api/coverage?level=sub_district",
    "/api/coverage?level=community",
    "/api/segments",
    "/api/segments?uncovered=3",
    "/api/roads?q=%E8%88%AA%E6%B5%B7",
    "/api/chiefs?q=%E7%8E%8B&limit=50",
]


def timed(client: httpx.Client, path: str, repeat: int) -> tuple[float, float, int]:
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        response.raise_for_status()
        size = len(response.content)
    times.sort()
    return statistics.median(times) * 1000, times[max(0, int(len(times) * 0.95) - 1)] * 1000, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url", nargs="?", default="http://127.0.0.1:8000")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with httpx.Client(base_url=args.base_url, timeout=60) as client:
        segments = client.get("/api/segments?ids=1").json()["features"]
        first = segments[0]["properties"]["segment_id"] if segments else 1
        print(f"load average {os.getloadavg()[0]:.2f}; {args.repeat} requests per endpoint")
        print(f"{'endpoint':45} {'median ms':>10} {'p95 ms':>8} {'bytes':>10}")
        for path in PATHS + [f"/api/segments/{first}", f"/api/segments/{first}/history",
                             f"/api/chiefs?segment_id={first}&tier=3"]:
            median, p95, size = timed(client, path, args.repeat)
            print(f"{path:45} {median:10.1f} {p95:8.1f} {size:10,}")


if __name__ == "__main__":
    main()
