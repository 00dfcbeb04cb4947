"""``feedback rootcause train|predict|evaluate``: the root-cause classifier (and ``suggest``,
the deprecated name of ``feedback taxonomy draft``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from .. import api
from ..periods import Period, period_options
from .options import config_option, db_option, echo_json, json_option


def _semantic_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--semantic/--no-semantic`` and ``--embeddings``: the taxonomy's semantic layer."""
    func = click.option("--embeddings", default="auto", show_default=True,
                        type=click.Choice(["auto", "minilm", "model2vec", "tfidf-svd"]),
                        help="MODEL=rules: encoder of the semantic layer (auto: the "
                             "taxonomy's own, else MiniLM when installed).")(func)
    return click.option("--semantic/--no-semantic", default=True, show_default=True,
                        help="MODEL=rules: match what the patterns leave unknown to the "
                             "causes' examples by meaning.")(func)


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
@json_option("the manifest")
def train_cmd(data: str, text_col: str, label_col: str, out: str, kind: str,
              target_precision: float, seed: int, as_json: bool) -> None:
    """Train a root-cause model on labelled DATA (CSV, TSV, JSONL, Parquet, XLSX).

    Part of DATA (and 10% of its classes, whole) is held back to fit the confidence
    calibration and the `unknown` thresholds; the model is then refitted on all of it.

    Example:

        feedback rootcause train tickets.csv --text-col comment --label-col cause -o models/rc
    """
    manifest = api.rootcause_train(data, out, text_col, label_col, kind, target_precision, seed,
                                   progress=not as_json)
    if as_json:
        echo_json(manifest)
        return
    m, t = manifest["metrics"], manifest["thresholds"]
    click.echo(f"trained a {manifest['kind']} model on {manifest['n_rows']:,} rows, "
               f"{len(manifest['labels'])} causes, in {m['train_seconds']} s wall "
               "(embedding and model loading included)")
    click.echo(f"held-out: accuracy {m['heldout_accuracy']:.3f}; at confidence >= "
               f"{t['conf']:.3f} and fit >= {t['sim']:.3f}: precision "
               f"{t['precision']:.3f}, coverage {t['coverage']:.3f}"
               + ("" if t["ood_rejected"] is None else
                  f", held-out classes answered unknown {t['ood_rejected']:.3f}"))
    click.echo(f"wrote {out}")


@rootcause_group.command(name="predict")
@click.argument("model")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--text-col", default="text", show_default=True, help="Column with the text.")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False),
              help="Output file: .csv (formula-guarded) or .jsonl.")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False),
              help="Taxonomy YAML for MODEL=rules [default: the bundled one].")
@_semantic_options
def predict_cmd(model: str, data: str, text_col: str, out: str, taxonomy: str | None,
                semantic: bool, embeddings: str) -> None:
    """Add root_cause, root_cause_conf, root_cause_method, root_cause_evidence to DATA.

    MODEL is a folder from `feedback rootcause train`, or `rules`. Abstentions are the
    label `unknown`.

    Example:

        feedback rootcause predict models/rc new_tickets.csv --text-col comment -o causes.csv
    """
    result = api.rootcause_predict(model, data, out, text_col, taxonomy, semantic, embeddings)
    click.echo(f"{result['rows']:,} rows -> {result['out']} ({result['unknown']:,} unknown; "
               f"{result['seconds']:.1f} s wall, model loading included: "
               f"{result['docs_per_s'] or 0:,.0f} docs/s)")


@rootcause_group.command(name="evaluate")
@click.argument("model")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--text-col", default="text", show_default=True, help="Column with the text.")
@click.option("--label-col", default="label", show_default=True, help="Column with the cause.")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False),
              help="Taxonomy YAML for MODEL=rules [default: the bundled one].")
@_semantic_options
@json_option("every figure")
def evaluate_cmd(model: str, data: str, text_col: str, label_col: str, taxonomy: str | None,
                 semantic: bool, embeddings: str, as_json: bool) -> None:
    """Score MODEL on labelled DATA: accuracy, macro F1, per class, confusions, coverage.

    Labels that MODEL does not know count as out-of-domain: right only when `unknown`.

    Example:

        feedback rootcause evaluate models/rc test.csv --label-col category --json
    """
    result = api.rootcause_evaluate(model, data, text_col, label_col, taxonomy, semantic,
                                    embeddings)
    if as_json:
        echo_json(result)
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
@period_options()
@click.option("--min-size", type=click.IntRange(2), default=5, show_default=True,
              help="Fewest unknown records an entry needs.")
@click.option("-o", "--out", type=click.Path(dir_okay=False),
              help="Write the YAML here instead of printing it.")
def suggest_cmd(db: str | None, config_path: str | None, period: Period, min_size: int,
                out: str | None) -> None:
    """Deprecated: the old name of `feedback taxonomy draft` (same options, same YAML).

    Example:

        feedback taxonomy draft --db feedback.duckdb --week 2026-W47 -o proposals.yaml
    """
    # One "warning:" line on stderr, so the YAML on stdout stays pasteable.
    click.secho("warning: rootcause suggest is deprecated and goes in the next release; use "
                "feedback taxonomy draft (same options)", fg="yellow", err=True)
    result = api.taxonomy_draft(db, config_path, min_size=min_size, out=out, period=period)
    if out:
        click.echo(f"{result['unknown']:,} unknown records; {len(result['entries'])} entries; "
                   f"wrote {out}")
    else:
        click.echo(result["yaml"], nl=False)
