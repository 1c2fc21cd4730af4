"""Source: https://github.com/PingoLH/FCHarDNet/issues/61
Running test.py (which folds BatchNorm into the preceding convolution) the reporter got
"RuntimeError: a view of a leaf Variable that requires grad is being used in an in-place operation" at
`cconv.weight[:,:,:,:] = W[:,:,:,:]`.
Shape: a fusing helper builds a fresh nn.Conv2d, computes the folded kernel and bias from the conv and BN
parameters, and slice-assigns them into the new layer's weight and bias (Parameters) outside no_grad;
the helper is applied to every (conv, bn) pair of a Sequential.
Verified: raises RuntimeError: a leaf Variable that requires grad is being used in an in-place operation. (torch 2.13.0+cpu, _checks/check_tpf006.py); fixed runs
"""
import torch
import torch.nn as nn


def fuse_conv_bn(conv, bn):
    cconv = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                      stride=conv.stride, padding=conv.padding, bias=True)
    std = torch.sqrt(bn.running_var + bn.eps)
    scale = bn.weight / std
    W = conv.weight * scale.view(-1, 1, 1, 1)
    conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    b = (conv_bias - bn.running_mean) * scale + bn.bias
    cconv.weight[:, :, :, :] = W[:, :, :, :]  # expect: TPF006
    cconv.bias[:] = b[:]  # expect: TPF006
    return cconv


def fuse_sequential(seq):
    layers = list(seq.children())
    fused = []
    i = 0
    while i < len(layers):
        if isinstance(layers[i], nn.Conv2d) and i + 1 < len(layers) and isinstance(layers[i + 1], nn.BatchNorm2d):
            fused.append(fuse_conv_bn(layers[i], layers[i + 1]))
            i += 2
        else:
            fused.append(layers[i])
            i += 1
    return nn.Sequential(*fused)


def build_and_fuse():
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
    net.eval()
    return fuse_sequential(net)
