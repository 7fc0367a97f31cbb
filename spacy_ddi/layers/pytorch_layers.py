"""Torch pieces shared by the heads: conditional layer norm and the biaffine scorer."""
import torch
from torch import nn


class ConditionalLayerNorm(nn.Module):
    """Layer norm whose gain and bias are generated from a condition vector (paper eq. 4-5)."""

    def __init__(self, width: int, cond_width: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Linear(cond_width, width)
        self.beta = nn.Linear(cond_width, width)
        # Start as a plain layer norm: gamma = 1, beta = 0 whatever the condition.
        nn.init.zeros_(self.gamma.weight)
        nn.init.ones_(self.gamma.bias)
        nn.init.zeros_(self.beta.weight)
        nn.init.zeros_(self.beta.bias)

    def forward(self, normalized: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        """normalized: (P, T, W), already layer-normalised; condition: (P, C)."""
        return normalized * self.gamma(condition).unsqueeze(1) + self.beta(condition).unsqueeze(1)

    def normalize(self, tokens: torch.Tensor) -> torch.Tensor:
        return nn.functional.layer_norm(tokens, tokens.shape[-1:], eps=self.eps)


class Biaffine(nn.Module):
    """s = h_e^T U h_i + W [h_e; h_i] + b (paper eq. 6), for every token of every row."""

    def __init__(self, left_width: int, right_width: int, n_labels: int):
        super().__init__()
        self.U = nn.Parameter(torch.zeros(n_labels, left_width, right_width))
        nn.init.xavier_uniform_(self.U)
        self.linear = nn.Linear(left_width + right_width, n_labels)

    def forward(self, left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
        """left: (P, L) one vector per row; right: (P, T, R). Returns (P, T, n_labels)."""
        left_u = torch.einsum("pl,nlr->pnr", left, self.U)
        bilinear = torch.einsum("pnr,ptr->ptn", left_u, right)
        linear = self.linear.weight[:, : left.shape[-1]] @ left.T  # (n, P)
        linear = linear.T.unsqueeze(1) + right @ self.linear.weight[:, left.shape[-1] :].T
        return bilinear + linear + self.linear.bias
