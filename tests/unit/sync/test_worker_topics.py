"""The worker's topics are created before it starts, its tables' changelogs among them: a
changelog Faust creates while starting may be missing from the consumer's metadata, and the
first table write then fails with ``PartitionsMismatch`` (a new pair's event was lost so)."""

from __future__ import annotations

from streams.settings import Settings
from streams.sync.kafka_io import worker_topics
from streams.sync.messages import SyncConfig
from streams.sync.worker import create_worker_app
from tests.unit.sync.test_worker_web import offline


def test_every_table_changelog_is_made_beforehand_compacted_and_partitioned_like_its_source() -> (
    None
):
    settings = Settings(_env_file=None, kafka_partitions=6)  # type: ignore[call-arg]
    config = SyncConfig(project_keys={1: "P1", 2: "P2"})
    app = create_worker_app(settings, offline(config), "memory://")
    shapes = {shape.name: shape for shape in worker_topics(settings)}
    changelogs = [table.changelog_topic.get_topic_name() for table in app.tables.values()]
    assert len(changelogs) == 3
    for name in changelogs:
        assert name in shapes, name
        assert shapes[name].partitions == 6
        assert shapes[name].configs == {"cleanup.policy": "compact"}


def test_dead_letters_are_never_deleted_by_retention() -> None:
    """A dead letter waits for an operator; the broker's default retention (7 days) would
    drop it unseen."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    shapes = {shape.name: shape for shape in worker_topics(settings)}
    dead = shapes[f"{settings.kafka_topic_prefix}.dead-letter"]
    assert dead.configs == {"retention.ms": "-1"}
