"""A miss in a crowded bucket still reaches the fallback, and a held folder in any spelling never does
(issue 20, item 9): what a miss costs in S3 requests, counted."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from handlers.aws import clients
from handlers.aws.storage import ListingTruncated, Storage
from handlers.names import NormalizedName
from handlers.simple.catalog import MAX_MISS_REQUESTS, held_by_prefixes
from tests.support.moto import Index
from tests.support.proxy import headers_of

FALLBACK = "https://pypi.org/simple"


@pytest.fixture
def crowded(index: Index, monkeypatch: pytest.MonkeyPatch) -> Index:
    """5,000 unindexed folders ``ra00000/`` to ``ra04999/``: all in the range where ``requests``'s
    spellings sort (``rEQUESTS`` < ``ra…`` < ``requests/``)."""
    monkeypatch.setenv("FALLBACK_INDEX_URL", FALLBACK)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: index.put(f"ra{n:05d}/ra{n:05d}-1.0.tar.gz", b"x"), range(5_000)))
    index.counter.reset()
    return index


def test_a_miss_in_a_crowded_range_is_the_fallback_then_a_held_folder_is_503(crowded: Index) -> None:
    response = crowded.get("/requests/")
    assert response["statusCode"] == 302
    assert headers_of(response)["Location"] == f"{FALLBACK}/requests/"
    lists = crowded.counter.calls["ListObjectsV2"]
    print("a miss for requests among 5,000 ra* folders costs", dict(crowded.counter.calls))
    # One listing of the crowded range (truncated), then r, R, re, rE: no spelling goes further.
    assert lists == 5
    for spelling in ("Requests", "REQUESTS", "ReQuEsTs"):
        crowded.put(f"{spelling}/requests-1.0.tar.gz", b"x")
        assert crowded.get("/requests/")["statusCode"] == 503
        crowded.s3.delete_object(Bucket=crowded.bucket, Key=f"{spelling}/requests-1.0.tar.gz")
        assert crowded.get("/requests/")["statusCode"] == 302
    crowded.put("re_quests/re_quests-1.0.tar.gz", b"x")  # another project (re-quests)
    assert crowded.get("/requests/")["statusCode"] == 302


@pytest.mark.parametrize(
    ("project", "folder"),
    [
        ("foo-bar", "Foo.Bar"),
        ("foo-bar", "FOO_-_bar"),
        ("foo-bar", "foo__bar"),
        ("a-b-c", "A.b_C"),
        ("requests", "rEqUeStS"),
        ("requests", "requests"),
    ],
)
def test_the_prefix_search_finds_every_spelling_and_nothing_longer(
    index: Index, project: str, folder: str
) -> None:
    storage = Storage(clients.s3(), index.bucket)
    name = NormalizedName(project)
    index.put(f"{folder}x/{project}x-1.0.tar.gz", b"x")  # a longer name that starts with the spelling
    index.put(f"{folder}-x/x-1.0.tar.gz", b"x")
    assert held_by_prefixes(storage, name, MAX_MISS_REQUESTS) is False
    index.put(f"{folder}/{project}-1.0.tar.gz", b"x")
    assert held_by_prefixes(storage, name, MAX_MISS_REQUESTS) is True


def test_the_prefix_search_fails_closed_past_its_budget(index: Index) -> None:
    index.put("requests-toolbelt/requests_toolbelt-1.0.tar.gz", b"x")
    storage = Storage(clients.s3(), index.bucket)
    with pytest.raises(ListingTruncated):
        held_by_prefixes(storage, NormalizedName("requests"), 5)
    index.counter.reset()
    assert held_by_prefixes(storage, NormalizedName("requests"), MAX_MISS_REQUESTS) is False
    # Two requests a character (each case; only live prefixes go on), then the folder itself.
    assert index.counter.calls["ListObjectsV2"] == 2 * len("requests") + 1
