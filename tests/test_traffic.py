"""Traffic providers: what each compiles (Istio injection and NetworkPolicy ports, Canary routing, VirtualService,
HTTPRoute, Ingress with rate limit), where each rollout's analysis gets requests and metrics from, the KEDA
fallback, and the located errors of settings a provider cannot compile."""

from __future__ import annotations

import shlex

import promql_parser
import pytest

from servespec.catalog.runtimes import RUNTIMES
from servespec.spec.analysis import ERROR_RATE, LATENCY, NGINX_LATENCY_QUERY, engine_query
from tests.test_large_models import fleet_of
from tests.test_lint import run_cli
from tests.test_runtimes import TRITON_IMAGE, VLLM_IMAGE, compiled, errors, server

CANARY = {"models[0].rollout": {"strategy": "canary", "canary": {"maxErrorRatePercent": 1, "maxLatencyP99Ms": 500}},
          "models[0].replicas": {"min": 2, "max": 2}, "gpuPools[0].maxGPUs": 4}
BLUE_GREEN = {"models[0].rollout": {"strategy": "blueGreen",
                                    "blueGreen": {"maxErrorRatePercent": 1, "maxLatencyP99Ms": 500}},
              "models[0].replicas": {"min": 2, "max": 2}, "gpuPools[0].maxGPUs": 4}
ISTIO = {"traffic": {"provider": "istio", "domain": "models.example.com",
                     "istio": {"gateways": ["istio-ingress/public"]}}}
GATEWAY_API = {"traffic": {"provider": "gatewayapi", "hosts": ["llm.example.com"],
                           "gatewayapi": {"gatewayRefs": [{"name": "public", "namespace": "gateways"}]}}}
NGINX = {"traffic": {"provider": "nginx", "domain": "models.example.com"}}
VLLM = {"models[0].image": VLLM_IMAGE, "models[0].server": {"runtime": "vllm", "maxRequestSeconds": 120}}


def namespaces_of(rule: dict) -> list[str]:
    return rule["from"][0]["namespaceSelector"]["matchExpressions"][0]["values"]


def test_istio_injects_sidecars_and_opens_istiod_and_envoy_telemetry(tmp_path):
    objects = compiled(tmp_path, {**ISTIO, **CANARY})
    namespace = objects[("Namespace", "ml-serving")]["metadata"]["labels"]
    assert namespace["istio-injection"] == "enabled"
    assert namespace["pod-security.kubernetes.io/enforce"] == "restricted"  # with the CNI agent (the default)
    template = objects[("Deployment", "embedder")]["spec"]["template"]
    assert template["metadata"]["labels"]["sidecar.istio.io/inject"] == "true"
    policy = objects[("NetworkPolicy", "embedder")]["spec"]
    assert "istio-ingress" in namespaces_of(policy["ingress"][0])  # the ingress gateway calls the model
    telemetry = next(rule for rule in policy["ingress"] if rule["ports"][0]["port"] == 15020)
    assert [port["port"] for port in telemetry["ports"]] == [15020, 15090]
    assert namespaces_of(telemetry) == ["monitoring"]
    istiod = next(rule for rule in policy["egress"] if rule.get("ports", [{}])[0].get("port") == 15012)
    assert istiod["to"][0]["podSelector"] == {"matchLabels": {"app": "istiod"}}
    canary = objects[("Canary", "embedder")]["spec"]
    assert canary["provider"] == "istio"
    assert canary["service"]["gateways"] == ["istio-ingress/public", "mesh"]
    assert canary["service"]["hosts"] == ["embedder.models.example.com"]
    assert canary["service"]["timeout"] == "30s"
    assert [m["name"] for m in canary["analysis"]["metrics"]] == ["request-success-rate", "request-duration"]
    assert all("templateRef" not in m for m in canary["analysis"]["metrics"])  # Istio's telemetry
    assert ("VirtualService", "embedder") not in objects  # Flagger writes it for a canary


def test_istio_revision_and_a_model_off_the_mesh(tmp_path):
    objects = compiled(tmp_path, {"traffic": {"provider": "istio", "istio": {"revision": "1-27"}},
                                  "models[0].traffic": {"provider": "none"}})
    assert objects[("Namespace", "ml-serving")]["metadata"]["labels"]["istio.io/rev"] == "1-27"
    labels = objects[("Deployment", "embedder")]["spec"]["template"]["metadata"]["labels"]
    assert labels["sidecar.istio.io/inject"] == "false"
    assert ("VirtualService", "embedder") not in objects


def test_rolling_istio_model_gets_a_virtual_service_with_its_timeout(tmp_path):
    objects = compiled(tmp_path, {**ISTIO, **VLLM})
    service = objects[("VirtualService", "embedder")]["spec"]
    assert service["hosts"] == ["embedder", "embedder.models.example.com"]
    assert service["gateways"] == ["istio-ingress/public", "mesh"]
    assert service["http"] == [{"route": [{"destination": {"host": "embedder", "port": {"number": 8000}}}],
                                "timeout": "120s"}]


def test_istio_download_ports_bypass_the_sidecar(tmp_path):
    objects = compiled(tmp_path, {**ISTIO, "models[0].artifact": {
        "source": "download", "uri": "s3://models/embedder", "sizeGB": 1.3,
        "download": {"secretName": "r", "egress": {"cidrs": ["52.216.0.0/15"], "ports": [443, 8443]}}}})
    annotations = objects[("Deployment", "embedder")]["spec"]["template"]["metadata"]["annotations"]
    assert annotations["traffic.sidecar.istio.io/excludeOutboundPorts"] == "443,8443"


def test_gatewayapi_canary_gates_on_the_engines_own_metrics(tmp_path):
    objects = compiled(tmp_path, {**GATEWAY_API, **CANARY, **VLLM})
    canary = objects[("Canary", "embedder")]["spec"]
    assert canary["provider"] == "gatewayapi:v1"
    assert canary["service"]["gatewayRefs"] == [{"name": "public", "namespace": "gateways"}]
    assert canary["service"]["hosts"] == ["llm.example.com"] and canary["service"]["timeout"] == "120s"
    refs = {m["name"]: m["templateRef"]["name"] for m in canary["analysis"]["metrics"]}
    # never Flagger's reserved names: it would run its built-in gatewayapi queries beside the templates
    assert refs == {"success-rate": "vllm-success-rate", "latency-p99": "vllm-latency-p99"}
    for name in refs.values():
        template = objects[("MetricTemplate", name)]["spec"]
        assert template["provider"] == {"type": "prometheus", "address": "http://prometheus-operated.monitoring.svc:9090"}
        assert 'pod=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"' in template["query"]
    assert ("HTTPRoute", "embedder") not in objects  # Flagger writes it for a canary


def test_rolling_gatewayapi_model_gets_an_httproute_with_its_timeout(tmp_path):
    objects = compiled(tmp_path, {**GATEWAY_API, **VLLM})
    route = objects[("HTTPRoute", "embedder")]["spec"]
    assert route["parentRefs"] == [{"name": "public", "namespace": "gateways"}]
    assert route["hostnames"] == ["llm.example.com"]
    assert route["rules"][0]["backendRefs"] == [{"name": "embedder", "port": 8000}]
    assert route["rules"][0]["timeouts"] == {"request": "120s"}
    assert not any(kind == "MetricTemplate" for kind, _ in objects)


@pytest.mark.parametrize("runtime, version", [("vllm", None), ("vllm", (0, 4, 2)), ("vllm", (0, 8, 5)),
                                              ("tgi", None), ("triton", None), ("triton", (23, 5))])
def test_engine_metric_queries_parse_once_flagger_fills_them_in(runtime, version):
    engine = RUNTIMES[runtime].facts(version)
    for setting in (ERROR_RATE, LATENCY):
        query = engine_query(engine, setting)
        assert query is not None, (runtime, version, setting)
        filled = (query.replace("{{ namespace }}", "chat").replace("{{ target }}", "llama")
                  .replace("{{ interval }}", "1m"))
        assert promql_parser.parse(filled) is not None
    filled = NGINX_LATENCY_QUERY.replace("{{ namespace }}", "chat").replace("{{ ingress }}", "llama")
    assert promql_parser.parse(filled.replace("{{ interval }}", "1m")) is not None


def test_vllm_success_rate_counts_http_errors_from_0_8_5():
    """The engine's finished-request counter never sees a 500 of the API server: gate on HTTP status."""
    assert "http_requests_total" in engine_query(RUNTIMES["vllm"].facts((0, 9, 2)), ERROR_RATE)
    assert 'status!="5xx"' in engine_query(RUNTIMES["vllm"].facts(None), ERROR_RATE)
    assert "vllm:request_success_total" in engine_query(RUNTIMES["vllm"].facts((0, 8, 4)), ERROR_RATE)


def test_triton_p99_from_its_latency_summary(tmp_path):
    """Triton has quantiles with --metrics-config summary_latencies=true (23.05 on): the preset turns them on and
    a gatewayapi canary of Triton gates on the P99 without a waiver."""
    objects = compiled(tmp_path, {**GATEWAY_API, **CANARY, "models[0].image": TRITON_IMAGE,
                                  "models[0].server": {"runtime": "triton"}})
    assert "--metrics-config=summary_latencies=true" in server(objects)["args"]
    refs = {m["name"]: m["templateRef"]["name"] for m in objects[("Canary", "embedder")]["spec"]["analysis"]["metrics"]}
    assert refs == {"success-rate": "triton-success-rate", "latency-p99": "triton-latency-p99"}
    query = objects[("MetricTemplate", "triton-latency-p99")]["spec"]["query"]
    assert 'nv_inference_request_summary_us{' in query and 'quantile="0.99"' in query
    old = compiled(tmp_path, {"models[0].image": TRITON_IMAGE.replace("24.10", "23.04"),
                              "models[0].server": {"runtime": "triton"}})
    assert not any(arg.startswith("--metrics-config") for arg in server(old)["args"])


def test_nginx_p99_gate_reads_the_controllers_histogram_not_flaggers_mean(tmp_path):
    objects = compiled(tmp_path, {**NGINX, **CANARY})
    metrics = {m["name"]: m for m in objects[("Canary", "embedder")]["spec"]["analysis"]["metrics"]}
    assert "templateRef" not in metrics["request-success-rate"]  # Flagger's built-in: non-5xx of canary requests
    assert metrics["latency-p99"]["templateRef"] == {"name": "nginx-latency-p99"}
    query = objects[("MetricTemplate", "nginx-latency-p99")]["spec"]["query"]
    assert query.startswith("histogram_quantile(0.99, ") and "request_duration_seconds_bucket" in query
    assert 'ingress="{{ ingress }}",canary!=""' in query


def test_nginx_canary_load_test_goes_through_the_controller(tmp_path):
    """Flagger's nginx gates count only requests the controller routed to the canary: a load test straight
    to <name>-canary leaves them empty and rolls every low-traffic release back."""
    objects = compiled(tmp_path, {**NGINX, **CANARY, **VLLM,
                                  "models[0].traffic": {"loadTest": {"url": "http://flagger-loadtester.loadtest/"}}})
    words = shlex.split(objects[("Canary", "embedder")]["spec"]["analysis"]["webhooks"][0]["metadata"]["cmd"])
    assert words[-1] == "http://ingress-nginx-controller.ingress-nginx/v1/completions"
    assert words[words.index("-host") + 1] == "embedder.models.example.com"
    assert "-H" not in words  # weighted: the controller sends the canary its share


def test_nginx_ingress_rate_limit_and_timeouts(tmp_path):
    objects = compiled(tmp_path, {**NGINX, **CANARY, "traffic.rateLimit": {"rps": 10, "burst": 20}})
    ingress = objects[("Ingress", "embedder")]
    assert {k: v for k, v in ingress["metadata"]["annotations"].items() if k.startswith("nginx.")} == {
        "nginx.ingress.kubernetes.io/limit-burst-multiplier": "2",  # the operations guide's 10/s, burst 20
        "nginx.ingress.kubernetes.io/limit-rps": "10",
        "nginx.ingress.kubernetes.io/proxy-read-timeout": "30",
        "nginx.ingress.kubernetes.io/proxy-send-timeout": "30"}
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["rules"][0]["host"] == "embedder.models.example.com"
    canary = objects[("Canary", "embedder")]["spec"]
    assert canary["provider"] == "nginx"
    assert canary["ingressRef"] == {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "embedder"}
    assert "ingress-nginx" in namespaces_of(objects[("NetworkPolicy", "embedder")]["spec"]["ingress"][0])


def test_nginx_blue_green_routes_the_default_load_test_by_header_through_the_controller(tmp_path):
    objects = compiled(tmp_path, {**NGINX, **BLUE_GREEN, **VLLM,
                                  "models[0].traffic": {"loadTest": {"url": "http://flagger-loadtester.loadtest/"}}})
    analysis = objects[("Canary", "embedder")]["spec"]["analysis"]
    assert analysis["match"] == [{"headers": {"x-canary": {"exact": "always"}}}]
    hook = analysis["webhooks"][0]
    assert hook["type"] == "rollout" and hook["url"] == "http://flagger-loadtester.loadtest/"
    words = shlex.split(hook["metadata"]["cmd"])
    assert words[:3] == ["hey", "-z", "1m"]
    assert words[words.index("-H") + 1] == "x-canary: always"
    assert words[words.index("-host") + 1] == "embedder.models.example.com"
    assert words[words.index("-d") + 1] == '{"model":"embedder","prompt":"Hello","max_tokens":16}'
    assert words[-1] == "http://ingress-nginx-controller.ingress-nginx/v1/completions"
    assert "loadtest" in namespaces_of(objects[("NetworkPolicy", "embedder")]["spec"]["ingress"][0])


def test_blue_green_mirrors_on_istio_and_loads_the_canary_service_without_a_provider(tmp_path):
    mirrored = compiled(tmp_path, {**ISTIO, **BLUE_GREEN, "traffic.mirror": True})
    assert mirrored[("Canary", "embedder")]["spec"]["analysis"]["mirror"] is True
    plain = compiled(tmp_path, {**BLUE_GREEN, **VLLM, "models[0].server.runtime": "tgi",
                                "models[0].traffic": {"loadTest": {"url": "http://tester.loadtest/"}}})
    canary = plain[("Canary", "embedder")]["spec"]
    assert canary["provider"] == "kubernetes"
    assert shlex.split(canary["analysis"]["webhooks"][0]["metadata"]["cmd"])[-1] == \
        "http://embedder-canary.ml-serving:8000/generate"
    assert {m["templateRef"]["name"] for m in canary["analysis"]["metrics"]} == {
        "tgi-success-rate", "tgi-latency-p99"}


def test_keda_fallback_keeps_current_replicas_when_prometheus_fails(tmp_path):
    trigger = {"models[0].scaling": {"prometheus": {"serverAddress": "http://prometheus:9090", "query": "sum(up)",
                                                    "threshold": 5}}}
    default = compiled(tmp_path, trigger)[("ScaledObject", "embedder")]["spec"]
    assert default["fallback"] == {"failureThreshold": 3, "replicas": 1, "behavior": "currentReplicasIfHigher"}
    # Flagger copies only failureThreshold and replicas to the primary (and strips the rest from the original):
    # static fallback, so the primary's default is replicas.max, and the spec's value is never capped.
    flagger = {**trigger, **ISTIO, **CANARY, "models[0].replicas": {"min": 1, "max": 4}}
    canary = compiled(tmp_path, flagger)[("ScaledObject", "embedder")]["spec"]
    assert canary["fallback"] == {"failureThreshold": 3, "replicas": 4}
    assert canary["maxReplicaCount"] == 1  # the canary itself stays at its size
    set_4 = compiled(tmp_path, {**flagger, "models[0].scaling.fallback": {"replicas": 3}})
    assert set_4[("ScaledObject", "embedder")]["spec"]["fallback"] == {"failureThreshold": 3, "replicas": 3}
    set_ = compiled(tmp_path, {**trigger, "models[0].scaling.fallback": {"failureThreshold": 5, "replicas": 2}})
    assert set_[("ScaledObject", "embedder")]["spec"]["fallback"]["replicas"] == 2
    cron_only = compiled(tmp_path, {"models[0].scaling": {"schedules": [
        {"name": "day", "timezone": "UTC", "start": "0 8 * * *", "end": "0 20 * * *", "replicas": 2}]}})
    assert "fallback" not in cron_only[("ScaledObject", "embedder")]["spec"]


@pytest.mark.parametrize("change, message", [
    ({"traffic": {"provider": "istio", "rateLimit": {"rps": 5}}}, "rateLimit is compiled for the nginx provider"),
    ({**NGINX, "models[0].traffic": {"rateLimit": {"rps": 3, "burst": 10}}}, "not a multiple of rps 3"),
    ({**NGINX, **BLUE_GREEN, "models[0].traffic": {"mirror": True}}, "mirrors traffic with istio and gatewayapi"),
    ({**ISTIO, **CANARY, "models[0].traffic": {"mirror": True}}, "mirror applies to blue/green rollouts only"),
    ({"traffic": {"provider": "gatewayapi"}}, "needs `traffic.gatewayapi.gatewayRefs`"),
    ({**ISTIO, **BLUE_GREEN, "models[0].traffic": {"loadTest": {"url": "http://t.loadtest/"}}},
     "loadTest needs `command` for runtime 'custom'"),
    ({"traffic": {"provider": "istio", "istio": {"gateways": ["public"]}}}, "an Istio Gateway as namespace/name"),
    ({**ISTIO, **CANARY, **VLLM, "models[0].env": {"VLLM_API_KEY": {"secretKeyRef": {"name": "k", "key": "k"}}},
      "models[0].traffic": {"loadTest": {"url": "http://t.loadtest/"}}}, "the default load test sends none"),
])
def test_settings_a_provider_cannot_compile_are_errors(tmp_path, change, message):
    assert any(message in error for error in errors(tmp_path, change)), errors(tmp_path, change)


def test_nginx_blue_green_load_test_without_the_header_is_reported(tmp_path):
    spec = tmp_path / "fleet.yaml"
    fleet_of(tmp_path, {**NGINX, **BLUE_GREEN, "models[0].traffic": {"loadTest": {
        "url": "http://t.loadtest/", "command": "hey -z 1m http://embedder-canary.ml-serving:8000/"}}})
    code, output = run_cli("lint", str(spec), "--today", "2026-11-23")
    assert code == 1
    assert "routes only requests with header x-canary: always" in output and "[TRF001" in output


def test_load_balancers_outside_the_cluster_are_ip_peers(tmp_path):
    gke = "gke-l7-regional-external-managed"
    objects = compiled(tmp_path, {**GATEWAY_API, "traffic.gatewayapi.gatewayClassName": gke,
                                  "security": {"ingress": {"fromCIDRs": ["10.129.0.0/23", "35.191.0.0/16",
                                                                        "130.211.0.0/22"]}}})
    callers = objects[("NetworkPolicy", "embedder")]["spec"]["ingress"][0]["from"]
    assert callers[1:] == [{"ipBlock": {"cidr": "10.129.0.0/23"}}, {"ipBlock": {"cidr": "130.211.0.0/22"}},
                           {"ipBlock": {"cidr": "35.191.0.0/16"}}]


def test_a_gke_gateway_without_its_address_ranges_is_an_error(tmp_path):
    """GKE's gateways are Google Cloud load balancers: a namespace peer never matches their proxies."""
    change = {**GATEWAY_API, "traffic.gatewayapi.gatewayClassName": "gke-l7-global-external-managed"}
    assert any("cloud load balancers outside the cluster" in error for error in errors(tmp_path, change))


def test_llm_aware_ingress_defaults_and_rate_limit_only_when_asked(tmp_path):
    """An LLM completion outlives ingress-nginx's 60 s and 1m defaults; a rate limit is the spec's choice."""
    objects = compiled(tmp_path, {**NGINX, **VLLM, "models[0].server": {"runtime": "vllm"}})
    annotations = objects[("Ingress", "embedder")]["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "600"
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "16m"
    assert not any("limit-rps" in key for key in annotations)
    assert objects[("Deployment", "embedder")]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 615


def test_ingress_tls_from_a_secret(tmp_path):
    objects = compiled(tmp_path, {**NGINX, "traffic.nginx": {"tlsSecret": "models-tls"}})
    assert objects[("Ingress", "embedder")]["spec"]["tls"] == [
        {"hosts": ["embedder.models.example.com"], "secretName": "models-tls"}]
    assert any("TLS needs the host names" in e for e in errors(tmp_path, {"traffic": {
        "provider": "nginx", "nginx": {"tlsSecret": "models-tls"}}}))


def test_clients_call_the_served_model_name(tmp_path):
    objects = compiled(tmp_path, {**ISTIO, **BLUE_GREEN, **VLLM,
                                  "models[0].server": {"runtime": "vllm",
                                                       "servedModelName": "meta-llama/Llama-3.1-8B-Instruct"},
                                  "models[0].traffic": {"loadTest": {"url": "http://t.loadtest/"}}})
    args = server(objects)["args"]
    assert args[args.index("--served-model-name") + 1] == "meta-llama/Llama-3.1-8B-Instruct"
    hook = objects[("Canary", "embedder")]["spec"]["analysis"]["webhooks"][0]["metadata"]["cmd"]
    assert '"model":"meta-llama/Llama-3.1-8B-Instruct"' in hook
