"""The deployment files (deploy/, .dockerignore): what a reviewer checks by eye, checked without
docker, a cluster or the network. Every Deployment has probes and resource requests and limits; Rasa
and the action server run at least two replicas; each process gets every variable it reads
(bot/endpoints-scaled.yml, deploy/entrypoint.sh's checks) and every secret only from the Secret or
deploy/.env; the balancer's upstreams name the services. `make validate-deploy` adds the schema
validators (kubernetes-validate, docker-compose config, nginx -t, hadolint, shellcheck)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
ENDPOINTS = ROOT / "bot" / "endpoints-scaled.yml"

#: What bot/endpoints-scaled.yml reads, for when it is absent.
ENDPOINT_VARS_FALLBACK = {
    "TRACKER_DIALECT", "TRACKER_HOST", "TRACKER_PORT", "TRACKER_USER", "TRACKER_PASSWORD", "TRACKER_DB",
    "LOCK_REDIS_HOST", "LOCK_REDIS_PORT", "LOCK_REDIS_DB", "ACTION_ENDPOINT_URL", "ACTION_SERVER_TOKEN",
}
#: What the channels in the Rasa process read besides the endpoints.
CHANNEL_VARS = {"STATE_REDIS_URL", "PII_HMAC_KEY"}
#: Values that are secrets, or URLs that carry one: in Kubernetes only from a Secret (secretKeyRef).
K8S_SECRET_VARS = {
    "TRACKER_PASSWORD", "ACTION_SERVER_TOKEN", "PII_HMAC_KEY", "KB_DATABASE_URL", "CASEWORK_DATABASE_URL",
    "STAFF_DATABASE_URL", "STATE_REDIS_URL", "WECHAT_TOKEN", "WECHAT_APPSECRET", "WECHAT_ENCODING_AES_KEY",
}
#: In compose, secrets only as ${…} from deploy/.env (STATE_REDIS_URL there names a password-less Redis).
COMPOSE_SECRET_VARS = K8S_SECRET_VARS - {"STATE_REDIS_URL"}
#: The roles of the one image, each a Kubernetes workload and a compose service of the same name.
ROLES = ("rasa", "actions", "web", "kb-init")
SERVICE_PORTS = {"rasa": 5005, "actions": 5055, "web": 8000}


# -- loading ---------------------------------------------------------------------------------------------


def k8s_docs() -> List[Tuple[str, Dict[str, Any]]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                docs.append((path.name, doc))
    return docs


DOCS = k8s_docs()
RESOURCES = [(f, d) for f, d in DOCS if d.get("kind") != "Kustomization"]


def of_kind(kind: str) -> List[Dict[str, Any]]:
    return [d for _, d in RESOURCES if d["kind"] == kind]


def named(kind: str, name: str) -> Dict[str, Any]:
    found = [d for d in of_kind(kind) if d["metadata"]["name"] == name]
    assert found, f"no {kind} named {name} in deploy/k8s/"
    return found[0]


def pod_spec(workload: Dict[str, Any]) -> Dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def workload(role: str) -> Dict[str, Any]:
    return named("Job" if role == "kb-init" else "Deployment", role)


def compose() -> Dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def endpoint_vars() -> set:
    if ENDPOINTS.exists():
        found = set(re.findall(r"\$\{(\w+)\}", ENDPOINTS.read_text(encoding="utf-8")))
        assert found, "bot/endpoints-scaled.yml reads no ${VARIABLE}?"
        return found
    return set(ENDPOINT_VARS_FALLBACK)


def entrypoint_needs() -> Dict[str, set]:
    """Role → the variables deploy/entrypoint.sh refuses to start without (its `need` lines)."""
    text = (DEPLOY / "entrypoint.sh").read_text(encoding="utf-8").replace("\\\n", " ")
    lists = dict(re.findall(r'^(\w+)="([^"]*)"', text, re.M))
    needs: Dict[str, set] = {}
    for role, body in re.findall(r"^  ([\w-]+)\)\n(.*?)^    ;;", text, re.M | re.S):
        words = set()
        for line in re.findall(r"^\s*need (.+)$", body, re.M):
            for word in line.split():
                words.update(lists[word[1:]].split() if word.startswith("$") else [word])
        needs[role] = words
    assert set(ROLES) <= set(needs), f"entrypoint roles: {sorted(needs)}"
    return needs


# -- a tiny nginx parser: directives with their arguments and blocks ------------------------------------


def parse_nginx(text: str) -> List[Tuple[str, List[str], Optional[list]]]:
    tokens = re.findall(r"\"[^\"]*\"|'[^']*'|[{};]|[^\s{};]+", re.sub(r"#[^\n]*", "", text))
    pos = 0

    def block() -> list:
        nonlocal pos
        out, words = [], []
        while pos < len(tokens):
            tok = tokens[pos]
            pos += 1
            if tok == ";":
                out.append((words[0], words[1:], None))
                words = []
            elif tok == "{":
                out.append((words[0], words[1:], block()))
                words = []
            elif tok == "}":
                return out
            else:
                words.append(tok)
        assert not words, f"unterminated directive {words}"
        return out

    return block()


def nginx_http() -> list:
    top = parse_nginx((DEPLOY / "nginx.conf").read_text(encoding="utf-8"))
    http = [children for name, _, children in top if name == "http"]
    assert len(http) == 1
    return http[0]


def nginx_upstreams() -> Dict[str, List[str]]:
    return {args[0]: [a[0] for n, a, _ in children if n == "server"]
            for name, args, children in nginx_http() if name == "upstream"}


def nginx_routes() -> Dict[int, Dict[str, str]]:
    """Listening port → {location: upstream it proxies to}."""
    routes = {}
    for name, _, children in nginx_http():
        if name != "server":
            continue
        port = int(next(a[0] for n, a, _ in children if n == "listen").rsplit(":", 1)[-1])
        routes[port] = {}
        for n, args, inner in children:
            if n == "location":
                target = next(a[0] for d, a, _ in inner if d == "proxy_pass")
                routes[port][args[-1]] = urlparse(target).netloc
    return routes


# -- Kubernetes ------------------------------------------------------------------------------------------


def test_every_manifest_parses_and_names_the_namespace():
    assert RESOURCES, "no manifests in deploy/k8s/"
    for name, doc in RESOURCES:
        assert {"apiVersion", "kind", "metadata"} <= set(doc), name
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "yibao", f"{name}: {doc['kind']} outside the namespace"


def test_the_manifests_are_complete():
    kinds = {d["kind"] for _, d in RESOURCES}
    assert {"Namespace", "ConfigMap", "Secret", "Deployment", "Service", "Job", "HorizontalPodAutoscaler",
            "Ingress", "PodDisruptionBudget"} <= kinds
    assert {d["metadata"]["name"] for d in of_kind("Deployment")} == {"rasa", "actions", "web"}


@pytest.mark.parametrize("deployment", ["rasa", "actions", "web"])
def test_every_container_has_probes_and_resources(deployment):
    spec = pod_spec(named("Deployment", deployment))
    for c in spec["containers"]:
        ports = {p.get("name") for p in c.get("ports", [])} | {p["containerPort"] for p in c.get("ports", [])}
        for probe in ("readinessProbe", "livenessProbe"):
            assert probe in c, f"{deployment}/{c['name']} has no {probe}"
            http = c[probe].get("httpGet")
            assert http, f"{deployment}/{c['name']} {probe}: not an HTTP check of the server"
            assert http["port"] in ports, f"{deployment} {probe} probes port {http['port']}, not one it opens"
        resources = c.get("resources", {})
        for kind in ("requests", "limits"):
            for what in ("cpu", "memory"):
                assert what in resources.get(kind, {}), f"{deployment}/{c['name']}: no {what} {kind}"
        assert memory_bytes(resources["requests"]["memory"]) <= memory_bytes(resources["limits"]["memory"])


def memory_bytes(quantity: str) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9}
    number, unit = re.fullmatch(r"(\d+)([A-Za-z]*)", str(quantity)).groups()
    return int(number) * units.get(unit, 1)


@pytest.mark.parametrize("role", ["rasa", "actions"])
def test_rasa_and_actions_run_at_least_two_replicas_and_autoscale(role):
    assert named("Deployment", role)["spec"]["replicas"] >= 2
    hpa = named("HorizontalPodAutoscaler", role)
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": role}
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    pdb = named("PodDisruptionBudget", role)
    labels = named("Deployment", role)["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    # a budget that allows no disruption blocks node drains
    assert pdb["spec"].get("maxUnavailable", 0) >= 1 or pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]


def container_env(workload_doc: Dict[str, Any]) -> Dict[str, Tuple[str, Any]]:
    """Every variable the (single) container gets: name → (source, detail), references checked."""
    (c,) = pod_spec(workload_doc)["containers"]
    env: Dict[str, Tuple[str, Any]] = {}
    for src in c.get("envFrom", []):
        if "configMapRef" in src:
            for key in named("ConfigMap", src["configMapRef"]["name"])["data"]:
                env[key] = ("configMap", src["configMapRef"]["name"])
        else:
            env.update({key: ("secretRef", None) for key in secret_keys(src["secretRef"]["name"])})
    for e in c.get("env", []):
        if "value" in e:
            env[e["name"]] = ("value", e["value"])
            continue
        ref = e["valueFrom"].get("secretKeyRef")
        if ref:
            if not ref.get("optional"):
                assert ref["key"] in secret_keys(ref["name"]), f"{e['name']}: no key {ref['key']} in {ref['name']}"
            env[e["name"]] = ("secretKeyRef", ref)
        else:
            env[e["name"]] = ("other", e["valueFrom"])
    return env


def secret_keys(name: str) -> set:
    secret = named("Secret", name)
    return set(secret.get("stringData", {})) | set(secret.get("data", {}))


def test_rasa_gets_every_variable_of_the_endpoints_and_channels():
    env = container_env(named("Deployment", "rasa"))
    missing = (endpoint_vars() | CHANNEL_VARS) - set(env)
    assert not missing, f"the rasa container lacks {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_each_workload_gets_what_its_entrypoint_requires(role):
    missing = entrypoint_needs()[role] - set(container_env(workload(role)))
    assert not missing, f"{role} would refuse to start without {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_secrets_come_only_from_the_secret(role):
    for name, (source, _) in container_env(workload(role)).items():
        if name in K8S_SECRET_VARS or re.search(r"PASSWORD|TOKEN|SECRET|_KEY$|DATABASE_URL", name):
            assert source == "secretKeyRef", f"{role}: {name} comes from {source}, not a secretKeyRef"
    for _, doc in RESOURCES:
        if doc["kind"] == "ConfigMap":
            leaked = K8S_SECRET_VARS & set(doc["data"])
            assert not leaked, f"secrets in ConfigMap {doc['metadata']['name']}: {leaked}"
            for key, value in doc["data"].items():
                assert not re.search(r"://[^/@\s]+:[^/@\s]+@", value), f"{key} carries a password"


def test_the_secret_holds_only_placeholders():
    for secret in of_kind("Secret"):
        assert "data" not in secret, "base64 data hides what it holds: use stringData placeholders"
        for key, value in secret["stringData"].items():
            assert value == "" or "CHANGE-ME" in value, f"{key} is not a placeholder"


def test_pods_run_as_non_root_with_a_read_only_root():
    for role in ROLES:
        spec = pod_spec(workload(role))
        assert spec["securityContext"]["runAsNonRoot"] is True, role
        assert spec.get("automountServiceAccountToken") is False, role
        for c in spec["containers"]:
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True, role
            assert sc["capabilities"]["drop"] == ["ALL"], role
            # Rasa unpacks its model into /tmp: with a read-only root it must be a volume
            assert "/tmp" in {m["mountPath"] for m in c.get("volumeMounts", [])}, role


@pytest.mark.parametrize("role", ["rasa", "actions", "web"])
def test_services_select_the_pods_and_reach_their_port(role):
    deployment, service = named("Deployment", role), named("Service", role)
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    (c,) = pod_spec(deployment)["containers"]
    (port,) = service["spec"]["ports"]
    assert port["port"] == SERVICE_PORTS[role]
    assert any(port["targetPort"] in (p.get("name"), p["containerPort"]) and p["containerPort"] == SERVICE_PORTS[role]
               for p in c["ports"])
    assert c["args"] == [role], f"{role} runs the image's {c['args']} role"


def test_rasa_reaches_the_action_servers_through_their_service():
    url = urlparse(named("ConfigMap", "yibao-config")["data"]["ACTION_ENDPOINT_URL"])
    assert (url.hostname, url.port, url.path) == ("actions", 5055, "/webhook")


def test_ingress_routes_webhooks_to_rasa_and_the_rest_to_web():
    (ingress,) = of_kind("Ingress")
    routes = {p["path"]: p["backend"]["service"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}
    assert routes["/webhooks"]["name"] == "rasa" and routes["/"]["name"] == "web"
    for backend in routes.values():
        ports = named("Service", backend["name"])["spec"]["ports"]
        assert any(backend["port"].get("name") == p["name"] or backend["port"].get("number") == p["port"] for p in ports)


def test_the_kb_job_loads_the_kb_once():
    job = named("Job", "kb-init")
    spec = pod_spec(job)
    assert spec["restartPolicy"] in ("Never", "OnFailure")
    assert spec["containers"][0]["args"] == ["kb-init"]
    assert job["spec"]["backoffLimit"] >= 1


def test_kustomization_lists_every_manifest_and_sets_the_image():
    (kustomization,) = [d for _, d in DOCS if d.get("kind") == "Kustomization"]
    # the placeholder Secret stays out: applying it would overwrite the real one
    assert set(kustomization["resources"]) == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml",
                                                                                        "secret.yaml"}
    images = {i["name"] for i in kustomization["images"]}
    for role in ROLES:
        assert {c["image"] for c in pod_spec(workload(role))["containers"]} <= images, role


def test_manifests_match_the_kubernetes_schemas():
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    for name, doc in RESOURCES:
        for version in ("1.29.0", kubernetes_validate.latest_version()):
            kubernetes_validate.validate(doc, version, strict=True)


# -- compose ---------------------------------------------------------------------------------------------


def test_compose_has_the_topology():
    services = compose()["services"]
    assert {"postgres", "redis", "kb-init", "rasa", "actions", "web", "nginx"} <= set(services)
    for role in ("rasa", "actions"):
        assert services[role]["deploy"]["replicas"] >= 2, role
        # a fixed name or a host port would stop the second replica
        assert "container_name" not in services[role] and "ports" not in services[role], role
    for role in ROLES:
        assert services[role]["command"] == [role]
        assert services[role]["build"]["dockerfile"] == "deploy/Dockerfile"
    for role in ("rasa", "actions", "web"):
        assert services[role]["depends_on"]["kb-init"]["condition"] == "service_completed_successfully"
    assert services["kb-init"]["restart"] == "no"


@pytest.mark.parametrize("role", ROLES)
def test_compose_services_get_what_their_entrypoint_requires(role):
    env = compose()["services"][role]["environment"]
    wanted = entrypoint_needs()[role] | (endpoint_vars() | CHANNEL_VARS if role == "rasa" else set())
    missing = wanted - set(env)
    assert not missing, f"compose {role} lacks {sorted(missing)}"


def test_compose_secrets_come_from_the_env_file():
    example = dict(re.findall(r"^([A-Z_]+)=(.*)$", (DEPLOY / ".env.example").read_text(encoding="utf-8"), re.M))
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{(\w+):\?", text))
    assert required and required <= set(example), f"not in .env.example: {required - set(example)}"
    for name in ("POSTGRES_PASSWORD", "ACTION_SERVER_TOKEN", "PII_HMAC_KEY"):
        assert example[name].startswith("CHANGE-ME"), name
    for service, spec in compose()["services"].items():
        for name, value in (spec.get("environment") or {}).items():
            value = str(value)
            if "://" in value and (name in COMPOSE_SECRET_VARS or "@" in value):
                assert ":${POSTGRES_PASSWORD}@" in value, f"{service}: {name} carries a literal password"
            elif name in COMPOSE_SECRET_VARS or "PASSWORD" in name:
                assert value.startswith("${"), f"{service}: {name} is literal"


def test_compose_sends_action_calls_through_the_balancer():
    services = compose()["services"]
    url = urlparse(services["rasa"]["environment"]["ACTION_ENDPOINT_URL"])
    assert url.hostname == "nginx" and url.path == "/webhook"
    assert url.port in nginx_routes(), "nginx does not listen on the port Rasa calls"
    upstream = nginx_routes()[url.port]["/"]
    assert any(s.startswith("actions:") for s in nginx_upstreams()[upstream])
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]


# -- nginx -----------------------------------------------------------------------------------------------


def test_nginx_upstreams_name_the_rasa_and_action_services():
    upstreams, routes = nginx_upstreams(), nginx_routes()
    services = set(compose()["services"])
    for upstream, servers in upstreams.items():
        for server in servers:
            assert server.split(":")[0] in services, f"upstream {upstream}: {server} is no compose service"
    assert [f"rasa:{SERVICE_PORTS['rasa']}"] == upstreams[routes[5005]["/"]]
    assert [f"actions:{SERVICE_PORTS['actions']}"] == upstreams[routes[5055]["/"]]
    assert routes[8000]["/webhooks/"] == routes[5005]["/"], "the chat page's origin must reach Rasa"
    assert [f"web:{SERVICE_PORTS['web']}"] == upstreams[routes[8000]["/"]]


def test_nginx_re_resolves_the_replicas():
    http = nginx_http()
    assert any(name == "resolver" and "127.0.0.11" in args for name, args, _ in http), "Docker's DNS"
    for name, args, children in http:
        if name == "upstream":
            assert any(n == "zone" for n, _, _ in children), f"{args[0]}: `resolve` needs a zone"
            assert all("resolve" in a for n, a, _ in children if n == "server"), args[0]
    # `resolve` in an upstream needs nginx >= 1.27.3
    image = compose()["services"]["nginx"]["image"]
    major, minor = map(int, re.match(r"nginx:(\d+)\.(\d+)", image).groups())
    assert (major, minor) >= (1, 28), image


# -- the image ---------------------------------------------------------------------------------------------


def dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text(encoding="utf-8")


def test_image_is_python_310_slim_non_root_with_a_healthcheck():
    text = dockerfile()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.10-slim", text, re.M)
    final = text.rsplit("\nFROM ", 1)[1]
    user = re.findall(r"^USER (\S+)", final, re.M)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*CMD", final, re.M)
    assert re.search(r"pip install .*-c constraints\.txt", text)
    assert not re.search(r"^(ENV|ARG)\b.*(PASSWORD|TOKEN|HMAC|SECRET)", text, re.M), "a secret baked in"


def test_image_copies_every_app_package_and_nothing_ignored():
    text = dockerfile()
    copied = {src.rstrip("/") for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.M)
              for src in line.split()[:-1] if not src.startswith("--")}
    for src in copied:
        assert (ROOT / src).exists(), f"COPY {src}: no such path"
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages <= copied, f"not in the image: {packages - copied}"
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert not copied & ignored
    assert {".git", ".venv", "**/generated", "deploy/.env"} <= ignored


def test_the_validators_cache_and_env_file_are_git_ignored():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".cache/" in ignored and "deploy/.env" in ignored


@pytest.mark.slow
def test_the_validators_pass_every_deployment_file():
    """scripts/validate-deploy: yamllint, kubernetes-validate, hadolint, shellcheck, docker-compose
    config, nginx -t and kubectl kustomize, each where this machine can get it (PyPI, Debian)."""
    done = subprocess.run([str(ROOT / "scripts" / "validate-deploy")], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line[:4] in ("OK  ", "FAIL", "SKIP")]
    assert lines and not [line for line in lines if line.startswith("FAIL")]
    assert any("kubernetes-validate" in line for line in lines if line.startswith("OK"))
