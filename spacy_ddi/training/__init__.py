"""The steps after ``spacy train``, as package code: choosing a pipeline's prediction settings on
dev (:func:`tune`, ``spacy-ddi tune``) and fine-tuning a trained pipeline on a team's own
documents (:func:`finetune`, ``spacy-ddi finetune``)."""
from .errors import TrainingError

__all__ = ["TrainingError", "tune", "finetune"]


def __getattr__(name):  # the steps import spaCy's training machinery: load them when asked
    if name == "tune":
        from .tune import tune

        return tune
    if name == "finetune":
        from .finetune import finetune

        return finetune
    raise AttributeError(name)
