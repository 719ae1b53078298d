"""Issue attachments: upload, metadata, content through the media service, delete.

- ``POST /rest/api/3/issue/{key}/attachments``: multipart/form-data, files in parts named
  ``file``; the request must carry ``X-Atlassian-Token: no-check``, else JIRA blocks it
  as XSRF with 403 "XSRF check failed" (REST v3 description of the operation;
  https://github.com/pycontribs/jira/issues/44, https://github.com/MrRefactoring/jira.js/
  pull/152; older clients send ``nocheck``, which JIRA also accepts:
  https://github.com/floralvikings/jira-connector/pull/169). Answers 200 with the list of
  attachments added. A file over the site's limit is 413 (``SiteConfig.attachment_limit``,
  JIRA Cloud's default 1 GB a file: https://ja.confluence.atlassian.com/servicedeskcloud/
  configuring-file-attachments-1097176669.html).
- ``GET /rest/api/3/attachment/content/{id}`` answers 303 with the media service's URL in
  ``Location`` (``redirect=false``: the bytes directly): https://developer.atlassian.com/
  cloud/jira/platform/rest/v3/api-group-issue-attachments/#api-rest-api-3-attachment-
  content-id-get, https://github.com/console-helpers/jira-api-restclient/issues/234.
- Each file added or deleted is one changelog item ``Attachment`` with the attachment id in
  ``to`` (added) or ``from`` (deleted) and its name in ``toString``/``fromString``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import BodyPartReader, web

from sandbox.attachment_store import StoredFile
from sandbox.errors import JiraError, bad_request, not_found
from sandbox.http import actor_of, issue_of, no_content, site_of
from sandbox.model import ChangeItem, Issue
from sandbox.site import Site

ROUTES = web.RouteTableDef()
XSRF_HEADER = "X-Atlassian-Token"
NO_CHECK = frozenset({"no-check", "nocheck"})
ATTACHMENT = ("Attachment", "jira", "attachment")  # field, fieldtype, fieldId of the item
NO_ATTACHMENT = "The attachment with id '{id}' does not exist"


@ROUTES.post("/rest/api/3/issue/{issueIdOrKey}/attachments")
async def add_attachments(request: web.Request) -> web.Response:
    if request.headers.get(XSRF_HEADER, "").strip().lower() not in NO_CHECK:
        raise JiraError(403, ["XSRF check failed"])
    site, issue, actor = site_of(request), issue_of(request), actor_of(request)
    if not request.content_type.startswith("multipart/"):
        raise bad_request("The request is not a multipart/form-data request.")
    added: list[StoredFile] = []
    try:
        async for part in await request.multipart():
            if isinstance(part, BodyPartReader) and part.name == "file":
                added.append(await _stored(site, issue, part, actor))
            elif part is not None:
                await part.release()
    except JiraError:
        for stored in added:  # all or nothing, as one request
            site.attachments.remove(stored.id)
        raise
    if not added:
        raise bad_request("No file was found in the request: send it in a part named 'file'.")
    items = [ChangeItem(*ATTACHMENT, to_id=f.id, to_string=f.filename) for f in added]
    _record(site, issue, actor, items)
    return web.json_response([stored.json(site.catalog.base) for stored in added])


async def _stored(site: Site, issue: Issue, part: BodyPartReader, actor: Any) -> StoredFile:
    path, size, sha = await site.attachments.receive(part)
    mime = part.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip()
    stored = StoredFile(
        site.next_id("attachment"),
        issue.id,
        part.filename or "file",
        mime,
        size,
        actor,
        site.stamper.now_ms(),
        path,
        sha,
    )
    site.attachments.files[stored.id] = stored
    return stored


def _record(site: Site, issue: Issue, actor: Any, items: list[ChangeItem]) -> None:
    base = site.catalog.base
    files = [f for f in site.attachments.files.values() if f.issue_id == issue.id]
    issue.fields["attachment"] = [stored.json(base) for stored in files]
    site.commit(issue, actor, items, "issue_updated")


def _attachment(request: web.Request) -> StoredFile:
    """The attachment of the path; 404 also when its issue is hidden from the caller."""
    site, wanted = site_of(request), request.match_info["id"]
    stored = site.attachments.files.get(wanted)
    actor = actor_of(request)
    issue = site.issues.get(stored.issue_id) if stored else None
    if stored is None or issue is None or not site.security.can_see(actor.account_id, issue.fields):
        raise not_found(NO_ATTACHMENT.format(id=wanted))
    return stored


@ROUTES.get("/rest/api/3/attachment/meta")
async def attachment_settings(request: web.Request) -> web.Response:
    limit = site_of(request).attachments.upload_limit
    return web.json_response({"enabled": True, "uploadLimit": limit if limit else 2**31})


@ROUTES.get("/rest/api/3/attachment/{id}")
async def attachment_metadata(request: web.Request) -> web.Response:
    stored, base = _attachment(request), site_of(request).catalog.base
    body = stored.json(base) | {"id": int(stored.id), "properties": {}}
    return web.json_response(body)


@ROUTES.get("/rest/api/3/attachment/content/{id}")
async def attachment_content(request: web.Request) -> web.StreamResponse:
    stored, base = _attachment(request), site_of(request).catalog.base
    if request.query.get("redirect", "true").lower() == "false":
        return _file(stored)
    return web.Response(status=303, headers={"Location": stored.media_url(base)})


@ROUTES.delete("/rest/api/3/attachment/{id}")
async def delete_attachment(request: web.Request) -> web.Response:
    site, stored = site_of(request), _attachment(request)
    site.attachments.remove(stored.id)
    issue = site.issues[stored.issue_id]
    item = ChangeItem(*ATTACHMENT, from_id=stored.id, from_string=stored.filename)
    _record(site, issue, actor_of(request), [item])
    return no_content()


@ROUTES.get("/media/file/{mediaId}/binary")
async def media_binary(request: web.Request) -> web.StreamResponse:
    """The media service: the token of the redirect is the credential, not Basic auth."""
    stored = site_of(request).attachments.by_media(request.match_info["mediaId"])
    if stored is None or request.query.get("token") != stored.token:
        raise JiraError(401, ["The media token is missing, wrong or expired."])
    return _file(stored)


def _file(stored: StoredFile) -> web.FileResponse:
    disposition = f'attachment; filename="{stored.filename}"'
    headers = {"Content-Type": stored.mime_type, "Content-Disposition": disposition}
    return web.FileResponse(stored.path, chunk_size=64 * 1024, headers=headers)
