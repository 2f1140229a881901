"""The decision-method experiment (``kind: decision-methods``): descriptor checks, the documentation
rules, a learned classifier and language-model judgments, each deciding every labelled tool, scored
against the labels and timed. See ``docs/experiments.md``."""
