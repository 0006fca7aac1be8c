"""The Engine: every trained model of a bundles directory, loaded once, placed on the GPU when
TensorFlow sees one (else the CPU), compiled and warmed up. It is the routers' only door to the
models: `engine.model(name)` looks a model up once and returns its ServedModel (app/served.py),
whose methods are the operations a request can ask for.

    bundles directory → Engine (this file: registry, life cycle)
                      → ServedModel per model (app/served.py: checks and operations)
                      → CompiledModel (app/compiled.py: the compiled TensorFlow functions)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from app.batching import BatchObserver, Queueing, ThreadPoolGate
from app.compiled import CompiledModel, InferenceObserver
from app.exceptions import ModelLoading, ModelNotLoaded, UnknownModel
from app.limits import Limits
from app.served import ServedModel
from model.bundle import BundleError, load_bundle, verify_manifest
from model.devices import device_name

log = logging.getLogger(__name__)


class Engine:
    """All models of one bundles directory. Thread-safe."""

    def __init__(
        self,
        bundles_dir: str | Path,
        observe: InferenceObserver | None = None,
        limits: Limits | None = None,
        queueing: Queueing | None = None,
        batches: BatchObserver | None = None,
    ):
        self.bundles_dir = Path(bundles_dir)
        self.device = device_name()
        self.observe = observe  # (model, operation, seconds) after each compiled call
        self.limits = limits or Limits()
        self.queueing = queueing or Queueing()
        self.batches = batches  # batch sizes, queue depths and refusals, e.g. for Prometheus
        self.threads = ThreadPoolGate(self.queueing.thread_queue, batches or BatchObserver())
        self.failures: dict[str, str] = {}  # bundle name → why it was skipped
        self._models: dict[str, ServedModel] = {}
        # Bundles not yet loaded and warm nor skipped, in load order; replaced whole, never mutated (requests
        # read it). It only shrinks once set, so once serving, an empty one means every bundle was tried.
        self._loading: tuple[str, ...] = ()
        self._serving = threading.Event()  # a model answers (or every bundle was tried)

    def load(self, warm_up: bool = True, after_each: Callable[[], None] | None = None) -> None:
        """Loads every bundle below bundles_dir in name order. A bundle whose files disagree with its
        manifest is skipped before any model loads, so that a replica given a corrupted bundle never
        reports ready; one that fails later (weights that do not fit its config, a failed warm-up) is
        logged and skipped when it does. Each model serves once its encode and decode are warm (about a
        second here) and warms its upload functions right after; the first to serve makes the engine
        `serving` while the others load behind it. `after_each` runs after each bundle is loaded or
        skipped (the app freezes what loading left alive out of garbage collection)."""
        log.info("TensorFlow places the models on %s", self.device)
        try:
            directories = (
                sorted(p for p in self.bundles_dir.iterdir() if p.is_dir()) if self.bundles_dir.is_dir() else []
            )
            if not directories:
                log.warning("no model bundles in %s", self.bundles_dir)
            intact = [directory for directory in directories if self._manifest_holds(directory)]
            self._loading = tuple(directory.name for directory in intact)
            for directory in intact:
                self._load_one(directory, warm_up)
                if after_each is not None:
                    after_each()
                self._loading = self._loading[1:]
        finally:
            self._loading = ()
            self._serving.set()
        skipped = f"; skipped: {', '.join(self.failures)}" if self.failures else ""
        log.info("loaded: %d model(s) on %s (%s)%s", len(self._models), self.device, ", ".join(self._models), skipped)

    def _manifest_holds(self, directory: Path) -> bool:
        """A bundle's files against its manifest (milliseconds, no TensorFlow); a failure is recorded."""
        try:
            verify_manifest(directory)
        except BundleError as error:
            self._skip(directory.name, error)
            return False
        return True

    def _skip(self, name: str, error: Exception) -> None:
        log.error("skipping bundle %s: %s", name, error)
        self.failures[name] = str(error)

    def _load_one(self, directory: Path, warm_up: bool) -> None:
        began = time.perf_counter()
        compiled = None
        try:
            compiled = CompiledModel(
                load_bundle(directory), self.device, self.observe, self.queueing, self.batches, self.threads
            )
            if warm_up:
                compiled.warm_up_batched()
            self._models[compiled.bundle.name] = ServedModel(compiled, self.limits)
            self._serving.set()
            log.info("serving %s on %s after %.1f s", compiled.bundle.name, self.device, time.perf_counter() - began)
            if warm_up:
                compiled.warm_up_uploads()
        except Exception as error:  # a broken bundle must not take the others down
            self._models.pop(directory.name, None)
            self._skip(directory.name, error)
            if compiled is not None:
                compiled.close()  # its batching threads would hold its weights for the process's life
            return
        log.info("loaded model %s on %s in %.1f s", compiled.bundle.name, self.device, time.perf_counter() - began)

    @property
    def serving(self) -> bool:
        """True once a model answers requests (the first bundle's encode and decode are warm), or every
        bundle has been tried: what /readyz reports."""
        return self._serving.is_set()

    @property
    def loaded(self) -> bool:
        """True once every bundle has been loaded and warmed up, or skipped."""
        return self._serving.is_set() and not self._loading

    @property
    def loading(self) -> list[str]:
        """The bundles not yet loaded and warm, in the order they will be: one not among `names` yet
        answers ModelLoading; one that is already serves, warming its upload functions."""
        return list(self._loading)

    @property
    def names(self) -> list[str]:
        return list(self._models)

    def unloaded(self) -> str | None:
        """Once serving: what keeps this server from serving every bundle it was given, for a 503 (the
        bundles' names only: why, with paths and errors, is in the log); None when nothing does."""
        if self.failures:
            return f"bundle(s) could not be loaded: {', '.join(self.failures)} (the server log says why)"
        if not self._models:
            return "no model bundle was found (the server log says where it looked)"
        return None

    def model(self, name: str) -> ServedModel:
        """The served model called `name`; ModelNotLoaded for a bundle that failed, ModelLoading for one
        still loading, else UnknownModel listing the ones there are."""
        try:
            return self._models[name]
        except KeyError:
            if name in self.failures:
                raise ModelNotLoaded(f"model {name!r} could not be loaded (the server log says why)") from None
            if name in self._loading:
                raise ModelLoading(f"model {name!r} is still loading; retry in a few seconds") from None
            available = ", ".join(self._models) or "none loaded"
            raise UnknownModel(f"unknown model {name!r}; available: {available}") from None
