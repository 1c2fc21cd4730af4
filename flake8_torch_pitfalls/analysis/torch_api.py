"""The library model's tables: what the analysis knows of the torch, numpy and stdlib APIs, by qualified name.

The behaviour that reads them (what a call or a method returns) is in library.py.
"""

from __future__ import annotations

import re

# dtype objects by qualified name -> canonical dtype name.
_TORCH_DTYPES = {
    "float32": "float32", "float": "float32", "float64": "float64", "double": "float64",
    "float16": "float16", "half": "float16", "bfloat16": "bfloat16",
    "int64": "int64", "long": "int64", "int32": "int32", "int": "int32", "int16": "int16",
    "short": "int16", "int8": "int8", "uint8": "uint8", "bool": "bool",
    "complex64": "complex64", "cfloat": "complex64", "complex128": "complex128", "cdouble": "complex128",
}
DTYPES: dict[str, str] = {f"torch.{k}": v for k, v in _TORCH_DTYPES.items()}
DTYPES.update({
    f"numpy.{k}": v for k, v in {
        "float32": "float32", "single": "float32", "float64": "float64", "double": "float64",
        "float16": "float16", "half": "float16", "int64": "int64", "int32": "int32", "int16": "int16",
        "int8": "int8", "uint8": "uint8", "bool_": "bool",
    }.items()
})
DTYPE_STRINGS = {"float32": "float32", "float64": "float64", "float16": "float16", "double": "float64",
                 "float": "float64", "int64": "int64", "int32": "int32", "uint8": "uint8"}

#: Any other torch dtype attribute (new float8/float4 and quantized dtypes appear every release).
OTHER_TORCH_DTYPE = re.compile(r"torch\.(?:float|int|uint|bfloat|complex|bool|qint|quint|bits)\w*")

#: Legacy typed-tensor constructors.
TYPED_TENSORS = {
    "torch.FloatTensor": "float32", "torch.DoubleTensor": "float64", "torch.HalfTensor": "float16",
    "torch.LongTensor": "int64", "torch.IntTensor": "int32", "torch.BoolTensor": "bool",
    "torch.ByteTensor": "uint8", "torch.Tensor": "float32",
}

#: Tensor methods that convert dtype.
DTYPE_METHODS = {
    "float": "float32", "double": "float64", "half": "float16", "bfloat16": "bfloat16",
    "long": "int64", "int": "int32", "short": "int16", "bool": "bool", "byte": "uint8", "char": "int8",
}

FLOAT_DEFAULT = "float32"
#: The floating dtypes a module conversion (`.double()`, `.half()`, `.to(dtype)`) changes.
FLOAT_DTYPES = frozenset({"float16", "bfloat16", "float32", "float64"})

#: Factories whose default dtype is the default float dtype.
FLOAT_FACTORIES = frozenset(
    f"torch.{n}" for n in (
        "randn", "rand", "zeros", "ones", "empty", "eye", "linspace", "logspace", "normal",
        "rand_like", "randn_like",
    )
)
#: Factories whose result takes the dtype of their first tensor argument.
LIKE_FACTORIES = frozenset(f"torch.{n}" for n in ("zeros_like", "ones_like", "empty_like", "full_like"))
INT_FACTORIES = frozenset({"torch.randint", "torch.randperm", "torch.randint_like"})
#: Index-valued reductions: their int64 results can never require grad.
INDEX_OPS = frozenset({"argmax", "argmin", "argsort", "argwhere", "nonzero", "bucketize", "searchsorted"})
#: dtypes whose tensors can never require grad (autograd needs floating point or complex).
NON_DIFFERENTIABLE_DTYPES = frozenset({"int64", "int32", "int16", "int8", "uint8", "bool"})
OTHER_FACTORIES = frozenset(
    {"torch.tensor", "torch.as_tensor", "torch.arange", "torch.full", "torch.from_numpy",
     "torch.stack", "torch.cat", "torch.concat", "torch.where", "torch.bernoulli", "torch.multinomial"}
)

#: torch.nn.functional loss functions (exact names, never a suffix match).
FUNCTIONAL_LOSSES = frozenset(
    f"torch.nn.functional.{n}" for n in (
        "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
        "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "ctc_loss",
        "poisson_nll_loss", "gaussian_nll_loss", "hinge_embedding_loss", "margin_ranking_loss",
        "multilabel_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss",
        "soft_margin_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
        "cosine_embedding_loss",
    )
)

#: torch.nn loss module classes.
LOSS_MODULES = frozenset(
    f"torch.nn.{n}" for n in (
        "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss",
        "BCEWithLogitsLoss", "KLDivLoss", "CTCLoss", "PoissonNLLLoss", "GaussianNLLLoss",
        "HingeEmbeddingLoss", "MarginRankingLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss",
        "MultiMarginLoss", "SoftMarginLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
        "CosineEmbeddingLoss",
    )
)

#: torch.nn names that are not module classes.
NN_NON_MODULES = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter", "torch.nn.Module"})

#: Context managers and decorators that disable autograd.
NO_GRAD = frozenset({"torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad",
                     "torch.autograd.grad_mode.no_grad", "torch.autograd.grad_mode.inference_mode"})
ENABLE_GRAD = frozenset({"torch.enable_grad", "torch.autograd.enable_grad"})
SET_GRAD_ENABLED = frozenset({"torch.set_grad_enabled", "torch.autograd.set_grad_enabled"})
AUTOCAST = frozenset({"torch.autocast", "torch.amp.autocast", "torch.cuda.amp.autocast",
                      "torch.cpu.amp.autocast", "torch.amp.autocast_mode.autocast"})
#: PyTorch Lightning runs these hooks with gradients disabled.
NO_GRAD_HOOKS = frozenset({"validation_step", "test_step", "predict_step"})
#: Metric frameworks that run a metric's `update()` with gradients disabled: torchmetrics wraps it in
#: `torch.set_grad_enabled(False)`, ignite calls it from a `@torch.no_grad()` `iteration_completed`.
METRIC_PACKAGES = ("torchmetrics.", "ignite.metrics.")


def is_metric_update(method: str) -> bool:
    """`update`, and the `_update...` helpers it delegates to."""
    return method == "update" or method.startswith("_update")


#: Matrix products whose operands must share one dtype, with the positions of those operands.
MATRIX_PRODUCTS: dict[str, tuple[int, ...]] = {
    "torch.mm": (0, 1), "torch.matmul": (0, 1), "torch.bmm": (0, 1), "torch.mv": (0, 1),
    "torch.dot": (0, 1), "torch.inner": (0, 1), "torch.addmm": (1, 2), "torch.addbmm": (1, 2),
    "torch.baddbmm": (1, 2), "torch.addmv": (1, 2), "torch.nn.functional.linear": (0, 1),
}
MATRIX_METHODS = frozenset({"mm", "matmul", "bmm", "mv", "dot", "inner"})

#: Ops that rearrange dimensions without copying (the result is usually not contiguous).
TRANSPOSING_METHODS = frozenset({"transpose", "permute", "t", "swapaxes", "swapdims", "movedim", "moveaxis"})
TRANSPOSING_ATTRS = frozenset({"T", "mT", "H", "mH"})
TRANSPOSING_FUNCTIONS = frozenset(f"torch.{n}" for n in TRANSPOSING_METHODS)

#: Methods that return a view or a same-dtype tensor (dtype flows through).
DTYPE_KEEPING_METHODS = frozenset({
    "view", "reshape", "t", "transpose", "permute", "contiguous", "clone", "detach", "squeeze",
    "unsqueeze", "flatten", "expand", "expand_as", "repeat", "narrow", "select", "cpu", "cuda",
    "swapaxes", "swapdims", "movedim", "moveaxis", "view_as", "reshape_as", "flip", "roll",
    "abs", "neg", "exp", "log", "sqrt", "relu", "sigmoid", "tanh", "softmax", "log_softmax",
    "sum", "mean", "pin_memory", "requires_grad_", "unflatten", "index_select", "gather", "masked_select",
    "take", "repeat_interleave", "tile", "tril", "triu", "diagonal", "diag", "masked_fill", "index_fill",
    "scatter", "sin", "cos", "cumsum", "floor", "ceil", "round", "trunc",
})
#: Of DTYPE_KEEPING_METHODS, the ones whose result is floating whatever the input (an integer input gives
#: float32, or an error), and those that accumulate integers and bools in int64.
FLOAT_RESULTS = frozenset({"exp", "log", "sqrt", "tanh", "sigmoid", "softmax", "log_softmax", "sin", "cos", "mean"})
INT64_ACCUMULATING = frozenset({"sum", "cumsum"})


def kept_dtype(name: str, dtype: str | None) -> str | None:
    """The dtype of `x.<name>()` (or `torch.<name>(x)`) for an input of `dtype`, for a dtype-keeping op."""
    if dtype is None or dtype in FLOAT_DTYPES:
        return dtype
    if name in FLOAT_RESULTS:
        return None
    return "int64" if name in INT64_ACCUMULATING else dtype


#: `torch.nn.functional` activations and the like: a result of their input's dtype (a floating one; of
#: an integer one, only `relu` and `pad`).
DTYPE_KEEPING_FUNCTIONALS = frozenset({
    "relu", "relu6", "gelu", "silu", "mish", "elu", "selu", "celu", "leaky_relu", "hardtanh", "softplus",
    "tanh", "sigmoid", "softmax", "log_softmax", "dropout", "normalize", "pad", "hardswish", "glu",
})
#: Of those, the ones computed element by element: like ELEMENTWISE methods, their result keeps the
#: layout of a transposed input (softmax, normalize, pad and glu give a new layout).
LAYOUT_KEEPING_FUNCTIONALS = DTYPE_KEEPING_FUNCTIONALS - {"softmax", "log_softmax", "normalize", "pad", "glu"}
#: Functionals that give a channels_last result for a channels_last input and a contiguous one otherwise
#: (`F.interpolate` of `x.permute(0, 3, 1, 2)`, checked on CPU with torch 2.13).
CHANNELS_LAST_KEEPING_FUNCTIONALS = frozenset({
    "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "conv2d", "conv3d", "max_pool2d",
    "max_pool3d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "batch_norm",
    "group_norm", "pad",
})
#: The storage order of a channels_last (4-d) or channels_last_3d (5-d) tensor, as `Layout.perm`.
CHANNELS_LAST_PERMS = frozenset({(0, 3, 1, 2), (0, 4, 1, 2, 3)})
#: Functionals whose result keeps its input's channels (the others are convolutions).
CHANNEL_KEEPING = CHANNELS_LAST_KEEPING_FUNCTIONALS - {"conv2d", "conv3d"}
#: Methods that only exist on tensors (evidence that a receiver of `.data` is a tensor). Names other
#: types share (`tolist` on memoryview, `float` on datasets' tensors behind unknown objects) are
#: deliberately absent; `clone` is in (a storage's `.data.clone()` is rare, a parameter's common).
TENSOR_ONLY_METHODS = frozenset({
    "cpu", "cuda", "numpy", "detach", "numel", "zero_", "fill_", "copy_", "normal_", "uniform_", "clamp_", "clone",
    "add_", "sub_", "mul_", "div_", "masked_fill_", "index_select", "unsqueeze", "resize_", "set_", "lerp_",
    "addcmul_", "addcdiv_", "max", "min", "argmax", "argmin", "topk",
})
#: Tensor attributes whose value is a tensor; any other attribute (`shape`, `dtype`, a DTensor's
#: `placements`) only describes the tensor.
TENSOR_ATTRIBUTES = frozenset({"T", "mT", "H", "mH", "real", "imag", "grad", "data"})
#: Tensor methods that only describe the tensor (sizes, dtype, device, storage address).
METADATA_METHODS = frozenset({
    "size", "dim", "numel", "nelement", "ndimension", "stride", "storage_offset", "data_ptr",
    "element_size", "is_contiguous", "is_floating_point", "is_complex", "get_device",
})
#: Factories that read only the size, dtype and device of their tensor argument.
METADATA_FACTORIES = LIKE_FACTORIES | frozenset(
    f"torch.{n}" for n in ("rand_like", "randn_like", "randint_like"))
#: Trailing-underscore methods that are not in-place updates of the tensor's values.
NOT_INPLACE = frozenset({"requires_grad_", "share_memory_", "retain_grad_", "detach_", "record_stream_"})

#: numpy makers whose default dtype is float64.
NUMPY_FLOAT64_MAKERS = frozenset(
    f"numpy.{n}" for n in (
        "random.rand", "random.randn", "random.random", "random.normal", "random.uniform",
        "random.standard_normal", "random.random_sample", "random.sample", "zeros", "ones", "empty",
        "linspace", "eye", "identity", "logspace",
    )
)
#: numpy callables whose result is an ndarray (dtype read from arguments where possible).
NUMPY_ARRAY_MAKERS = frozenset(
    f"numpy.{n}" for n in ("array", "asarray", "ascontiguousarray", "frombuffer", "fromfile", "load",
                           "loadtxt", "genfromtxt", "stack", "concatenate", "arange", "full", "zeros_like",
                           "ones_like", "empty_like", "copy")
)

BUILTIN_NAMES = frozenset({
    "list", "tuple", "set", "dict", "range", "str", "bytes", "bytearray", "float", "int", "len", "sum",
    "abs", "min", "max", "round", "isinstance", "type", "print", "enumerate", "zip", "sorted", "reversed", "bool",
})

#: Callables whose result is a PackedSequence: its `.data` is a field of a named tuple, never a tensor's `.data`.
PACKED_SEQUENCE_MAKERS = frozenset(f"torch.nn.utils.rnn.{n}" for n in (
    "pack_padded_sequence", "pack_sequence", "PackedSequence"))

#: Classes an `isinstance` test narrows a name to a tensor by.
TENSOR_CLASSES = frozenset({"torch.Tensor", "torch.nn.Parameter", "torch.nn.parameter.Parameter"})

#: `torch.nn` layers (by class name) whose subclasses own `self.weight` and `self.bias` parameters.
PARAMETERISED_LAYERS = frozenset((
    "Linear", "Bilinear", "LazyLinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
    "ConvTranspose3d", "Embedding", "EmbeddingBag", "LayerNorm", "GroupNorm", "BatchNorm1d", "BatchNorm2d",
    "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "RMSNorm", "PReLU"))
#: The parameters each of those registers (as None too, when built without them: `bias=False`).
LAYER_PARAMETERS = {layer: ("weight",) if layer in ("Embedding", "EmbeddingBag", "RMSNorm", "PReLU")
                    else ("weight", "bias") for layer in PARAMETERISED_LAYERS}

#: `torch.nn` layers (by class name) whose input meets their floating-point weights in a matrix product or a
#: convolution: an input of another dtype raises (`mat1 and mat2 must have the same dtype`). Not `Embedding`,
#: which takes integer indices.
DENSE_LAYERS = frozenset((
    "Linear", "Bilinear", "LazyLinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
    "ConvTranspose3d", "LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell", "MultiheadAttention",
    "TransformerEncoder", "TransformerDecoder", "Transformer", "TransformerEncoderLayer", "TransformerDecoderLayer"))


def nn_layer(qualname: str | None) -> str | None:
    """The class name of a `torch.nn` layer (`Linear` for `torch.nn.Linear`, `torch.nn.modules.linear.Linear`)."""
    if qualname is None or not qualname.startswith("torch.nn."):
        return None
    return qualname.rsplit(".", 1)[-1]


#: Layers whose input is an index into their weight, not an operand of a product.
EMBEDDING_LAYERS = frozenset({"Embedding", "EmbeddingBag"})

#: Elementwise methods (and `torch.` functions): their result is laid out like their input (TensorIterator
#: keeps a transposed input's strides), so it is as non-contiguous as the tensor they are called on.
ELEMENTWISE = frozenset({
    "eq", "ne", "gt", "lt", "ge", "le", "abs", "neg", "exp", "log", "sqrt", "rsqrt", "relu", "sigmoid", "tanh",
    "sin", "cos", "square", "pow", "mul", "add", "sub", "div", "clamp", "clip", "logical_not", "logical_and",
    "logical_or", "sign", "floor", "ceil", "round", "reciprocal", "masked_fill", "where", "isnan", "isinf",
    "float", "double", "half", "long", "int", "bool", "bfloat16", "type_as", "to",
})
#: Of those, the ones whose result is boolean.
COMPARISONS = frozenset({"eq", "ne", "gt", "lt", "ge", "le", "logical_not", "logical_and", "logical_or",
                         "isnan", "isinf"})

#: A function or class named for a loss (`compute_loss`, `FocalLoss`, `criterion`).
LOSS_NAME = re.compile(r"loss|criterion", re.IGNORECASE)

#: Methods and functions that give a tensor of a chosen dtype (what a module's `forward` may do to its input).
DTYPE_CONVERTERS = frozenset({"float", "double", "half", "bfloat16", "long", "int", "to", "type", "type_as",
                              "tensor", "as_tensor", "from_numpy", "FloatTensor", "Tensor"})

#: `nn.Module` methods no tensor, optimizer or container has: an object they are called on with no argument
#: but a flag is a model (of unknown class, dtype and parameters); a trainer's `train(data)` or a tree's
#: `children(node)` is another method.
MODULE_ONLY_METHODS = frozenset({"train", "eval", "parameters", "named_parameters", "modules", "named_modules",
                                 "children", "named_children", "buffers", "named_buffers"})
#: Methods that run a model on their input (besides calling the module itself).
MODEL_METHODS = frozenset({"forward", "encode", "decode", "generate", "predict", "embed", "infer"})

#: Methods of torch's own objects (modules, optimizers, tensors, schedulers, loggers): a call of one on an
#: object of unknown class is not read as the file's own method of the same name.
LIBRARY_METHOD_NAMES = frozenset({
    "train", "eval", "step", "forward", "zero_grad", "parameters", "named_parameters", "state_dict",
    "load_state_dict", "to", "cuda", "cpu", "apply", "modules", "children", "update", "backward", "item", "add",
    "append", "extend", "get", "items", "values", "keys", "log", "reset", "compute", "save", "load", "run",
    "close", "write", "read", "format", "copy", "clone", "detach", "sum", "mean", "view", "reshape", "size",
    "numpy", "tolist", "float", "double", "half", "long", "int", "type", "__call__", "__init__", "predict",
    "fit", "transform", "sample", "register_buffer", "register_parameter", "requires_grad_", "encode", "decode",
})

#: `torch.nn` classes that wrap the module they are given: their parameters are that module's.
MODULE_WRAPPERS = frozenset({"DataParallel", "DistributedDataParallel", "FullyShardedDataParallel", "ModuleList",
                             "ModuleDict", "Sequential"})

#: Module methods that convert every parameter to one dtype, and the dtype.
MODULE_DTYPE_METHODS = {"float": "float32", "double": "float64", "half": "float16", "bfloat16": "bfloat16"}

#: Base classes that make a class an `nn.Module` (besides any capitalised `torch.nn.` class).
MODULE_BASES = frozenset({"torch.nn.Module", "torch.nn.modules.module.Module", "pytorch_lightning.LightningModule",
                          "lightning.LightningModule", "lightning.pytorch.LightningModule"})


#: Methods whose result has no autograd history and whose receiver no graph saves.
GRAPH_FREE_METHODS = frozenset({"detach", "new_zeros", "new_ones", "new_empty", "new_full", "new_tensor", "numpy",
                                "item", "tolist", "argmax", "argmin"}) | METADATA_METHODS

#: Callables that make new tensors with no autograd history (or modules, parameters, containers).
FACTORY_NAMES = frozenset({*FLOAT_FACTORIES, *LIKE_FACTORIES, *INT_FACTORIES, *TYPED_TENSORS,
                           "torch.tensor", "torch.as_tensor", "torch.from_numpy", "torch.arange", "torch.full",
                           "torch.nn.Parameter", "torch.nn.parameter.Parameter"})


def known_qualnames() -> frozenset[str]:
    """Every qualified name these tables know (what `from torch import *` is read to bind)."""
    return frozenset({*FLOAT_FACTORIES, *LIKE_FACTORIES, *INT_FACTORIES, *OTHER_FACTORIES, *FUNCTIONAL_LOSSES,
                      *LOSS_MODULES, *MATRIX_PRODUCTS, *TRANSPOSING_FUNCTIONS, *DTYPES, *TYPED_TENSORS, *NO_GRAD,
                      *AUTOCAST, "array.array"})
