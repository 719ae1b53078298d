"""A file of the same name and size on the other side is the copy only when its bytes hash
the same (real engine and applier, two emulated sites over HTTP): two screenshots
``image.png`` of one size but other bytes are two files, both copied; the same file added
on both sides is taken, not copied again, also by a step that died before recording it; an
ordinary copy and an echo download nothing more than before."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable

from tests.jira.test_attachment_sync import Rig, chunks, rig

SHOT = b"\x89PNG\r\n\x1a\n first screenshot " * 30
OTHER = b"\x89PNG\r\n\x1a\n other screenshot " * 30
NAME = "image.png"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hashes(r: Rig, site: int) -> list[str]:
    """The sha256 of each ``image.png`` on the site, sorted."""
    stored = r.sites[site].site.attachments.files.values()
    return sorted(f.sha256 for f in stored if f.filename == NAME)


def downloads(r: Rig) -> dict[int, int]:
    """Counts each file the sync downloads, per site, from now on."""
    counted = {1: 0, 2: 0}
    for site, client in r.applier.clients.items():
        client.attachment_content = counting(client.attachment_content, counted, site)  # type: ignore[method-assign]
    return counted


def counting(
    whole: Callable[[str], AsyncIterator[bytes]], counted: dict[int, int], site: int
) -> Callable[[str], AsyncIterator[bytes]]:
    def download(attachment_id: str) -> AsyncIterator[bytes]:
        counted[site] += 1
        return whole(attachment_id)

    return download


async def both_sides(r: Rig, one: bytes, two: bytes) -> None:
    """Alice attaches ``image.png`` to both issues (site 2's first)."""
    assert r.pair is not None
    assert r.pair.site2 is not None
    await r.alice2.add_attachment(r.pair.site2.key, NAME, chunks(two), "image/png")
    await r.alice.add_attachment(r.key, NAME, chunks(one), "image/png")


async def test_a_same_name_same_size_file_with_other_bytes_is_another_file() -> None:
    async with rig() as r:
        await r.snapshot()
        assert len(SHOT) == len(OTHER)
        await both_sides(r, SHOT, OTHER)
        counted = downloads(r)
        await r.snapshot()
        assert hashes(r, 2) == sorted([sha(SHOT), sha(OTHER)])  # copied: two files there
        assert (r.uploads(1), r.uploads(2)) == (0, 1)
        assert counted == {1: 2, 2: 1}  # both hashed, then the copy streamed
        assert r.pair is not None
        assert len(r.pair.attachment_map) == 1
        await r.snapshot()  # site 2's own file, left alone by the compare, is a new file
        assert hashes(r, 1) == sorted([sha(SHOT), sha(OTHER)])
        assert (r.uploads(1), r.uploads(2)) == (1, 1)
        await r.snapshot()
        assert (r.uploads(1), r.uploads(2)) == (1, 1)
        assert len(r.pair.attachment_map) == 2


async def test_a_same_name_same_size_file_with_the_same_bytes_is_taken_as_the_copy() -> None:
    async with rig() as r:
        await r.snapshot()
        before = r.pair
        await both_sides(r, SHOT, SHOT)
        counted = downloads(r)
        result = await r.snapshot()
        assert result.retry is None
        assert (r.uploads(1), r.uploads(2)) == (0, 0)
        assert counted == {1: 1, 2: 1}
        assert r.pair is not None
        [(source, copy)] = r.pair.attachment_map.items()
        assert (source[:2], copy[:2]) == ("1:", "2:")
        assert source in r.pair.attachment_media  # its media ids asked, as for a copy
        r.pair = before  # the worker died before the step's facts were recorded
        await r.snapshot()
        assert r.pair is not None
        assert r.pair.attachment_map == {source: copy}  # compared again, taken again
        assert (r.uploads(1), r.uploads(2)) == (0, 0)
        assert hashes(r, 1) == hashes(r, 2) == [sha(SHOT)]


async def test_an_ordinary_copy_and_its_echo_download_the_file_once() -> None:
    async with rig() as r:
        await r.snapshot()
        counted = downloads(r)
        await r.alice.add_attachment(r.key, NAME, chunks(SHOT), "image/png")
        await r.snapshot()
        await r.snapshot()  # the copy looked at again (an echo): no download
        assert counted == {1: 1, 2: 0}
        assert hashes(r, 2) == [sha(SHOT)]
