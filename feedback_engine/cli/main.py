"""The ``feedback`` group and its core commands: init, analyze, report, demo, redact.

The other command groups live beside this module, one each; :data:`main` gathers them with
``add_command``. Every command is a thin call into :mod:`feedback_engine.api`.
"""

from __future__ import annotations

import logging
import sys

import click

from .. import api
from .._version import __version__
from ..periods import Period, period_options
from .aspects import aspects_group, eval_aspects
from .evaluate import eval_group
from .options import (
    EchoHandler,
    FeedbackGroup,
    config_option,
    db_option,
    json_option,
    show,
)
from .qa import qa_command
from .rootcause import rootcause_group
from .sentiment import eval_sentiment, sentiment_group
from .taxonomy import taxonomy_group
from .topics import eval_topics, topics_group


@click.group(cls=FeedbackGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedback")
def main() -> None:
    """Offline contact-center feedback analytics: analyze exports into DuckDB, report on them.

    Example:

    \b
        feedback demo
        feedback analyze exports/*.csv calls/ --rejects rejects.csv
        feedback report --week 2026-W47 --format md
    """
    logger = logging.getLogger("feedback_engine")
    if not any(isinstance(h, EchoHandler) for h in logger.handlers):
        logger.addHandler(EchoHandler())
    logger.setLevel(logging.WARNING)


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option("--domain", default="core", show_default=True,
              type=click.Choice(api.domains(), case_sensitive=False),
              help="Root causes and aspects to start from: the core, or the core with a "
                   "domain pack.")
def init(directory: str, force: bool, domain: str) -> None:
    """Write a commented feedback.toml and editable copies of the lexicons.

    \b
    Examples:
        feedback init
        feedback init shop/ --domain retail
    """
    for path in api.init_project(directory, force=force, domain=domain.lower()):
        click.echo(f"wrote {path}")


def _counts(summary: api.AnalyzeSummary | api.RedactSummary, kept: str) -> list[str]:
    """The read, kept and rejected lines (each reject reason below) of analyze and redact."""
    return [f"read      {summary.read:>9,}", kept, f"rejected  {summary.rejected:>9,}",
            *(f"  {reason:<22}{n:>7,}" for reason, n in summary.rejected_by_reason.items())]


def _summary_text(summary: api.AnalyzeSummary) -> str:
    lines = [*_counts(summary, f"analyzed  {summary.analyzed:>9,}"),
             f"seconds   {summary.seconds:>9.2f}   wall, model loading included "
             f"({summary.docs_per_s:,.0f} docs/s)",
             f"warehouse {summary.db}   run {summary.run_id}"]
    if summary.rejects_file:
        lines.append(f"rejects   {summary.rejects_file}")
    if summary.parquet_dir:
        lines.append(f"parquet   {summary.parquet_dir}/week=*/")
    if summary.resumed_chunks:
        lines.append(f"resumed   {summary.resumed_chunks:>9,} chunks already committed by the "
                     "interrupted run")
    return "\n".join(lines)


def _redact_text(summary: api.RedactSummary) -> str:
    entities = ", ".join(f"{k} {v:,}" for k, v in summary.entities.items()) or "none found"
    return "\n".join([*_counts(summary, f"written   {summary.written:>9,}   -> {summary.out}"),
                      f"entities  {entities}", f"seconds   {summary.seconds:>9.2f}"])


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@db_option
@config_option
@click.option("--rejects", "rejects_file", type=click.Path(dir_okay=False),
              help="Also write this run's rejects to FILE (.csv or .jsonl).")
@click.option("--out", type=click.Path(file_okay=False),
              help="Also write the analyzed records as Parquet into DIR, partitioned by week.")
@click.option("--keep-raw", is_flag=True,
              help="Also store raw, unredacted text (personal data!) in the warehouse.")
@json_option("the summary")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr [default: when stderr is a terminal].")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes running the stages (dask: local cluster workers).")
@click.option("--resume", is_flag=True,
              help="Continue the interrupted run with the same inputs and config, "
                   "skipping the chunks it committed.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="local: this machine; dask: a Dask cluster.")
@click.option("--scheduler", metavar="ADDR",
              help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 [default: start a "
                   "local cluster].")
def analyze(inputs: tuple[str, ...], db: str | None, config_path: str | None,
            rejects_file: str | None, out: str | None, keep_raw: bool, as_json: bool,
            progress: bool | None, workers: int, resume: bool, engine: str,
            scheduler: str | None) -> None:
    """Read INPUTS (files, folders, globs), run the stages, load the warehouse.

    Formats: CSV/TSV, JSONL, Parquet, XLSX, and transcripts (.txt with "Agent:" /
    "Customer:" lines, .json with a turns list). Every row ends in the warehouse's
    records or rejects table, with read = analyzed + rejected.

    Example:

    \b
        feedback analyze surveys.csv calls/ --rejects rejects.csv
        feedback analyze exports/ --workers 2
        feedback analyze exports/ --workers 2 --resume      # after a crash or Ctrl-C
        feedback analyze 'exports/*.parquet' --engine dask --scheduler tcp://host:8786
    """
    bar = sys.stderr.isatty() if progress is None else progress
    summary = api.analyze(list(inputs), db=db, config=config_path, rejects_file=rejects_file,
                          progress=bar and not as_json, out=out, keep_raw=keep_raw,
                          workers=workers, resume=resume, engine=engine, scheduler=scheduler)
    show(summary, as_json, _summary_text)


@main.command()
@db_option
@config_option
@period_options(default="the latest week with data; a date range covers its weeks")
@click.option("--format", "fmt", type=click.Choice(["html", "md", "json", "pdf"]),
              default="html", show_default=True,
              help="pdf prints the HTML with headless Chromium (apt install chromium).")
@click.option("-o", "--out", type=click.Path(dir_okay=False),
              help="Output file [default: reports/<week>/report.<format>].")
@click.option("--tables", "tables_dir", type=click.Path(file_okay=False),
              help="Also write the report's tables (KPIs, trend, segments, drivers, emerging, "
                   "QA) into this folder, formula-injection safe.")
@click.option("--tables-format", "tables_fmt", type=click.Choice(["csv", "xlsx"]),
              default="csv", show_default=True)
@click.option("--all", "everything", is_flag=True,
              help="Report on all data, undated records included (no comparison period).")
@click.option("--topics-model", "topics_model", type=click.Path(file_okay=False),
              help="The topic model the records were assigned with, for its current labels "
                   "and merges [default: [stages.topics] model].")
def report(db: str | None, config_path: str | None, period: Period, fmt: str, out: str | None,
           tables_dir: str | None, tables_fmt: str, everything: bool,
           topics_model: str | None) -> None:
    """Write the weekly narrative report from the warehouse.

    KPIs with 95% intervals and significance-tested changes, drivers (root causes, topics)
    with their impact on NPS/CSAT, emerging issues, quotes, segments, QA training needs and
    data quality; every sentence states the figures behind it.

    Examples:

    \b
        feedback report --week 2026-W47 -o weekly.html
        feedback report --from 2026-W40 --to 2026-W47 --format md -o october.md
        feedback report --week 2026-W47 --format json --tables exports/ --tables-format xlsx
        feedback report --all --format md -o reviews.md
    """
    if everything and not period.is_all:
        raise click.UsageError("--all reports on every record: leave out --week/--from/--to")
    path = api.report(db=db, period=period, fmt=fmt, out=out, config=config_path,
                      tables=tables_dir, tables_fmt=tables_fmt, everything=everything,
                      topics_model=topics_model)
    click.echo(f"wrote {path}")


@main.command()
@db_option
@click.option("--corpus", "corpus_dir", default="corpora/demo", show_default=True,
              type=click.Path(file_okay=False), help="Where to write the sample corpus.")
@click.option("--reports", "report_dir", default="reports/demo", show_default=True,
              type=click.Path(file_okay=False), help="Where to write the report.")
@click.option("--records", "n_records", default=20_000, show_default=True, type=click.IntRange(200),
              help="Size of the sample corpus.")
@click.option("--seed", default=7, show_default=True, help="Seed of the corpus generator.")
@click.option("--topics-model", default="models/demo-topics", show_default=True,
              type=click.Path(file_okay=False), help="Where to write the demo's topic model.")
@click.option("--no-topics", is_flag=True, help="Skip fitting topics.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes running the stages of the analysis step.")
def demo(db: str | None, corpus_dir: str, report_dir: str, n_records: int, seed: int,
         topics_model: str, no_topics: bool, workers: int) -> None:
    """Generate the sample corpus, analyze it, fit topics and write a first report: the
    quickstart."""
    click.echo(f"generating {n_records:,} sample records into {corpus_dir}/ ...")
    result = api.demo(corpus_dir=corpus_dir, db=db or "feedback.duckdb", report_dir=report_dir,
                      n_records=n_records, seed=seed, progress=sys.stderr.isatty(),
                      topics_model=None if no_topics else topics_model, workers=workers)
    click.echo(_summary_text(result.summary))
    if result.topics:
        t = result.topics
        click.echo(f"topics    {t.get('n_topics', '?')} topics "
                   f"({t.get('embeddings', '?')} embeddings), model {t.get('model')}")
    for path in result.reports:
        click.echo(f"wrote {path}")


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False),
              help="Output file: .csv (formula-guarded) or .jsonl.")
@config_option
@click.option("--rejects", "rejects_file", type=click.Path(dir_okay=False),
              help="Also write rejected rows (their values redacted) to FILE.")
@json_option("the summary")
def redact(inputs: tuple[str, ...], out: str, config_path: str | None,
           rejects_file: str | None, as_json: bool) -> None:
    """Redact personal data from INPUTS into OUT, without touching the warehouse.

    Reads the same formats as analyze; writes each valid record's ids, metadata,
    text_redacted and pii_counts. Entity types: PERSON, PHONE_NUMBER, EMAIL_ADDRESS,
    CREDIT_CARD, US_SSN, IBAN_CODE, IP_ADDRESS, LOCATION and lexicons/pii.yaml patterns.

    Example:

    \b
        feedback redact exports/chats.jsonl -o chats_redacted.jsonl
    """
    summary = api.redact(list(inputs), out, config=config_path, rejects_file=rejects_file)
    show(summary, as_json, _redact_text)


for command in (qa_command, aspects_group, rootcause_group, topics_group, sentiment_group,
                taxonomy_group, eval_group):
    main.add_command(command)
for command in (eval_sentiment, eval_aspects, eval_topics):
    eval_group.add_command(command)
