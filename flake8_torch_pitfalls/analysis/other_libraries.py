"""What common libraries beside torch and numpy hand back, as data: the objects people pass to
`torch.from_numpy()` believing they are arrays (a gym environment's `reset()` tuple, a pandas column, a PIL
image), and the ways out of them that are arrays (`.values`, `.to_numpy()`).

Objects are known by a class name of their library (`pandas.Series`); the library model (library.py) reads
these tables and nothing else here.
"""

from __future__ import annotations

#: Calls (by qualified name) that make one of the objects below.
MAKERS = {
    **{f"{gym}.{name}": "gymnasium.Env" for gym in ("gym", "gymnasium")
       for name in ("make", "vector.make", "make_vec")},
    **{f"pandas.{name}": "pandas.DataFrame" for name in (
        "DataFrame", "read_csv", "read_parquet", "read_excel", "read_json", "read_table", "read_feather",
        "read_pickle", "read_sql", "read_hdf")},
    "pandas.Series": "pandas.Series",
    **{f"PIL.Image.{name}": "PIL.Image.Image" for name in ("open", "new", "fromarray", "frombytes", "merge")},
}

#: Wrappers that keep the object they wrap (a wrapped environment is an environment).
WRAPPER_PREFIXES = ("gym.wrappers.", "gymnasium.wrappers.")

#: Classes a parameter annotation names (`df: pd.DataFrame`).
CLASSES = frozenset({"pandas.DataFrame", "pandas.Series", "PIL.Image.Image", "gymnasium.Env", "gym.Env"})
CLASS_ALIASES = {"gym.Env": "gymnasium.Env"}

#: What a method of one of the objects returns: "ndarray", "tuple:<n>" (n items), or another object.
METHODS = {
    ("gymnasium.Env", "reset"): "tuple:2",  # (obs, info) since gym 0.26, and in gymnasium
    ("gymnasium.Env", "step"): "tuple:5",  # (obs, reward, terminated, truncated, info)
    **{(frame, "to_numpy"): "ndarray" for frame in ("pandas.DataFrame", "pandas.Series")},
    **{("pandas.DataFrame", name): "pandas.DataFrame" for name in (
        "copy", "dropna", "fillna", "astype", "drop", "sort_values", "reset_index", "head", "tail", "sample")},
    **{("pandas.Series", name): "pandas.Series" for name in ("copy", "dropna", "fillna", "astype", "head", "tail")},
    **{("PIL.Image.Image", name): "PIL.Image.Image" for name in (
        "convert", "resize", "crop", "rotate", "transpose", "copy", "filter")},
}

#: What an attribute of one of the objects is.
ATTRIBUTES = {("pandas.DataFrame", "values"): "ndarray", ("pandas.Series", "values"): "ndarray"}

#: A column of a frame: `df["col"]` is a Series (a list of columns, `df[["a", "b"]]`, is a frame).
COLUMN_OF = {"pandas.DataFrame": "pandas.Series"}

#: The type name torch reports for each object (`expected np.ndarray (got Series)`).
TYPE_NAMES = {"pandas.DataFrame": "DataFrame", "pandas.Series": "Series", "PIL.Image.Image": "Image",
              "gymnasium.Env": "Env"}

#: The call whose tuple result is passed on where an array is meant, with the advice for it.
TUPLE_SOURCES = {("gymnasium.Env", "reset"): "gymnasium.Env.reset", ("gymnasium.Env", "step"): "gymnasium.Env.step"}
