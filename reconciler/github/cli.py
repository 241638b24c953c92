"""``privcall github``: the GitHub Actions side of privcall (what the composite action runs).

* ``plan-comment``: plan, then the masked markdown plan as the pull request's one sticky
  comment and in the job summary; prints the checksum.
* ``reviewed-checksum``: prints the checksum of the plan reviewed in the merged pull request
  of a commit (for ``apply --checksum``).
* ``drift-issue``: drift, then open, update or close the one drift issue.

The GitHub API is ``GITHUB_API_URL`` (default api.github.com) with ``GITHUB_TOKEN``; the
repository, commit, event and job-summary file come from the variables Actions sets.
Status lines go to stderr; stdout carries only what a script captures.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import click

from reconciler import drift as drift_check
from reconciler import runner
from reconciler.clicore import Group, apps_option, repo_option, warn
from reconciler.clicore import handles_errors as _handled
from reconciler.errors import PrivcallError
from reconciler.github.client import GitHubClient
from reconciler.github.comment import (
    DEFAULT_AUTHOR,
    failure_comment,
    plan_comment,
    read_reviewed_plan,
    upsert_sticky_comment,
)
from reconciler.github.context import ActionsContext
from reconciler.github.issue import IssueAction, sync_drift_issue
from reconciler.github.markers import scope
from reconciler.github.summary import append_job_summary
from reconciler.loader import load_repository
from reconciler.masking import Masker
from reconciler.render.drift import render as render_drift

repository_option = click.option(
    "--repo", "repository", help="owner/name (default: GITHUB_REPOSITORY)."
)
author_option = click.option(
    "--comment-author",
    "author",
    default=lambda: os.environ.get("PRIVCALL_GITHUB_AUTHOR", DEFAULT_AUTHOR),
    show_default=DEFAULT_AUTHOR,
    help="Whose comments and issues are privcall's (the token's login; for a GitHub App "
    "token, '<app>[bot]'). Env: PRIVCALL_GITHUB_AUTHOR.",
)


def _say(text: str) -> None:
    warn(text)


@click.group(name="github", cls=Group)
def github() -> None:
    """GitHub Actions: the plan as a pull-request comment, the reviewed checksum, the
    drift issue (uses GITHUB_TOKEN; see docs/ci.md)."""


@github.command("plan-comment")
@repo_option
@apps_option
@click.option("--adopt", is_flag=True, help="Plan with --adopt (the apply must use it too).")
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when the plan has changes (0: none)."
)
@click.option(
    "--save",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the plan's checksum and operations (masked) here, as plan --save does.",
)
@click.option("--pr", "pull", type=int, help="The pull request (default: the event's).")
@repository_option
@author_option
@_handled
def plan_comment_command(
    root: Path,
    apps: tuple[str, ...],
    adopt: bool,
    detailed_exitcode: bool,
    save: Path | None,
    pull: int | None,
    repository: str | None,
    author: str,
) -> None:
    """Plan, then post the masked markdown plan as the pull request's sticky comment
    (created once, then updated) and write it to the job summary. Prints the checksum.

    Outside a pull request only the job summary is written. When the plan fails, the
    comment says so (and the apply on merge refuses). Exit code as `privcall plan`.
    """
    env = os.environ
    ctx = ActionsContext.from_env(env).with_overrides(repository=repository, pull=pull)
    plan_scope = scope(root, apps)
    details_url = ctx.run_url if ctx.step_summary is not None else None
    try:
        repo = load_repository(root)
        masker = Masker(repo.virtual_numbers())
        planned = asyncio.run(runner.plan(repo, runner.RunOptions(apps=apps, adopt=adopt)))
    except PrivcallError as exc:
        if ctx.pull_number is not None:
            body = failure_comment(
                str(exc), scope=plan_scope, commit=ctx.head_sha, details_url=details_url
            )
            try:
                _post(ctx, env, plan_scope, body, author)
            except PrivcallError as posting:
                _say(f"warning: could not post the failure to the pull request: {posting}")
        raise
    comment = plan_comment(
        planned, masker, scope=plan_scope, commit=ctx.head_sha, details_url=details_url
    )
    if ctx.step_summary is not None:
        append_job_summary(ctx.step_summary, comment.full)
        _say(f"wrote the plan to the job summary ({ctx.step_summary})")
    if ctx.pull_number is None:
        _say("not a pull request: no comment posted")
    else:
        _post(ctx, env, plan_scope, comment.body, author)
        if comment.truncated:
            _say("the plan was too long for one comment: truncated, the summary kept")
    if save is not None:
        runner.save_reviewed(planned, save, masker)
    click.echo(planned.checksum)
    if detailed_exitcode and planned.has_changes:
        sys.exit(2)


def _post(ctx: ActionsContext, env: Any, plan_scope: str, body: str, author: str) -> None:
    assert ctx.pull_number is not None
    with GitHubClient.from_env(env) as client:
        posted = upsert_sticky_comment(
            client, ctx.require_repository(), ctx.pull_number, plan_scope, body, author=author
        )
    verb = "created" if posted.created else "updated"
    _say(f"{verb} the plan comment of pull request #{ctx.pull_number}: {posted.comment.html_url}")
    if posted.duplicates_removed:
        _say(f"removed {posted.duplicates_removed} duplicate plan comment(s)")
    if author and posted.comment.author and posted.comment.author != author:
        _say(
            f"warning: the comment was written as {posted.comment.author}, not "
            f"{author}: pass --comment-author {posted.comment.author} (or set "
            "PRIVCALL_GITHUB_AUTHOR), or every run adds a new comment and the apply "
            "cannot find the reviewed plan"
        )


@github.command("reviewed-checksum")
@repo_option
@apps_option
@click.option("--sha", help="The merge commit being applied (default: GITHUB_SHA).")
@click.option("--pr", "pull", type=int, help="Read this pull request's plan instead.")
@click.option(
    "--reviewed-out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the reviewed operations here (for apply --reviewed), when the comment kept them.",
)
@repository_option
@author_option
@_handled
def reviewed_checksum(
    root: Path,
    apps: tuple[str, ...],
    sha: str | None,
    pull: int | None,
    reviewed_out: Path | None,
    repository: str | None,
    author: str,
) -> None:
    """Print the checksum of the plan reviewed in the merged pull request of the commit
    (GITHUB_SHA): the one in its privcall comment for this directory and these apps.

    Use it as `privcall apply --auto-approve --checksum "$(privcall github
    reviewed-checksum)"`: the apply then refuses (exit 3) unless it would do exactly what
    was reviewed.
    """
    ctx = ActionsContext.from_env(os.environ).with_overrides(repository=repository, sha=sha)
    with GitHubClient.from_env(os.environ) as client:
        reviewed = read_reviewed_plan(
            client,
            ctx.require_repository(),
            scope(root, apps),
            sha=ctx.require_sha() if pull is None else ctx.sha,
            pull_number=pull,
            author=author,
        )
    _say(
        f"reviewed plan: pull request #{reviewed.pull.number}, "
        f"{reviewed.comment.html_url or 'its privcall comment'}"
    )
    if reviewed.stale:
        _say(
            f"note: that plan was made for commit {reviewed.commit[:12]}, the pull request's "
            f"last commit is {reviewed.pull.head_sha[:12]}; apply compares checksums and "
            "refuses if the plan differs"
        )
    if reviewed_out is not None:
        if reviewed.write_reviewed(reviewed_out):
            _say(f"wrote the reviewed operations to {reviewed_out}")
        else:
            _say("the comment kept no copy of the operations (plan too large): not written")
    click.echo(reviewed.checksum)


@github.command("drift-issue")
@repo_option
@apps_option
@click.option("--label", "labels", multiple=True, help="Label a newly opened issue (repeatable).")
@repository_option
@author_option
@_handled
def drift_issue(
    root: Path,
    apps: tuple[str, ...],
    labels: tuple[str, ...],
    repository: str | None,
    author: str,
) -> None:
    """Check for drift, then open or update the one drift issue (found through a hidden
    marker), or close it when drift is gone. Exit code as `privcall drift` (2 on drift)."""
    ctx = ActionsContext.from_env(os.environ).with_overrides(repository=repository)
    repo = load_repository(root)
    masker = Masker(repo.virtual_numbers())
    report = asyncio.run(drift_check.check(repo, runner.RunOptions(apps=apps)))
    click.echo(render_drift(report, "text", masker), nl=False)
    markdown = render_drift(report, "markdown", masker)
    if ctx.step_summary is not None:
        append_job_summary(ctx.step_summary, markdown)
    with GitHubClient.from_env(os.environ) as client:
        result = sync_drift_issue(
            client,
            ctx.require_repository(),
            scope(root, apps),
            drifted=report.has_drift,
            markdown=markdown,
            run_url=ctx.run_url,
            author=author,
            labels=labels,
        )
    if result.action is IssueAction.none:
        _say("no drift and no open drift issue: nothing to do")
    elif result.issue is not None:
        _say(f"{result.action.value} drift issue #{result.issue.number}: {result.issue.html_url}")
    sys.exit(report.exit_code)
