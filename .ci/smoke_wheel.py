"""Smoke test of an installed (non-editable) wheel, run from outside the checkout.

Imports every module of both packages and every public name, and checks that
they come from site-packages, not from a source tree.
"""

import importlib
import pkgutil
import sys


def main():
    for top in ("reservoir", "forecasting"):
        pkg = importlib.import_module(top)
        if "site-packages" not in (pkg.__file__ or ""):
            sys.exit(f"{top} was imported from {pkg.__file__}, not from the installed wheel")
        modules = [top] + [m.name for m in pkgutil.walk_packages(pkg.__path__, top + ".")]
        for name in modules:
            importlib.import_module(name)
        missing = [n for n in pkg.__all__ if not hasattr(pkg, n)]
        if missing:
            sys.exit(f"{top}.__all__ names missing attributes: {missing}")
        print(f"{top}: {len(modules)} modules, {len(pkg.__all__)} public names import")


if __name__ == "__main__":
    main()
