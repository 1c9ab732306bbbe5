"""The in-process recommender: serves the current artifact, records events, forgets users."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from threadpoolctl import threadpool_limits

from recsys.artifacts import Artifact, load_artifact
from recsys.errors import BadRequest, NoModelLoaded
from recsys.factors import FactorModel
from recsys.interactions import Interaction
from recsys.ranking import Ranker
from recsys.results import Filters, Recommendation
from recsys.settings import RecsysSettings
from recsys.store import InteractionStore
from recsys.tombstones import Tombstones
from recsys.versions import LiveArtifact

__all__ = ["MAX_N", "LocalRecommender"]

log = logging.getLogger(__name__)

MAX_N = 1000


def _check_n(n: int) -> None:
    if not 1 <= n <= MAX_N:
        raise BadRequest(f"n must be between 1 and {MAX_N}, got {n}")


class LocalRecommender:
    """`Recommender` over the artifact that `<data_dir>/artifacts/CURRENT` names.

    A new training is picked up within `reload_interval_s` (or at once on `reload()`);
    a forgotten user is honoured from the next call on, in this and every other process.
    """

    def __init__(self, settings: RecsysSettings, *, watch: bool = True) -> None:
        """Serve `settings.data_dir`'s artifacts.

        Args:
            settings: the recsys settings.
            watch: look at the CURRENT pointer during calls (at most every
                `reload_interval_s`); the app passes False and polls in the background.
        """
        self.settings = settings
        interval = settings.reload_interval_s if watch else float("inf")
        self.live = LiveArtifact(settings.artifacts_dir, interval, self._load)
        if settings.blas_threads is not None:
            # Process-wide on purpose: serving does one small matrix product per call,
            # and a BLAS pool waking threads for it only adds tail latency. The OpenMP
            # pool too: with two, a blended session took 5.9 ms at the median against
            # 2.3 ms with one (2 busy cores, bench/RESULTS.md, issue 15).
            threadpool_limits(limits=settings.blas_threads, user_api="blas")
            threadpool_limits(limits=settings.blas_threads, user_api="openmp")
        self.tombstones = Tombstones(settings.tombstones_path)
        self._store: InteractionStore | None = None
        self._ranker: Ranker | None = None
        self._arms: dict[str, Ranker] = {}
        self._lock = threading.Lock()

    def _load(self, folder: Path) -> Artifact:
        """Load an artifact and precompute the served model's user scores if they fit."""
        artifact = load_artifact(folder)
        scorer = artifact.scorer(self.settings.model)
        budget = self.settings.score_table_mb * 2**20
        if budget and isinstance(scorer, FactorModel) and scorer.precompute(budget):
            log.info("%s: every known user's scores precomputed", artifact.version)
        if "sasrec" in artifact.models and self.settings.blas_threads is not None:
            # The sequence model runs torch for each session: one small forward pass,
            # where torch's pool of a thread per core only adds tail latency, as BLAS's does.
            from recsys.sasrec import limit_threads

            limit_threads(self.settings.blas_threads)
        return artifact

    @property
    def store(self) -> InteractionStore:
        """The interaction store (opened on first use)."""
        with self._lock:
            if self._store is None:
                self._store = InteractionStore(self.settings.store_path)
            return self._store

    def ranker(self) -> Ranker:
        """The ranker over the current artifact.

        Raises:
            NoModelLoaded: nothing has been trained yet.
        """
        artifact = self.live.current()
        if artifact is None:
            raise NoModelLoaded(
                f"no trained model in {self.settings.artifacts_dir}: run `aisle train`"
            )
        ranker = self._ranker
        if ranker is None or ranker.artifact is not artifact:
            ranker = Ranker(
                artifact,
                self.settings.model,
                self.settings.session_model,
                self.settings.session_cooc_weight,
            )
            self._ranker = ranker
        return ranker

    def arm(self, model: str | None) -> Ranker:
        """The ranker of `model` (an experiment's arm) over the current artifact; the served
        one for None.

        Raises:
            BadRequest: the served artifact holds no model of that name.
        """
        ranker = self.ranker()
        if model is None or model == self.settings.model:
            return ranker
        artifact = ranker.artifact
        if model != "pop" and model not in artifact.models:
            held = ", ".join(sorted(artifact.models))
            raise BadRequest(f"model {model!r} is not in artifact {artifact.version} ({held})")
        cached = self._arms.get(model)
        if cached is None or cached.artifact is not artifact:
            # The arm answers sessions too: comparing arms means comparing whole strategies.
            cached = Ranker(artifact, model, model)
            self._arms[model] = cached
        return cached

    def version(self) -> str | None:
        """The served artifact's version, or None before the first training."""
        artifact = self.live.current()
        return artifact.version if artifact else None

    def reload(self) -> str | None:
        """Look at the CURRENT pointer now; returns the version served afterwards."""
        artifact = self.live.reload()
        return artifact.version if artifact else None

    def recommend(
        self,
        user_id: str,
        n: int = 10,
        filters: Filters | None = None,
        exclude_purchased: bool = True,
        model: str | None = None,
    ) -> list[Recommendation]:
        """Personal recommendations; see `Recommender.recommend`."""
        _check_n(n)
        ranker = self.arm(model)
        hidden = self.tombstones.hides(user_id, ranker.artifact.data_time)
        return ranker.recommend(user_id, n, filters, exclude_purchased, hidden=hidden)

    def similar_items(
        self,
        product_id: str,
        n: int = 10,
        filters: Filters | None = None,
        model: str | None = None,
    ) -> list[Recommendation]:
        """Items similar to one product; see `Recommender.similar_items`."""
        _check_n(n)
        return self.arm(model).similar_items(product_id, n, filters)

    def bought_together(
        self, product_id: str, n: int = 10, filters: Filters | None = None
    ) -> list[Recommendation]:
        """Items bought with one product; see `Recommender.bought_together`."""
        _check_n(n)
        return self.ranker().bought_together(product_id, n, filters)

    def recommend_for_session(
        self,
        product_ids_seen: Sequence[str],
        n: int = 10,
        filters: Filters | None = None,
        model: str | None = None,
    ) -> list[Recommendation]:
        """Recommendations for an anonymous session; see `Recommender.recommend_for_session`."""
        _check_n(n)
        return self.arm(model).recommend_for_session(list(product_ids_seen), n, filters)

    def next_after_basket(
        self, product_ids: Sequence[str], n: int = 10, filters: Filters | None = None
    ) -> list[Recommendation]:
        """What comes next after a basket; see `Recommender.next_after_basket`."""
        _check_n(n)
        return self.ranker().next_after_basket(list(product_ids), n, filters)

    def record(self, events: Sequence[Interaction]) -> int:
        """Store events for the next training."""
        return self.store.record(list(events))

    def forget(self, user_id: str) -> int:
        """Delete the user's interactions and tombstone them for every served artifact."""
        if not user_id:
            raise BadRequest("user_id is empty")
        # Tombstone first: from here on no process serves recommendations from their history.
        self.tombstones.add(user_id)
        return self.store.forget(user_id)
