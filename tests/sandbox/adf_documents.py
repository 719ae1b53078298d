"""An ADF document using every node type a partner's rich text carries, as JIRA stores it."""

from __future__ import annotations

from typing import Any

ALICE_ID = "712020:alice"


def text(value: str, *marks: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": value}
    if marks:
        node["marks"] = list(marks)
    return node


def paragraph(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(content)}


def item(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "listItem", "content": list(content)}


def cell(kind: str, value: str) -> dict[str, Any]:
    return {"type": kind, "attrs": {}, "content": [paragraph(text(value))]}


LINK = {"type": "link", "attrs": {"href": "https://example.com/spec"}}
EVERY_NODE: dict[str, Any] = {
    "type": "doc",
    "version": 1,
    "content": [
        {"type": "heading", "attrs": {"level": 2}, "content": [text("Overview")]},
        paragraph(
            text("bold ", {"type": "strong"}),
            text("italic", {"type": "em"}, {"type": "underline"}),
            text(" see "),
            text("the spec", LINK),
            {"type": "hardBreak"},
            {"type": "mention", "attrs": {"id": ALICE_ID, "text": "@Alice", "accessLevel": ""}},
            text(" "),
            {"type": "emoji", "attrs": {"shortName": ":smile:", "id": "1f604", "text": "😄"}},
            {"type": "date", "attrs": {"timestamp": "1767225600000"}},
            {"type": "status", "attrs": {"text": "IN REVIEW", "color": "blue", "localId": "s1"}},
            text(" x", {"type": "code"}),
            text("2", {"type": "subsup", "attrs": {"type": "sup"}}),
            text("red", {"type": "textColor", "attrs": {"color": "#ff5630"}}),
        ),
        {
            "type": "bulletList",
            "content": [
                item(
                    paragraph(text("outer")),
                    {
                        "type": "orderedList",
                        "attrs": {"order": 3},
                        "content": [
                            item(
                                paragraph(text("inner")),
                                {"type": "bulletList", "content": [item(paragraph(text("deep")))]},
                            )
                        ],
                    },
                )
            ],
        },
        {
            "type": "table",
            "attrs": {"isNumberColumnEnabled": False, "layout": "default", "localId": "t1"},
            "content": [
                {
                    "type": "tableRow",
                    "content": [cell("tableHeader", "A"), cell("tableHeader", "B")],
                },
                {"type": "tableRow", "content": [cell("tableCell", "1"), cell("tableCell", "2")]},
            ],
        },
        {"type": "codeBlock", "attrs": {"language": "python"}, "content": [text("print(1)")]},
        {"type": "panel", "attrs": {"panelType": "warning"}, "content": [paragraph(text("Mind"))]},
        {"type": "blockquote", "content": [paragraph(text("quoted"))]},
        {"type": "rule"},
        {
            "type": "mediaSingle",
            "attrs": {"layout": "center"},
            "content": [
                {
                    "type": "media",
                    "attrs": {
                        "id": "6e7c1b2a-0000-4000-8000-000000000001",
                        "type": "file",
                        "collection": "",
                        "width": 640,
                        "height": 480,
                        "alt": "screenshot.png",
                    },
                }
            ],
        },
    ],
}
