"""Torch module of drug_ner: a projection to BIO emission scores and a linear-chain CRF.

Every method takes segment ``lengths`` rather than a mask and makes each tensor it needs on
the device of its inputs, so the head runs wherever thinc put the module (CPU or GPU).
"""
import torch
from torch import nn
from torchcrf import CRF


def lengths_mask(lengths: torch.Tensor, width: int) -> torch.Tensor:
    """(S, width) bool mask, True at the first ``lengths[s]`` positions of row s."""
    return torch.arange(width, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)


class TorchCRFTagger(nn.Module):
    """Emission scores s_{i,y} for each token (paper eq. 2); the CRF holds the transitions A."""

    def __init__(self, width: int, hidden_width: int, n_tags: int, dropout: float, lexicon_width: int = 0):
        super().__init__()
        # the drug lexicon's BIO tag of each token (O, B, I) as a learned vector, when used
        self.lexicon = nn.Embedding(3, lexicon_width) if lexicon_width else None
        self.emissions = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(width + lexicon_width, hidden_width),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden_width, n_tags),
        )
        self.crf = CRF(n_tags, batch_first=True)

    def forward(self, tokens: torch.Tensor, lexicon_tags: torch.Tensor = None) -> torch.Tensor:
        """tokens: (S, T, W), lexicon_tags (S, T) int64 when the lexicon is used -> emissions (S, T, n_tags)."""
        if self.lexicon is not None:
            tokens = torch.cat([tokens, self.lexicon(lexicon_tags)], dim=-1)
        return self.emissions(tokens)

    def negative_log_likelihood(
        self, emissions: torch.Tensor, tags: torch.Tensor, lengths: torch.Tensor
    ) -> torch.Tensor:
        """Summed -log P(Y|X) (paper eq. 3) over the segments of the batch.

        emissions (S, T, C); tags (S, T) int64; lengths (S,) int64, each at least 1.
        pytorch-crf's ``CRF.forward`` computes the same (the CRF's parameters are its), but it
        asserts on tensor values, a host sync per call; this runs on the inputs' device alone.
        """
        mask = lengths_mask(lengths, emissions.shape[1])
        crf, maskf = self.crf, mask.to(emissions.dtype)
        # score of the gold path: start, emissions, transitions, end
        gold = crf.start_transitions[tags[:, 0]]
        gold = gold + (emissions.gather(2, tags.unsqueeze(2)).squeeze(2) * maskf).sum(1)
        gold = gold + (crf.transitions[tags[:, :-1], tags[:, 1:]] * maskf[:, 1:]).sum(1)
        gold = gold + crf.end_transitions[tags.gather(1, (lengths - 1).unsqueeze(1)).squeeze(1)]
        # log partition function by the forward algorithm
        alpha = crf.start_transitions + emissions[:, 0]  # (S, C)
        for t in range(1, emissions.shape[1]):
            step = torch.logsumexp(
                alpha.unsqueeze(2) + crf.transitions.unsqueeze(0) + emissions[:, t].unsqueeze(1), dim=1
            )
            alpha = torch.where(mask[:, t].unsqueeze(1), step, alpha)
        log_partition = torch.logsumexp(alpha + crf.end_transitions, dim=1)
        return (log_partition - gold).sum()

    @staticmethod
    def token_cross_entropy(
        emissions: torch.Tensor, tags: torch.Tensor, lengths: torch.Tensor
    ) -> torch.Tensor:
        """Summed per-token cross-entropy (the softmax decoder's loss, an ablation)."""
        mask = lengths_mask(lengths, emissions.shape[1]).to(emissions.dtype)
        per_token = nn.functional.cross_entropy(
            emissions.reshape(-1, emissions.shape[2]), tags.reshape(-1), reduction="none"
        )
        return (per_token * mask.reshape(-1)).sum()

    @staticmethod
    @torch.no_grad()
    def argmax_tags(emissions: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(S, T) best tag per token, 0 past each segment's end (the softmax decoder)."""
        return emissions.argmax(-1) * lengths_mask(lengths, emissions.shape[1]).long()

    @torch.no_grad()
    def viterbi(
        self, emissions: torch.Tensor, lengths: torch.Tensor, allowed: torch.Tensor,
        allowed_start: torch.Tensor,
    ) -> torch.Tensor:
        """Best tag sequence per segment using only transitions that ``allowed`` permits.

        emissions (S, T, C); lengths (S,) int64, each at least 1; allowed (C, C) bool;
        allowed_start (C,) bool. Returns (S, T) tags, 0 past each segment's end.
        """
        mask = lengths_mask(lengths, emissions.shape[1])
        neg = torch.finfo(emissions.dtype).min / 4
        trans = self.crf.transitions.masked_fill(~allowed, neg)
        score = self.crf.start_transitions.masked_fill(~allowed_start, neg) + emissions[:, 0]
        history = []
        keep = torch.arange(score.shape[1], device=emissions.device)
        for t in range(1, emissions.shape[1]):
            candidates = score.unsqueeze(2) + trans.unsqueeze(0)  # (S, C_prev, C)
            best, best_prev = candidates.max(dim=1)
            best = best + emissions[:, t]
            step = mask[:, t].unsqueeze(1)
            score = torch.where(step, best, score)
            history.append(torch.where(step, best_prev, keep.expand_as(best_prev)))
        score = score + self.crf.end_transitions
        last = score.argmax(dim=1)
        tags = [last]
        for best_prev in reversed(history):
            last = best_prev.gather(1, last.unsqueeze(1)).squeeze(1)
            tags.append(last)
        tags.reverse()
        return torch.stack(tags, dim=1) * mask.long()
