"""The encoder through ONNX Runtime (spacy_ddi.onnx, extract --runtime onnx)."""
import json
import sys

import pytest
import spacy
from typer.testing import CliRunner

from spacy_ddi.cli import app

from .conftest import TRAIN_DATA

TEXTS = [text for text, _, _ in TRAIN_DATA] + [
    "Coadministration of ketoconazole and midazolam was studied in healthy volunteers; lithium was not given.",
    "No interaction.",
    "",
]


def predictions(nlp):
    docs = list(nlp.pipe(TEXTS))
    return (
        [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in docs],
        [{tuple(r[:5]): float(r[5]) for r in (d._.ddi_records or [])} for d in docs],
    )


@pytest.fixture
def nlp(model_dir):
    return spacy.load(model_dir)


def test_onnx_predicts_what_torch_does_and_use_torch_goes_back(nlp):
    pytest.importorskip("onnxruntime")
    from spacy_ddi.onnx import ONNX_ATTR, encoder_shim, use_onnx, use_torch

    ents, ddis = predictions(nlp)
    assert any(ddis), "the tiny pipeline should report interactions, or this compares nothing"
    encoder = use_onnx(nlp, threads=1)
    assert encoder.threads == 1 and getattr(encoder_shim(nlp), ONNX_ATTR) is encoder
    calls = []
    run = encoder.session.run
    encoder.session.run = lambda *a, **k: calls.append(1) or run(*a, **k)
    onnx_ents, onnx_ddis = predictions(nlp)
    assert calls, "the ONNX session was not called"
    assert onnx_ents == ents
    assert [set(d) for d in onnx_ddis] == [set(d) for d in ddis]
    assert max(abs(a[k] - b[k]) for a, b in zip(ddis, onnx_ddis) for k in a) < 1e-4
    use_torch(nlp)
    calls.clear()
    assert predictions(nlp) == (ents, ddis) and not calls


def test_training_stays_on_torch_with_onnx_attached(nlp):
    pytest.importorskip("onnxruntime")
    from spacy.training import Example

    from spacy_ddi.onnx import use_onnx

    encoder = use_onnx(nlp, threads=1)
    calls = []
    run = encoder.session.run
    encoder.session.run = lambda *a, **k: calls.append(1) or run(*a, **k)
    doc = nlp(TRAIN_DATA[0][0])
    assert calls, "prediction did not go through the ONNX session"
    calls.clear()
    with pytest.warns(UserWarning):
        losses = nlp.update([Example(nlp.make_doc(doc.text), doc)], sgd=nlp.create_optimizer())
    assert losses and not calls, "nlp.update called the ONNX session"


def test_a_training_step_drops_the_stale_session(nlp):
    pytest.importorskip("onnxruntime")
    from spacy.training import Example

    from spacy_ddi.onnx import ONNX_ATTR, encoder_shim, use_onnx

    use_onnx(nlp, threads=1)
    doc = nlp(TRAIN_DATA[0][0])
    with pytest.warns(UserWarning, match="ONNX Runtime session .* is dropped"):
        nlp.update([Example(nlp.make_doc(doc.text), doc)], sgd=nlp.create_optimizer())
    assert not hasattr(encoder_shim(nlp), ONNX_ATTR)


def test_an_exported_file_is_used_and_a_missing_one_is_named(nlp, tmp_path):
    pytest.importorskip("onnxruntime")
    from spacy_ddi.onnx import export_encoder, use_onnx

    path = export_encoder(nlp, tmp_path / "sub" / "encoder.onnx")
    assert path.stat().st_size > 0
    assert use_onnx(nlp, path).path == path
    with pytest.raises(FileNotFoundError, match="nothing.onnx"):
        use_onnx(nlp, tmp_path / "nothing.onnx")


def test_extract_runtime_onnx_writes_the_records_torch_does(model_dir, tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(TEXTS)))
    from spacy_ddi.onnx import OnnxEncoder

    runner = CliRunner()
    records = {}
    calls = []
    call = OnnxEncoder.__call__
    monkeypatch.setattr(OnnxEncoder, "__call__", lambda self, w: calls.append(1) or call(self, w))
    for runtime in ("torch", "onnx"):
        out = tmp_path / f"{runtime}.jsonl"
        result = runner.invoke(app, ["extract", str(model_dir), str(source), "-o", str(out), "--runtime", runtime, "-q"])
        assert result.exit_code == 0, result.output
        records[runtime] = [json.loads(line) for line in out.read_text().splitlines()]
        assert bool(calls) == (runtime == "onnx"), runtime
    for a, b in zip(records["torch"], records["onnx"]):
        assert a["entities"] == b["entities"]
        assert [(i["subject"], i["object"], i["label"]) for i in a["interactions"]] == [
            (i["subject"], i["object"], i["label"]) for i in b["interactions"]]
        assert all(abs(i["score"] - j["score"]) < 1e-3 for i, j in zip(a["interactions"], b["interactions"]))


def test_int8_quantizes_the_exported_encoder_and_still_predicts(nlp, tmp_path):
    pytest.importorskip("onnxruntime")
    from spacy_ddi.onnx import use_onnx

    ents, _ = predictions(nlp)
    encoder = use_onnx(nlp, quantize="int8")
    fp32 = encoder.path.with_name("encoder.onnx")
    assert encoder.path.name == "encoder-int8.onnx" and encoder.path.stat().st_size < fp32.stat().st_size / 2
    int8_ents, int8_ddis = predictions(nlp)
    assert len(int8_ents) == len(ents) and all(0 <= s <= 1 for d in int8_ddis for s in d.values())
    with pytest.raises(ValueError, match="quantize is None or 'int8'"):
        use_onnx(nlp, quantize="int4")
    with pytest.raises(ValueError, match="not both"):
        use_onnx(nlp, fp32, quantize="int8")


def test_the_ray_actor_runs_the_onnx_runtime(model_dir):
    pytest.importorskip("onnxruntime")
    from spacy_ddi.extract.ray import PipelineActor
    from spacy_ddi.onnx import ONNX_ATTR, encoder_shim

    actor = PipelineActor(str(model_dir), "id", "text", gpu=False, torch_threads=1, runtime="onnx")
    assert getattr(encoder_shim(actor.nlp), ONNX_ATTR).threads == 1


@pytest.mark.parametrize("args, message", [
    (["--runtime", "tensorrt"], "--runtime is torch, onnx, onnx-int8, not 'tensorrt'"),
    (["--runtime", "onnx-int8", "--gpu-id", "0"], "--runtime onnx-int8 runs on the CPU"),
    (["--runtime", "onnx", "--n-process", "2"], "--runtime onnx runs in one process"),
    (["--runtime", "onnx", "--gpu-id", "0"], "--runtime onnx runs on the CPU"),
])
def test_extract_refuses_a_runtime_it_cannot_run(model_dir, tmp_path, args, message):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "d1", "text": TEXTS[0]}) + "\n")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["extract", str(model_dir), str(source), "-o", str(out), *args, "-q"])
    assert result.exit_code == 2 and message in result.output
    assert not out.exists()


def test_without_onnxruntime_the_error_says_what_to_install(model_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now fails
    from spacy_ddi.onnx import use_onnx

    with pytest.raises(ImportError, match=r"pip install 'spacy-ddi\[onnx\]'"):
        use_onnx(spacy.load(model_dir))
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "d1", "text": TEXTS[0]}) + "\n")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["extract", str(model_dir), str(source), "-o", str(out), "--runtime", "onnx", "-q"])
    assert result.exit_code == 2 and "spacy-ddi[onnx]" in result.output and not out.exists()
