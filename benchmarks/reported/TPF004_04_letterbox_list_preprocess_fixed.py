"""Source: https://github.com/MuhammadMoinFaisal/YOLOv8-DeepSORT-Object-Tracking/issues/57
The reporter's tracker crashed in preprocess at img = torch.from_numpy(img).to(self.model.device)
with "TypeError: expected np.ndarray (got list)"; the workaround in the thread indexes img[0].
Shape: preprocess receives a list of frames, letterboxes each one in a list comprehension, and hands
the resulting Python list of arrays to torch.from_numpy.
Verified: raises TypeError: expected np.ndarray (got list); fixed runs
"""
import numpy as np
import torch


def letterbox(frame, size=32):
    h, w = frame.shape[:2]
    canvas = np.full((size, size, 3), 114, dtype=np.uint8)
    canvas[: min(h, size), : min(w, size)] = frame[:size, :size]
    return canvas


class Predictor:
    def __init__(self, device="cpu", imgsz=32):
        self.device = torch.device(device)
        self.imgsz = imgsz

    def preprocess(self, im):
        img = np.stack([letterbox(x, self.imgsz) for x in im])
        img = torch.from_numpy(img).to(self.device)
        img = img.permute(0, 3, 1, 2).float() / 255.0
        return img


def run():
    frames = [np.random.randint(0, 255, (24, 30, 3), dtype=np.uint8) for _ in range(2)]
    return Predictor().preprocess(frames).shape
