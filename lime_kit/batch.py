"""Explain many predictions at once: :func:`explain_many`, its seeds, chunks and joblib / Dask runner.

This module runs an explainer's ``explain`` over many instances, serially or
on joblib workers (processes, threads or a Dask cluster), and returns an
:class:`~lime_kit.explanation_set.ExplanationSet`.

How the work is shipped (see :func:`explain_many`): the instances are cut
into a few contiguous chunks per worker, and one task explains one chunk, so
the explainer and ``predict_fn`` are pickled once per chunk, never once per
instance. Every instance gets its own seed, spawned from one root seed with
:class:`numpy.random.SeedSequence`, so the results do not depend on
``n_jobs``, on the backend or on how the instances were chunked.

It never imports an explainer: what it needs to know about a modality (is a
1-D array one instance or many?) it asks :mod:`lime_kit.modalities`.
"""

from __future__ import annotations

import inspect
import numbers
import pickle
import re
import threading
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from lime_kit.core.validation import UNRELIABLE
from lime_kit.explanation import Explanation
from lime_kit.explanation_set import ExplanationSet
from lime_kit.modalities import modality_of, split_instances

__all__ = [
    "CHUNKS_PER_WORKER", "ERRORS", "ExplainManyMixin", "explain_many", "instance_seed", "instance_seeds",
]

#: Chunks handed to each worker: more than one so a slow worker does not hold
#: up the end and the progress bar moves, few enough that the model is pickled
#: only a handful of times per worker whatever the number of instances.
CHUNKS_PER_WORKER = 4

#: What ``explain_many(errors=...)`` accepts.
ERRORS = ("raise", "keep")

#: The start of the UserWarning the pipeline emits for every unreliable explanation.


# ----------------------------------------------------------------- seeds
def instance_seed(random_state: int, position: int) -> int:
    """Return the seed of the instance at ``position``, spawned from ``random_state``.

    It is drawn from the ``position``-th child of
    ``numpy.random.SeedSequence(random_state).spawn(n)`` (built directly, so
    no other child is made), so it depends on the root seed and the position
    only, not on the number of instances or on how the work is split.

    Examples
    --------
    >>> instance_seed(0, 2) == instance_seeds(0, 3)[2]
    True
    """
    child = np.random.SeedSequence(int(random_state), spawn_key=(int(position),))
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def instance_seeds(random_state: int, n: int) -> list[int]:
    """Return the seeds of the first ``n`` instances: :func:`instance_seed` for positions ``0..n-1``.

    Parameters
    ----------
    random_state : int
    n : int

    Returns
    -------
    list of int
        Non-negative seeds below ``2**63``; ``explain(..., random_state=seed)``
        with the same keywords redoes the explanation.

    Examples
    --------
    >>> seeds = instance_seeds(0, 3)
    >>> seeds == instance_seeds(0, 5)[:3], len(set(seeds))
    (True, 3)
    """
    return [instance_seed(random_state, position) for position in range(n)]


# ------------------------------------------------------------- instances
def _check_instances(explainer, instances):
    """Return ``(instances in a sliceable form, their number)``: the modality's declared split, without copying."""
    declaration = modality_of(explainer)
    return (split_instances if declaration is None else declaration.split)(instances)


def _instance_at(chunk, j: int):
    """Instance ``j`` of a chunk, in the form ``explain`` takes."""
    if isinstance(chunk, pd.DataFrame):
        return chunk.iloc[[j]]  # a one-row frame keeps the column dtypes
    if isinstance(chunk, pd.Series):
        return chunk.iloc[j]
    return chunk[j]


def _length(instances) -> int:
    shape = getattr(instances, "shape", None)
    return int(shape[0]) if shape is not None and len(shape) else len(instances)


def _chunk_of(instances, start: int, stop: int):
    if isinstance(instances, (pd.DataFrame, pd.Series)):
        return instances.iloc[start:stop]
    return instances[start:stop]


def _chunk_bounds(n: int, n_chunks: int) -> list[tuple[int, int]]:
    edges = np.linspace(0, n, min(n, max(1, n_chunks)) + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]


# ---------------------------------------------------------------- warnings
_quiet_lock = threading.Lock()
_quiet_users = 0
_QUIET_FILTER = ("ignore", re.compile(re.escape(UNRELIABLE)), UserWarning, None, 0)


class _QuietUnreliable:
    """Silence the pipeline's per-explanation UserWarning while any batch runs in this process.

    A counted filter instead of ``warnings.catch_warnings``: batches may run
    in several threads at once (the threading backend, Dask's threaded
    workers), and nested ``catch_warnings`` blocks in threads restore each
    other's filters in the wrong order. Only this one warning is filtered;
    every explanation keeps its text in ``.warnings``.
    """

    def __enter__(self):
        global _quiet_users
        with _quiet_lock:
            if _quiet_users == 0:
                warnings.filters.insert(0, _QUIET_FILTER)
                _filters_changed()
            _quiet_users += 1
        return self

    def __exit__(self, *exc_info):
        global _quiet_users
        with _quiet_lock:
            _quiet_users -= 1
            if _quiet_users == 0:
                try:
                    warnings.filters.remove(_QUIET_FILTER)
                except ValueError:  # someone reset the filters meanwhile (catch_warnings exit)
                    pass
                _filters_changed()
        return False


def _filters_changed() -> None:
    # Invalidates the per-module "already shown" caches, as warnings.filterwarnings does.
    changed = getattr(warnings, "_filters_mutated", None) or getattr(warnings, "_filters_mutated_lock_held", None)
    if changed is not None:
        changed()


# ------------------------------------------------------------------ work
class _RemoteTraceback(Exception):
    """The traceback of an error raised in a worker, shown as the cause of the re-raised error."""

    def __str__(self) -> str:
        return self.args[0]


def _explain_chunk(
    explainer,
    predict_fn: Callable,
    chunk,
    root_seed: int,
    start: int,
    explain_kwargs: dict,
    stop_at_failure: bool,
    on_done: Callable[[], Any] | None = None,
    remote: bool = True,
) -> tuple[int, list, list, tuple | None]:
    """Explain the instances of one chunk; runs in a worker (or in-process for n_jobs=1).

    Returns ``(start, explanations, failures, first_error)`` where a failed
    instance is None in ``explanations`` and ``(position, message)`` in
    ``failures``. With ``stop_at_failure`` the chunk stops at its first
    failure and ``first_error`` is ``(position, message, exception, worker
    traceback text or None)``.
    Nothing but the explanations is kept: each one's samples are freed
    when ``explain`` returns.
    """
    explanations: list[Explanation | None] = []
    failures: list[tuple[int, str]] = []
    with _QuietUnreliable():
        for j in range(_length(chunk)):
            position = start + j
            seed = instance_seed(root_seed, position)
            try:
                exp = explainer.explain(_instance_at(chunk, j), predict_fn, random_state=seed, **explain_kwargs)
            except Exception as error:
                message = f"{type(error).__name__}: {error}"
                explanations.append(None)
                failures.append((position, message))
                if stop_at_failure:
                    return start, explanations, failures, _first_error(position, message, error, remote)
            else:
                explanations.append(exp)
            if on_done is not None:
                on_done()
    return start, explanations, failures, None


def _first_error(position: int, message: str, error: Exception, remote: bool) -> tuple:
    """``(position, message, error, worker traceback)``, in a form that pickles back from a worker."""
    if not remote:
        return position, message, error, None
    # A pickled exception loses its traceback; the text travels beside it.
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        error = RuntimeError(message)
    return position, message, error, text


def _check_explain_kwargs(explainer, explain_kwargs: dict) -> None:
    """Refuse keywords ``explain`` does not take before any work starts (not once per instance)."""
    parameters = inspect.signature(explainer.explain).parameters
    # The instance and predict_fn come first by position, whatever a modality names its instance.
    positional = [name for name, p in parameters.items() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    own = {*positional[:2], "random_state"}
    takes_any = any(p.kind == p.VAR_KEYWORD for p in parameters.values())  # explain checks them itself
    unknown = [k for k in explain_kwargs if (k not in parameters and not takes_any) or k in own]
    if unknown:
        allowed = [name for name in parameters if name not in own]
        raise TypeError(
            f"explain_many got keywords that {type(explainer).__name__}.explain does not take: {unknown}; "
            f"it takes {allowed} (random_state is explain_many's own, the root of every instance's seed)"
        )


def _check_options(n_jobs, backend, errors, random_state) -> None:
    if errors not in ERRORS:
        raise ValueError(
            f"errors must be 'raise' (stop at the first failure) or 'keep' (record failures, go on), got {errors!r}"
        )
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0):
        raise ValueError(f"n_jobs must be a non-zero integer (1: in this process, -1: every core), got {n_jobs!r}")
    if backend is not None and not isinstance(backend, str):
        raise ValueError(
            f"backend must be None or a joblib backend name ('loky', 'threading', 'dask', ...), got {backend!r}"
        )
    if random_state is not None and (isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral)):
        raise TypeError(
            f"random_state must be an int or None (the explainer's seed), got {type(random_state).__name__}; "
            "each instance's seed is spawned from it"
        )


def _dask_client():
    try:
        from distributed import default_client
    except ImportError:
        raise ImportError(
            'backend="dask" needs dask.distributed: pip install "lime_kit[dask]"'
        ) from None
    try:
        return default_client()
    except ValueError:
        raise ValueError(
            'backend="dask" runs on the active dask.distributed Client, and there is none: create one first, '
            'e.g. client = Client("tcp://scheduler:8786"), or Client() for a local cluster'
        ) from None


def explain_many(
    explainer,
    instances,
    predict_fn: Callable,
    *,
    n_jobs: int | None = 1,
    progress: bool = True,
    random_state: int | None = None,
    backend: str | None = None,
    errors: str = "raise",
    **explain_kwargs,
) -> ExplanationSet:
    """Explain ``predict_fn`` on many instances with one explainer; return an :class:`ExplanationSet`.

    Parameters
    ----------
    explainer : TabularExplainer, TextExplainer or ImageExplainer
        Anything with the ``explain(instance, predict_fn, ..., random_state=)``
        of lime_kit's explainers.
    instances : 2-D array, DataFrame or sparse matrix of rows; list of texts; list or array of images
        One instance per row / item (an image array's first axis counts the
        images). Never modified; a DataFrame's rows reach ``explain`` as
        one-row frames, so the columns are matched by name.
    predict_fn : callable
        As for ``explain``.
    n_jobs : int, default=1
        1: explain in this process. Otherwise the number of joblib workers
        (-1: every core). The results are the same for every ``n_jobs``.
    progress : bool, default=True
        Show a tqdm progress bar. It only appears on an interactive
        terminal (or notebook); with ``progress=False`` nothing is printed.
    random_state : int, optional
        Root seed; None uses the explainer's own. Instance ``i`` is explained
        with seed :func:`instance_seed` ``(random_state, i)``, recorded in
        its ``random_state``, so ``explainer.explain(instance, predict_fn,
        random_state=s[i].random_state, **explain_kwargs)`` redoes it.
    backend : str, optional
        joblib backend: None is ``"loky"`` (worker processes) when
        ``n_jobs != 1``; ``"threading"`` (one process, for models that
        cannot be pickled or that release the GIL); ``"multiprocessing"``;
        ``"dask"``: the workers of the active ``dask.distributed`` Client
        (every worker thread; ``n_jobs`` is ignored). Needs
        ``pip install "lime_kit[dask]"``.
    errors : {"raise", "keep"}, default="raise"
        ``"raise"``: the first failing instance (by position) stops the run
        with ``ValueError("instance 17: ErrorType: message")`` chained to the
        original error. ``"keep"``: a failed instance is None in the set,
        listed in ``ExplanationSet.failures``, and the others go on; one
        UserWarning at the end counts the failures.
    **explain_kwargs
        Keywords of the explainer's ``explain`` (``num_features``,
        ``num_samples="auto"``, ``labels``, ...), the same for every instance.

    Returns
    -------
    ExplanationSet
        In instance order. Each explanation keeps its ``.warnings``; instead
        of one UserWarning per unreliable explanation, one summary
        UserWarning says how many carry warnings.

    Notes
    -----
    How the model reaches the workers: the instances are cut into
    ``CHUNKS_PER_WORKER`` contiguous chunks per worker and one task explains
    one chunk, so the explainer and ``predict_fn`` are pickled once per
    chunk (a few times per worker), never per instance, and each task
    carries only its chunk's instances. loky pickles with cloudpickle, so
    lambdas and closures travel; a model that cannot be pickled at all (an
    open connection, a lock, some GPU handles) needs ``n_jobs=1`` or
    ``backend="threading"``. With Dask, joblib scatters the explainer and
    the model to the cluster once and the workers must be able to import
    lime_kit and the model's library.

    Work an explainer does once per model (a ``TabularExplainer`` learning
    its bins from ``predict_fn``) is done here, once, before any worker
    starts, and shipped with the explainer.

    Memory: a task keeps only the finished explanations (a few kB each, for
    tabular rows); every instance's perturbed samples are freed when its
    surrogate is fitted. To keep even the results out of memory, explain
    in batches and ``save(path, append=True)`` each.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    >>> s = explain_many(explainer, X[:5], lambda rows: rows @ [3.0, 0.0, -1.0], num_samples=300, progress=False)
    >>> [exp.as_list()[0][0] for exp in s]
    ['x0', 'x0', 'x0', 'x0', 'x0']
    >>> redone = explainer.explain(X[2], lambda rows: rows @ [3.0, 0.0, -1.0], num_samples=300,
    ...                            random_state=s[2].random_state)
    >>> redone == s[2]
    True
    """
    _check_options(n_jobs, backend, errors, random_state)
    _check_explain_kwargs(explainer, explain_kwargs)
    if not callable(predict_fn):
        raise TypeError(f"predict_fn must be callable (e.g. model.predict_proba), got {type(predict_fn).__name__}")
    instances, n = _check_instances(explainer, instances)
    root = explainer._seed if random_state is None else int(random_state)
    explainer = _prepared(explainer, predict_fn, explain_kwargs)
    stop_at_failure = errors == "raise"

    from tqdm.auto import tqdm

    # disable=None: tqdm shows the bar only on an interactive terminal or notebook.
    with tqdm(total=n, disable=None if progress else True, unit="instance", desc="explain_many") as bar:
        if _runs_in_process(n, n_jobs, backend):
            _, explanations, failures, first_error = _explain_chunk(
                explainer, predict_fn, instances, root, 0, explain_kwargs, stop_at_failure,
                on_done=bar.update, remote=False,
            )
        else:
            explanations, failures, first_error = _explain_in_parallel(
                explainer, predict_fn, instances, n, root, n_jobs, backend, explain_kwargs, stop_at_failure, bar
            )
    if first_error is not None:
        position, message, error, remote_traceback = first_error
        if remote_traceback is not None:
            error.__cause__ = _RemoteTraceback(remote_traceback)
        raise ValueError(f"instance {position}: {message}") from error

    result = ExplanationSet(explanations, failures)
    _summarize(result)
    return result


def _prepared(explainer, predict_fn: Callable, explain_kwargs: dict):
    """The explainer to ship: one that did its once-per-model work (a tabular explainer's bins) here, once.

    If that work fails, the original explainer goes out, so the failure is
    reported per instance, as ``errors=`` asks.
    """
    prepare = getattr(explainer, "prepared_for", None)
    if prepare is None:
        return explainer
    try:
        return prepare(predict_fn, **explain_kwargs)
    except Exception:
        return explainer


def _runs_in_process(n: int, n_jobs, backend) -> bool:
    if n <= 1:
        return True
    if backend == "dask":
        return False
    import joblib

    with joblib.parallel_config(backend=backend or "loky"):
        return joblib.effective_n_jobs(n_jobs if n_jobs is not None else 1) == 1


def _explain_in_parallel(explainer, predict_fn, instances, n, root, n_jobs, backend, explain_kwargs, stop_at_failure, bar):
    import joblib

    name = backend or "loky"
    if name == "dask":
        _dask_client()
        n_jobs = -1
    with joblib.parallel_config(backend=name):
        workers = joblib.effective_n_jobs(n_jobs)
        bounds = _chunk_bounds(n, workers * CHUNKS_PER_WORKER)
        # multiprocessing's pool cannot hand results back as they come; it returns them all at the end.
        return_as = "list" if name == "multiprocessing" else "generator_unordered"
        tasks = (
            joblib.delayed(_explain_chunk)(
                explainer, predict_fn, _chunk_of(instances, a, b), root, a, explain_kwargs, stop_at_failure
            )
            for a, b in bounds
        )
        parallel = joblib.Parallel(n_jobs=n_jobs, return_as=return_as, batch_size=1)
        try:
            outputs = parallel(tasks)
            gathered = _gather(outputs, bounds, n, bar)
            if gathered[2] is not None and hasattr(outputs, "close"):
                # Stopping early cancels the remaining chunks; joblib's note about it is noise here.
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message=".*tasks which were still being processed", category=UserWarning)
                    outputs.close()
            return gathered
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            if "pickl" not in str(error).lower():
                raise
            raise ValueError(
                f"the explainer or predict_fn cannot be pickled for the {name!r} workers ({error}); "
                'use n_jobs=1 or backend="threading", which keep the model in this process'
            ) from error


def _gather(outputs, bounds, n, bar):
    """Collect chunk results as they finish; stop at the first failure by position once it is certain."""
    explanations: list[Explanation | None] = [None] * n
    failures: list[tuple[int, str]] = []
    starts = [a for a, _ in bounds]
    arrived = np.zeros(len(bounds), dtype=bool)
    first_error = None
    for start, chunk_explanations, chunk_failures, error in outputs:
        chunk = starts.index(start)
        arrived[chunk] = True
        explanations[start:start + len(chunk_explanations)] = chunk_explanations
        failures.extend(chunk_failures)
        bar.update(len(chunk_explanations))
        if error is not None and (first_error is None or error[0] < first_error[0]):
            first_error = error
        if first_error is not None:
            failing_chunk = int(np.searchsorted(starts, first_error[0], side="right")) - 1
            # Raise once every chunk before the failing one is in: then no earlier failure can come.
            if arrived[:failing_chunk].all():
                return explanations, failures, first_error
    failures.sort()
    return explanations, failures, None


def _summarize(result: ExplanationSet) -> None:
    n = len(result)
    if result.failures:
        warnings.warn(
            f"{len(result.failures)} of {n} instances could not be explained; see ExplanationSet.failures",
            UserWarning,
            stacklevel=3,
        )
    flagged = sum(1 for exp in result.explanations if exp is not None and exp.warnings)
    if flagged:
        warnings.warn(
            f"{flagged} of {n} explanations carry warnings; see ExplanationSet.quality_frame() and each "
            "explanation's .warnings",
            UserWarning,
            stacklevel=3,
        )


class ExplainManyMixin:
    """Gives an explainer ``explain_many``: the one batch entry point of every modality."""

    def explain_many(
        self,
        instances,
        predict_fn: Callable[[Any], Any],
        n_jobs: int | None = 1,
        progress: bool = True,
        random_state: int | None = None,
        **explain_kwargs,
    ) -> ExplanationSet:
        """Explain many instances with :meth:`explain`; see :func:`lime_kit.many.explain_many`.

        Parameters
        ----------
        instances : 2-D array, DataFrame or sparse matrix of rows; list of texts; list or array of images
            One instance per row / item (an image array's first axis counts
            the images); a DataFrame's rows are matched to the training
            columns by name.
        predict_fn : callable
            As for :meth:`explain`.
        n_jobs : int, default=1
            joblib workers (-1: every core); the results do not depend on it.
        progress : bool, default=True
            Progress bar, shown on interactive terminals and notebooks only.
        random_state : int, optional
            Root of every instance's seed; None: the explainer's own.
        **explain_kwargs
            ``backend``, ``errors`` (see :func:`~lime_kit.many.explain_many`)
            and the keywords of :meth:`explain`, ``num_samples="auto"`` included.

        Returns
        -------
        ExplanationSet
            One Explanation per instance, in order.

        Examples
        --------
        >>> import numpy as np
        >>> from lime_kit import TabularExplainer, TextExplainer
        >>> X = np.random.default_rng(0).normal(size=(100, 3))
        >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
        >>> explanations = explainer.explain_many(X[:3], lambda rows: rows @ [3.0, 0.0, -1.0], num_samples=300)
        >>> [exp.as_list()[0][0] for exp in explanations]
        ['x0', 'x0', 'x0']
        >>> likes_good = lambda docs: [float("good" in d.split()) for d in docs]
        >>> texts = TextExplainer(mode="regression", random_state=0).explain_many(
        ...     ["good food", "a good day"], likes_good, num_samples=100)
        >>> [exp.as_list()[0][0] for exp in texts]
        ['good', 'good']
        """
        return explain_many(
            self, instances, predict_fn, n_jobs=n_jobs, progress=progress, random_state=random_state, **explain_kwargs
        )

