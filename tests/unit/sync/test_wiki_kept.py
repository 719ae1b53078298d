"""What a Data Center site cannot keep of a document written to it warns on the pair."""

from __future__ import annotations

from streams.sync.facts import Cleared, Warned
from streams.sync.fields import Rendered
from streams.sync.messages import SyncConfig
from streams.sync.wiki_kept import CODE, held_in_wiki, kept

PLAIN = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
    {"type": "text", "text": "plain", "marks": [{"type": "strong"}]}]}]}  # fmt: skip
PANEL = {"type": "doc", "version": 1, "content": [{"type": "panel", "attrs": {
    "panelType": "warning"}, "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "careful"}]}]}]}  # fmt: skip
CONFIG = SyncConfig(project_keys={1: "A", 2: "B"}, datacenter_sites=frozenset({2}))


def test_a_panel_written_to_data_center_warns_and_a_plain_document_clears() -> None:
    [warning] = kept(2, {"description": PANEL, "summary": "s"}, CONFIG)
    assert isinstance(warning, Warned)
    assert (warning.code, warning.field) == (CODE, "description")
    assert "panel type" in warning.message
    assert kept(2, {"description": PLAIN}, CONFIG) == [Cleared(CODE, "description")]
    assert kept(2, {"description": None}, CONFIG) == [Cleared(CODE, "description")]


def test_cloud_keeps_every_document_and_other_fields_say_nothing() -> None:
    assert kept(1, {"description": PANEL}, CONFIG) == []
    assert kept(2, {"summary": "only"}, CONFIG) == []


def test_a_data_center_site_holds_what_its_wiki_markup_reads_back_as() -> None:
    lossy = Rendered(fields={"description": PANEL})
    held_in_wiki(2, {"description": PANEL}, lossy, CONFIG)
    held = lossy.held["description"]
    assert held is not None
    assert held != PANEL
    assert "careful" in str(held)
    assert "warning" not in str(held)  # the panel's type is what wiki markup cannot hold
    whole = Rendered(fields={"description": PLAIN})
    held_in_wiki(2, {"description": PLAIN}, whole, CONFIG)
    assert whole.held == {}
    cloud = Rendered(fields={"description": PANEL})
    held_in_wiki(1, {"description": PANEL}, cloud, CONFIG)
    assert cloud.held == {}


def test_attachments_are_off_with_a_data_center_site() -> None:
    from streams.sync.attachment_actions import AttachmentRules
    from streams.sync.prepare import _with_datacenter

    config = SyncConfig(project_keys={1: "A", 2: "B"}, attachments=AttachmentRules(enabled=True))
    assert _with_datacenter(config, frozenset()) == config
    dc = _with_datacenter(config, frozenset({2}))
    assert dc.datacenter_sites == {2}
    assert not dc.attachments.enabled
