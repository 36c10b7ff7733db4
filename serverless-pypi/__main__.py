"""The provider of the serverless-pypi package: the Python language host runs this file.

It runs from the consumer's directory with this folder first on ``sys.path``, so it puts the
repository root (the folder above) there itself, then serves ``components.package`` to the engine.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from components.package import main  # noqa: E402  (the path above first)

if __name__ == "__main__":
    main()
