"""Denial trends (pure domain): day-bucket hopping windows of adjudications per key, trend
detection against each key's own baseline, and the learned rates the scrubber reads."""

from streams.trends.windows import (
    NECESSITY_CARCS,
    LearnedRate,
    TrendConfig,
    TrendFound,
    add_fact,
    category_key,
    detect,
    diagnosis_key,
    learned_rate,
    mark_alerted,
    published_rate,
)

__all__ = [
    "NECESSITY_CARCS",
    "LearnedRate",
    "TrendConfig",
    "TrendFound",
    "add_fact",
    "category_key",
    "detect",
    "diagnosis_key",
    "learned_rate",
    "mark_alerted",
    "published_rate",
]
