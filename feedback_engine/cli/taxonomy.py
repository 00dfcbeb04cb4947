"""``feedback taxonomy from-examples``: root causes written from labelled examples."""

from __future__ import annotations

import click

from .. import api
from .options import json_option, show


@click.group(name="taxonomy")
def taxonomy_group() -> None:
    """Write root-cause taxonomies from your own data."""


def _written(result: dict) -> str:
    return (f"wrote {result['out']}: {result['causes']:,} causes, {result['examples']:,} "
            f"examples (embeddings {result['embeddings']})")


@taxonomy_group.command(name="from-examples")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--text-col", default="text", show_default=True, help="Column with the text.")
@click.option("--label-col", default="label", show_default=True, help="Column with the cause.")
@click.option("--per-class", type=click.IntRange(1), default=10, show_default=True,
              help="Examples kept per label (a seeded pick).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the pick.")
@click.option("--parent", default="intent", show_default=True,
              help="Parent part of every id: intent.card_arrival.")
@click.option("--embeddings", default="auto", show_default=True,
              type=click.Choice(["auto", "minilm", "model2vec", "tfidf-svd"]),
              help="Encoder the taxonomy asks the semantic layer for (auto: MiniLM when "
                   "installed).")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False),
              help="The taxonomy YAML to write.")
@json_option("the summary")
def from_examples(data: str, text_col: str, label_col: str, per_class: int, seed: int,
                  parent: str, embeddings: str, out: str, as_json: bool) -> None:
    """Write a taxonomy with PER_CLASS examples of each label of DATA (CSV, TSV, JSONL,
    Parquet, XLSX), to classify with directly: no patterns and no training.

    Each cause holds its examples (PII redacted), a description drafted from the words that
    set its texts apart, and a polarity from their sentiment. Use it in
    [stages.rootcause] taxonomy = "OUT", or with `feedback rootcause predict rules DATA
    --taxonomy OUT` and `feedback rootcause evaluate rules TEST --taxonomy OUT`.

    Example:

    \b
        feedback taxonomy from-examples train.csv --label-col category -o intents.yaml
        feedback rootcause evaluate rules test.csv --label-col category --taxonomy intents.yaml
    """
    result = api.taxonomy_from_examples(data, out, text_col, label_col, per_class, seed, parent,
                                        embeddings)
    show(result, as_json, _written)
