"""The library's entry points; each CLI command is a thin wrapper around one of these."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._version import __version__
from .config import (
    DEFAULT_FILE,
    apply_domain,
    config_hash,
    config_template,
    init_lexicons,
    load_config,
    pipeline_options,
)
from .engines import PipelineSpec, run_local
from .errors import error
from .exports import RowWriter, check_outputs
from .periods import Period
from .records import CANONICAL_COLUMNS, ValidationSettings, validate
from .resources import domains as domains  # noqa: PLC0414 (for the CLI)
from .resources import lexicons_dir
from .sources import discover, open_sources
from .stages import build_pipeline
from .warehouse import REJECT_COLUMNS, Warehouse, check_warehouse_file, is_disk_full

log = logging.getLogger("feedback_engine")
# DuckDB memory of the analyze writer: bounded, so loading stays flat however large the input.
# A chunk's load needs a few MB; 256 MB keeps a 1M-record run with 2 workers under 1.5 GB.
WRITER_MEMORY_MB = 256


def _period(period: Period | None, week: str | None = None, date_from: str | None = None,
            date_to: str | None = None) -> Period:
    """A :class:`Period` given as one, or as ``week`` / ``date_from`` / ``date_to`` strings."""
    if period is not None:
        if week or date_from or date_to:
            raise error("FE217")
        return period
    return Period.parse(week, date_from, date_to)


@dataclass
class AnalyzeSummary:
    """The end-of-run summary printed by ``feedback analyze``."""

    run_id: str
    db: str
    read: int
    analyzed: int
    rejected: int
    rejected_by_reason: dict[str, int]
    by_source: dict[str, dict[str, int]]
    seconds: float
    warnings: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    parquet_dir: str | None = None
    engine: str = "local"
    workers: int = 1
    resumed_chunks: int = 0  # chunks an interrupted run had committed (not analyzed again)
    timings: dict[str, float] = field(default_factory=dict)  # read/stage/write seconds

    @property
    def docs_per_s(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["docs_per_s"] = round(self.docs_per_s, 1)
        out["seconds"] = round(self.seconds, 3)
        return out


def analyze(
    inputs: list[str | Path],
    db: str | Path | None = None,
    config: dict[str, Any] | str | Path | None = None,
    rejects_file: str | Path | None = None,
    progress: bool = False,
    out: str | Path | None = None,
    keep_raw: bool = False,
    workers: int = 1,
    resume: bool = False,
    engine: str = "local",
    scheduler: str | None = None,
) -> AnalyzeSummary:
    """Read the inputs, validate, run the stages and load the warehouse.

    Args:
        inputs: files, folders or globs (CSV, TSV, JSONL, Parquet, XLSX, transcripts).
        db: DuckDB file; default ``[warehouse] path`` from the config.
        config: an effective config dict, a ``feedback.toml`` path, or None for the default.
        rejects_file: also write this run's rejects here (``.csv`` or ``.jsonl``).
        progress: show a progress bar on stderr.
        out: also write the analyzed records as Parquet here, partitioned by week.
        keep_raw: also store the raw text (``text``, ``text_clean``, unredacted rejects);
            off by default, and logged as a warning when on.
        workers: processes running the stages (1: in this process); with ``engine="dask"``
            the number of workers of the local cluster started when no scheduler is given.
        resume: continue the latest interrupted run with the same inputs, config and
            stages, skipping the chunks it committed; counts end as in an uninterrupted run.
        engine: ``"local"`` (streaming, in-process or a process pool) or ``"dask"`` (Dask
            distributed; see ``docs/scale.md``).
        scheduler: a Dask scheduler address (``tcp://host:8786``); None starts a local
            cluster. Dask engine only.

    Returns:
        The run summary; ``read == analyzed + rejected`` always holds.

    Example:
        >>> summary = analyze(["corpora/demo"], db="feedback.duckdb")  # doctest: +SKIP
    """
    started = time.perf_counter()  # wall clock of the whole run, model loading included
    cfg = config if isinstance(config, dict) else load_config(config)
    if engine not in ("local", "dask"):
        raise error("FE225", engine=engine)
    if scheduler and engine != "dask":
        raise error("FE226")
    if workers < 1:
        raise error("FE224", workers=workers)
    db_path = Path(db or cfg["warehouse"]["path"])
    # Before anything is read or written: no output may land on an input.
    check_outputs(discover(list(inputs)), {"--db": db_path, "--rejects": rejects_file,
                                           "--out": out})
    check_warehouse_file(db_path)
    opened = open_sources(list(inputs), cfg)
    has_turns = any("turns" in o.source.columns() for o in opened)
    available = [*CANONICAL_COLUMNS, *(["turns"] if has_turns else [])]
    pipeline = build_pipeline(cfg["pipeline"]["stages"], pipeline_options(cfg), available)
    if keep_raw:
        log.warning("--keep-raw: raw customer text, with any personal data in it, is stored "
                    "unredacted in %s", db_path)
    elif pipeline.get("redact") is None:
        raise error("FE305")
    settings = ValidationSettings.from_config(cfg["input"])
    chunk_size = cfg["input"]["chunk_size"]
    if chunk_size < 1:
        raise error("FE227", chunk_size=chunk_size)

    writer = RowWriter(rejects_file, ["source", *[c for c in REJECT_COLUMNS if c not in (
        "run_id", "source")]]) if rejects_file else None
    with Warehouse(db_path) as warehouse:
        warehouse.limit_memory(WRITER_MEMORY_MB)
        # Loading a chunk is small work; the cores belong to the analyzing processes.
        warehouse.limit_threads(1)
        warehouse.ensure_columns(pipeline.assigns)
        inputs_info = [{"source": o.info.name, "format": o.source.format,
                        "files": o.file_hashes(), "mapping": o.info.mapping}
                       for o in opened]
        run_id, done = None, {}
        if resume:
            run_id = warehouse.resumable_run(config_hash(cfg), inputs_info, pipeline.ids())
            if run_id is None:
                log.warning("--resume: %s holds no interrupted run with these inputs, config "
                            "and stages; analyzing from the start", db_path)
            else:
                done = warehouse.checkpoints(run_id)
                warehouse.finish_run(run_id, {"status": "running"})
        if run_id is None:
            run_id = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
            warehouse.start_run({
                "run_id": run_id, "command": "analyze", "status": "running",
                "started_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
                "version": __version__, "config_hash": config_hash(cfg), "config": cfg,
                "inputs": inputs_info, "stages": pipeline.ids(),
            })
        spec = PipelineSpec(names=tuple(cfg["pipeline"]["stages"]),
                            options=pipeline_options(cfg), available=tuple(available),
                            table_columns=frozenset(warehouse.record_columns()),
                            run_id=run_id, keep_raw=keep_raw,
                            modules=tuple(sorted({type(s).__module__ for s in pipeline.stages})),
                            record_budget_s=float(cfg["input"]["record_budget_s"]))
        try:
            if engine == "dask":
                from .engines.dask import run_dask

                counts = run_dask(opened, spec, warehouse, settings, chunk_size,
                                  scheduler=scheduler, workers=workers, parquet_dir=out,
                                  on_rejects=writer.write if writer else None, done=done)
            else:
                counts = run_local(opened, spec, warehouse, settings, chunk_size,
                                   progress=progress,
                                   on_rejects=writer.write if writer else None,
                                   workers=workers, done=done)
            # The run is ``ok`` only once every output is complete: the rejects file is
            # renamed into place and the Parquet written before the status says so.
            if writer:
                writer.close()
                writer = None
            parquet_dir = None
            if out is not None:
                parquet_dir = str(Path(out) if engine == "dask"
                                  else warehouse.export_parquet(out, run_id))
        except BaseException as exc:
            if writer:
                writer.abort()  # an earlier rejects file stays as it was
            try:
                warehouse.finish_run(run_id, {"status": "failed"})
            except Exception as status_exc:  # a full disk may refuse this write too
                log.debug("could not mark run %s failed: %s", run_id, status_exc)
            if isinstance(exc, OSError) and is_disk_full(exc):
                raise error("FE411", run_id=run_id) from exc
            raise
        seconds = time.perf_counter() - started
        warnings = _scrubbed_warnings([w for o in opened for w in o.source.warnings], cfg)
        summary = AnalyzeSummary(
            run_id=run_id, db=str(db_path), read=counts.read, analyzed=counts.analyzed,
            rejected=counts.rejected, rejected_by_reason=dict(sorted(counts.by_reason.items())),
            by_source=counts.by_source, seconds=seconds, warnings=warnings,
            rejects_file=str(rejects_file) if rejects_file else None, engine=engine,
            workers=workers, resumed_chunks=counts.resumed_chunks, parquet_dir=parquet_dir,
            timings={"read_validate": round(counts.read_seconds, 3),
                     "stages": round(counts.stage_seconds, 3),
                     "warehouse_write": round(counts.write_seconds, 3)})
        warehouse.finish_run(run_id, {
            "status": "ok", "finished_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            "read": counts.read, "analyzed": counts.analyzed, "rejected": counts.rejected,
            "rejected_by_reason": summary.rejected_by_reason, "seconds": seconds,
            "docs_per_s": summary.docs_per_s, "warnings": warnings,
        })
    for warning in warnings:
        log.warning(warning)
    return summary


def _scrubbed_warnings(warnings: list[str], cfg: dict[str, Any]) -> list[str]:
    """Source warnings name files and columns: redact them before they are stored or shown."""
    if not warnings:
        return warnings
    from .privacy import Redactor
    from .stages.redact import scrub_label

    options = cfg.get("stages", {}).get("redact", {})
    types = options.get("types")
    redactor = Redactor(options.get("lexicon"), tuple(types) if types else None)
    return [scrub_label(redactor, warning) for warning in warnings]


def _report_taxonomy(cfg: dict[str, Any]) -> Any:
    """The configured taxonomy, or None (with a warning) when it cannot be read."""
    from .errors import FeedbackEngineError
    from .rootcause.taxonomy import load_taxonomy

    try:
        return load_taxonomy(cfg["stages"].get("rootcause", {}).get("taxonomy"))
    except FeedbackEngineError as exc:
        log.warning("the report shows cause ids: %s", exc)
        return None


def cause_labels(cfg: dict[str, Any]) -> dict[str, str]:
    """The configured taxonomy's ``id: label``, for the report; ids alone (with a warning)
    when the taxonomy cannot be read."""
    taxonomy = _report_taxonomy(cfg)
    return {c.id: c.label for c in taxonomy.causes} if taxonomy else {}


def cause_actions(cfg: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The configured taxonomy's ``id: {owner, action}`` for the causes that have them."""
    taxonomy = _report_taxonomy(cfg)
    return {c.id: {"owner": c.owner, "action": c.action} for c in taxonomy.causes
            if c.owner or c.action} if taxonomy else {}


def init_project(directory: str | Path = ".", force: bool = False,
                 domain: str = "core") -> list[Path]:
    """Write a commented ``feedback.toml`` and copies of the default lexicons into ``directory``;
    the config's lexicon settings point at the copies, so edits to them take effect.

    Args:
        domain: ``core``, or a domain pack (``banking``, ``retail``, ``telecom``): the
            taxonomy and aspect vocabulary the config points at (the pack's copy, which
            extends the copy of the core).

    Returns:
        The files written.

    Raises:
        ConfigError: a file exists and ``force`` is false (FE228); an unknown domain (FE200).
    """
    stage_settings = init_lexicons(domain)
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    config_path = target / DEFAULT_FILE
    if config_path.exists() and not force:
        raise error("FE228", path=config_path)
    config_path.write_text(config_template(stage_settings, settings={
        "taxonomy": {"domain": domain}}, note=(
        "\n# The lexicon settings below point at the copies in ./lexicons/, written beside "
        "this file:\n# edit those, and run feedback from this folder. The taxonomy and aspect "
        f"files are the\n# {domain} domain's; `feedback init --domain NAME --force` switches "
        "to another.")), encoding="utf-8")
    written.append(config_path)
    source = lexicons_dir()
    for file in sorted(p for p in source.rglob("*") if p.is_file()):
        dest = target / "lexicons" / file.relative_to(source)
        if dest.exists() and not force:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(file.read_bytes())
        written.append(dest)
    return written


def report(
    db: str | Path | None = None,
    week: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    fmt: str = "html",
    out: str | Path | None = None,
    config: dict[str, Any] | str | Path | None = None,
    tables: str | Path | None = None,
    tables_fmt: str = "csv",
    period: Period | None = None,
    everything: bool = False,
    topics_model: str | Path | None = None,
) -> Path:
    """Build the weekly report from the warehouse and write it; return the file written.

    Args:
        week: ISO week (default: the latest with data); or ``date_from``/``date_to`` (ISO
            weeks or dates: the report covers the weeks that hold them); or ``period``.
        fmt: html, md, json or pdf (pdf needs Chromium).
        out: the file; default ``reports/<period>/report.<fmt>``.
        tables: also write the report's tables into this folder (``tables_fmt`` csv/xlsx).
        everything: report on all data, undated records included (``--all``).
        topics_model: the topic model for report-time topic labels (default
            ``[stages.topics] model``; none: the labels stored at analysis).
    """
    from .reports import FORMATS, ReportSettings, build_report, export_tables, write_report

    if fmt not in FORMATS:
        raise error("FE229", fmt=fmt, formats=", ".join(FORMATS))
    cfg = config if isinstance(config, dict) else load_config(config)
    model = build_report(str(db or cfg["warehouse"]["path"]),
                         period=_period(period, week, date_from, date_to),
                         settings=ReportSettings.from_config(cfg["report"]),
                         labels=cause_labels(cfg), actions=cause_actions(cfg),
                         topics=_report_topics(topics_model, cfg), everything=everything)
    folder = "all" if everything else model.week.replace(" ", "_")
    target = Path(out) if out else Path("reports") / folder / f"report.{fmt}"
    written = write_report(model, fmt, target)
    if tables is not None:
        export_tables(model, tables, tables_fmt)
    return written


def _report_topics(topics_model: str | Path | None, cfg: dict[str, Any]) -> str | None:
    """The topic model whose labels the report shows: the one given, else the configured
    one when its folder exists."""
    if topics_model is not None:
        return str(topics_model)
    configured = cfg["stages"].get("topics", {}).get("model")
    return str(configured) if configured and Path(configured).is_dir() else None


@dataclass
class DemoResult:
    corpus: Path
    summary: AnalyzeSummary
    reports: list[Path]
    topics: dict[str, Any] | None = None  # the topic model's fit summary


def demo(
    corpus_dir: str | Path = "corpora/demo",
    db: str | Path = "feedback.duckdb",
    report_dir: str | Path = "reports/demo",
    n_records: int = 20_000,
    seed: int = 7,
    progress: bool = False,
    topics_model: str | Path | None = "models/demo-topics",
    workers: int = 1,
) -> DemoResult:
    """Generate the sample corpus, analyze it into ``db`` (with ``workers`` processes), fit
    topics (unless ``topics_model`` is None) and write the report in every text format, with
    its tables."""
    from .reports import ReportSettings, build_report, export_tables, write_report
    from .sample import generate_corpus

    corpus = Path(corpus_dir)
    generate_corpus(corpus, n_records=n_records, seed=seed)
    # Every data file of the corpus, not manifest.json (the planted signals' ground truth).
    inputs: list[str | Path] = sorted(
        p for p in corpus.iterdir()
        if p.is_file() and p.suffix in (".csv", ".jsonl", ".parquet", ".xlsx"))
    inputs += [p for p in sorted(corpus.iterdir()) if p.is_dir()]
    # The sample corpus is a telecom's: the demo uses the telecom pack over the core.
    cfg = load_config(None)
    cfg["taxonomy"]["domain"] = "telecom"
    apply_domain(cfg, "the demo")
    summary = analyze(inputs, db=db, config=cfg,
                      rejects_file=Path(report_dir) / "rejects.csv", progress=progress,
                      workers=workers)
    topics = None
    if topics_model is not None:
        from .embeddings import available_backends
        from .topics.service import fit_topics

        # Static embeddings when they can be had (fast), else the torch-free fallback;
        # `feedback topics fit` defaults to MiniLM for the best topics.
        backend = "model2vec" if "model2vec" in available_backends() else "tfidf-svd"
        topics = fit_topics(db, topics_model, embeddings=backend, seed=seed,
                            taxonomy=cfg["stages"]["rootcause"]["taxonomy"])
    # One model, every text format (PDF is left to `feedback report --format pdf`: it needs
    # Chromium), and the tables as CSV.
    model = build_report(str(db), settings=ReportSettings.from_config(cfg["report"]),
                         labels=cause_labels(cfg), actions=cause_actions(cfg),
                         topics=topics_model if topics is not None else None)
    written = [write_report(model, fmt, Path(report_dir) / f"report.{fmt}")
               for fmt in ("html", "md", "json")]
    written += export_tables(model, Path(report_dir) / "tables", "csv")
    return DemoResult(corpus=corpus, summary=summary, reports=written, topics=topics)


@dataclass
class RedactSummary:
    read: int
    written: int
    rejected: int
    rejected_by_reason: dict[str, int]
    entities: dict[str, int]
    out: str
    seconds: float


REDACT_COLUMNS = ["source", "row", "record_id", "timestamp", "channel", "kind", "agent_id",
                  "team", "queue", "product", "customer_id", "csat", "nps", "ces",
                  "text_redacted", "pii_counts"]


def redact(
    inputs: list[str | Path],
    out: str | Path,
    config: dict[str, Any] | str | Path | None = None,
    rejects_file: str | Path | None = None,
) -> RedactSummary:
    """Redact PII from the inputs (same sources and validation as analyze) into ``out``.

    ``out`` is CSV (formula-guarded) or JSONL by its extension; no warehouse is touched.
    """
    from collections import Counter

    cfg = config if isinstance(config, dict) else load_config(config)
    check_outputs(discover(list(inputs)), {"-o": out, "--rejects": rejects_file})
    opened = open_sources(list(inputs), cfg)
    available = [*CANONICAL_COLUMNS, "turns"]
    pipeline = build_pipeline(["normalize", "language", "redact"], pipeline_options(cfg),
                              available)
    pipeline.setup()
    redactor = pipeline.get("redact")
    settings = ValidationSettings.from_config(cfg["input"])
    started = time.perf_counter()
    reasons: Counter = Counter()
    entities: Counter = Counter()
    # A rejects file is renamed into place only when every source is done (else dropped).
    with (RowWriter(rejects_file, ["source", "row", "record_id", "reason", "detail", "raw"])
          if rejects_file else contextlib.nullcontext()) as reject_writer:
        read, written = _redact_into(out, opened, cfg, settings, pipeline, redactor,
                                     reject_writer, entities, reasons)
    return RedactSummary(read=read, written=written, rejected=read - written,
                         rejected_by_reason=dict(sorted(reasons.items())),
                         entities=dict(sorted(entities.items())), out=str(out),
                         seconds=time.perf_counter() - started)


def _redact_into(out: str | Path, opened: list[Any], cfg: dict[str, Any],
                 settings: ValidationSettings, pipeline: Any, redactor: Any,
                 reject_writer: RowWriter | None, entities: Any,
                 reasons: Any) -> tuple[int, int]:
    """Write the redacted records of every source into ``out`` (renamed in when complete);
    return the rows read and written."""
    from .records import SeenIds

    read = written = 0
    with RowWriter(out, REDACT_COLUMNS) as writer:
        for item in opened:
            seen = SeenIds()
            for raw in item.source.chunks(cfg["input"]["chunk_size"]):
                records, rejects = validate(raw, item.info, settings, seen)
                read += len(raw)
                reasons.update(rejects["reason"].tolist())
                # The same scrubbing as analyze: ids holding PII become keyed tokens, raw
                # values (numbers and header names included) are redacted.
                records = records.assign(record_id=redactor.scrub_record_ids(
                    records["record_id"]))
                if reject_writer and len(rejects):
                    reject_writer.write(rejects.assign(
                        record_id=redactor.scrub_record_ids(rejects["record_id"]),
                        raw=[redactor.scrub_json(r) for r in rejects["raw"]]))
                if len(records):
                    records = pipeline(records)
                    for found in records["pii_counts"]:
                        entities.update(found)
                    writer.write(records)
                    written += len(records)
    return read, written


def eval_pii(data: str | Path, lexicon: str | Path | None = None, ner: bool = False,
             clean: tuple[str | Path, ...] | list[str | Path] = (),
             clean_column: str | None = None,
             regions: tuple[str, ...] | list[str] | None = None,
             audit: str | Path | None = None):
    """Score PII redaction on labelled JSONL; see :mod:`feedback_engine.evaluation.pii`.

    Args:
        clean: files of real texts that hold no PII (CSV, JSONL or txt); for each, the
            result's ``clean`` lists the false redactions per 1,000 records.
        clean_column: the text column of the clean CSVs (default: detected).
        regions: phone regions for the redactor (default: its ``DEFAULT_REGIONS``).
        audit: a JSON file of the clean records judged to hold a real person's name (see
            :mod:`feedback_engine.evaluation.pii`); they are counted apart.
    """
    from .evaluation.pii import (
        evaluate_clean,
        evaluate_pii,
        load_audit,
        load_clean_texts,
        load_pii_data,
    )
    from .privacy import Redactor

    labelled = load_pii_data(data)
    texts = [(str(path), load_clean_texts(path, clean_column)) for path in clean]
    redactor = Redactor(lexicon, ner=ner, regions=regions)
    result = evaluate_pii(labelled, redactor)
    judged = load_audit(audit) if audit else None
    result.clean = [evaluate_clean(t, redactor, source=Path(p).name, audit=judged)
                    for p, t in texts]
    return result


def load_labelled(data: str | Path, fmt: str = "vader", text_col: str = "text",
                  label_col: str | None = None, score_col: str | None = None,
                  scale: tuple[float, float] | None = None):
    """Read labelled sentiment data (see :mod:`feedback_engine.evaluation.sentiment`)."""
    from .evaluation.sentiment import load_csv, load_vader

    if fmt == "vader":
        return load_vader(data)
    if fmt == "csv":
        return load_csv(data, text_col, label_col, score_col, scale)
    raise error("FE230", fmt=fmt)


def sentiment_train(data, out: str | Path, cv: int = 0,
                    lexicons: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Train the sentiment calibration on labelled data and save it to ``out``.

    Args:
        data: a :class:`LabelledSet` from :func:`load_labelled`.
        cv: also report k-fold cross-validated metrics (stored in the manifest).
    """
    from .evaluation.sentiment import cross_validated, metrics
    from .sentiment.model import SentimentModel
    from .sentiment.rules import RuleScorer

    scorer = RuleScorer(lexicons) if lexicons else RuleScorer()
    scores = {}
    if cv:
        scores[f"{cv}-fold CV"] = metrics(data.gold, cross_validated(data, scorer, cv))
    model = SentimentModel(scorer).fit(data.texts, data.gold)
    folder = model.save(out, data.texts, data.gold, metrics=scores, source=data.source)
    return {"model": str(folder), "n": len(data.texts), "metrics": scores}


def sentiment_adapt(db: str | Path | None = None, out: str | Path | None = None,
                    language: str | None = None, min_per_class: int = 50,
                    config: dict[str, Any] | str | Path | None = None,
                    progress: Any = None) -> dict[str, Any]:
    """Fit a per-language sentiment model from the warehouse's NPS and CSAT scores.

    Each language's model is cross-validated against its zero-shot method and saved to
    ``OUT/LANG/`` (default ``OUT``: ``sentiment-adapted`` beside the warehouse); set
    ``[stages.sentiment] adapted = "OUT"`` to use the ones that won.

    Args:
        language: fit only this language (None: every non-English one with enough labels).
        min_per_class: labelled records needed of each class (positive, negative).
        config: ``feedback.toml`` (or its dict) whose warehouse path is the default ``db``.
        progress: called with one line of text per step, or None.
    """
    from .sentiment.adapt import adapt

    if db is None:
        cfg = config if isinstance(config, dict) else load_config(config)
        db = cfg["warehouse"]["path"]
    return adapt(db, out, language=language, min_per_class=min_per_class, progress=progress)


def eval_sentiment(data, model: str | Path | None = None, cv: int = 0,
                   learned: bool | None = None) -> dict[str, Any]:
    """Score the engine beside plain VADER on labelled data.

    Args:
        learned: also score the shipped learned model (None: when MiniLM is installed).
    """
    from .evaluation.sentiment import evaluate_sentiment
    from .sentiment.learned import embeddings_installed

    if learned is None:
        learned = embeddings_installed()
    return evaluate_sentiment(data, model=model, cv=cv, learned=learned)


# -- QA ---------------------------------------------------------------------------------------
def qa(db: str | Path | None = None, config: dict[str, Any] | str | Path | None = None,
       week: str | None = None, date_from: str | None = None, date_to: str | None = None,
       agent: str | None = None, team: str | None = None, min_n: int | None = None,
       csv_out: str | Path | None = None, period: Period | None = None) -> dict[str, Any]:
    """QA pass rates per rule, team and agent, and the ranked training needs of a period.

    Args:
        week / date_from / date_to: the period (ISO weeks or dates; default: all dates), or
            ``period``.
        agent / team: keep only this agent's or team's rows.
        min_n: conversations a rule must apply to before an agent is assessed on it.
        csv_out: also write the training needs to this CSV (formula-guarded).
    """
    from .rollups.qa import (
        DEFAULT_MIN_CONVERSATIONS,
        NEEDS_CSV_COLUMNS,
        needs_frame,
        qa_from_warehouse,
    )

    cfg = config if isinstance(config, dict) else load_config(config)
    span = _period(period, week, date_from, date_to)
    summary = qa_from_warehouse(db or cfg["warehouse"]["path"], span.start, span.end,
                                DEFAULT_MIN_CONVERSATIONS if min_n is None else min_n,
                                agent=agent, team=team)
    summary["period"] = span.label
    if csv_out:
        with RowWriter(csv_out, NEEDS_CSV_COLUMNS) as writer:
            writer.write(needs_frame(summary))
    return summary


# -- aspects ----------------------------------------------------------------------------------
def eval_aspects(data: str | Path, train_split: float = 0.8, seed: int = 13,
                 model: str | Path | None = None, noun_fallback: bool = True,
                 backend: str = "linear", progress: Any = None,
                 **finetune: Any) -> dict[str, Any]:
    """Score aspect polarity and term extraction on SemEval-2014 Task 4 XML.

    Args:
        train_split: share of sentences (seeded shuffle) that trains a model; 0: none.
        model: also score a folder from :func:`aspects_train`.
        backend: ``linear`` or ``finetune`` (``finetune`` takes ``ensemble`` and ``encoder``).
        progress: called with one line of text per step, or None.
    """
    from .evaluation.aspects import evaluate_aspects

    return evaluate_aspects(data, train_split=train_split, seed=seed, model=model,
                            noun_fallback=noun_fallback, backend=backend, progress=progress,
                            **finetune)


def aspects_train(data: str | Path, out: str | Path, backend: str = "linear",
                  progress: Any = None, **finetune: Any) -> dict[str, Any]:
    """Train the aspect polarity model on SemEval-2014 XML; save it to ``out``.

    Returns ``{"model": folder, "n": aspect terms}``.
    """
    from .aspects.model import fit_polarity
    from .evaluation.aspects import instances, read_semeval
    from .sentiment.rules import RuleScorer

    check_outputs([Path(data)], {"-o": out})
    items, labels = instances(read_semeval(data))
    fitted = fit_polarity(backend, items, labels, RuleScorer(), progress=progress, **finetune)
    folder = fitted.save(out, items, labels, source=str(data))
    return {"model": str(folder), "n": len(items)}


# -- root causes ------------------------------------------------------------------------------
def rootcause_train(data: str | Path, out: str | Path, text_col: str = "text",
                    label_col: str = "label", kind: str = "fast",
                    target_precision: float = 0.9, seed: int = 0,
                    progress: bool = False) -> dict[str, Any]:
    """Train a root-cause model on labelled data; return its manifest (see docs/rootcause.md)."""
    from .rootcause.service import train_file

    return train_file(data, out, text_col, label_col, kind, target_precision, seed,
                      progress=progress)


def rootcause_predict(model: str | Path, data: str | Path, out: str | Path,
                      text_col: str = "text", taxonomy: str | Path | None = None,
                      semantic: bool = True, embeddings: str = "auto") -> dict[str, Any]:
    """Add root-cause columns to ``data`` and write them to ``out`` (``model``: a folder or
    ``rules``: the taxonomy's patterns, then its semantic layer unless ``semantic`` is off)."""
    from .rootcause.service import predict_file

    return predict_file(model, data, out, text_col, taxonomy, semantic, embeddings)


def rootcause_evaluate(model: str | Path, data: str | Path, text_col: str = "text",
                       label_col: str = "label", taxonomy: str | Path | None = None,
                       semantic: bool = True, embeddings: str = "auto"):
    """Score a root-cause model (or ``rules``) on labelled data; an ``Evaluation``."""
    from .rootcause.service import evaluate_file

    return evaluate_file(model, data, text_col, label_col, taxonomy, semantic, embeddings)


def rootcause_suggest(db: str | Path | None = None,
                      config: dict[str, Any] | str | Path | None = None,
                      week: str | None = None, date_from: str | None = None,
                      date_to: str | None = None, min_size: int = 5,
                      out: str | Path | None = None,
                      period: Period | None = None) -> dict[str, Any]:
    """Deprecated: :func:`taxonomy_draft` under its old name (``feedback rootcause suggest``)."""
    import warnings

    warnings.warn("rootcause_suggest is deprecated; use taxonomy_draft", DeprecationWarning,
                  stacklevel=2)
    return taxonomy_draft(db, config, week=week, date_from=date_from, date_to=date_to,
                          min_size=min_size, out=out, period=period)


def taxonomy_from_examples(data: str | Path, out: str | Path, text_col: str = "text",
                           label_col: str = "label", per_class: int = 10, seed: int = 0,
                           parent: str = "intent", embeddings: str = "auto") -> dict[str, Any]:
    """Write a taxonomy with ``per_class`` examples of each label of ``data`` to ``out``.

    The semantic layer classifies with it directly (no training); see
    :mod:`feedback_engine.rootcause.fewshot`. ``embeddings="auto"`` asks for MiniLM when it
    is installed, else leaves the choice to the semantic layer's default.

    Returns ``{"out", "causes", "examples", "embeddings"}``.
    """
    import yaml

    from .embeddings import available_backends
    from .exports import write_text_atomic
    from .rootcause.fewshot import taxonomy_from_examples as draft
    from .sources.tabular import read_table, safe_name

    check_outputs([Path(data)], {"-o": out})
    frame = read_table(data, [text_col, label_col])
    if embeddings == "auto":
        embeddings = "minilm" if "minilm" in available_backends() else ""
    text = draft(frame[text_col].tolist(), frame[label_col].tolist(), per_class=per_class,
                 seed=seed, parent=parent, embeddings=embeddings or None,
                 source=safe_name(Path(data).name))
    write_text_atomic(out, text)
    causes = yaml.safe_load(text)["causes"]
    return {"out": str(out), "causes": len(causes),
            "examples": sum(len(c["examples"]) for c in causes),
            "embeddings": embeddings or "default"}


def _taxonomy_in_use(cfg: dict[str, Any], path: str | Path | None = None) -> Any:
    """The compiled taxonomy ``path``, else the one the rootcause stage uses."""
    from .rootcause.taxonomy import load_taxonomy

    return load_taxonomy(path or cfg["stages"].get("rootcause", {}).get("taxonomy"))


def _model_files(model: str | Path) -> list[Path]:
    folder = Path(model)
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def taxonomy_draft(db: str | Path | None = None,
                   config: dict[str, Any] | str | Path | None = None,
                   model: str | Path | None = None, week: str | None = None,
                   date_from: str | None = None, date_to: str | None = None,
                   min_size: int = 5, out: str | Path | None = None,
                   period: Period | None = None,
                   include_semantic: bool = False) -> dict[str, Any]:
    """Draft taxonomy entries from a period's ``unknown`` records (with
    ``include_semantic``, also those the semantic layer matched by meaning); see
    :mod:`feedback_engine.rootcause.draft`.

    Entries come from the topic model (``model``, else ``[stages.topics] model``, else
    ``models/topics``) restricted to the unknown records; with no model fitted there, from
    clustering them (``source`` says which, ``note`` why). Ids avoid those of the taxonomy in
    use. Returns the :class:`~feedback_engine.rootcause.draft.Draft` as a dict plus ``out``;
    with ``out`` the YAML is also written there (atomically, never over an input).
    """
    from .exports import write_text_atomic
    from .rootcause.draft import draft_taxonomy

    cfg = config if isinstance(config, dict) else load_config(config)
    path, model_path = _topics_paths(db, cfg, model)
    taxonomy = _taxonomy_in_use(cfg)
    if out is not None:
        check_outputs([Path(path), Path(taxonomy.source), *_model_files(model_path)],
                      {"-o": out})
    span = _period(period, week, date_from, date_to)
    draft = draft_taxonomy(path, span.start, span.end, model_path,
                           model_required=model is not None, taken_ids=set(taxonomy.ids),
                           min_size=min_size, period="" if span.is_all else span.label,
                           taxonomy_name=taxonomy.source,
                           include_semantic=include_semantic)
    if out is not None:
        write_text_atomic(out, draft.yaml)
    return {**draft.as_dict(), "out": None if out is None else str(out)}


def topics_promote(topic_id: int, cause_id: str, model: str | Path | None = None,
                   db: str | Path | None = None,
                   config: dict[str, Any] | str | Path | None = None,
                   taxonomy: str | Path | None = None, out: str | Path | None = None,
                   week: str | None = None, date_from: str | None = None,
                   date_to: str | None = None, period: Period | None = None) -> dict[str, Any]:
    """Turn topic ``topic_id`` into the taxonomy cause ``cause_id`` (the draft's entry
    builder over the topic's records in the period, default all).

    ``taxonomy`` is the file to extend (default: the one in use, ``[stages.rootcause]
    taxonomy`` or the bundled one). With ``out`` the extended taxonomy is written there,
    atomically; ``out`` may not be an input (the taxonomy, the warehouse, the model's files).
    Returns ``{"entry", "taxonomy", "comments_kept", "yaml", "out"}``: ``yaml`` is the new
    entry alone.
    """
    from .exports import write_text_atomic
    from .rootcause.draft import promote_topic
    from .rootcause.entries import entry_yaml

    cfg = config if isinstance(config, dict) else load_config(config)
    path, model_path = _topics_paths(db, cfg, model)
    extended = _taxonomy_in_use(cfg, taxonomy)
    if out is not None:
        check_outputs([Path(path), Path(extended.source), *_model_files(model_path)],
                      {"-o": out})
    span = _period(period, week, date_from, date_to)
    result = promote_topic(path, model_path, topic_id, cause_id, extended, span.start,
                           span.end)
    if out is not None:
        write_text_atomic(out, result.text)
    return {**result.as_dict(), "yaml": entry_yaml(result.entry, ""),
            "out": None if out is None else str(out)}


# -- topics -----------------------------------------------------------------------------------
DEFAULT_TOPICS_MODEL = "models/topics"


def _topics_paths(db: str | Path | None, config: dict[str, Any] | str | Path | None,
                  model: str | Path | None) -> tuple[str, str]:
    cfg = config if isinstance(config, dict) else load_config(config)
    return (str(db or cfg["warehouse"]["path"]),
            str(model or cfg["stages"].get("topics", {}).get("model") or DEFAULT_TOPICS_MODEL))


def topics_fit(out: str | Path, db: str | Path | None = None,
               config: dict[str, Any] | str | Path | None = None, week: str | None = None,
               date_from: str | None = None, date_to: str | None = None,
               embeddings: str = "auto", seed: int = 0, resolution: float = 1.0,
               min_topic_size: int = 10, guided: bool = True, assign: bool = True,
               period: Period | None = None) -> dict[str, Any]:
    """Fit topics on a period's redacted texts (default: all) and save the model to ``out``."""
    from .topics.service import fit_topics

    cfg = config if isinstance(config, dict) else load_config(config)
    path, _ = _topics_paths(db, cfg, out)
    since, until = _period(period, week, date_from, date_to).bounds()
    return fit_topics(path, out, since=since, until=until, embeddings=embeddings, seed=seed,
                      guided=guided, assign=assign, resolution=resolution,
                      min_topic_size=min_topic_size,
                      taxonomy=cfg["stages"].get("rootcause", {}).get("taxonomy"))


def topics_show(model: str | Path | None = None, db: str | Path | None = None,
                config: dict[str, Any] | str | Path | None = None, candidates: bool = False,
                week: str | None = None, date_from: str | None = None,
                date_to: str | None = None, period: Period | None = None) -> dict[str, Any]:
    """The model's topics (id, size, label, examples), and on request new-topic candidates
    from a period's records (default: the last 7 days of data)."""
    from .topics.service import show_topics

    path, model_path = _topics_paths(db, config, model)
    since, until = _period(period, week, date_from, date_to).bounds()
    return show_topics(model_path, db=path, candidates=candidates, since=since, until=until)


def topics_label(topic_id: int, name: str, model: str | Path | None = None,
                 config: dict[str, Any] | str | Path | None = None) -> dict[str, Any]:
    """Give a topic a human label (``""`` restores the automatic one); the topic after."""
    from .topics.service import label_topic

    return label_topic(_topics_paths(None, config, model)[1], topic_id, name)


def topics_merge(keep: int, absorb: int, model: str | Path | None = None,
                 config: dict[str, Any] | str | Path | None = None) -> dict[str, Any]:
    """Merge topic ``absorb`` into ``keep``; the merged topic."""
    from .topics.service import merge_topics

    return merge_topics(_topics_paths(None, config, model)[1], keep, absorb)


def eval_topics(data: list[str | Path] | tuple[str | Path, ...], text_col: str = "text",
                label_col: str = "label", embeddings: str = "auto", seed: int = 0,
                resolution: float = 1.0, baseline: bool = True,
                language: str | None = "auto") -> dict[str, Any]:
    """Fit topics on labelled files (joined) and score them against the gold labels;
    ``language`` is the texts' ISO 639-1 code or ``auto`` (detect each)."""
    from .topics.evaluate import evaluate_topics, read_labelled

    files = [read_labelled(str(path), text_col, label_col) for path in data]
    texts = [text for file_texts, _ in files for text in file_texts]
    gold = [label for _, file_gold in files for label in file_gold]
    return evaluate_topics(texts, gold, embeddings=embeddings, seed=seed, baseline=baseline,
                           resolution=resolution, language=language)
