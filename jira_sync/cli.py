"""``jira-sync``: one console script, one subcommand per job."""

from __future__ import annotations

import click

from jira_sync.config_cmd import config
from jira_sync.doctor.cmd import doctor
from jira_sync.ops.commands_cmd import manual_sync, resolve, unlink
from jira_sync.ops.dead_letters_cmd import dead_letters
from jira_sync.ops.history_cmd import history
from jira_sync.ops.match_cmd import match
from jira_sync.ops.replay_cmd import replay
from jira_sync.ops.resync_cmd import resync
from jira_sync.ops.status_cmd import status
from jira_sync.ops.transitions_cmd import transitions
from jira_sync.ops.verify_log_cmd import verify_log
from jira_sync.run.emulator_cmd import emulator
from jira_sync.run.ingress_cmd import ingress
from jira_sync.run.projections_cmd import projections
from jira_sync.run.stack_cmd import stack
from jira_sync.run.worker_cmd import worker
from jira_sync.up.cmd import up


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
main.add_command(unlink)
main.add_command(doctor)
main.add_command(status)
main.add_command(resync)
main.add_command(verify_log)
main.add_command(dead_letters)
main.add_command(history)
main.add_command(match)
