"""Entropic optimal transport on arrays: a log-domain, stabilised Sinkhorn iteration.

Solves ``min <P, cost> - H(P) / beta`` over plans ``P`` with given row and column sums, the
doubly-constrained gravity model of :func:`zzj_match.engine.forecast.forecast`. The answer is
checked before it is returned: a plan of the form ``exp(f_i + g_j - beta * cost_ij)`` is the
optimum exactly when it meets both marginals, so the marginal error returned is the
certificate (the caller decides how small it must be).
"""

from __future__ import annotations

__all__ = ["Sinkhorn", "sinkhorn"]

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zzj_match.errors import SolverError

Floats = npt.NDArray[np.float64]

_SOLVE_TOL = 1e-14  # default marginal error of a solve (marginals of sum 1: a share)
_MAX_ITER = 400_000  # default iterations of one solve
_ABSORB = 1e100  # scalings beyond this (or below its inverse) go into the potentials
_WINDOW = 20_000  # iterations in which the error must at least halve (else: stalled)


@dataclass(frozen=True)
class Sinkhorn:
    """One solve of the entropic transport problem (:func:`sinkhorn`).

    Attributes
    ----------
    plan : ndarray, shape (n, m)
        The flows, rows summing to ``a`` and columns to ``b``.
    f, g : ndarray
        Log-domain potentials: ``plan = exp(f[:, None] + g[None, :] - beta * cost)``.
    iterations : int
        Scaling iterations made.
    error : float
        The largest marginal error of ``plan`` (rows and columns).
    """

    plan: Floats
    f: Floats
    g: Floats
    iterations: int
    error: float


def sinkhorn(a: npt.ArrayLike, b: npt.ArrayLike, cost: npt.ArrayLike, beta: float, *,
             tol: float = _SOLVE_TOL, max_iter: int = _MAX_ITER,
             start: tuple[Floats, Floats] | None = None) -> Sinkhorn:
    """Solve ``min <P, cost> - H(P) / beta`` with marginals ``a`` and ``b`` (Sinkhorn).

    The plan is ``P_ij = exp(f_i + g_j - beta * cost_ij)``; ``inf`` costs get no flow.
    Scaling iterations ``u = a / (K v)``, ``v = b / (K^T u)`` run on a kernel ``K`` that
    carries the potentials found so far; whenever a scaling leaves ``[1e-100, 1e100]`` it is
    absorbed into the potentials by one exact log-domain step, so no kernel entry underflows
    for any ``beta``.

    Parameters
    ----------
    a, b : array_like
        Positive row and column marginals of equal sum.
    cost : array_like, shape (n, m)
        Costs (``inf``: no flow); every row and column needs a finite entry.
    beta : float
        Positive: larger means flows that follow the cost more closely.
    tol : float
        Stop when the largest row error (columns are exact after each step) is at most this.
    max_iter : int
        Iterations allowed.
    start : tuple of ndarray, optional
        Potentials ``(f, g)`` to start from (a warm start from a nearby ``beta``).

    Returns
    -------
    Sinkhorn

    Raises
    ------
    SolverError
        When the marginals are not met within ``max_iter`` iterations, or the error has not
        halved in 20,000 iterations (marginals no plan on the finite costs can meet, or too
        large a ``beta``).

    Examples
    --------
    >>> s = sinkhorn([0.5, 0.5], [0.25, 0.75], [[1.0, 2.0], [2.0, 1.0]], 1.0)
    >>> bool(abs(s.plan.sum(axis=0) - [0.25, 0.75]).max() < 1e-14)
    True
    """
    a_ = np.asarray(a, dtype=np.float64)
    b_ = np.asarray(b, dtype=np.float64)
    c = np.asarray(cost, dtype=np.float64)
    logk = np.where(np.isfinite(c), -beta * np.where(np.isfinite(c), c, 0.0), -np.inf)
    la, lb = np.log(a_), np.log(b_)
    f, g = (np.zeros(a_.size), np.zeros(b_.size)) if start is None else start
    it, checkpoint, stalled = 0, math.inf, False
    while it < max_iter and not stalled:
        # an exact log-domain step: the kernel becomes the current plan (columns exact)
        f = la - _logsumexp(logk + g[None, :], axis=1)
        g = lb - _logsumexp(logk + f[:, None], axis=0)
        kern = np.exp(logk + f[:, None] + g[None, :])
        u, v = np.ones(a_.size), np.ones(b_.size)
        while it < max_iter:
            it += 1
            kv = kern @ v
            err = float(np.abs(u * kv - a_).max())
            if err <= tol:
                plan = u[:, None] * kern * v[None, :]
                error = max(float(np.abs(plan.sum(axis=1) - a_).max()),
                            float(np.abs(plan.sum(axis=0) - b_).max()))
                return Sinkhorn(plan, f + np.log(u), g + np.log(v), it, error)
            if it % _WINDOW == 0:  # no plan meets the marginals: the error stalls above zero
                stalled = not err < 0.5 * checkpoint
                if stalled:
                    break
                checkpoint = err
            u = a_ / kv
            v = b_ / (kern.T @ u)
            if _beyond(u) or _beyond(v):
                f, g = f + np.log(u), g + np.log(v)
                break
    raise SolverError(f"Sinkhorn did not converge in {it:,} iterations (beta={beta:g}): "
                      "no plan on the finite costs meets the marginals, or beta is too large "
                      "for the iterations allowed")


def _beyond(x: Floats) -> bool:
    """Whether a scaling has left the range where the kernel stays well scaled."""
    return bool(x.max() > _ABSORB or x.min() < 1.0 / _ABSORB)


def _logsumexp(x: Floats, axis: int) -> Floats:
    """``log(sum(exp(x)))`` along ``axis``, stable; every line holds a finite entry."""
    top = x.max(axis=axis, keepdims=True)
    out: Floats = np.log(np.exp(x - top).sum(axis=axis)) + np.squeeze(top, axis=axis)
    return out
