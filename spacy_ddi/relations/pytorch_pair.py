"""Torch module of pair_relations: the pipelined baseline's entity-pair classifier."""
import torch
from torch import nn


class TorchPairClassifier(nn.Module):
    """Label every (subject, object) entity pair of a sentence with one interaction type.

    The usual design of a spaCy relation component, kept here as the baseline for DSTC: for
    pair p = (sentence s, subject [s_start, s_end), object [o_start, o_end)), with h the
    projected token vectors of s, the pair is represented by
    [h_subj; h_obj; h_subj * h_obj; mean of the tokens strictly between them (zeros if none);
    embedding of their token distance, clipped to ``max_distance``], where h_subj and h_obj
    are their mean token vectors, and an MLP scores it. Span means come from cumulative sums
    over the sentence, so all pairs of a batch cost O(pairs x width), not O(pairs x tokens).
    """

    def __init__(
        self, width: int, hidden_width: int, n_labels: int, dropout: float, max_distance: int
    ):
        super().__init__()
        self.projection = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(width, hidden_width), nn.GELU()
        )
        self.max_distance = max_distance
        self.distance_embedding = nn.Embedding(max_distance + 1, hidden_width)
        nn.init.normal_(self.distance_embedding.weight, std=0.02)
        self.classifier = nn.Sequential(
            nn.Linear(5 * hidden_width, hidden_width),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden_width, n_labels),
        )

    def forward(
        self,
        tokens: torch.Tensor,
        pair_segment: torch.Tensor,
        subject_start: torch.Tensor,
        subject_end: torch.Tensor,
        object_start: torch.Tensor,
        object_end: torch.Tensor,
    ) -> torch.Tensor:
        """tokens (S, T, W); the other arguments (P,), token offsets within the segment.
        Returns the label scores (P, n_labels)."""
        hidden = self.projection(tokens)  # (S, T, H)
        n_segments, _, size = hidden.shape
        cumulative = torch.cat([hidden.new_zeros(n_segments, 1, size), hidden.cumsum(1)], 1)
        subject = span_means(cumulative, pair_segment, subject_start, subject_end)
        obj = span_means(cumulative, pair_segment, object_start, object_end)
        between = span_means(cumulative, pair_segment, subject_end, object_start)
        distance = (object_start - subject_end).clamp(0, self.max_distance)
        pair = torch.cat(
            [subject, obj, subject * obj, between, self.distance_embedding(distance)], dim=-1
        )
        return self.classifier(pair)


def span_means(
    cumulative: torch.Tensor, segment: torch.Tensor, start: torch.Tensor, end: torch.Tensor
) -> torch.Tensor:
    """(P, H): the mean of tokens [start, end) of each pair's segment, zeros for an empty span.

    ``cumulative`` (S, T + 1, H) holds at [s, k] the sum of tokens [0, k) of segment s.
    """
    total = cumulative[segment, end] - cumulative[segment, start]
    return total / (end - start).clamp(min=1).unsqueeze(1).to(total.dtype)
