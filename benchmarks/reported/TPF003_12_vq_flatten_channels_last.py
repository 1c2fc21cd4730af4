"""Source: https://github.com/zalandoresearch/pytorch-vq-vae/issues/7
The reporter asked why the quantizer permutes BCHW -> BHWC before flattening; the flatten only works
because of the .contiguous() there - without it, view raises "view size is not compatible with input
tensor's size and stride".
Shape: the encoder output (B, C, H, W) is permuted to channels-last inside the quantizer's forward,
its shape saved for later, and flattened with .view(-1, embedding_dim) for the codebook distances.
Verified: raises RuntimeError: view size is not compatible with input tensor's size and stride ...; fixed runs
"""
import torch
import torch.nn as nn


class VectorQuantizer(nn.Module):
    def __init__(self, num_embeddings=10, embedding_dim=4, commitment_cost=0.25):
        super().__init__()
        self._embedding_dim = embedding_dim
        self._embedding = nn.Embedding(num_embeddings, embedding_dim)
        self._commitment_cost = commitment_cost

    def forward(self, inputs):
        inputs = inputs.permute(0, 2, 3, 1)
        input_shape = inputs.shape
        flat_input = inputs.view(-1, self._embedding_dim)  # expect: TPF003
        distances = torch.cdist(flat_input, self._embedding.weight)
        indices = distances.argmin(1)
        quantized = self._embedding(indices).view(input_shape)
        e_latent = (quantized.detach() - inputs).pow(2).mean()
        q_latent = (quantized - inputs.detach()).pow(2).mean()
        loss = q_latent + self._commitment_cost * e_latent
        quantized = inputs + (quantized - inputs).detach()
        return loss, quantized.permute(0, 3, 1, 2).contiguous()


def run():
    vq = VectorQuantizer()
    z = torch.randn(2, 4, 3, 3, requires_grad=True)
    loss, q = vq(z)
    (loss + q.sum()).backward()
    return q.shape
