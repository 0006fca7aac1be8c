"""The Kubernetes manifests (deploy/kubernetes/): valid against the Kubernetes schemas, and wired to
each other and to the service (probe paths, port, labels, the start-up budget)."""

from __future__ import annotations

import copy
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
KUBERNETES = "1.33"  # the oldest release these are written for: native sidecars, preStop sleep
STARTUP_SECONDS_MEASURED = 16  # the container's time to load and warm every model, measured (README, Deploy)


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def resources() -> dict[str, dict]:
    """Every resource of the manifests (kustomization files are build instructions, not resources)."""
    found = {}
    for path in sorted(DEPLOY.rglob("*.yaml")):
        if path.name == "kustomization.yaml" or path.parent.name == "gpu":
            continue
        for doc in documents(path):
            found[f"{path.relative_to(DEPLOY)}:{doc['kind']}/{doc['metadata']['name']}"] = doc
    return found


def merge(base, patch):
    """A strategic merge as kustomize does it for these files: maps merge, containers merge by name."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = merge(base[key], value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(patch, list) and all("name" in item for item in base + patch):
        by_name = {item["name"]: item for item in base}
        return [merge(by_name[item["name"]], item) if item["name"] in by_name else item for item in patch]
    return copy.deepcopy(patch)


def serving() -> dict[str, dict]:
    return {
        doc["kind"]: doc
        for doc in (documents(p)[0] for p in sorted((DEPLOY / "serve").glob("*.yaml")))
        if doc["kind"] != "Kustomization"
    }


@pytest.mark.parametrize("name", sorted(resources()))
def test_every_manifest_is_valid_against_the_kubernetes_schema(name):
    kubernetes_validate.validate(resources()[name], KUBERNETES, strict=True)


def test_the_gpu_variant_is_the_deployment_with_one_gpu_per_replica():
    gpu = DEPLOY / "serve" / "gpu"
    kustomization = documents(gpu / "kustomization.yaml")[0]
    deployment = merge(serving()["Deployment"], documents(gpu / kustomization["patches"][0]["path"])[0])
    kubernetes_validate.validate(deployment, KUBERNETES, strict=True)
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    # CUDA needs more host memory than the CPU figures the base is sized on; the CPU request stays
    assert container["resources"] == {
        "requests": {"cpu": "1", "memory": "3Gi"},
        "limits": {"memory": "6Gi", "nvidia.com/gpu": 1},
    }
    assert (
        container["readinessProbe"]
        == serving()["Deployment"]["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    )
    assert kustomization["images"] == [{"name": "iwae", "newName": "iwae-gpu"}]


def test_the_fleet_is_wired_to_the_service_and_to_itself(client):
    manifests = serving()
    pod = manifests["Deployment"]["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert manifests["Service"]["spec"]["selector"] == labels
    assert manifests["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == labels
    assert (
        manifests["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"]
        == manifests["Deployment"]["metadata"]["name"]
    )
    assert (
        manifests["HorizontalPodAutoscaler"]["spec"]["minReplicas"]
        > manifests["PodDisruptionBudget"]["spec"]["minAvailable"]
    )
    container = pod["spec"]["containers"][0]
    assert container["ports"][0]["containerPort"] == 8000  # the Dockerfile's EXPOSE and CMD
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):  # the paths the service answers
        assert client.get(container[probe]["httpGet"]["path"]).status_code == 200
    startup, readiness = container["startupProbe"], container["readinessProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 10 * STARTUP_SECONDS_MEASURED
    # Ready once the first model serves: a bundle failing behind it must turn the replica unready before
    # the rollout counts it (the rest loads in less than the whole start-up took).
    detection = readiness["periodSeconds"] * readiness["failureThreshold"]
    assert manifests["Deployment"]["spec"]["minReadySeconds"] >= STARTUP_SECONDS_MEASURED + detection
    assert (
        pod["spec"]["securityContext"]["runAsUser"] == 10001 and container["securityContext"]["readOnlyRootFilesystem"]
    )
