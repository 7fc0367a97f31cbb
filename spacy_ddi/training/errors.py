"""The error the training steps (tune, finetune) raise on input they cannot use."""


class TrainingError(ValueError):
    """Bad input to a training step: the message names the input and what is wrong with it.
    Raised before anything is written."""
