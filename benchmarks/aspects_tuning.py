"""Choose fine-tuning settings for aspect polarity without looking at the held-out part.

    python benchmarks/aspects_tuning.py Restaurants_Train_v2.xml \\
        --setting epochs=2 --setting epochs=3 --setting epochs=3,learning_rate=5e-5

``feedback eval aspects`` shuffles the sentences (seed 13), trains on the first 80% and
scores the last 20%. Picking settings by that 20% score would make it optimistic, so this
script never reads it: it takes the same 80% training part, cuts it again (seed 29; 85% /
15% by sentence), fine-tunes on the inner 85% with each setting and scores the inner 15%.
The chosen setting then goes into ``feedback_engine.aspects.finetune.DEFAULTS`` and the
held-out figure is measured once, with ``feedback eval aspects --backend finetune``.

Each setting prints one JSON line: the setting, validation accuracy and macro F1, training
seconds. Settings are ``key=value`` pairs of the fine-tuning options (epochs, batch_size,
max_length, learning_rate, warmup, weight_decay, seed, pooling).
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from feedback_engine.aspects.finetune import DEFAULTS, FinetunedPolarity
from feedback_engine.evaluation.aspects import (
    DEFAULT_SEED,
    DEFAULT_SPLIT,
    classification,
    instances,
    read_semeval,
    split,
)

INNER_SEED = 29
INNER_SPLIT = 0.85


def parse_setting(text: str) -> dict[str, Any]:
    """``"epochs=3,learning_rate=5e-5"`` -> ``{"epochs": 3, "learning_rate": 5e-05}``."""
    out: dict[str, Any] = {}
    for part in filter(None, text.split(",")):
        key, _, value = part.partition("=")
        if key not in DEFAULTS or not value:
            raise SystemExit(f"bad setting {part!r}: use key=value with a key of "
                             f"{', '.join(DEFAULTS)}")
        if isinstance(DEFAULTS[key], str):
            out[key] = value
            continue
        number = float(value)
        out[key] = int(number) if isinstance(DEFAULTS[key], int) else number
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="SemEval-2014 Task 4 training XML")
    parser.add_argument("--setting", action="append", default=[],
                        help="key=value[,key=value...]; repeat for several (default: DEFAULTS)")
    args = parser.parse_args()
    train, _held_out = split(read_semeval(args.data), DEFAULT_SPLIT, DEFAULT_SEED)
    inner, validation = split(train, INNER_SPLIT, INNER_SEED)
    fit_items, fit_gold = instances(inner)
    val_items, val_gold = instances(validation)
    print(json.dumps({"data": args.data, "fit_terms": len(fit_items),
                      "validation_terms": len(val_items)}), flush=True)
    for text in args.setting or [""]:
        setting = parse_setting(text)
        started = time.perf_counter()
        model = FinetunedPolarity.fit(fit_items, fit_gold, **setting)
        seconds = time.perf_counter() - started
        scores = classification(val_gold, model.predict(val_items))
        print(json.dumps({"setting": {**DEFAULTS, **setting}, "validation": scores,
                          "train_seconds": round(seconds, 1)}), flush=True)


if __name__ == "__main__":
    main()
