"""``feedback rootcause train|predict|evaluate|suggest``: the root-cause classifier."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli import _friendly, config_option, db_option

MODEL_HELP = "a folder from `feedback rootcause train`, or `rules` for the taxonomy alone"


@click.group(name="rootcause")
def rootcause_group() -> None:
    """Train, apply and evaluate the root-cause classifier; grow the taxonomy.

    The analyze pipeline's rootcause stage uses the taxonomy rules
    (lexicons/root_causes.yaml) unless [stages.rootcause] model names a trained model.
    """


@rootcause_group.command(name="train")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--text-col", default="text", show_default=True, help="Column with the text.")
@click.option("--label-col", default="label", show_default=True, help="Column with the cause.")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False),
              help="Folder to write the model to.")
@click.option("--kind", type=click.Choice(["fast", "accurate"]), default="fast",
              show_default=True,
              help="fast: word+char n-grams; accurate: + MiniLM embeddings (needs the "
                   "topics extra).")
@click.option("--target-precision", type=click.FloatRange(0.0, 1.0, min_open=True),
              default=0.9, show_default=True,
              help="Precision the abstention thresholds are tuned for on held-out data.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@_friendly
def train_cmd(data: str, text_col: str, label_col: str, out: str, kind: str,
              target_precision: float, seed: int, as_json: bool) -> None:
    """Train a root-cause model on labelled DATA (CSV, TSV, JSONL, Parquet, XLSX).

    Part of DATA (and 10% of its classes, whole) is held back to fit the confidence
    calibration and the `unknown` thresholds; the model is then refitted on all of it.

    Example:

        feedback rootcause train tickets.csv --text-col comment --label-col cause -o models/rc
    """
    from .rootcause.service import train_file

    manifest = train_file(data, out, text_col, label_col, kind, target_precision, seed,
                          progress=not as_json)
    if as_json:
        click.echo(json.dumps(manifest, indent=2, default=str))
        return
    m, t = manifest["metrics"], manifest["thresholds"]
    click.echo(f"trained a {manifest['kind']} model on {manifest['n_rows']:,} rows, "
               f"{len(manifest['labels'])} causes, in {m['train_seconds']} s")
    click.echo(f"held-out: accuracy {m['heldout_accuracy']:.3f}; at confidence >= "
               f"{t['conf']:.3f} and similarity >= {t['sim']:.3f}: precision "
               f"{t['precision']:.3f}, coverage {t['coverage']:.3f}"
               + ("" if t["ood_rejected"] is None else
                  f", held-out classes answered unknown {t['ood_rejected']:.3f}"))
    click.echo(f"wrote {Path(out)}")


@rootcause_group.command(name="predict")
@click.argument("model")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--text-col", default="text", show_default=True, help="Column with the text.")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False),
              help="Output file: .csv (formula-guarded) or .jsonl.")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False),
              help="Taxonomy YAML for MODEL=rules [default: the bundled one].")
@_friendly
def predict_cmd(model: str, data: str, text_col: str, out: str, taxonomy: str | None) -> None:
    """Add root_cause, root_cause_conf, root_cause_method, root_cause_evidence to DATA.

    MODEL is a folder from `feedback rootcause train`, or `rules`. Abstentions are the
    label `unknown`.

    Example:

        feedback rootcause predict models/rc new_tickets.csv --text-col comment -o causes.csv
    """
    from .rootcause.service import predict_file

    result = predict_file(model, data, out, text_col, taxonomy)
    click.echo(f"{result['rows']:,} rows -> {result['out']} ({result['unknown']:,} unknown; "
               f"{result['docs_per_s'] or 0:,.0f} docs/s)")


@rootcause_group.command(name="evaluate")
@click.argument("model")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--text-col", default="text", show_default=True, help="Column with the text.")
@click.option("--label-col", default="label", show_default=True, help="Column with the cause.")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False),
              help="Taxonomy YAML for MODEL=rules [default: the bundled one].")
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON.")
@_friendly
def evaluate_cmd(model: str, data: str, text_col: str, label_col: str, taxonomy: str | None,
                 as_json: bool) -> None:
    """Score MODEL on labelled DATA: accuracy, macro F1, per class, confusions, coverage.

    Labels that MODEL does not know count as out-of-domain: right only when `unknown`.

    Example:

        feedback rootcause evaluate models/rc test.csv --label-col category --json
    """
    from .rootcause.service import evaluate_file

    result = evaluate_file(model, data, text_col, label_col, taxonomy)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    covered = "-" if result.covered_accuracy is None else f"{result.covered_accuracy:.4f}"
    click.echo(f"n {result.n:,}   accuracy {result.accuracy:.4f}   macro F1 "
               f"{result.macro_f1:.4f}   coverage {result.coverage:.4f}   covered accuracy "
               f"{covered}")
    if result.raw_accuracy is not None:
        click.echo(f"accuracy without abstention (in-domain rows): {result.raw_accuracy:.4f}")
    if result.n_out_of_domain:
        click.echo(f"out-of-domain rows {result.n_out_of_domain:,}: answered unknown "
                   f"{result.ood_unknown_share:.4f}")
    click.echo(f"\n{'cause':<44}{'n':>6}{'precision':>11}{'recall':>8}")
    for c in result.per_class:
        p = "-" if c.precision is None else f"{c.precision:.3f}"
        r = "-" if c.recall is None else f"{c.recall:.3f}"
        click.echo(f"{c.label[:43]:<44}{c.support:>6}{p:>11}{r:>8}")
    if result.confusions:
        click.echo("\nmost frequent confusions (true -> predicted):")
        for pair in result.confusions[:10]:
            click.echo(f"  {pair['count']:>4}  {pair['true']} -> {pair['predicted']}")


@rootcause_group.command(name="suggest")
@db_option
@config_option
@click.option("--week", help="ISO week, e.g. 2026-W47.")
@click.option("--from", "date_from", help="First ISO week or date (inclusive).")
@click.option("--to", "date_to", help="Last ISO week or date (inclusive).")
@click.option("--min-size", type=click.IntRange(2), default=5, show_default=True,
              help="Smallest cluster worth proposing.")
@click.option("-o", "--out", type=click.Path(dir_okay=False),
              help="Write the YAML here instead of printing it.")
@_friendly
def suggest_cmd(db: str | None, config_path: str | None, week: str | None,
                date_from: str | None, date_to: str | None, min_size: int,
                out: str | None) -> None:
    """Propose new taxonomy entries from the `unknown` records of a period.

    Clusters the unknown records' redacted texts and prints YAML entries (distinctive
    phrases as patterns, cluster size, example texts) to review and paste into
    root_causes.yaml.

    Example:

        feedback rootcause suggest --db feedback.duckdb --week 2026-W47 -o proposals.yaml
    """
    from .config import load_config
    from .rollups.qa import period
    from .rootcause.suggest import proposals_yaml, suggest_causes, unknown_texts

    cfg = load_config(config_path)
    start, end = period(week, date_from, date_to)
    texts = unknown_texts(db or cfg["warehouse"]["path"], start, end)
    label = week or " to ".join(v for v in (date_from, date_to) if v)
    text = proposals_yaml(suggest_causes(texts, min_size=min_size), label)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"{len(texts):,} unknown records; wrote {out}")
    else:
        click.echo(text, nl=False)
