"""MovieLens 100K itself: sizes of the partition, baseline values, and the download path."""

from __future__ import annotations

import http.server
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from grader import metrics
from grader.baselines import GlobalMean, Popularity, UserItemBiases
from grader.data import DatasetError, assignment_split, load_movielens, load_public
from grader.data.movielens import download_movielens, locate_movielens

pytestmark = pytest.mark.movielens


def test_full_dataset_shape(movielens_dir: Path) -> None:
    data = load_movielens(movielens_dir)
    assert len(data) == 100_000
    assert (data.num_users, data.num_items) == (944, 1683)
    assert (data.user_ids.min(), data.user_ids.max()) == (1, 943)
    assert (data.item_ids.min(), data.item_ids.max()) == (1, 1682)


def test_public_explicit_set_has_exactly_80000_ratings(movielens_dir: Path) -> None:
    assert len(load_public("explicit", movielens_dir)) == 80_000


def test_public_sequence_set_holds_four_fifths_of_the_users(movielens_dir: Path) -> None:
    data = load_movielens(movielens_dir)
    split = assignment_split(data, "sequence")
    assert len(np.unique(split.public.user_ids)) == 943 - round(0.2 * 943)
    assert split.hidden.inputs.shape == (len(split.hidden), 9)
    hidden_users = np.setdiff1d(np.unique(data.user_ids), split.public.user_ids)
    assert len(np.unique(split.hidden.user_ids)) > 0.95 * len(hidden_users)  # nearly every hidden user has a clean target
    assert np.bincount(split.hidden.user_ids).max() == 3
    assert 450 < len(split.hidden) < 600


def test_hidden_targets_never_share_their_second_with_a_neighbour(movielens_dir: Path) -> None:
    """Half of MovieLens's ratings share their second with the one before: none of those is a target."""
    data = load_movielens(movielens_dir)
    hidden = assignment_split(data, "sequence").hidden
    for user, inputs, target in zip(hidden.user_ids, hidden.inputs, hidden.targets):
        mine = data.user_ids == user
        second = dict(zip(data.item_ids[mine].tolist(), data.timestamps[mine].tolist()))
        assert second[int(inputs[-1])] < second[int(target)]
        assert [item for item, t in second.items() if t == second[int(target)]] == [int(target)]


def test_baselines_on_the_hidden_split(movielens_dir: Path) -> None:
    """Global mean near 1.12 as in the course material; popularity MRR near 0.035 on the hidden
    rows, whose targets stand at seed-chosen places of the histories (the most recent windows
    give 0.021, the course's 0.025 was over every window, ambiguous targets included)."""
    data = load_movielens(movielens_dir)
    explicit = assignment_split(data, "explicit")
    pairs = (explicit.hidden.user_ids, explicit.hidden.item_ids)
    mean_rmse = metrics.rmse(GlobalMean().fit(explicit.public).predict_ratings(*pairs), explicit.hidden.ratings)
    bias_rmse = metrics.rmse(UserItemBiases().fit(explicit.public).predict_ratings(*pairs), explicit.hidden.ratings)
    assert mean_rmse == pytest.approx(1.12, abs=0.01)
    assert 0.93 < bias_rmse < 0.96
    sequence = assignment_split(data, "sequence")
    scores = Popularity().fit(sequence.public).predict_next(sequence.hidden.inputs)
    assert metrics.mrr(scores, sequence.hidden.targets) == pytest.approx(0.035, abs=0.003)


# --- the download path, against a local server ------------------------------------------------


@pytest.fixture
def archive_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 serving whatever the test writes into its folder."""
    root = tmp_path / "served"
    root.mkdir()
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(*args, directory=str(root))  # noqa: E731
    http.server.SimpleHTTPRequestHandler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def _build_archive(source: Path, target: Path, corrupt: bool = False) -> None:
    with zipfile.ZipFile(target, "w") as bundle:
        bundle.writestr("ml-100k/", "")
        for path in sorted(source.iterdir()):
            data = path.read_bytes()
            if corrupt and path.name == "u.data":
                data = data.replace(b"\t5\t", b"\t4\t", 1)
            bundle.writestr(f"ml-100k/{path.name}", data)


def _leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_download_verifies_and_installs_atomically(movielens_dir: Path, archive_server, tmp_path: Path) -> None:
    url, root = archive_server
    _build_archive(movielens_dir, root / "ml-100k.zip")
    cache = tmp_path / "cache"
    folder = download_movielens(cache, url=f"{url}/ml-100k.zip")
    assert folder == cache / "ml-100k"
    assert _leftovers(cache) == ["ml-100k"]  # no staging folder or archive left behind
    assert len(load_movielens(cache_dir=cache)) == 100_000


def test_first_use_downloads_once_into_the_cache(movielens_dir: Path, archive_server, tmp_path: Path, monkeypatch) -> None:
    url, root = archive_server
    _build_archive(movielens_dir, root / "ml-100k.zip")
    monkeypatch.delenv("GRADER_DATA_DIR", raising=False)
    monkeypatch.setenv("GRADER_MOVIELENS_URL", f"{url}/ml-100k.zip")
    cache = tmp_path / "cache"
    assert locate_movielens(cache_dir=cache) == cache / "ml-100k"
    (root / "ml-100k.zip").unlink()  # a second use must not download again
    assert len(load_movielens(cache_dir=cache)) == 100_000


def test_corrupted_download_is_reported_and_nothing_is_kept(movielens_dir: Path, archive_server, tmp_path: Path) -> None:
    url, root = archive_server
    _build_archive(movielens_dir, root / "ml-100k.zip", corrupt=True)
    cache = tmp_path / "cache"
    with pytest.raises(DatasetError, match=r"Checksum mismatch for u\.data.*Nothing was kept"):
        download_movielens(cache, url=f"{url}/ml-100k.zip")
    assert _leftovers(cache) == []


def test_error_page_instead_of_archive(archive_server, tmp_path: Path) -> None:
    url, root = archive_server
    (root / "ml-100k.zip").write_text("<html>503 Service Unavailable</html>")
    with pytest.raises(DatasetError, match="not a zip archive"):
        download_movielens(tmp_path / "cache", url=f"{url}/ml-100k.zip")
    assert _leftovers(tmp_path / "cache") == []


def test_missing_archive_on_the_server(archive_server, tmp_path: Path) -> None:
    url, _ = archive_server
    with pytest.raises(DatasetError, match="Cannot download.*GRADER_DATA_DIR"):
        download_movielens(tmp_path / "cache", url=f"{url}/missing.zip")


def test_unwritable_cache_names_the_folder_and_the_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")  # a file where the cache folder should be: not writable, even as root
    with pytest.raises(DatasetError, match=rf"Cannot write the dataset cache {blocker}.*GRADER_CACHE_DIR"):
        download_movielens(blocker / "cache", url="http://127.0.0.1:9/never-fetched")
