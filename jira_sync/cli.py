"""``jira-sync``: one console script, one subcommand per job."""

from __future__ import annotations

import click

from jira_sync.commands_cmd import manual_sync, resolve
from jira_sync.config_cmd import config
from jira_sync.doctor_cmd import doctor
from jira_sync.emulator_cmd import emulator
from jira_sync.ingress_cmd import ingress
from jira_sync.projections_cmd import projections
from jira_sync.replay_cmd import replay
from jira_sync.resync_cmd import resync
from jira_sync.stack_cmd import stack
from jira_sync.status_cmd import status
from jira_sync.transitions_cmd import transitions
from jira_sync.up_cmd import up
from jira_sync.worker_cmd import worker


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jira-sync")
def main() -> None:
    """Bidirectional JIRA-to-JIRA issue sync on Kafka.

    \b
    Examples:
      jira-sync up                # the sandbox: two emulated JIRA sites kept in sync
      jira-sync stack up          # local Kafka + DynamoDB Local, no Docker needed
      jira-sync config            # show the effective configuration (secrets masked)
    """


main.add_command(up)
main.add_command(stack)
main.add_command(config)
main.add_command(emulator)
main.add_command(ingress)
main.add_command(transitions)
main.add_command(worker)
main.add_command(projections)
main.add_command(replay)
main.add_command(manual_sync)
main.add_command(resolve)
main.add_command(doctor)
main.add_command(status)
main.add_command(resync)
