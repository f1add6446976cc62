"""Shared fixtures: synthetic data, GroupLens-format archives, a local HTTP server."""

from __future__ import annotations

import http.server
import io
import threading
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rec_course import data
from rec_course.data.movielens import GENRES, DatasetSpec, ratings_sha256


@pytest.fixture(scope="session")
def synthetic() -> pd.DataFrame:
    """300 users x 200 items, 30 interactions each, planted rank 4 + popularity."""
    return data.make_synthetic(seed=0)


@pytest.fixture(scope="session")
def synthetic_split(synthetic):
    train, test = data.stratified_split(synthetic, 0.25, seed=1)
    return train, test, 300, 200


def grouplens_zip_bytes(ratings: pd.DataFrame, num_items: int, num_users: int) -> bytes:
    """A small archive in the official ml-100k layout (u.data, u.item, u.user)."""
    u_data = "".join(f"{u}\t{i}\t{int(r)}\t{t}\n" for u, i, r, t in ratings.itertuples(index=False))
    genre_flags = "|".join(["0"] * (len(GENRES) - 1) + ["1"])
    u_item = "".join(f"{i}|Movie {i} (1990)|01-Jan-1990||http://x|{genre_flags}\n"
                     for i in range(1, num_items + 1))
    u_user = "".join(f"{u}|30|F|writer|0{u:04d}\n" for u in range(1, num_users + 1))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ml-100k/u.data", u_data)
        zf.writestr("ml-100k/u.item", u_item.encode("latin-1"))
        zf.writestr("ml-100k/u.user", u_user)
    return buf.getvalue()


@pytest.fixture(scope="session")
def tiny_archive():
    """(zip bytes, DatasetSpec) of a 20-user, 15-item synthetic ml-100k look-alike."""
    ratings = data.make_synthetic(num_users=20, num_items=15, num_factors=2,
                                  interactions_per_user=5, seed=3)
    ratings["user_id"] += 1  # MovieLens ids start at 1
    ratings["item_id"] += 1
    blob = grouplens_zip_bytes(ratings, 15, 20)
    spec = DatasetSpec(name="tiny", url="http://unused.invalid/tiny.zip", zip_name="ml-100k.zip",
                       ratings_sha256=ratings_sha256(ratings), num_ratings=len(ratings),
                       num_users=ratings["user_id"].nunique(),
                       num_items=ratings["item_id"].nunique())
    return blob, spec


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[bytes, int | None]] = {}

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path not in self.routes:
            self.send_error(404)
            return
        body, claimed_length = self.routes[self.path]
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(claimed_length or len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture
def http_server():
    """A server on 127.0.0.1: ``serve(path, body, claimed_length=None) -> url``."""
    routes: dict[str, tuple[bytes, int | None]] = {}
    handler = type("Handler", (_Handler,), {"routes": routes})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def serve(path: str, body: bytes, claimed_length: int | None = None) -> str:
        routes[path] = (body, claimed_length)
        return f"http://127.0.0.1:{server.server_address[1]}{path}"

    yield serve
    server.shutdown()
    server.server_close()


def listing(folder: Path) -> list[str]:
    """Every file in ``folder`` (hidden ones too), to prove nothing was left behind."""
    return sorted(p.name for p in Path(folder).iterdir()) if Path(folder).exists() else []


@pytest.fixture
def rng():
    return np.random.default_rng(0)
