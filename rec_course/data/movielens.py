"""MovieLens-100K: fetch, verify, cache and parse.

The MovieLens license forbids redistribution, so the course never ships the files.
:func:`load_movielens_100k` tries, in order:

1. the cache (``$REC_COURSE_DATA``, default ``datasets/cache/``), which holds the
   archive exactly as downloaded;
2. the official GroupLens ``ml-100k.zip`` over HTTPS;
3. the copy inside the PyPI wheel ``recbole==1.2.1``, fetched with
   ``python -m pip download --no-deps`` (recbole is never installed).

Whatever the source, the ratings table is checked against one sha256 of its canonical
form (sorted rows, fixed formatting), so both sources must give the same 100,000 ratings.
Downloads go to a temporary file in the cache folder and are renamed into place only
after they parse and verify: a failed, corrupt or truncated download leaves nothing.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

from rec_course import config

from rec_course.schema import ITEM_ID, RATING, TIMESTAMP, USER_ID  # noqa: F401 (re-exported)

GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
)


class MovieLens(NamedTuple):
    """The three tables of a MovieLens release.

    ratings: columns user_id, item_id (int64), rating (float64), timestamp (int64 s).
    items: item_id, title, year (Int64, <NA> when unknown), genres (list of str).
    users: user_id, age (int64), gender, occupation, zip_code (str).
    """

    ratings: pd.DataFrame
    items: pd.DataFrame
    users: pd.DataFrame


class DataUnavailableError(RuntimeError):
    """Every source of a dataset failed; the message says what was tried and what to do."""


class CorruptDataError(ValueError):
    """A file was read but its content is not the expected dataset."""


@dataclass(frozen=True)
class DatasetSpec:
    """What a MovieLens-100K source must deliver, and where to get it.

    ``ratings_sha256`` is the sha256 of :func:`canonical_ratings_bytes` of the ratings.
    """

    name: str
    url: str
    zip_name: str
    ratings_sha256: str
    num_ratings: int
    num_users: int
    num_items: int
    wheel_requirement: str | None = None
    wheel_name: str | None = None
    wheel_sha256: str | None = None
    wheel_folder: str | None = None


ML_100K = DatasetSpec(
    name="ml-100k",
    url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
    zip_name="ml-100k.zip",
    ratings_sha256="6cfffb52c89b05fbc3afb75f6912eeda04c81c2add0dc58e773a0ef6c8adb160",
    num_ratings=100_000,
    num_users=943,
    num_items=1_682,
    wheel_requirement="recbole==1.2.1",
    wheel_name="recbole-1.2.1-py3-none-any.whl",
    wheel_sha256="9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407",
    wheel_folder="recbole/dataset_example/ml-100k",
)

HTTP_TIMEOUT_S = 30
PIP_TIMEOUT_S = 300


# --------------------------------------------------------------------------- checks
def canonical_ratings_bytes(ratings: pd.DataFrame) -> bytes:
    """The ratings as text in one canonical form: sorted by (user, item, timestamp),
    one ``user<TAB>item<TAB>rating<TAB>timestamp`` line each, ratings printed with ``%g``.
    """
    ordered = ratings.sort_values([USER_ID, ITEM_ID, TIMESTAMP], kind="stable")
    lines = [
        f"{u}\t{i}\t{r:g}\t{t}\n"
        for u, i, r, t in zip(
            ordered[USER_ID].to_numpy(), ordered[ITEM_ID].to_numpy(),
            ordered[RATING].to_numpy(), ordered[TIMESTAMP].to_numpy(),
        )
    ]
    return "".join(lines).encode()


def ratings_sha256(ratings: pd.DataFrame) -> str:
    """sha256 (hex) of :func:`canonical_ratings_bytes`."""
    return hashlib.sha256(canonical_ratings_bytes(ratings)).hexdigest()


def verify(data: MovieLens, spec: DatasetSpec) -> MovieLens:
    """Check counts and the ratings checksum; raise :class:`CorruptDataError` if off."""
    r = data.ratings
    counts = (len(r), r[USER_ID].nunique(), r[ITEM_ID].nunique())
    expected = (spec.num_ratings, spec.num_users, spec.num_items)
    if counts != expected:
        raise CorruptDataError(
            f"expected {expected[0]:,} ratings by {expected[1]:,} users on {expected[2]:,} "
            f"items, found {counts[0]:,} ratings, {counts[1]:,} users, {counts[2]:,} items"
        )
    if r[RATING].isna().any():
        raise CorruptDataError("the ratings table holds missing ratings")
    digest = ratings_sha256(r)
    if digest != spec.ratings_sha256:
        raise CorruptDataError(
            f"ratings checksum mismatch: sha256 {digest[:16]}..., "
            f"expected {spec.ratings_sha256[:16]}..."
        )
    return data


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- parsing
_YEAR_SUFFIX = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})\)\s*$")


def _split_title(title: str) -> tuple[str, int | None]:
    """``"Toy Story (1995)"`` -> ``("Toy Story", 1995)``; no year -> ``(title, None)``."""
    m = _YEAR_SUFFIX.match(title)
    if m:
        return m.group("title"), int(m.group("year"))
    return title.strip(), None


def _items_frame(item_ids, titles, years, genres) -> pd.DataFrame:
    parsed = [_split_title(str(t)) for t in titles]
    year = [y if y is not None else t_year for (_, t_year), y in zip(parsed, years)]
    return pd.DataFrame({
        ITEM_ID: np.asarray(item_ids, dtype=np.int64),
        "title": [t for t, _ in parsed],
        "year": pd.array(year, dtype="Int64"),
        "genres": list(genres),
    })


def _clean_ratings(df: pd.DataFrame) -> pd.DataFrame:
    df = df.astype({USER_ID: np.int64, ITEM_ID: np.int64, RATING: np.float64,
                    TIMESTAMP: np.int64})
    return df.reset_index(drop=True)


def parse_grouplens_zip(path: Path) -> MovieLens:
    """Read the official ``ml-100k.zip`` (``u.data``, ``u.item``, ``u.user``)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = {Path(n).name: n for n in zf.namelist()}
            missing = [n for n in ("u.data", "u.item", "u.user") if n not in names]
            if missing:
                raise CorruptDataError(f"the archive lacks {', '.join(missing)}")
            data = zf.read(names["u.data"])
            item = zf.read(names["u.item"])
            user = zf.read(names["u.user"])
    except zipfile.BadZipFile as e:
        raise CorruptDataError(f"not a readable zip archive ({e})") from None
    ratings = pd.read_csv(io.BytesIO(data), sep="\t", header=None,
                          names=[USER_ID, ITEM_ID, RATING, TIMESTAMP])
    raw = pd.read_csv(io.BytesIO(item), sep="|", header=None, encoding="latin-1",
                      names=[ITEM_ID, "title", "release", "video", "url", *GENRES])
    release_year = pd.to_datetime(raw["release"], format="%d-%b-%Y", errors="coerce").dt.year
    flags = raw[list(GENRES)].to_numpy(dtype=bool)
    genres = [[g for g, on in zip(GENRES, row) if on] for row in flags]
    titles = raw["title"].fillna("unknown")
    items = _items_frame(raw[ITEM_ID], titles, [None] * len(raw), genres)
    # prefer the year in the title; fall back to the release date
    fallback = pd.array(release_year.astype("Int64"), dtype="Int64")
    items["year"] = items["year"].fillna(pd.Series(fallback, index=items.index))
    users = pd.read_csv(io.BytesIO(user), sep="|", header=None, dtype={"zip_code": str},
                        names=[USER_ID, "age", "gender", "occupation", "zip_code"])
    return MovieLens(_clean_ratings(ratings), items, users)


def parse_recbole_wheel(path: Path, folder: str) -> MovieLens:
    """Read ``<folder>/ml-100k.{inter,item,user}`` (RecBole's atomic files) from a wheel."""
    try:
        with zipfile.ZipFile(path) as zf:
            read = {ext: zf.read(f"{folder}/ml-100k.{ext}") for ext in ("inter", "item", "user")}
    except zipfile.BadZipFile as e:
        raise CorruptDataError(f"not a readable wheel ({e})") from None
    except KeyError as e:
        raise CorruptDataError(f"the wheel lacks {e.args[0]}") from None

    def table(ext: str, **kw) -> pd.DataFrame:
        df = pd.read_csv(io.BytesIO(read[ext]), sep="\t", **kw)
        df.columns = [c.split(":")[0] for c in df.columns]  # "user_id:token" -> "user_id"
        return df

    ratings = table("inter")[[USER_ID, ITEM_ID, RATING, TIMESTAMP]]
    raw = table("item", dtype=str, keep_default_na=False)
    title = raw["movie_title"].replace({"unkonwn": "unknown"})  # RecBole's own typo
    years = [int(y) if y.isdigit() and len(y) == 4 else None for y in raw["release_year"]]
    genres = [c.split() for c in raw["class"]]
    items = _items_frame(raw[ITEM_ID].astype(np.int64), title, years, genres)
    users = table("user", dtype={"zip_code": str})[[USER_ID, "age", "gender", "occupation",
                                                    "zip_code"]]
    return MovieLens(_clean_ratings(ratings), items, users)


# --------------------------------------------------------------------------- sources
@dataclass(frozen=True)
class Source:
    """One place the data can come from: a cache file name, a fetcher and a parser."""

    name: str
    cache_name: str
    fetch: Callable[[Path], None]  # writes the raw file to the given (temporary) path
    parse: Callable[[Path], MovieLens]
    describe: str


def _http_fetch(url: str) -> Callable[[Path], None]:
    def fetch(dest: Path) -> None:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_S) as response, \
                open(dest, "wb") as out:
            expected = response.headers.get("Content-Length")
            written = 0
            for block in iter(lambda: response.read(1 << 16), b""):
                out.write(block)
                written += len(block)
        if expected is not None and written != int(expected):
            raise CorruptDataError(
                f"truncated download: got {written:,} of {int(expected):,} bytes")
    return fetch


def _pip_fetch(spec: DatasetSpec) -> Callable[[Path], None]:
    def fetch(dest: Path) -> None:
        with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".pip-") as tmp:
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--disable-pip-version-check", "--quiet", "-d", tmp,
                   spec.wheel_requirement]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True,
                                      timeout=PIP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                raise ConnectionError(f"pip download timed out after {PIP_TIMEOUT_S} s") from None
            if proc.returncode != 0:
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
                raise ConnectionError(f"pip download failed: {tail[0]}")
            wheel = Path(tmp) / spec.wheel_name
            if not wheel.exists():
                raise CorruptDataError(f"pip did not produce {spec.wheel_name}")
            digest = _sha256_file(wheel)
            if digest != spec.wheel_sha256:
                raise CorruptDataError(f"wheel checksum mismatch: sha256 {digest[:16]}...")
            os.replace(wheel, dest)
    return fetch


def default_sources(spec: DatasetSpec = ML_100K, url: str | None = None) -> list[Source]:
    """GroupLens first, then the RecBole wheel (when the spec names one)."""
    url = url or spec.url
    sources = [Source("grouplens", spec.zip_name, _http_fetch(url), parse_grouplens_zip,
                      f"GroupLens archive {url}")]
    if spec.wheel_requirement:
        sources.append(Source(
            "recbole-wheel", spec.wheel_name, _pip_fetch(spec),
            lambda p: parse_recbole_wheel(p, spec.wheel_folder),
            f"PyPI wheel {spec.wheel_requirement} (python -m pip download --no-deps)"))
    return sources


def _show(path: Path) -> str:
    """A path for messages: relative to the repository when inside it, else with ~."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(config.REPO_ROOT))
    except ValueError:
        home = Path.home()
        return "~/" + str(path.relative_to(home)) if path.is_relative_to(home) else str(path)


def _reason(e: BaseException) -> str:
    text = str(e) or type(e).__name__
    return text if isinstance(e, CorruptDataError) else f"{type(e).__name__}: {text}"


def load_movielens_100k(
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = True,
    spec: DatasetSpec = ML_100K,
    sources: list[Source] | None = None,
    verbose: bool = False,
) -> MovieLens:
    """Load MovieLens-100K as ``(ratings, items, users)`` DataFrames.

    Args:
        data_dir: cache folder; default ``$REC_COURSE_DATA`` or ``datasets/cache``.
        download: if False, use the cache only.
        spec: what the data must be (counts and checksum); tests pass their own.
        sources: where to look, in order; default GroupLens, then the RecBole wheel.
        verbose: print which source was used.

    Returns:
        MovieLens(ratings (100000, 4), items (1682, 4), users (943, 5)).

    Raises:
        DataUnavailableError: every source failed; the message lists each with its
            reason and says how to provide the file by hand.
    """
    folder = Path(data_dir) if data_dir is not None else config.data_dir()
    sources = sources if sources is not None else default_sources(spec)
    failures: list[str] = []

    for src in sources:  # 1. the cache
        cached = folder / src.cache_name
        if cached.exists():
            try:
                data = verify(src.parse(cached), spec)
            except Exception as e:  # noqa: BLE001 - report, then try the next source
                failures.append(f"cached file {cached}: {_reason(e)} (it will be replaced)")
                continue
            if verbose:
                print(f"{spec.name}: loaded from the cache {_show(cached)}")
            return data

    if download:  # 2. each source, into a temporary file that is renamed only when valid
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            failures.append(f"cache folder {folder}: cannot be created ({e})")
            sources = []
        for src in sources:
            fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{src.cache_name}.",
                                            suffix=".part")
            os.close(fd)
            tmp = Path(tmp_name)
            try:
                src.fetch(tmp)
                data = verify(src.parse(tmp), spec)
                os.replace(tmp, folder / src.cache_name)
            except Exception as e:  # noqa: BLE001 - collected into one clear error
                failures.append(f"{src.describe}: {_reason(e)}")
                continue
            finally:
                tmp.unlink(missing_ok=True)
            if verbose:
                for f in failures:
                    print(f"{spec.name}: skipped {f}")
                print(f"{spec.name}: fetched from {src.describe}; cached at "
                      f"{_show(folder / src.cache_name)}")
            return data
    else:
        failures.append("downloading is switched off (download=False)")

    tried = "\n".join(f"  - {f}" for f in failures) or "  - no source was configured"
    wheel_hint = (f"\n  * or run `python -m pip download --no-deps {spec.wheel_requirement} "
                  f"-d {folder}` where PyPI is reachable;" if spec.wheel_requirement else "")
    raise DataUnavailableError(
        f"Could not load {spec.name}. Sources tried:\n{tried}\nWhat you can do:\n"
        f"  * download {spec.url} on a machine with internet and place it at "
        f"{folder / spec.zip_name} (do not unzip it);{wheel_hint}\n"
        f"  * or set REC_COURSE_DATA to a folder that holds {spec.zip_name}.\n"
        f"Then run `python -m rec_course.data fetch` again."
    )
