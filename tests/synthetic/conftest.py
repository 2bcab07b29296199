import pydicom
import pytest

from synthetic.identity import PRIVATE_CREATOR, PRIVATE_GROUP


def resolve_place(path, ds: pydicom.Dataset, place: str):
    """Value at a place of ``identity.DICOM_PLANTED_PLACES`` in a written file (or None)."""
    if place == "preamble":
        return ds.preamble.decode("latin-1")
    if place == "filename":
        return path.name
    if place.startswith("file_meta."):
        return str(ds.file_meta.get(place.split(".", 1)[1], ""))
    node = ds
    if place.startswith("private:"):
        block = ds.private_block(PRIVATE_GROUP, PRIVATE_CREATOR)
        first, _, rest = place[len("private:") :].partition(".")
        offset = int(first.split("[")[0], 16)
        node = block[offset].value
        if "[" in first:
            node = node[0]
        if not rest:
            return str(node)
        place = rest
    for part in place.split("."):
        name, _, index = part.partition("[")
        node = node.get(name)
        if node is None:
            return None
        if index:
            node = node[int(index.rstrip("]"))]
    return str(node)


@pytest.fixture
def place_resolver():
    return resolve_place
