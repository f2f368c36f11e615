# Makes the collection importable as ansible_collections.baton.gate for the tests, whether or not the build tree
# exists: BATON_COLLECTIONS_DIR (set by CTest) wins, else a private folder with a symlink to this checkout.
import atexit
import os
import shutil
import sys
import tempfile

_HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION_ROOT = os.path.dirname(_HERE)
sys.path.insert(0, os.path.join(_HERE, "support"))


def _collections_dir():
    given = os.environ.get("BATON_COLLECTIONS_DIR")
    if given and os.path.isdir(os.path.join(given, "ansible_collections", "baton", "gate")):
        return given
    base = tempfile.mkdtemp(prefix="baton-collections-")
    atexit.register(shutil.rmtree, base, True)
    os.makedirs(os.path.join(base, "ansible_collections", "baton"))
    os.symlink(COLLECTION_ROOT, os.path.join(base, "ansible_collections", "baton", "gate"))
    return base


COLLECTIONS_DIR = _collections_dir()
os.environ["BATON_COLLECTIONS_DIR"] = COLLECTIONS_DIR
sys.path.insert(0, COLLECTIONS_DIR)
