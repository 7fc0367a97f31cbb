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
    """

    def __init__(self, width: int, hidden_width: int, n_labels: int, dropout: float):
        super().__init__()
        self.projection = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(width, hidden_width), nn.GELU()
        )
        self.conditional_layer_norm = ConditionalLayerNorm(hidden_width, hidden_width)
        self.dropout = nn.Dropout(dropout)
        self.biaffine = Biaffine(hidden_width, hidden_width, n_labels)

    def forward(
        self,
        tokens: torch.Tensor,
        row_segment: torch.Tensor,
        drug_start: torch.Tensor,
        drug_end: torch.Tensor,
    ) -> torch.Tensor:
        """tokens (S, T, W); row_segment, drug_start, drug_end (P,). Returns (P, T, n_labels)."""
        hidden = self.projection(tokens)  # (S, T, H)
        positions = torch.arange(tokens.shape[1], device=tokens.device).unsqueeze(0)
        in_drug = (positions >= drug_start.unsqueeze(1)) & (positions < drug_end.unsqueeze(1))
        in_drug = in_drug.to(hidden.dtype)  # (P, T)
        row_hidden = hidden[row_segment]  # (P, T, H)
        specified_drug = (in_drug.unsqueeze(2) * row_hidden).sum(1) / in_drug.sum(
            1, keepdim=True
        ).clamp(min=1.0)  # h_e, (P, H)
        normalized = self.conditional_layer_norm.normalize(hidden)[row_segment]
        conditioned = self.conditional_layer_norm(normalized, specified_drug)  # h_i^e
        return self.biaffine(self.dropout(specified_drug), self.dropout(conditioned))
