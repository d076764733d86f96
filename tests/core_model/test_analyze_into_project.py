"""`epam analyze --project`: the results folder is recorded in the project, so agreement works from the CLI."""
import json

import pytest

from core_model.cli import main
from core_model.project import CreateSegment, ProjectStore


# One intra-op thread: on a shared, loaded CPU spinning OpenMP threads oversubscribe it.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.slow
def test_analyze_records_the_result_and_agreement_uses_it(bikes_video, tmp_path, capsys):
    from core_model.video import write_clip

    clip = tmp_path / "bikes_100.mp4"  # the 100 labelled frames of the demo video only: 2/5 of its analysis time
    assert write_clip(bikes_video, 0, 100, clip) == 100
    project = tmp_path / "p.epam"
    with ProjectStore.create(project, labels="ntu120") as store:
        video = store.add_video(clip)
        label = store.label_by_name("walking towards each other").id
        CreateSegment(video.id, -1, 0, 100, label).apply(store)
    assert main(["analyze", str(clip), "-o", str(tmp_path / "res"), "--project", str(project)]) == 0
    with ProjectStore.open(project, read_only=True) as store:
        assert store.analysis_folder(video.id) == (tmp_path / "res" / clip.stem).resolve()
    capsys.readouterr()
    assert main(["labels", "agreement", str(project), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["overall"]["frames"] == 100 and "walking towards each other" in out["overall"]["classes"]


def test_a_project_open_elsewhere_is_refused_before_any_work(bikes_video, tmp_path, capsys):
    project = tmp_path / "p.epam"
    writer = ProjectStore.create(project, labels="ntu60")
    try:
        code = main(["analyze", str(bikes_video), "-o", str(tmp_path / "res"), "--project", str(project)])
    finally:
        writer.close()
    assert code == 1 and "close it there" in capsys.readouterr().err
    assert not (tmp_path / "res").exists()
