"""``jira-sync doctor``: Kafka (brokers, the deployment's topics) and DynamoDB (the table).

The Kafka check reads the cluster's metadata and the configuration of the sync-state
topic; the DynamoDB check describes the table, in a worker thread with one attempt and
timeouts inside the check's own limit (a blocked boto3 call cannot be cancelled).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from jira_sync.doctor.report import Check, Finding, fail, ok, warn
from projections.dynamo_table import SchemaMismatch, check_schema, dynamodb_client
from streams.kafka_reach import started
from streams.kafka_security import KafkaProtocol, client_options
from streams.settings import Settings
from streams.topics import Topics

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LOCAL_STACK = 'start the local one with `eval "$(jira-sync stack up)"`'
KAFKA_TOOLS = 'java -cp "$(echo .jira-sync/cache/lib/kafka-*)/*"'


def infra_checks(settings: Settings, limit: float) -> list[Check]:
    kafka_fix = f"Kafka at {settings.kafka_bootstrap_servers} is slow or unreachable"
    return [
        Check("kafka", lambda: kafka_findings(settings, limit), f"{kafka_fix}: check the network"),
        Check("dynamodb", lambda: dynamodb_findings(settings, limit), _dynamodb_timeout(settings)),
    ]


async def kafka_findings(settings: Settings, limit: float) -> list[Finding]:
    servers, security = settings.kafka_bootstrap_servers, settings.kafka_security()
    admin = AIOKafkaAdminClient(
        bootstrap_servers=servers,
        request_timeout_ms=int(limit * 1000),
        client_id="jira-doctor",
        **client_options(security),
    )
    try:
        await started(admin, servers, security, limit / 2)
        cluster = await admin.describe_cluster()
        topics = set(await admin.list_topics())
        names = Topics(settings.kafka_topic_prefix)
        policy = await _config(admin, names.sync_state, "cleanup.policy")
        kept = await _config(admin, names.dead_letter, "retention.ms")
    except KafkaError as error:
        return [fail("kafka", f"no answer from {servers}: {error}", _kafka_fix(settings))]
    finally:
        await admin.close()
    return [_brokers(settings, cluster), *topic_findings(settings, topics, policy, kept)]


def _kafka_fix(settings: Settings) -> str:
    servers = settings.kafka_bootstrap_servers
    if settings.kafka_security().protocol is KafkaProtocol.PLAINTEXT:
        return f"check KAFKA_BOOTSTRAP_SERVERS ({servers}); {LOCAL_STACK}"
    return f"check KAFKA_BOOTSTRAP_SERVERS ({servers}) and the settings in docs/kafka-security.md"


async def _config(admin: AIOKafkaAdminClient, topic: str, name: str) -> str | None:
    """The topic's setting ``name``; None when the topic does not exist."""
    resource = ConfigResource(ConfigResourceType.TOPIC, topic, {name: None})
    for response in await admin.describe_configs([resource]):
        for item in response.to_object()["resources"]:
            for entry in item["config_entries"] if item["error_code"] == 0 else []:
                if entry["config_names"] == name:
                    return str(entry["config_value"])
    return None


def _brokers(settings: Settings, cluster: dict[str, Any]) -> Finding:
    count = len(cluster.get("brokers") or [])
    detail = f"{count} broker(s) at {settings.kafka_bootstrap_servers}"
    security = settings.kafka_security()
    if security.protocol is not KafkaProtocol.PLAINTEXT:
        detail += f" over {security.describe()}"
    factor = settings.kafka_replication_factor
    if factor > count:
        detail += f"; KAFKA_REPLICATION_FACTOR={factor} is more: topics cannot be created"
        return fail("kafka", detail, f"set KAFKA_REPLICATION_FACTOR to at most {count}")
    return ok("kafka", detail)


def topic_findings(
    settings: Settings, existing: set[str], policy: str | None, kept: str | None = "-1"
) -> list[Finding]:
    """The deployment's topics: missing ones (made at start), the sync-state's policy and
    the dead letters' retention (``kept``: ``retention.ms``)."""
    from streams.sync.kafka_io import worker_topics  # imports faust: only when checking

    wanted = [shape.name for shape in worker_topics(settings)]
    missing = [name for name in wanted if name not in existing]
    state = Topics(settings.kafka_topic_prefix).sync_state
    findings = []
    if missing:
        detail = f"not created yet: {', '.join(missing)}"
        fix = "`jira-sync worker` creates them at start (the ingress and projections some too)"
        findings.append(warn("kafka topics", detail, fix))
    if policy is not None and "compact" not in policy:
        detail = f"{state} has cleanup.policy={policy}: retention deletes pair states"
        findings.append(
            fail("kafka topics", detail, _alter(settings, state, "cleanup.policy=compact"))
        )
    if kept is not None and kept != "-1":
        letters = Topics(settings.kafka_topic_prefix).dead_letter
        detail = f"{letters} has retention.ms={kept}: dead letters are deleted unseen"
        findings.append(warn("kafka topics", detail, _alter(settings, letters, "retention.ms=-1")))
    return findings or [ok("kafka topics", f"all {len(wanted)} present; {state} compacted")]


def _alter(settings: Settings, topic: str, setting: str) -> str:
    """The fix: Kafka's own tool setting ``setting`` on ``topic``."""
    return (
        f"{KAFKA_TOOLS} kafka.admin.ConfigCommand --bootstrap-server "
        f"{settings.kafka_bootstrap_servers} --alter --entity-type topics --entity-name "
        f"{topic} --add-config {setting}"
    )


async def dynamodb_findings(settings: Settings, limit: float) -> list[Finding]:
    endpoint = _endpoint(settings)
    table = settings.dynamodb_table
    try:
        described = await asyncio.to_thread(_describe, endpoint, settings.aws_region, table, limit)
    except ClientError as error:
        return [_client_error(settings, error)]
    except NoCredentialsError:
        fix = "give boto3 credentials: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
        return [fail("dynamodb", "no AWS credentials found", fix)]
    except (BotoCoreError, SchemaMismatch) as error:
        return [_unreachable(settings, error)]
    status, count = described
    return [ok("dynamodb", f"table {table} {status}, about {count} item(s) at {_where(settings)}")]


def _describe(endpoint: str | None, region: str, table: str, limit: float) -> tuple[str, int]:
    client = _client(endpoint, region, limit)
    answer = client.describe_table(TableName=table)["Table"]
    check_schema(client, table)
    return str(answer.get("TableStatus", "?")), int(answer.get("ItemCount", 0))


def _client(endpoint: str | None, region: str, limit: float) -> DynamoDBClient:
    """The projections' client (``projections.dynamo_table.dynamodb_client``), with one
    attempt and timeouts inside ``limit``."""
    seconds = max(1.0, limit / 3)
    config = Config(retries={"max_attempts": 1}, connect_timeout=seconds, read_timeout=seconds)
    return dynamodb_client(endpoint, region, config)


def _client_error(settings: Settings, error: ClientError) -> Finding:
    code = str(error.response.get("Error", {}).get("Code", ""))
    table = settings.dynamodb_table
    if code == "ResourceNotFoundException":
        detail = f"table {table} does not exist yet at {_where(settings)}"
        return warn("dynamodb", detail, "`jira-sync projections` creates it at start")
    fix = f"let these credentials DescribeTable, Query and TransactWriteItems on {table}"
    return fail("dynamodb", f"{_where(settings)} refused: {code}: {error}", fix)


def _unreachable(settings: Settings, error: Exception) -> Finding:
    if isinstance(error, SchemaMismatch):
        fix = "choose another DYNAMODB_TABLE, or recreate it: `jira-sync replay --projections`"
        return fail("dynamodb", str(error).split(";")[0], fix)
    if settings.dynamodb_endpoint_url is not None:
        fix = f"check DYNAMODB_ENDPOINT_URL; {LOCAL_STACK}"
    else:
        fix = "check AWS_REGION and that this machine reaches DynamoDB"
    return fail("dynamodb", f"no answer from {_where(settings)}: {error}", fix)


def _endpoint(settings: Settings) -> str | None:
    endpoint = settings.dynamodb_endpoint_url
    return str(endpoint).rstrip("/") if endpoint is not None else None


def _where(settings: Settings) -> str:
    return _endpoint(settings) or f"AWS {settings.aws_region}"


def _dynamodb_timeout(settings: Settings) -> str:
    return f"DynamoDB at {_where(settings)} did not answer in time: check the network"
