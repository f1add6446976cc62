"""Command line: ``python -m rec_course.data fetch`` fetches and caches MovieLens-100K."""

from __future__ import annotations

import argparse
import sys

from rec_course import config
from rec_course.data.movielens import DataUnavailableError, load_movielens_100k


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rec_course.data",
                                     description="Course datasets.")
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("fetch", help="fetch, verify and cache MovieLens-100K")
    fetch.add_argument("--data-dir", default=None,
                       help=f"cache folder (default: $REC_COURSE_DATA or {config.data_dir()})")
    args = parser.parse_args(argv)
    try:
        ratings, items, users = load_movielens_100k(args.data_dir, verbose=True)
    except DataUnavailableError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"ml-100k ready: {len(ratings):,} ratings, {len(users):,} users, "
          f"{len(items):,} items (checksum verified)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
