"""Lambda entry point of the reindexer: ``handlers.reindex.handler``.

Parses, groups the work by project, runs it, answers SQS with ``batchItemFailures`` for the messages
whose project could not be done (they come back, then go to the dead-letter queue).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from handlers import config
from handlers.aws import clients, notifications
from handlers.aws.notifications import Change
from handlers.aws.storage import Storage
from handlers.names import NormalizedName
from handlers.simple.indexer import FanOut, Indexer

log = logging.getLogger(__name__)
logging.getLogger().setLevel(logging.INFO)


def handler(event: Any, context: object | None) -> dict[str, Any]:
    """Handle EventBridge S3 events, SQS batches of them, project jobs and rebuild requests."""
    settings = config.load()
    indexer = Indexer(Storage(clients.s3(), settings.bucket))
    if isinstance(event, Mapping) and notifications.is_sqs_batch(event):
        return _batch(indexer, settings, event["Records"])
    work = notifications.parse(event)
    failed = _run(indexer, settings, {"direct": work})
    if failed:
        raise RuntimeError("reindex failed; see the log")  # an async invocation retries
    return {"ok": True}


def _batch(indexer: Indexer, settings: config.Settings, records: list[Any]) -> dict[str, Any]:
    work_by_message: dict[str, list[notifications.Work]] = {}
    for record in records:
        if not isinstance(record, Mapping):
            log.error("dropping a batch record that is no object")
            continue
        message_id = str(record.get("messageId"))
        try:
            work_by_message[message_id] = notifications.parse_body(str(record.get("body", "")))
        except notifications.MalformedEvent as error:
            # No retry can fix it: say so once and let the message go.
            log.error("dropping malformed message %s: %s", message_id, error)
    failed = _run(indexer, settings, work_by_message)
    return {"batchItemFailures": [{"itemIdentifier": m} for m in sorted(failed)]}


def _run(
    indexer: Indexer, settings: config.Settings, work_by_message: Mapping[str, list[notifications.Work]]
) -> set[str]:
    """Do the work, grouped by project; returns the ids of the messages whose work failed."""
    changes: dict[NormalizedName, list[Change]] = defaultdict(list)
    senders: dict[NormalizedName, set[str]] = defaultdict(set)
    failed: set[str] = set()
    for message_id, work in work_by_message.items():
        for item in work:
            try:
                if isinstance(item, notifications.KeyChange):
                    if item.bucket != settings.bucket:
                        log.warning("ignoring an event of bucket %s", item.bucket)
                        continue
                    changes[item.project].append(item.change)
                    senders[item.project].add(message_id)
                elif isinstance(item, notifications.StatusChange):
                    if item.bucket == settings.bucket:
                        indexer.apply_status(item.project)
                elif isinstance(item, notifications.ProjectJob):
                    indexer.reindex_project(item.project, indexer.list_project(item.folders))
                elif isinstance(item, notifications.Rebuild):
                    count = indexer.rebuild(_fan_out(settings))
                    log.info("rebuild of %d projects %s", count, _how(settings))
                else:
                    log.info("ignored: %s", item.why)
            except Exception:
                log.exception("reindex failed for message %s", message_id)
                failed.add(message_id)
    for project, project_changes in changes.items():
        try:
            indexer.apply_changes(project, project_changes)
        except Exception:
            log.exception("reindex of %s failed", project)
            failed |= senders[project]
    return failed


def _how(settings: config.Settings) -> str:
    return "handed to the queue" if settings.reindex_queue_url else "done"


def _fan_out(settings: config.Settings) -> FanOut | None:
    queue_url = settings.reindex_queue_url
    if queue_url is None:
        return None

    def send(jobs: list[tuple[NormalizedName, list[str]]]) -> None:
        sqs = clients.sqs()
        for start in range(0, len(jobs), 10):  # SendMessageBatch takes 10 at a time
            entries = [
                {"Id": str(n), "MessageBody": json.dumps({"project": name, "folders": folders})}
                for n, (name, folders) in enumerate(jobs[start : start + 10])
            ]
            response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)  # type: ignore[arg-type]
            if response.get("Failed"):
                raise RuntimeError(f"could not queue {len(response['Failed'])} project jobs")

    return send
