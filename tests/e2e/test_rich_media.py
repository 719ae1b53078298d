"""Images in rich text through the real pipeline (ingress, Kafka, the worker process, two
emulated sites over HTTP): a description showing a file attached to its issue shows that
file's copy on the other side, whichever side added it and in whichever order the file and
the description arrive; both sides then agree, and a full resync writes nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from harness.pipeline import Pipeline, pipeline
from tests.e2e.test_attachments import attach, chunks_of, files, twin_key, warnings

pytestmark = pytest.mark.integration


def with_image(words: str, media_id: str, name: str) -> dict[str, Any]:
    media = {"type": "media", "attrs": {"id": media_id, "type": "file", "alt": name}}
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": words}]},
            {"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [media]},
        ],
    }


def shown(p: Pipeline, site: int, key: str) -> list[str]:
    """The media ids the issue's description shows."""
    found: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("type") == "media":
            found.append(str(node["attrs"]["id"]))
        for child in node.get("content") or []:
            walk(child)

    walk(p.issues(site)[key].fields.get("description") or {})
    return found


async def pictured(p: Pipeline, site: int, key: str, name: str, words: str) -> str:
    """A person attaches ``name`` and shows it in the description (as JIRA's editor does
    when an image is pasted): the file's media id."""
    await attach(p, site, key, name, chunks_of(name.encode() * 50))
    media_id = str(files(p, site, key)[name].media_id)
    await p.edit(site, key, description=with_image(words, media_id, name))
    return media_id


async def test_an_image_in_a_description_shows_its_copy_on_the_other_side_both_ways(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        one = await p.create(1, "Pictured on site 1")
        two = await p.create(2, "Pictured on site 2")
        one_there = await twin_key(p, 2, "Pictured on site 1")
        two_there = await twin_key(p, 1, "Pictured on site 2")
        first = await pictured(p, 1, one, "shot.png", "As seen on site 1")
        second = await pictured(p, 2, two, "reply.png", "As seen on site 2")

        def copied(site: int, key: str, name: str) -> bool:
            made = files(p, site, key).get(name)
            return made is not None and shown(p, site, key) == [made.media_id]

        await p.eventually(lambda: copied(2, one_there, "shot.png"), within=90)
        await p.eventually(lambda: copied(1, two_there, "reply.png"), within=90)
        await p.quiet()
        assert shown(p, 1, one) == [first]  # as written
        assert shown(p, 2, two) == [second]
        for site, there, name in ((1, one_there, "shot"), (2, two_there, "reply")):
            text = p.issues(3 - site)[there].fields["description"]["content"][0]
            assert text["content"][0]["text"] == f"As seen on site {site}", text
            assert copied(3 - site, there, f"{name}.png")

        writes = p.sync_writes(1) + p.sync_writes(2)
        await p.send_command({"full_resync": True})  # both sides read and merged again
        await asyncio.sleep(2)
        await p.quiet()
        assert p.sync_writes(1) + p.sync_writes(2) == writes, "the agreed documents moved"
        assert copied(2, one_there, "shot.png")
        assert copied(1, two_there, "reply.png")


async def test_a_description_written_before_its_image_was_copied_is_written_again(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """The issue is created, given a file and a description showing it before the worker
    runs: its counterpart is made with the description naming the file (``[shot.png]``: no
    copy yet), and once the file is copied the description is written there again, whole."""
    async with pipeline(kafka_bootstrap, unique_name, tmp_path, workers=0) as p:
        one = await p.create(1, "Pictured before the sync ran")
        await pictured(p, 1, one, "shot.png", "Seen before")
        p.start_worker()
        there = await twin_key(p, 2, "Pictured before the sync ran")
        await p.eventually(lambda: bool(files(p, 2, there).get("shot.png")), within=90)
        await p.quiet()
        assert shown(p, 2, there) == [files(p, 2, there)["shot.png"].media_id]
        assert [w for w in await warnings(p) if w["code"] == "value-missing"] == []  # over
        writes = p.sync_writes(1) + p.sync_writes(2)
        await p.send_command({"full_resync": True})
        await asyncio.sleep(2)
        await p.quiet()
        assert p.sync_writes(1) + p.sync_writes(2) == writes


def comment_media(p: Pipeline, site: int, key: str) -> list[list[str]]:
    """The media ids each comment on the issue shows, in order."""
    issue = p.issues(site)[key]
    stored = p.sites[site].emulator.comments
    found: list[list[str]] = []
    for comment in [c for c in stored.values() if c.issue_id == issue.id]:
        ids: list[str] = []

        def walk(node: dict[str, Any], into: list[str] = ids) -> None:
            if node.get("type") == "media":
                into.append(str(node["attrs"]["id"]))
            for child in node.get("content") or []:
                walk(child, into)

        walk(comment.body if isinstance(comment.body, dict) else {})
        found.append(ids)
    return found


async def test_a_comment_copied_before_its_image_is_written_again_once_the_file_is(
    kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    """The webhook of the file is lost (JIRA drops one now and then): the comment showing
    the file is copied naming it as text; the next look at the pair's files (here a full
    resync) copies the file, and the comment's copy is written again showing it."""
    async with pipeline(kafka_bootstrap, unique_name, tmp_path) as p:
        one = await p.create(1, "A comment with a picture")
        there = await twin_key(p, 2, "A comment with a picture")
        await p.quiet()
        emulator = p.sites[1].emulator
        usual = emulator.faults
        emulator.faults = usual.model_copy(update={"webhook_drop_rate": 1.0})
        await attach(p, 1, one, "shot.png", chunks_of(b"shot" * 100))
        emulator.faults = usual
        media_id = str(files(p, 1, one)["shot.png"].media_id)
        body = with_image("Look at this", media_id, "shot.png")
        await p.call(1, "POST", f"/rest/api/3/issue/{one}/comment", {"body": body})
        await p.eventually(lambda: len(comment_media(p, 2, there)) == 1)
        await p.quiet()
        assert comment_media(p, 2, there) == [[]]  # the file named as text: not there yet
        assert "shot.png" not in files(p, 2, there)

        await p.send_command({"full_resync": True})
        await p.eventually(lambda: "shot.png" in files(p, 2, there), within=60)
        copy = str(files(p, 2, there)["shot.png"].media_id)
        await p.eventually(lambda: comment_media(p, 2, there) == [[copy]], within=60)
        await p.quiet()
        assert len(p.sites[2].emulator.comments) == 1  # updated, not copied twice
