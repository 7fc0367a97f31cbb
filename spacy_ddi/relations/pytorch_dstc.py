"""Torch module of dstc_relations: drug-specified token classification (paper eq. 4-6)."""
import torch
from torch import nn

from ..layers.pytorch_layers import Biaffine, ConditionalLayerNorm


class TorchDSTC(nn.Module):
    """Label every token of a sentence relative to one specified drug.

    For each row p = (sentence s, specified drug e spanning tokens [start, end)):
    h_e is the mean of e's token vectors; each token h_i of s is layer-normalised with gain and
    bias generated from h_e (CLN), and a biaffine scorer over (h_e, h_i^e) gives its label scores.
    All rows of a batch are scored in one batched computation.

    Two optional additions to the paper's design (both off by default, so the module is the
    paper's): ``relative_positions`` = K > 0 adds to h_i^e a learned embedding of token i's
    signed distance to e (clipped to [-K, K]); ``context_pooling`` adds a projection of the
    mean of the tokens strictly between e and i (the words that usually state the interaction).
    Both cost O(rows x tokens x width), like the CLN itself.
    """

    def __init__(
        self,
        width: int,
        hidden_width: int,
        n_labels: int,
        dropout: float,
        relative_positions: int = 0,
        context_pooling: bool = False,
        n_entity_types: int = 0,
    ):
        super().__init__()
        # entity types (0: none): of each token's drug and of the specified drug, when used
        if n_entity_types:
            self.token_type_embedding = nn.Embedding(n_entity_types, hidden_width)
            self.drug_type_embedding = nn.Embedding(n_entity_types, hidden_width)
            nn.init.normal_(self.token_type_embedding.weight, std=0.02)
            nn.init.normal_(self.drug_type_embedding.weight, std=0.02)
        self.n_entity_types = n_entity_types
        self.projection = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(width, hidden_width), nn.GELU()
        )
        self.conditional_layer_norm = ConditionalLayerNorm(hidden_width, hidden_width)
        self.dropout = nn.Dropout(dropout)
        self.biaffine = Biaffine(hidden_width, hidden_width, n_labels)
        self.max_distance = relative_positions
        if relative_positions > 0:
            self.distance_embedding = nn.Embedding(2 * relative_positions + 1, hidden_width)
            nn.init.normal_(self.distance_embedding.weight, std=0.02)
        self.context = nn.Linear(hidden_width, hidden_width) if context_pooling else None

    def forward(
        self,
        tokens: torch.Tensor,
        row_segment: torch.Tensor,
        drug_start: torch.Tensor,
        drug_end: torch.Tensor,
        positions: torch.Tensor = None,
        token_types: torch.Tensor = None,
        row_types: torch.Tensor = None,
    ) -> torch.Tensor:
        """tokens (S, T, W); row_segment, drug_start, drug_end (P,). Returns (P, T, n_labels).

        positions (P, K), optional: score only these tokens of each row's segment and return
        (P, K, n_labels). A token's scores depend only on itself, the specified drug and the
        tokens between them, so they equal the full computation's at those tokens; prediction
        uses this for the other drugs' tokens, the only ones extraction reads.
        token_types (S, T), row_types (P,): entity type ids, for a module with entity types.
        """
        hidden = self.projection(tokens)  # (S, T, H)
        start, end = drug_start.unsqueeze(1), drug_end.unsqueeze(1)  # (P, 1)
        cumulative = None
        if positions is None:
            positions = torch.arange(tokens.shape[1], device=tokens.device).unsqueeze(0)
            in_drug = ((positions >= start) & (positions < end)).to(hidden.dtype)  # (P, T)
            specified_drug = (in_drug.unsqueeze(2) * hidden[row_segment]).sum(1) / in_drug.sum(
                1, keepdim=True
            ).clamp(min=1.0)  # h_e, (P, H)
            normalized = self.conditional_layer_norm.normalize(hidden)[row_segment]
        else:
            # h_e from running sums (the context pooling reuses them): no (P, T, H) tensor
            cumulative = running_sums(hidden)
            total = cumulative[row_segment, drug_end] - cumulative[row_segment, drug_start]
            specified_drug = total / (drug_end - drug_start).clamp(min=1).unsqueeze(1).to(hidden.dtype)
            normalized = self.conditional_layer_norm.normalize(hidden)[row_segment.unsqueeze(1), positions]
        conditioned = self.conditional_layer_norm(normalized, specified_drug)  # h_i^e
        if self.max_distance > 0:
            # 0 inside e, -1 for the token just before it, +1 for the token just after it.
            distance = torch.where(
                positions < start, positions - start,
                torch.where(positions >= end, positions - end + 1, torch.zeros_like(positions)),
            ).clamp(-self.max_distance, self.max_distance)
            conditioned = conditioned + self.distance_embedding(distance + self.max_distance)
        if self.context is not None:
            conditioned = conditioned + self.context(
                between_means(hidden, row_segment, drug_start, drug_end, positions, cumulative)
            )
        if self.n_entity_types:
            chosen = token_types[row_segment.unsqueeze(1), positions]  # (P, K)
            conditioned = (
                conditioned + self.token_type_embedding(chosen)
                + self.drug_type_embedding(row_types).unsqueeze(1)
            )
        return self.biaffine(self.dropout(specified_drug), self.dropout(conditioned))


def running_sums(hidden: torch.Tensor) -> torch.Tensor:
    """(S, T + 1, H): [s, k] is the sum of tokens [0, k) of segment s."""
    return torch.cat([hidden.new_zeros(hidden.shape[0], 1, hidden.shape[2]), hidden.cumsum(1)], 1)


def between_means(
    hidden: torch.Tensor, row_segment: torch.Tensor, drug_start: torch.Tensor, drug_end: torch.Tensor,
    positions: torch.Tensor = None, cumulative: torch.Tensor = None,
) -> torch.Tensor:
    """(P, T, H): for row p and token i, the mean of the tokens strictly between drug p and i
    (zeros when there are none, e.g. for adjacent tokens or tokens inside the drug); with
    ``positions`` (P, K) or (1, K), only at those tokens: (P, K, H). ``cumulative``: the
    :func:`running_sums` of ``hidden``, when the caller has them."""
    width = hidden.shape[1]
    if cumulative is None:
        cumulative = running_sums(hidden)
    if positions is None:
        positions = torch.arange(width, device=hidden.device).unsqueeze(0)  # (1, T)
    start, end = drug_start.unsqueeze(1), drug_end.unsqueeze(1)
    positions = positions.expand(len(row_segment), -1)  # (P, K)
    after = positions >= end
    # after the drug: tokens [end, i); before it: tokens [i + 1, start)
    low = torch.where(after, end.expand_as(positions), (positions + 1).clamp(max=width))
    high = torch.where(after, positions, start.expand_as(positions))
    count = (high - low).clamp(min=0)
    high = torch.maximum(high, low)
    row = row_segment.unsqueeze(1)
    total = cumulative[row, high] - cumulative[row, low]  # (P, K, H)
    return total / count.clamp(min=1).unsqueeze(2).to(hidden.dtype)
