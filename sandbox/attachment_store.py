"""Where a site keeps attached files: on disk, written and read in chunks, never whole in
memory (a test copying a large file measures the client's memory, in the same process)."""

from __future__ import annotations

import hashlib
import secrets
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader

from sandbox.clock import jira_time
from sandbox.errors import JiraError
from sandbox.users import User

CHUNK = 64 * 1024


@dataclass
class StoredFile:
    """One attachment: its metadata, and the file on disk behind the media URL."""

    id: str
    issue_id: str
    filename: str
    mime_type: str
    size: int
    author: User
    created_ms: int
    path: Path
    sha256: str
    media_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    token: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    def json(self, base: str) -> dict[str, Any]:
        """``Attachment``, as ``fields.attachment`` and the upload answer list it."""
        return {
            "self": f"{base}/rest/api/3/attachment/{self.id}",
            "id": self.id,
            "filename": self.filename,
            "author": self.author.details(base),
            "created": jira_time(self.created_ms),
            "size": self.size,
            "mimeType": self.mime_type,
            "content": f"{base}/rest/api/3/attachment/content/{self.id}",
        }

    def media_url(self, base: str) -> str:
        """Where ``/attachment/content/{id}`` redirects: the media service's binary URL."""
        return f"{base}/media/file/{self.media_id}/binary?token={self.token}&dl=true"


class AttachmentStore:
    def __init__(self, upload_limit: int | None) -> None:
        self.upload_limit = upload_limit
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self.files: dict[str, StoredFile] = {}

    @property
    def root(self) -> Path:
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="jira-emulator-media-")
        return Path(self._dir.name)

    async def receive(self, part: BodyPartReader) -> tuple[Path, int, str]:
        """Stream one part to disk: (path, size, sha256). Over the limit: 413, nothing kept."""
        path = self.root / uuid.uuid4().hex
        digest, size = hashlib.sha256(), 0
        with path.open("wb") as out:
            while chunk := await part.read_chunk(CHUNK):
                size += len(chunk)
                if self.upload_limit is not None and size > self.upload_limit:
                    out.close()
                    path.unlink()
                    raise too_large(part.filename or "file", self.upload_limit)
                digest.update(chunk)
                out.write(chunk)
        return path, size, digest.hexdigest()

    def by_media(self, media_id: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.media_id == media_id), None)

    def remove(self, attachment_id: str) -> StoredFile:
        stored = self.files.pop(attachment_id)
        stored.path.unlink(missing_ok=True)
        return stored

    def close(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir.name, ignore_errors=True)
            self._dir = None


def too_large(filename: str, limit: int) -> JiraError:
    """413, as the REST v3 description documents it ("the attachments exceed the maximum
    attachment size for issues"); the wording of the message is ours."""
    return JiraError(
        413,
        [f"The file '{filename}' exceeds the maximum attachment size for issues ({limit} bytes)."],
    )
