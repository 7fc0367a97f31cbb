"""``spacy-ddi extract --engine ray`` on a two-node Ray cluster, with and without losing a node.

    python scripts/ray_lost_node.py en_ddi_mtmg corpus/test.spacy benchmarks/speed/ray_lost_node.json --documents 300

Starts a cluster of two nodes on this machine (``ray.cluster_utils.Cluster``: a head and
one worker node, loopback only, each with ``--node-cpus`` logical CPUs and a small object
store), then runs the command a user would, ``python -m spacy_ddi extract MODEL IN.jsonl -o
PARTS/ --engine ray --address ...``, twice: once undisturbed (the throughput per actor),
once with the worker node killed (``cluster.remove_node``, no graceful shutdown) as soon
as some parts are written and an actor runs on that node. Each run's part folder is then
read back: documents in and out, ids written twice, ids missing, documents that failed.
The documents are the DDI test documents (each its sentences joined into one text,
abstract-sized), repeated with new ids up to ``--documents``; a ``.jsonl`` input
(id, text) is used as is.
"""
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import typer


def documents(source: Path, count: int):
    """(id, text) pairs: a JSONL file's rows, or a DocBin's documents joined, repeated to ``count``."""
    if source.suffix == ".jsonl":
        rows = [json.loads(line) for line in source.read_text(encoding="utf8").splitlines() if line.strip()]
        base = [(str(r["id"]), r["text"]) for r in rows]
    else:
        import spacy
        from spacy.tokens import DocBin

        from spacy_ddi.evaluation import join_documents

        docs = list(DocBin().from_disk(source).get_docs(spacy.blank("en").vocab))
        base = [(d.id, d.text) for d in join_documents(docs)]
    out = []
    for k in range(count):
        doc_id, text = base[k % len(base)]
        out.append((f"{doc_id}#{k // len(base)}" if count > len(base) else doc_id, text))
    return out


def part_ids(folder: Path):
    from spacy_ddi.extract.parts import part_ids as ids_of
    from spacy_ddi.records import record_parts

    return [i for part in record_parts(folder) for i in ids_of(part)]


def alive_actors_on(node_id: str) -> int:
    """Pipeline actors alive on a node (from Ray's actor table: the state API needs the
    dashboard, which these nodes run without)."""
    from ray._private.state import actors

    return sum(
        1 for a in actors().values()
        if a["State"] == "ALIVE" and a["Address"]["NodeID"] == node_id and "PipelineActor" in a["ActorClassName"]
    )


def main(
    model: str = typer.Argument(..., help="Trained pipeline (a folder or an installed package)"),
    source: Path = typer.Argument(..., help="corpus/test.spacy (its documents, repeated) or a .jsonl of id, text"),
    output: Path = typer.Argument(..., help="Where to write the JSON record"),
    n_documents: int = typer.Option(300, "--documents", help="Documents per run"),
    node_cpus: float = typer.Option(2, "--node-cpus", help="Logical CPUs of each simulated node"),
    actors: int = typer.Option(2, "--actors"),
    cpus_per_actor: float = typer.Option(0.5, "--cpus-per-actor"),
    batch_size: int = typer.Option(8, "--batch-size"),
    part_size: int = typer.Option(16, "--flush-every", help="Documents per part file"),
    object_store_mb: int = typer.Option(200, "--object-store-mb", help="Object store of each node"),
    timeout: float = typer.Option(1200, "--timeout", help="Seconds a run may take"),
    steady: bool = typer.Option(True, "--steady/--no-steady", help="Also time a run without losing a node"),
):
    import ray
    from ray.cluster_utils import Cluster

    items = documents(source, n_documents)
    words = sum(len(t.split()) for _, t in items)
    node_args = {"num_cpus": node_cpus, "object_store_memory": object_store_mb * 1024 * 1024, "include_dashboard": False}
    record = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "command": " ".join(["python", "scripts/ray_lost_node.py"] + sys.argv[1:]),
        "model": model, "documents_in": len(items), "words_in_whitespace": words,
        "ray_version": ray.__version__, "python": platform.python_version(),
        "conditions": {
            "nodes": "2 simulated on one machine (ray.cluster_utils.Cluster, loopback)",
            "machine_cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(),
            "node_cpus": node_cpus, "object_store_mb_per_node": object_store_mb, "actors": actors,
            "cpus_per_actor": cpus_per_actor, "batch_size": batch_size, "documents_per_part": part_size,
        },
        "runs": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        inputs = tmp / "in.jsonl"
        inputs.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in items), encoding="utf8")
        for kill in ([False] if steady else []) + [True]:
            cluster = Cluster(initialize_head=True, connect=True, head_node_args=dict(node_args))
            worker = cluster.add_node(**node_args)
            cluster.wait_for_nodes()
            parts = tmp / ("parts_lost_node" if kill else "parts_steady")
            command = [
                sys.executable, "-m", "spacy_ddi", "extract", model, str(inputs), "-o", str(parts),
                "--engine", "ray", "--address", cluster.address, "--actors", str(actors),
                "--cpus-per-actor", str(cpus_per_actor), "--batch-size", str(batch_size),
                "--flush-every", str(part_size),
            ]
            start = time.perf_counter()
            run = {"worker_node_killed": kill}
            log = (tmp / f"driver_{kill}.log").open("w+", encoding="utf8")
            driver = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
            try:
                while kill and driver.poll() is None and time.perf_counter() - start < timeout:
                    written = part_ids(parts) if parts.exists() else []
                    if written and alive_actors_on(worker.node_id):
                        run["killed_at_seconds"] = round(time.perf_counter() - start, 1)
                        run["documents_written_when_killed"] = len(written)
                        run["actors_on_killed_node"] = alive_actors_on(worker.node_id)
                        cluster.remove_node(worker, allow_graceful=False)
                        break
                    time.sleep(0.2)
                driver.wait(timeout=max(1.0, timeout - (time.perf_counter() - start)))
            except subprocess.TimeoutExpired:
                driver.kill()
                driver.wait()
                run["timed_out"] = True
            run["wall_seconds"] = round(time.perf_counter() - start, 1)
            run["exit_code"] = driver.returncode
            log.seek(0)
            lines = log.read().splitlines()
            summary = [line for line in lines if "documents," in line and "skipped" in line]
            run["summary"] = summary[-1] if summary else None
            if not summary:
                run["driver_log_tail"] = lines[-30:]
            written = part_ids(parts) if parts.exists() else []
            counts = Counter(written)
            expected = {i for i, _ in items}
            run["documents_out"] = len(written)
            run["duplicates"] = sum(c - 1 for c in counts.values())
            run["missing"] = len(expected - set(counts))
            run["failed"] = sum(1 for p in parts.glob("errors-*.jsonl") for line in p.open() if line.strip()) if parts.exists() else None
            run["parts"] = len(list(parts.glob("records-*"))) if parts.exists() else 0
            run["documents_per_second"] = round(len(written) / run["wall_seconds"], 2)
            run["note"] = "wall time of the whole command: Python, Ray's connection, each actor loading the pipeline, the run"
            record["runs"].append(run)
            typer.echo(json.dumps(run), err=True)
            ray.shutdown()
            cluster.shutdown()
    record["conditions"]["load_average_at_end"] = os.getloadavg()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=2) + "\n", encoding="utf8")
    typer.echo(f"wrote {output}", err=True)
    lost = record["runs"][-1]
    if lost["duplicates"] or lost["missing"] or lost["exit_code"] not in (0, 1) or "killed_at_seconds" not in lost:
        raise SystemExit(1)


if __name__ == "__main__":
    typer.run(main)
