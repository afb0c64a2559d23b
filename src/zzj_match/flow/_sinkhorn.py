"""Entropic optimal transport on arrays: a log-domain, stabilised Sinkhorn iteration.

Solves ``min <P, cost> - H(P) / beta`` over plans ``P`` with given row and column sums, the
doubly-constrained gravity model of :func:`zzj_match.engine.forecast.forecast`. The answer is
checked before it is returned: a plan of the form ``exp(f_i + g_j - beta * cost_ij)`` is the
optimum exactly when it meets both marginals, so the marginal error returned is the
certificate (the caller decides how small it must be). :func:`calibrate` finds the ``beta``
whose plan has a given value of a linear statistic ``<P, W>`` (a share, a mean cost).
"""

from __future__ import annotations

__all__ = ["Calibrated", "Sinkhorn", "calibrate", "sinkhorn"]

import math
from collections.abc import Callable
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


@dataclass(frozen=True)
class Calibrated:
    """The answer of :func:`calibrate`.

    Attributes
    ----------
    beta : float
        The beta found, or the end of the range nearest the target when ``hit`` is false.
    solved : Sinkhorn
        The solve at ``beta``.
    hit : bool
        Whether ``<solved.plan, W>`` equals the target (else no beta of the range reaches it).
    solves, iterations : int
        Solves made, and their Sinkhorn iterations in all.
    """

    beta: float
    solved: Sinkhorn
    hit: bool
    solves: int
    iterations: int


def calibrate(a: npt.ArrayLike, b: npt.ArrayLike, cost: npt.ArrayLike, weights: npt.ArrayLike,
              target: float, *, increasing: bool, beta_range: tuple[float, float],
              first: float = 0.1) -> Calibrated:
    """Find the beta whose plan has ``<P, weights> = target``.

    From ``first`` the search steps by factors of 4 towards the target (up when the statistic
    is below it and ``increasing``) until it is passed, within ``beta_range``, then closes the
    bracket on log beta by the Illinois variant of regula falsi. A step whose solve does not
    converge ends the search like the end of the range (``hit`` false, the last beta solved).
    Every solve starts from the potentials of the previous one. Only a statistic monotone in
    beta has one answer; the search finds a crossing either way.

    Parameters
    ----------
    a, b, cost
        As :func:`sinkhorn`.
    weights : array_like, shape of ``cost``
        The statistic's weights (``[cost <= 45]`` for a share within 45, ``cost`` for the mean).
    target : float
    increasing : bool
        Whether the statistic grows with beta (the direction of the first steps).
    beta_range : tuple of float
        The smallest and largest beta tried.
    first : float
        The first beta tried.

    Returns
    -------
    Calibrated

    Raises
    ------
    SolverError
        When the first solve, or one inside the bracket, fails (:func:`sinkhorn`).

    Examples
    --------
    >>> cost = [[10.0, 50.0], [50.0, 10.0]]
    >>> out = calibrate([0.5, 0.5], [0.5, 0.5], cost, [[1, 0], [0, 1]], 0.9, increasing=True,
    ...                 beta_range=(1e-4, 16.0))
    >>> out.hit, round(float((out.solved.plan * [[1, 0], [0, 1]]).sum()), 12)
    (True, 0.9)
    """
    w = np.asarray(weights, dtype=np.float64)
    counts: list[int] = [0, 0]
    last: list[Sinkhorn] = []

    def gap(x: float) -> float:
        s = sinkhorn(a, b, cost, math.exp(x), start=(last[-1].f, last[-1].g) if last else None)
        counts[0] += 1
        counts[1] += s.iterations
        last.append(s)
        return float((s.plan * w).sum()) - target

    lo_x, hi_x = math.log(beta_range[0]), math.log(beta_range[1])
    x = min(max(math.log(first), lo_x), hi_x)
    gx = gap(x)
    move = math.log(4.0) if (gx < 0) == increasing else -math.log(4.0)  # towards the target
    hit, close = True, 1e-13 * max(1.0, abs(target))  # a statistic this near is the target
    while abs(gx) > close:
        nx = min(max(x + move, lo_x), hi_x)
        if nx == x:
            hit = False
            break
        try:
            gn = gap(nx)
        except SolverError:  # no convergence this far out: the end of the usable range
            hit = False
            break
        if (gn > 0) != (gx > 0) or abs(gn) <= close:
            x = _root(gap, (x, gx), (nx, gn), gtol=close)
            break
        x, gx = nx, gn
    solved = sinkhorn(a, b, cost, math.exp(x), start=(last[-1].f, last[-1].g))
    return Calibrated(math.exp(x), solved, hit, counts[0] + 1, counts[1] + solved.iterations)


def _root(gap: Callable[[float], float], p: tuple[float, float], q: tuple[float, float],
          xtol: float = 1e-13, gtol: float = 1e-13) -> float:
    """Return a zero of ``gap`` between ``p`` and ``q`` (``(x, gap(x))``, opposite signs).

    The Illinois variant of regula falsi: superlinear on smooth functions, and the bracket
    always holds the zero (no scipy import on the path of a first call).

    Raises
    ------
    SolverError
        If the bracket has not closed in 200 steps.
    """
    (x0, g0), (x1, g1) = p, q
    w0, side = g0, 0  # w0: the kept end's value as the secant weighs it (halved, Illinois)
    for _ in range(200):
        if abs(g1) <= gtol:
            return x1
        if abs(g0) <= gtol:
            return x0
        if abs(x1 - x0) <= xtol * max(1.0, abs(x1)):
            return x0 if abs(g0) <= abs(g1) else x1
        x = x1 - g1 * (x1 - x0) / (g1 - w0)
        g = gap(x)
        if (g > 0) == (g1 > 0):  # x replaces the end on its side; the other end is kept
            x1, g1 = x, g
            if side == -1:
                w0 /= 2
            side = -1
        else:
            x0, g0, w0 = x1, g1, g1
            x1, g1 = x, g
            side = +1
    raise SolverError("the calibration of beta did not close its bracket in 200 steps")
