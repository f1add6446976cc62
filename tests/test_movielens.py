"""The MovieLens loader: real download code against a local server, atomic cache, errors."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from conftest import listing
from rec_course import config
from rec_course.data import movielens as ml
from rec_course.data.movielens import (CorruptDataError, DataUnavailableError,
                                       load_movielens_100k)


def grouplens_only(url):
    return [ml.default_sources(url=url)[0]]


def test_good_archive_is_fetched_parsed_and_cached(tmp_path, http_server, tiny_archive):
    blob, spec = tiny_archive
    url = http_server("/ml-100k.zip", blob)
    ratings, items, users = load_movielens_100k(tmp_path, spec=spec, sources=grouplens_only(url))
    assert len(ratings) == spec.num_ratings
    assert list(ratings.columns) == ["user_id", "item_id", "rating", "timestamp"]
    assert list(items.columns) == ["item_id", "title", "year", "genres"]
    assert items.loc[0, "title"] == "Movie 1" and items.loc[0, "year"] == 1990
    assert items.loc[0, "genres"] == ["Western"]
    assert list(users.columns) == ["user_id", "age", "gender", "occupation", "zip_code"]
    assert users.loc[0, "zip_code"] == "00001"  # zip codes stay strings
    assert listing(tmp_path) == ["ml-100k.zip"]  # cached under its name, nothing else
    # second call: from the cache, even with the server gone
    again = load_movielens_100k(tmp_path, spec=spec, sources=grouplens_only("http://127.0.0.1:9/x"))
    pd.testing.assert_frame_equal(again.ratings, ratings)


@pytest.mark.parametrize("kind", ["garbage", "wrong-data", "truncated-honest", "truncated-cut"])
def test_bad_archives_give_clear_error_and_leave_nothing(tmp_path, http_server, tiny_archive,
                                                         kind):
    blob, spec = tiny_archive
    if kind == "garbage":
        url, expect = http_server("/a.zip", b"<html>not a zip</html>"), "not a readable zip"
    elif kind == "wrong-data":  # a valid archive whose ratings differ by one value
        import io
        zin = zipfile.ZipFile(io.BytesIO(blob))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zout:
            for name in zin.namelist():
                content = zin.read(name)
                if name.endswith("u.data"):
                    first, rest = content.split(b"\n", 1)
                    fields = first.split(b"\t")
                    fields[2] = b"1" if fields[2] != b"1" else b"2"
                    content = b"\t".join(fields) + b"\n" + rest
                zout.writestr(name, content)
        url, expect = http_server("/b.zip", out.getvalue()), "checksum mismatch"
    elif kind == "truncated-honest":  # a cut file served with its (short) length
        url, expect = http_server("/c.zip", blob[: len(blob) // 2]), "not a readable zip"
    else:  # the connection closes before Content-Length bytes arrived
        url = http_server("/d.zip", blob[: len(blob) // 2], claimed_length=len(blob))
        expect = "IncompleteRead|truncated"
    with pytest.raises(DataUnavailableError, match=expect) as info:
        load_movielens_100k(tmp_path, spec=spec, sources=grouplens_only(url))
    message = str(info.value)
    assert url in message  # names the source tried
    assert "place it at" in message and "REC_COURSE_DATA" in message  # says what to do
    assert listing(tmp_path) == []  # no cache file, no temporary left behind


def test_every_source_failing_names_each(tmp_path, tiny_archive, http_server):
    _, spec = tiny_archive
    url = http_server("/missing-on-purpose", b"")  # server up, route 404 below
    sources = ml.default_sources(spec=spec, url=url.replace("missing-on-purpose", "nope"))
    sources.append(ml.Source("broken-mirror", "mirror.zip",
                             fetch=lambda dest: (_ for _ in ()).throw(ConnectionError("offline")),
                             parse=ml.parse_grouplens_zip, describe="a mirror"))
    with pytest.raises(DataUnavailableError) as info:
        load_movielens_100k(tmp_path, spec=spec, sources=sources)
    message = str(info.value)
    assert "HTTP Error 404" in message and "a mirror: ConnectionError: offline" in message
    assert listing(tmp_path) == []


def test_download_false_uses_cache_only(tmp_path, tiny_archive):
    _, spec = tiny_archive
    with pytest.raises(DataUnavailableError, match="download=False"):
        load_movielens_100k(tmp_path, spec=spec, download=False)


def test_corrupt_cache_is_reported_and_replaced(tmp_path, http_server, tiny_archive):
    blob, spec = tiny_archive
    (tmp_path / "ml-100k.zip").write_bytes(b"half a file")
    url = http_server("/ml-100k.zip", blob)
    data = load_movielens_100k(tmp_path, spec=spec, sources=grouplens_only(url))
    assert len(data.ratings) == spec.num_ratings
    assert (tmp_path / "ml-100k.zip").read_bytes() == blob


def test_wheel_parser_reads_recbole_layout(tmp_path):
    inter = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t2\t5\t100\n2\t1\t3\t200\n"
    item = ("item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
            "1\tToy Story\t1995\tAnimation Comedy\n2\tunkonwn\tunkonwn\tunknown\n")
    user = ("user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n"
            "1\t24\tM\ttechnician\t01234\n2\t53\tF\tother\tT8H1N\n")
    wheel = tmp_path / "w.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for ext, text in (("inter", inter), ("item", item), ("user", user)):
            zf.writestr(f"pkg/ml-100k/ml-100k.{ext}", text)
    ratings, items, users = ml.parse_recbole_wheel(wheel, "pkg/ml-100k")
    assert ratings.dtypes["rating"] == "float64" and ratings["timestamp"].tolist() == [100, 200]
    assert items["title"].tolist() == ["Toy Story", "unknown"]
    assert items["year"].isna().tolist() == [False, True]
    assert items.loc[0, "genres"] == ["Animation", "Comedy"]
    assert users["zip_code"].tolist() == ["01234", "T8H1N"]
    with pytest.raises(CorruptDataError, match="lacks"):
        ml.parse_recbole_wheel(wheel, "elsewhere")


def test_checksum_is_independent_of_row_order(tiny_archive, synthetic):
    shuffled = synthetic.sample(frac=1.0, random_state=0)
    assert ml.ratings_sha256(shuffled) == ml.ratings_sha256(synthetic)


def test_split_title():
    assert ml._split_title("Toy Story (1995)") == ("Toy Story", 1995)
    assert ml._split_title("Kolya (Kolya) (1996)") == ("Kolya (Kolya)", 1996)
    assert ml._split_title("unknown") == ("unknown", None)


def test_real_movielens_100k_loads_from_cache():
    """make test fetches ML-100K first (here through the PyPI fallback); check what came."""
    try:
        ratings, items, users = load_movielens_100k(download=False)
    except DataUnavailableError:
        pytest.skip(f"ML-100K is not cached in {config.data_dir()}: run "
                    "`python -m rec_course.data fetch`")
    assert (len(ratings), ratings.user_id.nunique(), ratings.item_id.nunique()) == (100_000, 943, 1682)
    assert len(items) == 1682 and len(users) == 943
    assert sorted(ratings.rating.unique()) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert items.set_index("item_id").loc[1, "title"] == "Toy Story"
    assert set(g for gs in items.genres for g in gs) <= set(ml.GENRES)
