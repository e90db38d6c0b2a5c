"""Executes every notebook in notebooks/ headless (nbclient) and fails on the first cell
error, so the walkthroughs never rot. `make notebooks` runs it; CI runs `make notebooks`.

The executed copies (with outputs) go to demo-out/notebooks/; the checked-in notebooks stay
output-free. The notebooks find the binary through the CLVR_BIN environment variable.
"""
import os
import pathlib
import sys

import nbformat
from nbclient import NotebookClient

here = pathlib.Path(__file__).resolve().parent
root = here.parent
out_dir = root / "demo-out" / "notebooks"
out_dir.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("CLVR_BIN", str(root / "target" / "release" / "clvr"))
if not pathlib.Path(os.environ["CLVR_BIN"]).exists():
    sys.exit(f"clvr binary not found at {os.environ['CLVR_BIN']}: run `make build` or set CLVR_BIN")

failed = 0
for path in sorted(here.glob("*.ipynb")):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(root)}})
    try:
        client.execute()
        print(f"ok      {path.relative_to(root)}")
    except Exception as e:  # a cell failed: report it and carry on with the others
        failed += 1
        print(f"FAILED  {path.relative_to(root)}: {e}", file=sys.stderr)
    nbformat.write(nb, out_dir / path.name)
sys.exit(1 if failed else 0)
