"""Evidence in the coach's words: the one formatter of a verdict and what it rests on.

The workspace's pages, the share card, the live page and the terminal table
(:func:`pronate.outputs.summary.format_summary`) all show a loading moment through this
package, so a number reads the same everywhere:

- a criterion (:mod:`pronate.verdict.criteria`) in words (:data:`CRITERIA`), its value
  with its unit and a precision that matches its ± (:func:`value_text`: ``−17° ± 10°``,
  not ``-17.09 ± 10``), its threshold with the direction (:func:`threshold_text`: ``≥ 3°``,
  ``≤ 0.25 hip widths``, ``inside −10° to 16.8°``) and its status in words
  (:data:`STATUS_WORDS`);
- the verdict by name (:data:`VERDICTS`) and a headline naming the criteria that decided
  it, by the decision rule of :mod:`pronate.verdict.assessment` (:func:`headline`);
- the clip's quality and the confidence of its verdicts (:func:`quality_lines`).

Its modules: :mod:`~pronate.outputs.evidence.words` (the words and numbers),
:mod:`~pronate.outputs.evidence.rows` (a moment's rows, headline and quality) and
:mod:`~pronate.outputs.evidence.kinds` (kinds, movements, the numbers of a share card).

A verdict this package does not know (a newer pipeline's) is shown by its name, with the
criteria that were not met; add it to :data:`VERDICTS` and :data:`REASONS` to say more.
Everything here is plain text: templates escape it.
"""

from pronate.outputs.evidence.kinds import (
    KEY_NUMBERS,
    MOVEMENTS,
    key_rows,
    kind_words,
    leg_words,
    moment_title,
    movement_of,
    movement_title,
)
from pronate.outputs.evidence.rows import (
    REASONS,
    Row,
    evidence_rows,
    headline,
    metric_rows,
    quality_lines,
    reason,
    status_of,
)
from pronate.outputs.evidence.words import (
    CRITERIA,
    FILMING_ADVICE,
    METRICS,
    STATUS_WORDS,
    VERDICTS,
    Measure,
    criterion_label,
    decimals,
    number,
    split_name,
    threshold_text,
    value_text,
    verdict_title,
    verdict_words,
)

__all__ = [
    "CRITERIA",
    "FILMING_ADVICE",
    "KEY_NUMBERS",
    "METRICS",
    "MOVEMENTS",
    "REASONS",
    "STATUS_WORDS",
    "VERDICTS",
    "Measure",
    "Row",
    "criterion_label",
    "decimals",
    "evidence_rows",
    "headline",
    "key_rows",
    "kind_words",
    "leg_words",
    "metric_rows",
    "moment_title",
    "movement_of",
    "movement_title",
    "number",
    "quality_lines",
    "reason",
    "split_name",
    "status_of",
    "threshold_text",
    "value_text",
    "verdict_title",
    "verdict_words",
]
