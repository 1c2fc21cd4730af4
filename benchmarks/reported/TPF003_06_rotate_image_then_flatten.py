"""Source: https://www.marioraach.de/en/blog/pytorch-transpose-view
The post's 2x4 gradient image is rotated with transpose(0, 1) and then flattened with .view(1, 8)
for a classifier, which raises "view size is not compatible with input tensor's size and stride".
Shape: a preprocessing function rotates the image, stores it on the sample dict, and the model
wrapper later flattens sample["image"] with .view(1, -1) before the linear layer.
Verified: raises RuntimeError: view size is not compatible with input tensor's size and stride ...; fixed runs
"""
import torch
import torch.nn as nn


def preprocess(image):
    sample = {"orig_shape": tuple(image.shape)}
    sample["image"] = image.transpose(0, 1)  # rotate by 90 degrees (plus a flip)
    return sample


class PixelClassifier(nn.Module):
    def __init__(self, num_pixels=8, num_classes=3):
        super().__init__()
        self.fc = nn.Linear(num_pixels, num_classes)

    def forward(self, sample):
        img = sample["image"]
        flat = img.view(1, -1)  # expect: TPF003
        return self.fc(flat)


def run():
    image = torch.arange(8, dtype=torch.float32).view(2, 4) / 7.0
    model = PixelClassifier()
    with torch.no_grad():
        return model(preprocess(image))
