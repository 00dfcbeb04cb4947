"""``feedback qa``: QA pass rates per rule, agent and team, and the training-needs list."""

from __future__ import annotations

from typing import Any

import click

from .. import api
from ..periods import Period, period_options
from .options import config_option, db_option, echo_json, json_option


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _short(text: str, width: int = 70) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_rules(summary: dict[str, Any]) -> None:
    click.echo(f"{'rule':<36}{'pass rate':>10}{'n':>8}")
    for rule in summary["rules"]:
        click.echo(f"{_short(rule['name'], 35):<36}{_pct(rule['pass_rate']):>10}{rule['n']:>8,}")


def _print_turns(example: dict[str, Any], indent: str = "       ") -> None:
    for turn in example["turns"]:
        number = turn.get("turn_number", turn["turn"] + 1)
        gap = f" after {turn['gap_s']:g} s of silence" if turn.get("gap_s") is not None else ""
        click.echo(f"{indent}{example['record_id']} Turn {number} ({turn['speaker']}){gap}: "
                   f"'{_short(turn['text'])}'")


def _print_org_gaps(summary: dict[str, Any]) -> None:
    gaps = summary["org_gaps"]
    click.echo(f"\norganisation gaps: {len(gaps)} (pass rate < "
               f"{summary['settings']['org_gap_rate']:.0%} or most agents below half)")
    for gap in gaps:
        click.echo(f"  {gap['finding']}")


def _print_watch(summary: dict[str, Any], limit: int) -> None:
    watch = summary["watch"]
    if not watch:
        return
    click.echo(f"\nwatch: {len(watch)} (fewer than {summary['settings']['min_conversations']} "
               "conversations, so not flagged, but clearly below the organisation)")
    for entry in watch[:limit]:
        click.echo(f"  {entry['agent']} ({entry['team'] or 'no team'}) {entry['rule']}: "
                   f"{entry['reason']}")
        for example in entry["evidence"][:1]:
            _print_turns(example, "    ")


def _print_needs(summary: dict[str, Any], limit: int) -> None:
    needs = summary["training_needs"]
    settings = summary["settings"]
    click.echo(f"\ntraining needs: {len(needs)} (rule applied to >= "
               f"{settings['min_conversations']} of the agent's conversations, confidence >= "
               f"{settings['min_confidence']:g}, shrunk rate >= {settings['min_gap']:g} below "
               "the organisation)")
    if not needs:
        return
    click.echo(f"{'#':>3}  {'agent':<8}{'team':<10}{'rule':<24}{'rate':>7}{'team':>7}"
               f"{'org':>7}{'shrunk':>8}{'n':>5}{'conf':>6}")
    for need in needs[:limit]:
        click.echo(f"{need['rank']:>3}  {_short(need['agent'], 7):<8}"
                   f"{_short(need['team'] or '-', 9):<10}{_short(need['rule'], 23):<24}"
                   f"{_pct(need['rate']):>7}{_pct(need['team_rate']):>7}"
                   f"{_pct(need['org_rate']):>7}{_pct(need['shrunk_rate']):>8}{need['n']:>5}"
                   f"{need['confidence']:>6.2f}")
        for example in need["evidence"][:1]:
            _print_turns(example)
    if len(needs) > limit:
        click.echo(f"  ... {len(needs) - limit} more (--limit, --json or --csv for all)")


def _print_teams(summary: dict[str, Any]) -> None:
    click.echo(f"\n{'team':<12}{'convs':>7}{'score':>7}{'flagged':>9}  rules below the "
               "organisation (95% interval)")
    for team in summary["teams"]:
        flagged = f"{team['agents_flagged']}/{team['agents']}"
        score = "-" if team["mean_qa_score"] is None else f"{team['mean_qa_score']:.1f}"
        click.echo(f"{_short(team['team'] or '(none)', 11):<12}{team['n_conversations']:>7,}"
                   f"{score:>7}{flagged:>9}  {', '.join(team['rules_below_org']) or '-'}")


def _print_agent(entry: dict[str, Any]) -> None:
    click.echo(f"agent {entry['agent']} ({entry['team'] or 'no team'}), "
               f"{entry['n_conversations']:,} conversations")
    click.echo(f"{'rule':<24}{'rate':>7}{'team':>7}{'org':>7}{'shrunk':>8}{'n':>5}  flagged")
    for rule in entry["rules"]:
        mark = "yes" if rule["flagged"] else "watch" if rule.get("watch") else "-"
        click.echo(f"{_short(rule['rule'], 23):<24}{_pct(rule['rate']):>7}"
                   f"{_pct(rule['team_rate']):>7}{_pct(rule['org_rate']):>7}"
                   f"{_pct(rule['shrunk_rate']):>8}{rule['n']:>5}  {mark}")


def _print_team(entry: dict[str, Any]) -> None:
    score = "-" if entry["mean_qa_score"] is None else f"{entry['mean_qa_score']:.1f}"
    click.echo(f"team {entry['team'] or '(none)'}: {entry['n_conversations']:,} conversations, "
               f"mean score {score}, {entry['agents_flagged']} of {entry['agents']} agents "
               "flagged")
    click.echo(f"{'rule':<24}{'rate':>7}{'org':>7}{'n':>7}  below the organisation")
    for rule in entry["rules"]:
        click.echo(f"{_short(rule['rule'], 23):<24}{_pct(rule['pass_rate']):>7}"
                   f"{_pct(rule['org_rate']):>7}{rule['n']:>7,}  "
                   f"{'yes' if rule['below_org'] else '-'}")


def _print_focus(summary: dict[str, Any], agent: str | None, team: str | None,
                 limit: int) -> None:
    """The agent's or team's own view first: rules, needs, watch entries with evidence."""
    if agent:
        for entry in summary["agents"]:
            _print_agent(entry)
        if not summary["agents"]:
            click.echo(f"agent {agent}: no scored conversations in this period\n")
    else:
        for entry in summary["teams"]:
            _print_team(entry)
        if not summary["teams"]:
            click.echo(f"team {team}: no scored conversations in this period\n")
    _print_needs(summary, limit)
    _print_watch(summary, limit)
    click.echo("\n-- organisation context --\n")


@click.command(name="qa")
@db_option
@config_option
@period_options()
@click.option("--agent", help="Show this agent's rules and needs only.")
@click.option("--team", help="Show this team and its agents' needs only.")
@click.option("--min-n", "min_n", type=int, default=None,
              help="Conversations a rule must apply to before an agent is assessed on it "
                   "[default: 20].")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1),
              help="Training needs to print.")
@json_option("everything")
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False),
              help="Also write the training needs to a CSV file (formula-guarded).")
def qa_command(db: str | None, config_path: str | None, period: Period, agent: str | None,
               team: str | None, min_n: int | None, limit: int, as_json: bool,
               csv_out: str | None) -> None:
    """QA pass rates per rule, team and agent, and a ranked training-needs list.

    Every call and chat transcript is scored by the "qa" stage against
    lexicons/qa_scorecard.yaml. An agent's rate is shrunk toward the team's
    (empirical Bayes), and only agents with enough conversations are flagged.

    Example:

    \b
        feedback qa
        feedback qa --week 2026-W47 --team Orion
        feedback qa --agent A006 --json
        feedback qa --from 2026-W40 --to 2026-W47 --csv training_needs.csv
    """
    summary = api.qa(db, config_path, agent=agent, team=team, min_n=min_n, csv_out=csv_out,
                     period=period)
    if as_json:
        echo_json(summary)
        return
    score = summary["mean_qa_score"]
    click.echo(f"QA, {summary['period']}: {summary['n_conversations']:,} conversations, mean score "
               f"{'-' if score is None else f'{score:.1f}'}\n")
    focused = bool(agent or team)
    if focused:
        _print_focus(summary, agent, team, limit)
    _print_rules(summary)
    _print_org_gaps(summary)
    if not focused:
        _print_needs(summary, limit)
        _print_watch(summary, limit)
    _print_teams(summary)
    if csv_out:
        click.echo(f"\nwrote {len(summary['training_needs'])} training needs to {csv_out}")
