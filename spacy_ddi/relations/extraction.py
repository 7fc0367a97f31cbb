"""The paper's extraction rules (section 3.5): from DSTC token labels to interactions."""
from typing import List, Sequence, Tuple

import numpy

HEAD_WEIGHT = 1.5


def extract_pairs(
    drugs: Sequence[Tuple[int, int]],
    probs: numpy.ndarray,
    labels: Sequence[str],
    symmetric: bool = False,
) -> List[Tuple[int, int, str, float]]:
    """Interactions (subject index, object index, label, score) among ``drugs`` of one sentence.

    drugs: (start, end) token spans relative to the sentence, in text order, non-overlapping.
    probs: (len(drugs), T, n_labels) DSTC label probabilities, row i for drug i as specified drug.
    Rules: (1) the object's label comes from the specified drug's row at the object's tokens;
    (2) each drug only looks after itself, so each pair is read once; (3) an object of 1-2
    tokens takes the label of its head (first) token; (4) a longer object takes a vote in
    which the head token counts 1.5 and the others 1. The score is the mean probability of
    the chosen label over the tokens that voted for it (the head token alone in rule 3).
    Labels "O" and "FALSE" both come out as "FALSE".

    symmetric (not in the paper): read each pair from both rows, the subject's row at the
    object's tokens and the object's row at the subject's tokens (the model is trained to
    label both), and take the label of the mean of the two distributions; a side's
    distribution is its head token's (1-2 tokens) or the 1.5/1-weighted mean over its tokens.
    """
    if len(drugs) < 2:
        return []
    n_labels = probs.shape[-1]
    best = probs.argmax(axis=-1)  # (n, T)
    out = []
    for i, (s_start, s_end) in enumerate(drugs):
        for j in range(i + 1, len(drugs)):
            o_start, o_end = drugs[j]
            if o_start < s_end:
                continue
            if symmetric:
                dist = (_side(probs[i, o_start:o_end]) + _side(probs[j, s_start:s_end])) / 2
                label = int(dist.argmax())
                name = labels[label]
                out.append((i, j, "FALSE" if name == "O" else name, float(dist[label])))
                continue
            if o_end - o_start <= 2:
                label = int(best[i, o_start])
                score = float(probs[i, o_start, label])
            else:
                weights = numpy.ones((o_end - o_start,))
                weights[0] = HEAD_WEIGHT
                votes = numpy.bincount(best[i, o_start:o_end], weights=weights, minlength=n_labels)
                label = int(votes.argmax())
                voters = best[i, o_start:o_end] == label
                score = float(probs[i, o_start:o_end, label][voters].mean())
            name = labels[label]
            out.append((i, j, "FALSE" if name == "O" else name, score))
    return out


def _side(token_probs: numpy.ndarray) -> numpy.ndarray:
    """A pair's label distribution read at one entity's tokens (n_tokens, n_labels)."""
    if len(token_probs) <= 2:
        return token_probs[0]
    weights = numpy.ones((len(token_probs),))
    weights[0] = HEAD_WEIGHT
    return (weights[:, None] * token_probs).sum(0) / weights.sum()
