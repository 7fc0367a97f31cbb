"""Torch module of sentence_flags: mean-pooled sentence vector -> binary flags (paper eq. 8)."""
import torch
from torch import nn


class TorchSentenceFlags(nn.Module):
    def __init__(self, width: int, n_flags: int, dropout: float):
        super().__init__()
        self.n_flags = n_flags
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(width, n_flags * 2)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """tokens (S, T, W), lengths (S,) -> logits (S, n_flags, 2)."""
        mask = torch.arange(tokens.shape[1], device=tokens.device).unsqueeze(0) < lengths.unsqueeze(1)
        mask = mask.to(tokens.dtype).unsqueeze(2)
        pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1.0)  # h_s
        return self.output(self.dropout(pooled)).view(-1, self.n_flags, 2)
