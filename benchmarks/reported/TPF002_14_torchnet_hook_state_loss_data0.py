"""Source: https://github.com/zhougr1993/Rocket-Launching/issues/7
What went wrong: `engine.train(h, train_loader, opt.epochs, optimizer)` died inside torchnet's
`optimizer.step(closure)` -> `hook('on_forward', state)` at `meter_loss.add(state['loss'].data[0])` with
"IndexError: invalid index of a 0-dim tensor. Use tensor.item() to convert a 0-dim tensor to a Python
number".
Shape: the loss never appears as a local name: torchnet's Engine stores the network function's loss in
the `state` dict and calls the user's `on_forward` hook from inside the optimiser closure (autograd
live, before `backward()`); the hook reads `state['loss'].data[0]` into a meter.
Verified: by reading (torchnet not installed)
"""
import torch
import torch.nn.functional as F
import torchnet as tnt
from torchnet.engine import Engine


def make_hooks(meter_loss, classerr):
    def on_sample(state):
        state["sample"] = (state["sample"][0], state["sample"][1], state["train"])

    def on_forward(state):
        classerr.add(state["output"].detach(), state["sample"][1])
        meter_loss.add(state["loss"].data[0])  # expect: TPF002

    def on_start_epoch(state):
        meter_loss.reset()
        classerr.reset()

    return on_sample, on_forward, on_start_epoch


def run(model, train_loader, epochs, lr=0.1):
    meter_loss = tnt.meter.AverageValueMeter()
    classerr = tnt.meter.ClassErrorMeter(accuracy=True)
    engine = Engine()

    def h(sample):
        inputs, targets, training = sample
        model.train(training)
        output = model(inputs)
        return F.cross_entropy(output, targets), output

    on_sample, on_forward, on_start_epoch = make_hooks(meter_loss, classerr)
    engine.hooks["on_sample"] = on_sample
    engine.hooks["on_forward"] = on_forward
    engine.hooks["on_start_epoch"] = on_start_epoch
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    engine.train(h, train_loader, epochs, optimizer)
    return meter_loss.value()[0], classerr.value()[0]
