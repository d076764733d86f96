"""Stop in the middle of an epoch, resume, and end exactly where an uninterrupted run ends; DDP on 2 CPU processes."""
import json
import os
import subprocess
import sys

import pytest
import torch

from core_model.export import make_synthetic_set
from core_model.jobs import CancelToken
from core_model.models import load_checkpoint
from core_model.training import TrainOptions, train

TINY = {"rgb_size": 64, "heatmap_size": 16, "rgb_frames": 4, "pose_frames": 12}


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resume")
    data = make_synthetic_set(folder / "set", classes=3, clips_per_class=6, size=(64, 48), seconds=0.6, seed=2,
                              split=0.67)
    preset = folder / "tiny.json"
    preset.write_text(json.dumps({"name": "tiny", "inputs": TINY, "default_phase": "joint",
                                  "optimizer": {"precise_bn_clips": 8},
                                  "phases": {p: {"epochs": 2, "batch": 4, "lr": 0.05} for p in ("rgb", "pose", "joint")}}))
    return folder, data, str(preset)


@pytest.fixture
def one_thread():
    """One torch thread: the runs compare bit for bit, and a shared CPU does not oversubscribe."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _weights(path):
    model, _ = load_checkpoint(path)
    return model.state_dict()


@pytest.mark.slow
def test_resume_continues_with_identical_state(setup, one_thread):
    folder, data, preset = setup
    straight = train(TrainOptions(str(data.path), str(folder / "a"), preset=preset, workers=0, tiny=True))
    assert not straight.stopped and len(straight.history) == 2

    cancel = CancelToken()
    events = []

    def emit(event):
        events.append(event)
        if event["event"] == "batch" and event["epoch"] == 1 and event["step"] == 2:
            cancel.cancel()  # as Ctrl+C: the run saves and stops before the next batch

    stopped = train(TrainOptions(str(data.path), str(folder / "b"), preset=preset, workers=0, log_every=0, tiny=True),
                    emit=emit, cancel=cancel)
    assert stopped.stopped and events[-1]["event"] == "stopped" and stopped.history == []
    assert (folder / "b" / "last.pt").is_file()
    state = torch.load(folder / "b" / "train_state.pt", weights_only=True)
    assert (state["epoch"], state["start"]) == (0, 2)

    resumed = train(TrainOptions(str(data.path), str(folder / "b"), resume=True, workers=1))
    assert not resumed.stopped
    a, b = _weights(straight.last), _weights(resumed.last)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a), [k for k in a if not torch.equal(a[k], b[k])][:5]
    sa = torch.load(folder / "a" / "train_state.pt", weights_only=True)
    sb = torch.load(folder / "b" / "train_state.pt", weights_only=True)
    assert sa["scheduler"] == sb["scheduler"] and sa["done"] and sb["done"]
    for key, value in sa["optimizer"]["state"].items():
        assert torch.equal(value["momentum_buffer"], sb["optimizer"]["state"][key]["momentum_buffer"])
    assert [e["val"]["acc_fused"] for e in straight.history] == [e["val"]["acc_fused"] for e in resumed.history]
    # a finished run resumes to "done" at once; a new run refuses to overwrite it
    again = train(TrainOptions(str(data.path), str(folder / "b"), resume=True, workers=0))
    assert not again.stopped and again.last is not None
    with pytest.raises(Exception, match="--resume"):
        train(TrainOptions(str(data.path), str(folder / "b"), preset=preset, workers=0))


@pytest.mark.slow
def test_two_process_gloo_run_ends_with_identical_weights(setup, tmp_path):
    folder, data, preset = setup
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         "-m", "core_model.training", str(data.path), "-o", str(out), "--preset", preset, "--epochs", "1",
         "--workers", "0", "--device", "cpu", "--tiny"],
        capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert [e["event"] for e in lines].count("start") == 1  # rank 0 alone reports
    start = lines[0]
    assert start["world_size"] == 2
    metrics = json.loads((out / "metrics.json").read_text())
    ranks = metrics["epochs"][-1]["ranks"]
    assert len(ranks["weight_digests"]) == 2 and ranks["agree"], ranks
    epoch = metrics["epochs"][-1]
    assert epoch["train"]["clips"] >= len(data.train)  # the two ranks shared the epoch
    assert epoch["val"]["clips"] == len(data.val)  # validation gathered from both, each clip once
    load_checkpoint(out / "last.pt")


@pytest.mark.slow
def test_phase_all_runs_rgb_pose_then_joint(setup, one_thread, tmp_path):
    folder, data, preset = setup
    events = []
    result = train(TrainOptions(str(data.path), str(tmp_path / "all"), preset=preset, phase="all", epochs=1,
                                workers=0, freeze=None, tiny=True), emit=events.append)
    assert [e["phase"] for e in result.history] == ["rgb", "pose", "joint"]
    rgb, pose, joint = (e["val"] for e in result.history)
    assert "acc_rgb" in rgb and "acc_pose" not in rgb and "acc_pose" in pose and "acc_rgb" not in pose
    assert {"acc_rgb", "acc_pose", "acc_fused"} <= set(joint)
    assert [e["loss_rgb" if p == "rgb" else "loss_pose"] > 0 for p, e in
            (("rgb", result.history[0]["train"]), ("pose", result.history[1]["train"]))] == [True, True]
    _, info = load_checkpoint(result.last)
    assert info.provenance["meta"]["phase"] == "joint" and info.provenance["meta"]["phases"] == ["rgb", "pose", "joint"]
    start = events[0]
    assert [p["phase"] for p in start["phases"]] == ["rgb", "pose", "joint"]


def test_freezing_the_only_stream_a_phase_trains_is_refused(setup, tmp_path):
    folder, data, preset = setup
    with pytest.raises(Exception, match="nothing would be trained"):
        train(TrainOptions(str(data.path), str(tmp_path / "f"), preset=preset, phase="pose", freeze="pose"))


@pytest.mark.slow
def test_ctrl_c_stops_after_saving(setup, tmp_path):
    """SIGINT to the CLI (as Ctrl+C; SIGTERM alike): one 'stopped' line, exit status 130, resumable state."""
    import signal

    folder, data, preset = setup
    out = tmp_path / "ctrl_c"
    proc = subprocess.Popen([sys.executable, "-m", "core_model.training", str(data.path), "-o", str(out),
                             "--preset", preset, "--workers", "1", "--log-every", "0", "--tiny"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    lines = []
    for line in proc.stdout:
        lines.append(json.loads(line))
        if lines[-1]["event"] == "batch":
            proc.send_signal(signal.SIGINT)
            break
    rest, err = proc.communicate(timeout=600)
    lines += [json.loads(line) for line in rest.splitlines() if line.startswith("{")]
    assert proc.returncode == 130, err[-2000:]
    assert lines[-1]["event"] == "stopped" and "Traceback" not in err
    state = torch.load(out / "train_state.pt", weights_only=True)
    assert state["epoch"] == 0 and state["start"] >= 1
    load_checkpoint(out / "last.pt")


def _stopped_run(data, out, preset, **options):
    """A run stopped at its first batch (train_state.pt saved), as Stop or Ctrl+C leave it."""
    cancel = CancelToken()

    def emit(event):
        if event["event"] == "batch":
            cancel.cancel()

    result = train(TrainOptions(str(data), str(out), preset=preset, workers=0, log_every=0, tiny=True, **options),
                   emit=emit, cancel=cancel)
    assert result.stopped and (out / "train_state.pt").is_file()


def test_resume_with_other_data_or_settings_is_refused(setup, tmp_path, capsys):
    import shutil

    from core_model.cli import main as cli_main
    from core_model.errors import ConfigError

    folder, data, preset = setup
    copy = tmp_path / "set"
    shutil.copytree(data.path, copy)
    out = tmp_path / "run"
    _stopped_run(copy, out, preset, seed=3)
    other = make_synthetic_set(tmp_path / "other", classes=2, clips_per_class=3, size=(64, 48), seconds=0.4, seed=9)

    with pytest.raises(ConfigError) as err:
        train(TrainOptions(str(other.path), str(out), resume=True, workers=0))
    text = str(err.value)
    assert "data" in text and str(other.path) in text and "\n" not in text, text

    # the CLI: settings typed again that differ are named (preset, epochs, seed); device/workers may change
    rc = cli_main(["train", str(copy), "-o", str(out), "--resume", "--preset", "cpu-quick", "--epochs", "5",
                   "--seed", "0", "--workers", "0", "--device", "cpu"])
    printed = capsys.readouterr()
    assert rc == 1
    line = printed.err.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line, line
    for name in ("preset", "epochs", "seed"):
        assert name in line, line
    assert "device" not in line and "workers" not in line and "data (" not in line, line
    errors = [json.loads(x) for x in printed.out.splitlines() if x.startswith("{")]
    assert errors and errors[-1]["event"] == "error" and "epochs" in errors[-1]["message"]

    # the same folder, but its contents changed since the run started (a set exported again in place)
    rows = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps(rows[:-1]))
    with pytest.raises(ConfigError) as err:
        train(TrainOptions(str(copy), str(out), resume=True, workers=0))
    assert "changed" in str(err.value) and "\n" not in str(err.value), str(err.value)
    state = torch.load(out / "train_state.pt", weights_only=True)
    assert (state["epoch"], state["start"]) == (0, 1)  # nothing was touched


def test_stop_in_the_last_batch_skips_precise_bn_and_validation(setup, one_thread, tmp_path, monkeypatch):
    """Stop asked during an epoch's last batch: no precise BN, no validation; a resumable state that does them."""
    from core_model.training import loop

    folder, data, preset = setup
    ran = []
    for name in ("_precise_bn", "_validate"):
        original = getattr(loop.Trainer, name)
        monkeypatch.setattr(loop.Trainer, name, lambda self, *a, _f=original, _n=name, **k: (ran.append(_n),
                                                                                              _f(self, *a, **k))[1])
    cancel = CancelToken()
    events = []

    def emit(event):
        events.append(event)
        if event["event"] == "batch" and event["step"] == event["steps"]:
            cancel.cancel()  # arrives while the last batch of the epoch runs

    out = tmp_path / "run"
    result = train(TrainOptions(str(data.path), str(out), preset=preset, epochs=1, workers=0, log_every=0), emit=emit,
                   cancel=cancel)
    assert result.stopped and events[-1]["event"] == "stopped"
    assert ran == [] and not [e for e in events if e["event"] == "epoch"]
    steps = [e for e in events if e["event"] == "batch"][-1]["steps"]
    state = torch.load(out / "train_state.pt", weights_only=True)
    assert (state["epoch"], state["start"]) == (0, steps)
    load_checkpoint(out / "last.pt")
    resumed = train(TrainOptions(str(data.path), str(out), resume=True, workers=0))
    assert not resumed.stopped and len(resumed.history) == 1 and ran == ["_precise_bn", "_validate"]

