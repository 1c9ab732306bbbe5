"""Fusion of the keyword and vector rankings into the one list a shopper sees."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.fusion import FusionParams, fuse

METHODS = [FusionParams(method="weighted"), FusionParams(method="rrf")]


def ranked(docs: list[int], scores: list[float]) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(docs, dtype=np.int64), np.asarray(scores, dtype=np.float32)


EMPTY = ranked([], [])


@pytest.mark.parametrize("params", METHODS, ids=lambda p: p.method)
def test_a_doc_both_channels_found_beats_docs_only_one_found(params: FusionParams) -> None:
    keyword = ranked([1, 7, 2, 3], [9.0, 8.9, 5.0, 1.0])
    vector = ranked([4, 7, 5, 6], [0.80, 0.79, 0.60, 0.30])
    fused = fuse(keyword, vector, 10, params)
    assert fused[0][0] == 7


@pytest.mark.parametrize("params", METHODS, ids=lambda p: p.method)
def test_output_is_best_first_unique_and_cut_at_k(params: FusionParams) -> None:
    keyword = ranked([1, 2, 3, 4], [4.0, 3.0, 2.0, 1.0])
    vector = ranked([3, 5, 1, 6], [0.9, 0.8, 0.7, 0.6])
    fused = fuse(keyword, vector, 3, params)
    docs = [d for d, _ in fused]
    scores = [s for _, s in fused]
    assert len(fused) == 3 and len(set(docs)) == 3
    assert scores == sorted(scores, reverse=True)
    assert fuse(keyword, vector, 100, params).__len__() == 6


@pytest.mark.parametrize("params", METHODS, ids=lambda p: p.method)
def test_one_empty_channel_keeps_the_other_channels_order(params: FusionParams) -> None:
    keyword = ranked([5, 3, 8], [3.0, 2.0, 1.0])
    vector = ranked([5, 3, 8], [0.9, 0.6, 0.3])
    assert [d for d, _ in fuse(keyword, EMPTY, 10, params)] == [5, 3, 8]
    assert [d for d, _ in fuse(EMPTY, vector, 10, params)] == [5, 3, 8]
    assert fuse(EMPTY, EMPTY, 10, params) == []


def test_keyword_score_scale_does_not_change_the_ranking() -> None:
    # BM25 scores grow with the catalog and the query's length; cosines do not.
    params = FusionParams(method="weighted")
    keyword = ranked([1, 2, 3], [3.0, 2.0, 1.0])
    vector = ranked([3, 2, 4], [0.9, 0.5, 0.4])
    scaled = ranked([1, 2, 3], [30.0, 20.0, 10.0])
    assert [d for d, _ in fuse(keyword, vector, 10, params)] == [
        d for d, _ in fuse(scaled, vector, 10, params)
    ]


@pytest.mark.parametrize("method", ["weighted", "rrf"])
def test_weights_decide_which_channel_leads(method: str) -> None:
    keyword = ranked([1, 2], [2.0, 1.0])
    vector = ranked([3, 4], [0.9, 0.8])
    keyword_led = FusionParams(method=method, keyword_weight=0.9, vector_weight=0.1)
    vector_led = FusionParams(method=method, keyword_weight=0.1, vector_weight=0.9)
    assert fuse(keyword, vector, 1, keyword_led)[0][0] == 1
    assert fuse(keyword, vector, 1, vector_led)[0][0] == 3


def test_a_single_strong_channel_result_is_not_drowned_by_a_long_tail() -> None:
    # A vector list where everything scores alike says little about its order.
    params = FusionParams(method="weighted")
    keyword = ranked([1, 2, 3], [10.0, 2.0, 1.0])
    vector = ranked([2, 3, 4], [0.5001, 0.5000, 0.4999])
    assert fuse(keyword, vector, 1, params)[0][0] == 1
