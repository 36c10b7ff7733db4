"""The reindexer against moto: what each event costs, and that no order or race loses a file."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from devserver import delivery
from handlers import reindex
from handlers.aws import storage
from handlers.aws.storage import ListedObject, Storage
from handlers.names import NormalizedName
from handlers.simple.indexer import Indexer
from tests.support.events import s3_event, sqs_batch
from tests.support.moto import Index
from tests.support.proxy import body_of, make_wheel

JSON = "application/vnd.pypi.simple.v1+json"


def page(index: Index, project: str) -> dict[str, Any]:
    response = index.get(f"/{project}/", accept=JSON)
    assert response["statusCode"] == 200, response
    result: dict[str, Any] = json.loads(body_of(response))
    return result


def filenames(index: Index, project: str) -> list[str]:
    return [f["filename"] for f in page(index, project)["files"]]


def upload(index: Index, key: str, body: bytes, **kwargs: Any) -> dict[str, Any]:
    """Put a file straight into the bucket and return the event AWS would send for it."""
    etag = index.put(key, body, **kwargs)
    return s3_event("created", index.bucket, key, etag=etag, size=len(body))


@pytest.fixture
def seeded(index: Index) -> Index:
    for number in range(5):
        index.put(f"proj{number}/proj{number}-1.0-py3-none-any.whl", make_wheel(f"proj{number}", "1.0"))
    reindex.handler({"rebuild": True}, None)
    index.counter.reset()
    return index


def test_upload_event_to_a_known_project_costs_eight_requests(seeded: Index) -> None:
    event = upload(seeded, "proj1/proj1-2.0-py3-none-any.whl", make_wheel("proj1", "2.0"))
    reindex.handler(event, None)
    # The documented cost (handlers/simple/indexer.py): root GET, page GET, the file's GET, the .metadata
    # PUT, the page PUT; the web view: the version's view PUT, the latest view PUT, the root PUT
    # (the newest version changed; index.html is not rewritten: the list of projects is the same).
    assert seeded.counter.calls == {"GetObject": 3, "PutObject": 5}, seeded.counter.calls
    assert "ListObjectsV2" not in seeded.counter.calls
    assert filenames(seeded, "proj1") == ["proj1-1.0-py3-none-any.whl", "proj1-2.0-py3-none-any.whl"]


def test_upload_of_an_older_version_reads_the_newest_metadata_and_leaves_the_root(seeded: Index) -> None:
    reindex.handler(upload(seeded, "proj1/proj1-2.0-py3-none-any.whl", make_wheel("proj1", "2.0")), None)
    seeded.counter.reset()
    reindex.handler(upload(seeded, "proj1/proj1-1.5-py3-none-any.whl", make_wheel("proj1", "1.5")), None)
    # Root GET, page GET, file GET, .metadata PUT, page PUT, 1.5's view PUT, 2.0's .metadata GET for
    # the latest view, its PUT; the root's entry (2.0) is unchanged.
    assert seeded.counter.calls == {"GetObject": 4, "PutObject": 4}, seeded.counter.calls


def test_upload_event_of_a_new_project_costs_eight_requests(seeded: Index) -> None:
    event = upload(seeded, "Brand.New/brand_new-0.1-py3-none-any.whl", make_wheel("brand-new", "0.1"))
    reindex.handler(event, None)
    # Root GET, the file's GET, the .metadata PUT, the page PUT (created), the version's view PUT, the
    # latest view PUT, the root PUT (with /project/), index.html.
    assert seeded.counter.calls == {"GetObject": 2, "PutObject": 6}, seeded.counter.calls
    assert "ListObjectsV2" not in seeded.counter.calls
    assert filenames(seeded, "brand-new") == ["brand_new-0.1-py3-none-any.whl"]
    root = json.loads(body_of(seeded.get("/", accept=JSON)))
    assert {"name": "brand-new"} in root["projects"]


def test_event_for_a_large_wheel_reads_only_its_tail(seeded: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage, "WHOLE_OBJECT_SIZE", 64 * 1024)
    monkeypatch.setattr(storage, "TAIL_SIZE", 16 * 1024)
    wheel = make_wheel("big", "1.0", padding=300 * 1024)
    digest = hashlib.sha256(wheel).hexdigest()
    event = upload(seeded, "big/big-1.0-py3-none-any.whl", wheel, Metadata={"sha256": digest})
    reindex.handler(event, None)
    assert seeded.counter.calls["GetObject"] == 2  # the root and the wheel's tail
    files = page(seeded, "big")["files"]
    assert files[0]["hashes"]["sha256"] == digest and files[0]["core-metadata"]


def test_large_file_without_a_stored_hash_is_hashed_whole(
    seeded: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage, "WHOLE_OBJECT_SIZE", 64 * 1024)
    monkeypatch.setattr(storage, "TAIL_SIZE", 16 * 1024)
    wheel = make_wheel("big", "1.0", padding=300 * 1024)
    reindex.handler(upload(seeded, "big/big-1.0-py3-none-any.whl", wheel), None)
    files = page(seeded, "big")["files"]
    assert files[0]["hashes"]["sha256"] == hashlib.sha256(wheel).hexdigest()
    assert files[0]["size"] == len(wheel)


def test_s3_checksum_is_used_as_the_hash(seeded: Index) -> None:
    wheel = make_wheel("summed", "1.0")
    event = upload(seeded, "summed/summed-1.0-py3-none-any.whl", wheel, ChecksumAlgorithm="SHA256")
    reindex.handler(event, None)
    assert page(seeded, "summed")["files"][0]["hashes"]["sha256"] == hashlib.sha256(wheel).hexdigest()


def test_duplicate_event_costs_no_file_read(seeded: Index) -> None:
    event = upload(seeded, "proj1/proj1-2.0-py3-none-any.whl", make_wheel("proj1", "2.0"))
    reindex.handler(event, None)
    seeded.counter.reset()
    reindex.handler(event, None)
    assert dict(seeded.counter.calls) == {"GetObject": 2}  # root and page; nothing written


def test_out_of_order_delete_then_create_events_keep_the_truth(seeded: Index) -> None:
    key = "proj2/proj2-2.0-py3-none-any.whl"
    created = upload(seeded, key, make_wheel("proj2", "2.0"))
    seeded.s3.delete_object(Bucket=seeded.bucket, Key=key)
    deleted = s3_event("deleted", seeded.bucket, key)
    reindex.handler(deleted, None)  # the delete arrives first ...
    reindex.handler(created, None)  # ... then the late create: the file is gone, so it stays gone
    assert filenames(seeded, "proj2") == ["proj2-1.0-py3-none-any.whl"]
    reindex.handler(created, None)
    reindex.handler(deleted, None)
    assert filenames(seeded, "proj2") == ["proj2-1.0-py3-none-any.whl"]


def test_emptied_project_keeps_its_page(seeded: Index) -> None:
    key = "proj3/proj3-1.0-py3-none-any.whl"
    seeded.s3.delete_object(Bucket=seeded.bucket, Key=key)
    reindex.handler(s3_event("deleted", seeded.bucket, key), None)
    # Still known (an empty page, never a fallback redirect to a public namesake) ...
    assert filenames(seeded, "proj3") == []
    # ... until a rebuild, which trusts the bucket alone.
    reindex.handler({"rebuild": True}, None)
    assert seeded.get("/proj3/")["statusCode"] == 404


def test_yank_and_unyank_through_object_tags(seeded: Index) -> None:
    key = "proj1/proj1-1.0-py3-none-any.whl"
    tagging = {"TagSet": [{"Key": "pypi-yanked", "Value": "broken: use 1.1"}]}
    seeded.s3.put_object_tagging(Bucket=seeded.bucket, Key=key, Tagging=tagging)
    reindex.handler(s3_event("tags_added", seeded.bucket, key), None)
    assert page(seeded, "proj1")["files"][0]["yanked"] == "broken: use 1.1"
    assert 'data-yanked="broken: use 1.1"' in body_of(seeded.get("/proj1/")).decode()
    seeded.s3.put_object_tagging(
        Bucket=seeded.bucket, Key=key, Tagging={"TagSet": [{"Key": "pypi-yanked", "Value": ""}]}
    )
    reindex.handler(s3_event("tags_added", seeded.bucket, key), None)
    assert page(seeded, "proj1")["files"][0]["yanked"] is True
    seeded.s3.delete_object_tagging(Bucket=seeded.bucket, Key=key)
    reindex.handler(s3_event("tags_added", seeded.bucket, key), None)
    assert page(seeded, "proj1")["files"][0]["yanked"] is False


def test_a_file_uploaded_with_its_yank_tag_is_listed_yanked(seeded: Index) -> None:
    wheel = make_wheel("proj1", "3.0")
    event = upload(seeded, "proj1/proj1-3.0-py3-none-any.whl", wheel, Tagging="pypi-yanked=oops")
    reindex.handler(event, None)
    files = {f["filename"]: f for f in page(seeded, "proj1")["files"]}
    assert files["proj1-3.0-py3-none-any.whl"]["yanked"] == "oops"


@pytest.mark.parametrize(
    "key",
    [
        "plus/plus-1.0+local.1-py3-none-any.whl",  # '+' arrives as %2B
        "Odd.Name_x/odd_name_x-1.0-py3-none-any.whl",
    ],
)
def test_url_encoded_keys_are_decoded(seeded: Index, key: str) -> None:
    project = key.split("/")[0].lower().replace(".", "-").replace("_", "-")
    reindex.handler(upload(seeded, key, make_wheel(project, "1.0")), None)
    assert filenames(seeded, project) == [key.split("/")[1]]


def test_raw_keys_with_plus_from_an_emulator_are_kept() -> None:
    from handlers.aws.notifications import decode_key

    assert decode_key("p/p-1.0%2Blocal-py3-none-any.whl") == "p/p-1.0+local-py3-none-any.whl"
    assert decode_key("p/p-1.0+local-py3-none-any.whl") == "p/p-1.0+local-py3-none-any.whl"
    assert decode_key("weird/a+b.txt") == "weird/a b.txt"  # not a package key: plain AWS decoding


def test_keys_with_spaces_and_generated_keys_are_ignored(seeded: Index) -> None:
    seeded.put("spaced/a b.whl", b"x")
    reindex.handler(s3_event("created", seeded.bucket, "spaced/a b.whl", etag="x", size=1), None)
    reindex.handler(s3_event("created", seeded.bucket, ".pypi/root", etag="x", size=1), None)
    reindex.handler(s3_event("created", seeded.bucket, "index.html", etag="x", size=1), None)
    assert seeded.get("/spaced/")["statusCode"] == 404


def test_corrupt_wheel_is_listed_without_metadata_and_the_rest_still_indexed(seeded: Index) -> None:
    seeded.put("mixed/mixed-1.0-py3-none-any.whl", b"not a zip at all")
    seeded.put("mixed/mixed-1.1-py3-none-any.whl", make_wheel("mixed", "1.4"))
    seeded.put("mixed/mixed-1.0.tar.gz", b"\x1f\x8b garbage")
    reindex.handler({"rebuild": True}, None)
    files = {f["filename"]: f for f in page(seeded, "mixed")["files"]}
    assert files["mixed-1.0-py3-none-any.whl"]["core-metadata"] is False
    assert (
        files["mixed-1.0-py3-none-any.whl"]["hashes"]["sha256"]
        == hashlib.sha256(b"not a zip at all").hexdigest()
    )
    assert files["mixed-1.1-py3-none-any.whl"]["core-metadata"]
    assert "mixed-1.0.tar.gz" in files


def test_sdist_requires_python_comes_from_pkg_info(seeded: Index, tmp_path: Any) -> None:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = b"Metadata-Version: 2.1\nName: sd\nVersion: 1.0\nRequires-Python: >3.9\n"
        info = tarfile.TarInfo("sd-1.0/PKG-INFO")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    reindex.handler(upload(seeded, "sd/sd-1.0.tar.gz", buffer.getvalue()), None)
    assert page(seeded, "sd")["files"][0]["requires-python"] == ">3.9"


def test_detail_only_events_work_like_the_original_modules_input_path(seeded: Index) -> None:
    event = upload(seeded, "proj4/proj4-2.0-py3-none-any.whl", make_wheel("proj4", "2.0"))
    reindex.handler(event["detail"], None)
    assert "proj4-2.0-py3-none-any.whl" in filenames(seeded, "proj4")


def test_concurrent_reindexes_of_one_project_lose_nothing(seeded: Index) -> None:
    events = [
        upload(seeded, f"race/race-1.{n}-py3-none-any.whl", make_wheel("race", f"1.{n}")) for n in range(12)
    ]
    barrier = threading.Barrier(len(events))
    errors: list[BaseException] = []

    def run(event: dict[str, Any]) -> None:
        barrier.wait()
        try:
            reindex.handler(event, None)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(filenames(seeded, "race")) == 12
    assert {"name": "race"} in json.loads(body_of(seeded.get("/", accept=JSON)))["projects"]
    assert seeded.counter.calls["PutObject"] > 12  # the losers of each race wrote again


def test_sqs_batch_groups_by_project_and_reports_failures(
    seeded: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = [
        upload(seeded, f"batch/batch-{n}.0-py3-none-any.whl", make_wheel("batch", f"{n}.0")) for n in range(3)
    ]
    bad = upload(seeded, "doomed/doomed-1.0-py3-none-any.whl", make_wheel("doomed", "1.0"))
    original = Indexer.apply_changes

    def apply(self: Any, project: NormalizedName, changes: Any) -> None:
        if project == "doomed":
            raise RuntimeError("simulated S3 outage")
        original(self, project, changes)

    monkeypatch.setattr(Indexer, "apply_changes", apply)
    batch = sqs_batch(*good, bad, {"not": "an event"})
    seeded.counter.reset()
    result = reindex.handler(batch, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "message-3"}]}
    assert len(filenames(seeded, "batch")) == 3
    # Three events of one project: one page read and one page write, not three.
    # metadata x3, the page, the three versions' views and the latest, root + index.html
    assert seeded.counter.calls["PutObject"] == 3 + 1 + 3 + 1 + 2


def test_a_body_that_never_parses_is_dropped_and_the_good_message_applied(seeded: Index) -> None:
    batch = sqs_batch(upload(seeded, "fine/fine-1.0-py3-none-any.whl", make_wheel("fine", "1.0")), {})
    batch["Records"][1]["body"] = "[" * 5_000  # deeper than json.loads goes: RecursionError
    result = reindex.handler(batch, None)
    assert result == {"batchItemFailures": []}
    assert filenames(seeded, "fine") == ["fine-1.0-py3-none-any.whl"]
    # The dev server's poller reads that answer as Lambda does: neither message comes back.
    assert delivery.failed_ids(result, {"message-0", "message-1"}) == set()


def test_rebuild_fans_out_one_message_per_project(
    seeded: Index, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", s3_endpoint)
    sqs = boto3.client("sqs", endpoint_url=s3_endpoint, region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName=f"reindex-{seeded.bucket}")["QueueUrl"]
    monkeypatch.setenv("REINDEX_QUEUE_URL", queue_url)
    seeded.put("Fan.Out/fan_out-1.0-py3-none-any.whl", make_wheel("fan-out", "1.0"))
    seeded.put("fan-out/fan_out-2.0-py3-none-any.whl", make_wheel("fan-out", "2.0"))
    reindex.handler({"rebuild": True}, None)
    bodies = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    jobs = {body["project"]: body["folders"] for body in bodies}
    assert jobs["fan-out"] == ["Fan.Out", "fan-out"]
    assert len(jobs) == 6
    reindex.handler(sqs_batch({"project": "fan-out", "folders": jobs["fan-out"]}), None)
    assert len(filenames(seeded, "fan-out")) == 2


def test_malformed_project_jobs_are_dropped(seeded: Index) -> None:
    result = reindex.handler(sqs_batch({"project": "x", "folders": ["../etc"]}), None)
    assert result == {"batchItemFailures": []}


def test_rebuild_keeps_a_project_uploaded_while_it_was_listing(
    seeded: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    reindex.handler(upload(seeded, "late/late-1.0-py3-none-any.whl", make_wheel("late", "1.0")), None)
    listing = Storage.list

    def listed_before_the_upload(self: Storage, prefix: str = "") -> Iterator[ListedObject]:
        return (obj for obj in listing(self, prefix) if not obj.key.startswith("late/"))

    with monkeypatch.context() as patched:
        patched.setattr(Storage, "list", listed_before_the_upload)
        reindex.handler({"rebuild": True}, None)
    assert filenames(seeded, "late") == ["late-1.0-py3-none-any.whl"]
    assert {"name": "late"} in json.loads(body_of(seeded.get("/", accept=JSON)))["projects"]
