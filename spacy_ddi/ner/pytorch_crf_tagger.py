"""Torch module of drug_ner: a projection to BIO emission scores and a linear-chain CRF."""
import torch
from torch import nn
from torchcrf import CRF


class TorchCRFTagger(nn.Module):
    """Emission scores s_{i,y} for each token (paper eq. 2); the CRF holds the transitions A."""

    def __init__(self, width: int, hidden_width: int, n_tags: int, dropout: float):
        super().__init__()
        self.emissions = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(width, hidden_width),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden_width, n_tags),
        )
        self.crf = CRF(n_tags, batch_first=True)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens: (S, T, W) -> emissions (S, T, n_tags)."""
        return self.emissions(tokens)

    def negative_log_likelihood(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Summed -log P(Y|X) (paper eq. 3) over the segments of the batch."""
        return -self.crf(emissions, tags, mask=mask, reduction="sum")

    @torch.no_grad()
    def viterbi(
        self, emissions: torch.Tensor, mask: torch.Tensor, allowed: torch.Tensor,
        allowed_start: torch.Tensor,
    ) -> torch.Tensor:
        """Best tag sequence per segment using only transitions that ``allowed`` permits.

        emissions (S, T, C); mask (S, T) bool with every row starting True; allowed (C, C)
        bool; allowed_start (C,) bool. Returns (S, T) tags, 0 where masked.
        """
        neg = torch.finfo(emissions.dtype).min / 4
        trans = self.crf.transitions.masked_fill(~allowed, neg)
        score = self.crf.start_transitions.masked_fill(~allowed_start, neg) + emissions[:, 0]
        history = []
        for t in range(1, emissions.shape[1]):
            candidates = score.unsqueeze(2) + trans.unsqueeze(0)  # (S, C_prev, C)
            best, best_prev = candidates.max(dim=1)
            best = best + emissions[:, t]
            step = mask[:, t].unsqueeze(1)
            score = torch.where(step, best, score)
            history.append(torch.where(step, best_prev, torch.arange(score.shape[1]).expand_as(best_prev)))
        score = score + self.crf.end_transitions
        last = score.argmax(dim=1)
        tags = [last]
        for best_prev in reversed(history):
            last = best_prev.gather(1, last.unsqueeze(1)).squeeze(1)
            tags.append(last)
        tags.reverse()
        return torch.stack(tags, dim=1) * mask.long()
