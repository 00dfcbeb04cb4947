"""``feedback sentiment train|adapt`` and ``feedback eval sentiment``."""

from __future__ import annotations

import click

from .. import api
from .options import (
    config_option,
    db_option,
    json_option,
    labelled_options,
    parse_scale,
    progress_echo,
    show,
)


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
    """Train the learned sentiment calibration, or adapt sentiment to your own scores."""


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


@sentiment_group.command(name="adapt")
@db_option
@config_option
@click.option("--language", default=None,
              help="Fit this language only (ISO 639-1, e.g. zh); default: every language "
                   "except English with enough scored records.")
@click.option("-o", "--out", default=None, type=click.Path(file_okay=False),
              help="Folder for the models, one subfolder per language (default: "
                   "sentiment-adapted beside the warehouse).")
@click.option("--min-per-class", type=click.IntRange(10, None), default=50, show_default=True,
              help="Labelled records needed of each class (positive, negative).")
@json_option("the cross-validated figures and decisions")
def sentiment_adapt(db: str | None, config_path: str | None, language: str | None,
                    out: str | None, min_per_class: int, as_json: bool) -> None:
    """Learn sentiment from the customers' own scores, per language.

    Labels each record with redacted text by its scores (NPS 9-10 or CSAT 4-5 positive,
    NPS 0-6 or CSAT 1-2 negative, the middle left out; a review's stars are its CSAT), fits
    a linear model on the language's words and character n-grams, and compares it with the
    language's zero-shot method in 5-fold stratified CV. The model becomes the default for
    its language only when it wins; set [stages.sentiment] adapted = "OUT" to use it.

    Example:

    \b
        feedback sentiment adapt --db feedback.duckdb --language zh -o models/adapted
    """
    result = api.sentiment_adapt(db, out, language=language, min_per_class=min_per_class,
                                 config=config_path, progress=None if as_json else progress_echo)
    show(result, as_json, _format_adapt)


def _format_adapt(result: dict) -> str:
    lines = []
    for lang, r in result["languages"].items():
        a, z = r["cv"]["adapted"], r["cv"]["zero_shot"]
        lines.append(f"{lang}: {r['n']:,} labelled; {r['cv']['folds']}-fold CV macro-F1 "
                     f"adapted {a['macro_f1_pos_neg']:.3f} (accuracy {a['accuracy']:.3f}), "
                     f"{r['zero_shot_method']} {z['macro_f1_pos_neg']:.3f} (accuracy "
                     f"{z['accuracy']:.3f}); {'default' if r['default'] else 'not default'}; "
                     f"wrote {r['folder']}")
    for lang, counts in result["skipped"].items():
        lines.append(f"{lang}: skipped ({counts['positive']} positive, "
                     f"{counts['negative']} negative labelled)")
    lines.append(f'use it with [stages.sentiment] adapted = "{result["out"]}"')
    return "\n".join(lines)
