"""Jars from Maven Central, fetched once through Maven into the project's cache folder."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from stack.errors import DownloadError, MissingToolError

KAFKA_VERSION = "3.9.1"
DYNAMODB_LOCAL_VERSION = "3.1.0"
SLF4J_VERSION = "1.7.36"


class Artifact(NamedTuple):
    """A Maven coordinate: ``group:name:version``."""

    group: str
    name: str
    version: str


@dataclass(frozen=True)
class Component:
    name: str
    artifacts: tuple[Artifact, ...]

    @property
    def dependencies(self) -> str:
        """The ``<dependency>`` elements of its POM, one a line."""
        return "\n".join(
            f"    <dependency><groupId>{a.group}</groupId><artifactId>{a.name}</artifactId>"
            f"<version>{a.version}</version></dependency>"
            for a in self.artifacts
        )

    def fingerprint(self) -> str:
        return hashlib.sha256(self.dependencies.encode()).hexdigest()[:16]

    def pom(self) -> str:
        return f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.jira-sync</groupId>
  <artifactId>{self.name}-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
{self.dependencies}
  </dependencies>
</project>
"""


KAFKA = Component(
    "kafka",
    (
        Artifact("org.apache.kafka", "kafka_2.13", KAFKA_VERSION),
        Artifact("org.apache.kafka", "kafka-tools", KAFKA_VERSION),
        Artifact("org.slf4j", "slf4j-reload4j", SLF4J_VERSION),
    ),
)
DYNAMODB = Component(
    "dynamodb",
    (Artifact("software.amazon.dynamodb", "DynamoDBLocal", DYNAMODB_LOCAL_VERSION),),
)


def ensure_jars(cache: Path, component: Component, log: Path) -> Path:
    """Return the folder holding every jar of ``component``, downloading it when absent."""
    lib = cache / "lib" / f"{component.name}-{component.fingerprint()}"
    marker = lib / ".complete"
    if marker.exists():
        return lib
    maven = shutil.which("mvn")
    if maven is None:
        raise MissingToolError(
            f"Maven (mvn) is needed once to download {component.name} from Maven Central, "
            "but `mvn` was not found on PATH. Install Maven 3.8+ (e.g. `apt install maven`)."
        )
    _download(maven, cache, component, lib, log)
    marker.write_text(component.fingerprint())
    return lib


def _download(maven: str, cache: Path, component: Component, lib: Path, log: Path) -> None:
    work = cache / "maven" / component.name
    work.mkdir(parents=True, exist_ok=True)
    (work / "pom.xml").write_text(component.pom())
    partial = lib.with_name(lib.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    command = [
        maven,
        "--batch-mode",
        "--no-transfer-progress",
        f"-Dmaven.repo.local={cache / 'm2'}",
        "-f",
        str(work / "pom.xml"),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={partial}",
        "-DincludeScope=runtime",
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as sink:
        result = subprocess.run(
            command, stdout=sink, stderr=subprocess.STDOUT, env=os.environ.copy(), check=False
        )
    if result.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise DownloadError(
            f"downloading {component.name} from Maven Central failed (mvn exit "
            f"{result.returncode}). Check network access to repo.maven.apache.org; "
            f"Maven's output:\n{tail(log)}"
        )
    shutil.rmtree(lib, ignore_errors=True)
    partial.rename(lib)


def tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no output)"
    return "\n".join("    " + line for line in text.splitlines()[-lines:])
