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
from pathlib import Path

from app.batching import BatchObserver, Queueing, ThreadPoolGate
from app.compiled import CompiledModel, InferenceObserver
from app.exceptions import ModelNotLoaded, UnknownModel
from app.limits import Limits
from app.served import ServedModel
from model.bundle import load_bundle
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
        self._ready = threading.Event()

    def load(self, warm_up: bool = True) -> None:
        """Loads every bundle below bundles_dir (a bundle that fails is logged and skipped), compiles
        and warms its functions, then reports ready."""
        log.info("TensorFlow places the models on %s", self.device)
        try:
            directories = (
                sorted(p for p in self.bundles_dir.iterdir() if p.is_dir()) if self.bundles_dir.is_dir() else []
            )
            if not directories:
                log.warning("no model bundles in %s", self.bundles_dir)
            for directory in directories:
                self._load_one(directory, warm_up)
        finally:
            self._ready.set()
        skipped = f"; skipped: {', '.join(self.failures)}" if self.failures else ""
        log.info("ready: %d model(s) on %s (%s)%s", len(self._models), self.device, ", ".join(self._models), skipped)

    def _load_one(self, directory: Path, warm_up: bool) -> None:
        began = time.perf_counter()
        compiled = None
        try:
            compiled = CompiledModel(
                load_bundle(directory), self.device, self.observe, self.queueing, self.batches, self.threads
            )
            if warm_up:
                compiled.warm_up()
            served = ServedModel(compiled, self.limits)
        except Exception as error:  # a broken bundle must not take the others down
            log.error("skipping bundle %s: %s", directory.name, error)
            self.failures[directory.name] = str(error)
            if compiled is not None:
                compiled.close()  # its batching threads would hold its weights for the process's life
            return
        self._models[compiled.bundle.name] = served
        log.info("loaded model %s on %s in %.1f s", compiled.bundle.name, self.device, time.perf_counter() - began)

    @property
    def ready(self) -> bool:
        """True once every bundle has been loaded (or skipped) and warmed up."""
        return self._ready.is_set()

    @property
    def names(self) -> list[str]:
        return list(self._models)

    def unloaded(self) -> str | None:
        """Once loaded: what keeps this server from serving every bundle it was given, for a 503 (the
        bundles' names only: why, with paths and errors, is in the log); None when nothing does."""
        if self.failures:
            return f"bundle(s) could not be loaded: {', '.join(self.failures)} (the server log says why)"
        if not self._models:
            return "no model bundle was found (the server log says where it looked)"
        return None

    def model(self, name: str) -> ServedModel:
        """The served model called `name`; ModelNotLoaded for a bundle that failed, else UnknownModel
        listing the ones there are."""
        try:
            return self._models[name]
        except KeyError:
            if name in self.failures:
                raise ModelNotLoaded(f"model {name!r} could not be loaded (the server log says why)") from None
            available = ", ".join(self._models) or "none loaded"
            raise UnknownModel(f"unknown model {name!r}; available: {available}") from None
