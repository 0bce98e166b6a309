"""A reduced load run in CI (`make bench-load` runs the full 200 files)."""

from tests.reliability.load import run


def test_batch_dropped_at_once_all_final_none_twice(service, forged_scan, forged_report, capsys):
    figures = run(service, [forged_scan, forged_report], docs=6, duplicates=2, broken=4, workers=2, timeout=600)
    assert figures["documents_done"] == 8 and figures["failed"] == 4  # two broken files are the same empty file
    assert figures["peak_worker_rss_mib"] < 1024
    with capsys.disabled():
        print(f"\nload (reduced): {figures}")
