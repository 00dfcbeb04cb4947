"""The ``feedback`` command line: thin click commands over :mod:`feedback_engine.api`."""

from __future__ import annotations

import errno
import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from . import __version__, api
from .errors import DiskFullError, FeedbackEngineError, OutputWriteError


def _friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one-line messages with exit code 1 (no traceback)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FeedbackEngineError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            raise click.ClickException(str(os_error(exc))) from None

    return wrapper


def os_error(exc: OSError) -> FeedbackEngineError:
    """The coded one-line error for a failed read or write: the path, the cause, the fix.

    The message names the file the system call failed on (never its contents).
    """
    path = exc.filename if exc.filename is not None else "an output file"
    if exc.errno == errno.ENOSPC or "No space left on device" in str(exc):
        return DiskFullError(f"the disk is full while writing {path}; free space (or write "
                             "to another disk) and run the command again")
    if isinstance(exc, PermissionError):
        return OutputWriteError(f"permission denied for {path}; choose a path you can write "
                                "or fix its permissions")
    if isinstance(exc, IsADirectoryError):
        return OutputWriteError(f"{path} is a folder; name a file")
    if isinstance(exc, NotADirectoryError):
        return OutputWriteError(f"a part of {path} is a file, not a folder; choose another "
                                "path")
    if isinstance(exc, FileNotFoundError):
        return OutputWriteError(f"{path} does not exist (or its folder does not); check the "
                                "path")
    return OutputWriteError(f"cannot read or write {path}: {exc.strerror or type(exc).__name__}"
                            "; check the path, the disk and its permissions")


db_option = click.option("--db", type=click.Path(dir_okay=False),
                         help="DuckDB warehouse file [default: feedback.duckdb or config].")
config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                             help="feedback.toml to use [default: ./feedback.toml if present].")


class _EchoHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        click.secho(f"warning: {record.getMessage()}", fg="yellow", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    if not any(isinstance(h, _EchoHandler) for h in logger.handlers):
        logger.addHandler(_EchoHandler())
    logger.setLevel(logging.WARNING)


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@_friendly
def init(directory: str, force: bool) -> None:
    """Write a commented feedback.toml and editable copies of the lexicons."""
    for path in api.init_project(directory, force=force):
        click.echo(f"wrote {path}")


def _print_summary(summary: api.AnalyzeSummary) -> None:
    click.echo(f"read      {summary.read:>9,}")
    click.echo(f"analyzed  {summary.analyzed:>9,}")
    click.echo(f"rejected  {summary.rejected:>9,}")
    for reason, n in summary.rejected_by_reason.items():
        click.echo(f"  {reason:<22}{n:>7,}")
    click.echo(f"seconds   {summary.seconds:>9.2f}   ({summary.docs_per_s:,.0f} docs/s)")
    click.echo(f"warehouse {summary.db}   run {summary.run_id}")
    if summary.rejects_file:
        click.echo(f"rejects   {summary.rejects_file}")
    if summary.parquet_dir:
        click.echo(f"parquet   {summary.parquet_dir}/week=*/")


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
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
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
@_friendly
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
    show = sys.stderr.isatty() if progress is None else progress
    summary = api.analyze(list(inputs), db=db, config=config_path, rejects_file=rejects_file,
                          progress=show and not as_json, out=out, keep_raw=keep_raw,
                          workers=workers, resume=resume, engine=engine, scheduler=scheduler)
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2))
    else:
        _print_summary(summary)
        if summary.resumed_chunks:
            click.echo(f"resumed   {summary.resumed_chunks:>9,} chunks already committed "
                       "by the interrupted run")


@main.command()
@db_option
@config_option
@click.option("--week", help="ISO week to report on, e.g. 2026-W47 [default: latest].")
@click.option("--from", "date_from", help="First ISO week of a longer period (inclusive).")
@click.option("--to", "date_to", help="Last ISO week of a longer period (inclusive).")
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
@_friendly
def report(db: str | None, config_path: str | None, week: str | None, date_from: str | None,
           date_to: str | None, fmt: str, out: str | None, tables_dir: str | None,
           tables_fmt: str) -> None:
    """Write the weekly narrative report from the warehouse.

    KPIs with 95% intervals and significance-tested changes, drivers (root causes, topics)
    with their impact on NPS/CSAT, emerging issues, quotes, segments, QA training needs and
    data quality; every sentence states the figures behind it.

    Examples:

    \b
        feedback report --week 2026-W47 -o weekly.html
        feedback report --from 2026-W40 --to 2026-W47 --format md -o october.md
        feedback report --week 2026-W47 --format json --tables exports/ --tables-format xlsx
    """
    path = api.report(db=db, week=week, date_from=date_from, date_to=date_to, fmt=fmt,
                      out=out, config=config_path, tables=tables_dir, tables_fmt=tables_fmt)
    click.echo(f"wrote {path}")


@main.command()
@db_option
@click.option("--corpus", "corpus_dir", default="corpora/demo", show_default=True,
              type=click.Path(file_okay=False), help="Where to write the sample corpus.")
@click.option("--reports", "report_dir", default="reports/demo", show_default=True,
              type=click.Path(file_okay=False), help="Where to write the report.")
@click.option("--records", "n_records", default=20_000, show_default=True, type=click.IntRange(100),
              help="Size of the sample corpus.")
@click.option("--seed", default=7, show_default=True, help="Seed of the corpus generator.")
@click.option("--topics-model", default="models/demo-topics", show_default=True,
              type=click.Path(file_okay=False), help="Where to write the demo's topic model.")
@click.option("--no-topics", is_flag=True, help="Skip fitting topics.")
@_friendly
def demo(db: str | None, corpus_dir: str, report_dir: str, n_records: int, seed: int,
         topics_model: str, no_topics: bool) -> None:
    """Generate the sample corpus, analyze it, fit topics and write a first report: the
    quickstart."""
    click.echo(f"generating {n_records:,} sample records into {corpus_dir}/ ...")
    result = api.demo(corpus_dir=corpus_dir, db=db or "feedback.duckdb", report_dir=report_dir,
                      n_records=n_records, seed=seed, progress=sys.stderr.isatty(),
                      topics_model=None if no_topics else topics_model)
    _print_summary(result.summary)
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
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@_friendly
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
    if as_json:
        click.echo(json.dumps(summary.__dict__, indent=2))
        return
    click.echo(f"read      {summary.read:>9,}")
    click.echo(f"written   {summary.written:>9,}   -> {summary.out}")
    click.echo(f"rejected  {summary.rejected:>9,}")
    for reason, n in summary.rejected_by_reason.items():
        click.echo(f"  {reason:<22}{n:>7,}")
    click.echo("entities  " + (", ".join(f"{k} {v:,}" for k, v in summary.entities.items())
                              or "none found"))
    click.echo(f"seconds   {summary.seconds:>9.2f}")


@main.group(name="eval")
def eval_group() -> None:
    """Measure the engine against labelled data."""


@eval_group.command(name="pii")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--lexicon", type=click.Path(exists=True, dir_okay=False),
              help="A pii.yaml to use instead of the bundled one.")
@click.option("--ner", is_flag=True, help="Add spaCy NER for names (needs the nlp extra).")
@click.option("--clean", "clean", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Real texts that hold no PII (CSV, JSONL or txt; repeatable): report "
                   "false redactions per 1,000 records.")
@click.option("--clean-column", help="The text column of the --clean CSVs (default: "
                                     "text, Review Text, comment, ... whichever is there).")
@click.option("--show-errors", is_flag=True,
              help="List missed and spurious spans, and each false redaction in the --clean "
                   "texts (prints the values).")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@_friendly
def eval_pii(data: str, lexicon: str | None, ner: bool, clean: tuple[str, ...],
             clean_column: str | None, show_errors: bool, as_json: bool) -> None:
    """Score PII redaction on DATA, JSON lines of text and gold entity spans.

    Each line: {"text": "...", "entities": [{"start": 0, "end": 5, "type": "PERSON"}]}.
    Reports per-type precision and recall (overlap match), untyped redaction recall,
    and the leak rate: the share of gold PII characters left unmasked. With --clean, also
    the false redactions on texts that hold no PII: records changed per 1,000.

    Example:

    \b
        feedback eval pii benchmarks/data/pii_eval.jsonl
        feedback eval pii benchmarks/data/pii_eval.jsonl --clean reviews.csv \\
            --clean-column "Review Text" --show-errors
    """
    from .evaluation.pii import format_pii

    result = api.eval_pii(data, lexicon=lexicon, ner=ner, clean=clean,
                          clean_column=clean_column)
    if as_json:
        payload = result.as_dict()
        if show_errors:
            payload["errors"] = result.errors + [e for c in result.clean for e in c.errors]
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(format_pii(result))
    if show_errors:
        for error in result.errors:
            click.echo(f"{error['kind']:<15}{error['type']:<16}{error['value']!r}")
        for item in result.clean:
            for error in item.errors:
                click.echo(f"false_redaction {error['type']:<16}{error['value']!r}  "
                           f"({item.source} record {error['record']}: {error['context']!r})")


def _labelled_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by the commands that read labelled sentiment data."""
    options = [
        click.option("--format", "fmt", type=click.Choice(["vader", "csv"]), default="vader",
                     show_default=True,
                     help="vader: id<TAB>mean rating (-4..4)<TAB>text; csv: columns below."),
        click.option("--text-col", default="text", show_default=True),
        click.option("--label-col", help="CSV column of positive/negative/neutral labels."),
        click.option("--score-col", help="CSV column of numeric scores (see --scale)."),
        click.option("--scale", help="Score range mapped to -1..1, e.g. 1,5 for stars."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _load(data: str, fmt: str, text_col: str, label_col: str | None, score_col: str | None,
          scale: str | None):
    bounds = None
    if scale:
        try:
            low, high = (float(v) for v in scale.split(","))
        except ValueError:
            raise click.BadParameter("use LOW,HIGH, e.g. 1,5", param_hint="--scale") from None
        bounds = (low, high)
    return api.load_labelled(data, fmt, text_col, label_col, score_col, bounds)


@eval_group.command(name="sentiment")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@_labelled_options
@click.option("--model", type=click.Path(exists=True, file_okay=False),
              help="Also score a model from `feedback sentiment train` (trained elsewhere).")
@click.option("--cv", type=click.IntRange(0, 20), default=0,
              help="Also score the learned model by k-fold cross-validation on DATA.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@_friendly
def eval_sentiment(data: str, fmt: str, text_col: str, label_col: str | None,
                   score_col: str | None, scale: str | None, model: str | None, cv: int,
                   as_json: bool) -> None:
    """Score sentiment on DATA: the engine beside plain VADER.

    Reports n, Pearson r against the gold score, 3-class accuracy, macro and weighted F1
    (classes at +/-0.05) and docs/s. Gold for VADER files is the mean rating / 4.

    Example:

    \b
        feedback eval sentiment tweets_GroundTruth.txt --cv 5
        feedback eval sentiment reviews.csv --format csv --text-col "Review Text" \\
            --score-col Rating --scale 1,5
    """
    from .evaluation.sentiment import format_sentiment

    labelled = _load(data, fmt, text_col, label_col, score_col, scale)
    results = api.eval_sentiment(labelled, model=model, cv=cv)
    click.echo(json.dumps(results, indent=2) if as_json else format_sentiment(results))


@main.group()
def sentiment() -> None:
    """Train the learned sentiment calibration."""


@sentiment.command(name="train")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@_labelled_options
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False),
              help="Folder for the model (manifest.json + weights.npz).")
@click.option("--cv", type=click.IntRange(0, 20), default=5, show_default=True,
              help="Report k-fold cross-validated scores first (0: skip).")
@_friendly
def sentiment_train(data: str, fmt: str, text_col: str, label_col: str | None,
                    score_col: str | None, scale: str | None, out: str, cv: int) -> None:
    """Train a sentiment model on labelled DATA and save it to OUT.

    Use it with [stages.sentiment] model = "OUT" in feedback.toml; the rules stay the
    fallback. The manifest records the data hash, metrics and library versions.

    Example:

    \b
        feedback sentiment train movieReviewSnippets_GroundTruth.txt -o models/sentiment
    """
    labelled = _load(data, fmt, text_col, label_col, score_col, scale)
    result = api.train_sentiment(labelled, out, cv=cv)
    for name, m in result["metrics"].items():
        click.echo(f"{name}: r {m['pearson_r']:.3f}, accuracy {m['accuracy']:.3f}, "
                   f"weighted F1 {m['weighted_f1']:.3f} (n={m['n']})")
    click.echo(f"trained on {result['n']:,} texts; wrote {result['model']}")

from .cli_qa import qa_command  # noqa: E402  (bottom import: it uses _friendly etc.)

main.add_command(qa_command)

from .cli_aspects import aspects_group  # noqa: E402  (bottom import: it uses _friendly etc.)

main.add_command(aspects_group)

from .cli_rootcause import rootcause_group  # noqa: E402  (bottom import: it uses _friendly etc.)

main.add_command(rootcause_group)

from .cli_topics import eval_topics, topics_group  # noqa: E402  (bottom import: uses _friendly)

main.add_command(topics_group)
eval_group.add_command(eval_topics)
