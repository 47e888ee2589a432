"""Warning classes of the package, so users can filter them."""


class ReservoirWarning(UserWarning):
    """A setting or result that deserves attention (echo state property,
    ill-conditioned readout, non-converging eigen-solve)."""


__all__ = ["ReservoirWarning"]
