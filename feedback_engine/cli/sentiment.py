"""``feedback sentiment train`` and ``feedback eval sentiment``: the learned calibration."""

from __future__ import annotations

import click

from .. import api
from .options import json_option, labelled_options, parse_scale, show


@click.command(name="sentiment")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@labelled_options
@click.option("--model", type=click.Path(exists=True, file_okay=False),
              help="Also score a model from `feedback sentiment train` (trained elsewhere).")
@click.option("--cv", type=click.IntRange(0, 20), default=0,
              help="Also score the n-gram calibration by k-fold cross-validation on DATA.")
@click.option("--learned/--no-learned", default=None,
              help="Score the shipped learned model too (default: when MiniLM is installed).")
@json_option("the scores")
def eval_sentiment(data: str, fmt: str, text_col: str, label_col: str | None,
                   score_col: str | None, scale: str | None, model: str | None, cv: int,
                   learned: bool | None, as_json: bool) -> None:
    """Score sentiment on DATA: the engine beside plain VADER.

    Reports n, Pearson r and Spearman rho against the gold score, 3-class accuracy, macro
    and weighted F1 (classes at +/-0.05), docs/s and, with --scale, the ROC AUC of the score
    separating low ratings (the scale's lowest two) from high ones (its highest two). Gold for
    VADER files is the mean rating / 4. The shipped learned model warns when DATA is one of
    the sets it was trained on.

    Example:

    \b
        feedback eval sentiment tweets_GroundTruth.txt --cv 5
        feedback eval sentiment reviews.csv --format csv --text-col "Review Text" \\
            --score-col Rating --scale 1,5
    """
    from ..evaluation.sentiment import format_sentiment

    labelled = api.load_labelled(data, fmt, text_col, label_col, score_col, parse_scale(scale))
    results = api.eval_sentiment(labelled, model=model, cv=cv, learned=learned)
    show(results, as_json, format_sentiment)


@click.group(name="sentiment")
def sentiment_group() -> None:
    """Train the learned sentiment calibration."""


@sentiment_group.command(name="train")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@labelled_options
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False),
              help="Folder for the model (manifest.json + weights.npz).")
@click.option("--cv", type=click.IntRange(0, 20), default=5, show_default=True,
              help="Report k-fold cross-validated scores first (0: skip).")
def sentiment_train(data: str, fmt: str, text_col: str, label_col: str | None,
                    score_col: str | None, scale: str | None, out: str, cv: int) -> None:
    """Train a sentiment model on labelled DATA and save it to OUT.

    Use it with [stages.sentiment] model = "OUT" in feedback.toml; the rules stay the
    fallback. The manifest records the data hash, metrics and library versions.

    Example:

    \b
        feedback sentiment train movieReviewSnippets_GroundTruth.txt -o models/sentiment
    """
    labelled = api.load_labelled(data, fmt, text_col, label_col, score_col, parse_scale(scale))
    result = api.sentiment_train(labelled, out, cv=cv)
    for name, m in result["metrics"].items():
        click.echo(f"{name}: r {m['pearson_r']:.3f}, accuracy {m['accuracy']:.3f}, "
                   f"weighted F1 {m['weighted_f1']:.3f} (n={m['n']})")
    click.echo(f"trained on {result['n']:,} texts; wrote {result['model']}")
