"""Validate compiled manifests against strict schemas: kubeconform when installed, else built in.

Core kinds use the strict JSON Schemas of the `kubernetes-validate` package. Those refer to a shared
definitions file, so each needed kind is made standalone once (its definitions inlined) and cached;
kubeconform and the built-in validator read the same files. Custom resources (KEDA, Flagger,
Prometheus Operator) need `schema_locations` in kubeconform's template syntax, e.g.
`../shared/crd-schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`.
A kind with no schema anywhere is reported as `missing-schema`, never passed silently.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

DEFAULT_KUBERNETES_VERSION = "1.33.0"
KUBECONFORM_WORKERS = os.cpu_count() or 1
"""kubeconform's workers: one per CPU (its default of 4 oversubscribes smaller machines, where it shares them
with the rest of the pipeline)."""
KUBECONFORM_GOGC = "200"
"""Go's garbage collection target for the kubeconform servespec starts, unless GOGC is set: 200 (Go's default
is 100, https://pkg.go.dev/runtime#hdr-Environment_Variables) takes about a tenth less CPU for 10 MB more
memory (756 objects: 0.55 -> 0.49 s; 7,506: 3.7 -> 3.4 s, 35 -> 45 MB)."""
WARM_UP_KINDS = (("apps/v1", "Deployment"), ("v1", "Namespace"), ("v1", "Service"), ("v1", "ServiceAccount"),
                 ("networking.k8s.io/v1", "NetworkPolicy"), ("policy/v1", "PodDisruptionBudget"))
"""Core kinds nearly every compile emits. kubeconform first reads one placeholder object of each (their
results are dropped), so it compiles their schemas (the Deployment's is 0.2 MB) while the spec still loads,
when a second CPU has little else to do, instead of after the first model is planned."""
_DEF_REF = re.compile(r'#/\$defs/([^"]+)')
_SHARED_REF = "/api/_definitions.json#"


@dataclass(frozen=True, order=True)
class SchemaProblem:
    """One object that failed a check; `status` is invalid, error, missing-schema or feature-gate."""

    file: str
    kind: str
    name: str
    status: str
    message: str

    def render(self) -> str:
        return f"{self.file}: {self.kind} {self.name}: {self.status}: {self.message}"


def cache_dir() -> Path:
    root = os.environ.get("SERVESPEC_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "servespec")
    return Path(root) / "k8s-schemas"


def kubernetes_versions() -> list[str]:
    """Kubernetes versions whose strict schemas the installed `kubernetes-validate` ships."""
    root = _package_dir(DEFAULT_KUBERNETES_VERSION).parent
    found = [p.name[1:-len("-local-strict")] for p in root.glob("v*-local-strict")]
    return sorted(found, key=lambda v: tuple(int(x) for x in v.split(".")))


def _package_dir(version: str) -> Path:
    """The package's schema folder, found without importing it (its import costs about 0.15 s)."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the kubernetes-validate package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema" / f"v{version}-local-strict"


def _kind_file(api_version: str, kind: str) -> str:
    """kubeconform's `{{.ResourceKind}}{{.KindSuffix}}.json`: deployment-apps-v1.json, service-v1.json."""
    group, _, version = api_version.rpartition("/")
    suffix = f"-{group.split('.')[0]}-{version}" if group else f"-{version}"
    return f"{kind.lower()}{suffix}.json"


def _is_core(api_version: str) -> bool:
    group = api_version.rpartition("/")[0]
    return not group or group.endswith(".k8s.io") or "." not in group


@lru_cache(maxsize=4)
def _definitions(version: str) -> dict[str, Any]:
    definitions: dict[str, Any] = json.loads((_package_dir(version) / "_definitions.json").read_text())["$defs"]
    return definitions


_checked_cache: set[Path] = set()
"""Cached schema files already found complete in this process."""


def _complete(path: Path) -> bool:
    """Whether a cached schema file is whole: JSON, with the `$defs` every standalone schema gets (a file cut
    short by a full disk or a killed run is made again, never read as an empty schema that accepts all)."""
    try:
        schema = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(schema, dict) and "$defs" in schema and ("properties" in schema or "oneOf" in schema
                                                                or "anyOf" in schema or "type" in schema)


def standalone_core_schema(version: str, api_version: str, kind: str) -> Optional[Path]:
    """Path of the standalone strict schema of a core kind (made and cached on first use), or None."""
    name = _kind_file(api_version, kind)
    target = cache_dir() / f"v{version}-standalone-strict" / name
    if target in _checked_cache or _complete(target):
        _checked_cache.add(target)
        return target
    source = _package_dir(version) / name
    if not source.exists():
        return None
    text = source.read_text().replace(_SHARED_REF, "#")
    definitions = _definitions(version)
    needed: set[str] = set()
    pending = _DEF_REF.findall(text)
    while pending:
        name_ = pending.pop()
        if name_ not in needed:
            needed.add(name_)
            pending += _DEF_REF.findall(json.dumps(definitions[name_]))
    schema = json.loads(text)
    schema.pop("$id", None)
    schema["$defs"] = {key: definitions[key] for key in sorted(needed)}
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=target.parent, delete=False, suffix=".tmp") as handle:
        json.dump(schema, handle)
    os.replace(handle.name, target)
    return target


def expand_location(template: str, api_version: str, kind: str, version: str) -> str:
    """Fill a kubeconform schema-location template for one kind."""
    group, _, resource_version = api_version.rpartition("/")
    values = {
        "Group": group, "ResourceKind": kind.lower(), "ResourceAPIVersion": resource_version,
        "KindSuffix": _kind_file(api_version, kind)[len(kind):-len(".json")],
        "NormalizedKubernetesVersion": f"v{version}", "StrictSuffix": "-strict",
    }
    return re.sub(r"\{\{\s*\.(\w+)\s*\}\}", lambda m: values.get(m.group(1), m.group(0)), template)


def _core_location(version: str) -> str:
    return str(cache_dir() / "{{.NormalizedKubernetesVersion}}-standalone{{.StrictSuffix}}"
               / "{{.ResourceKind}}{{.KindSuffix}}.json")


def prepare_core_schemas(objects: Iterable[dict[str, Any]], version: str) -> None:
    for api_version, kind in {(o["apiVersion"], o["kind"]) for o in objects}:
        if _is_core(api_version):
            standalone_core_schema(version, api_version, kind)


def find_kubeconform() -> Optional[str]:
    """kubeconform from $SERVESPEC_KUBECONFORM, the PATH, or (in a source checkout) .tools/bin."""
    explicit = os.environ.get("SERVESPEC_KUBECONFORM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    found = shutil.which("kubeconform")
    if found:
        return found
    local = Path(__file__).resolve().parents[2] / ".tools" / "bin" / "kubeconform"
    return str(local) if os.access(local, os.X_OK) else None


def validate_with_kubeconform(directory: Path, objects: list[dict[str, Any]], schema_locations: list[str],
                              version: str, binary: str) -> list[SchemaProblem]:
    """Run `kubeconform -strict` over the directory; map its JSON report to problems."""
    prepare_core_schemas(objects, version)
    options = SchemaOptions(schema_locations=tuple(schema_locations), kubernetes_version=version)
    completed = subprocess.run(_kubeconform_command(binary, options) + [str(directory)], capture_output=True,
                               text=True, check=False, env=_kubeconform_environment())
    try:
        report = json.loads(completed.stdout or "{}")
    except json.JSONDecodeError:
        raise RuntimeError(f"kubeconform failed: {completed.stderr.strip() or completed.stdout.strip()}") from None
    return sorted(_problem(os.path.relpath(resource.get("filename", ""), directory), resource)
                  for resource in report.get("resources", [])
                  if resource.get("status", "") not in ("statusValid", "statusSkipped", "statusEmpty"))


def _kubeconform_command(binary: str, options: SchemaOptions) -> list[str]:
    command = [binary, "-strict", "-output", "json", "-kubernetes-version", options.kubernetes_version,
               "-n", str(KUBECONFORM_WORKERS),
               "-schema-location", _core_location(options.kubernetes_version)]
    for location in options.schema_locations:
        command += ["-schema-location", location]
    return command


def _kubeconform_environment() -> dict[str, str]:
    """The environment kubeconform runs in: servespec's own, with GOGC at `KUBECONFORM_GOGC` unless set."""
    return {"GOGC": KUBECONFORM_GOGC, **os.environ}


def _problem(file: str, resource: dict[str, Any]) -> SchemaProblem:
    """One entry of kubeconform's JSON report as a problem of output file `file`."""
    message = resource.get("msg", "")
    status = "missing-schema" if "could not find schema" in message else (
        "invalid" if resource.get("status") == "statusInvalid" else "error")
    return SchemaProblem(file, resource.get("kind", ""), resource.get("name", ""), status, message)


class BuiltinValidator:
    """jsonschema over the same schemas; each schema is compiled once per process."""

    def __init__(self, schema_locations: list[str], version: str):
        self.schema_locations = schema_locations
        self.version = version
        self._validators: dict[tuple[str, str], Any] = {}

    def _validator(self, api_version: str, kind: str) -> Any:
        key = (api_version, kind)
        if key not in self._validators:
            self._validators[key] = self._load(api_version, kind)
        return self._validators[key]

    def _load(self, api_version: str, kind: str) -> Any:
        path = standalone_core_schema(self.version, api_version, kind) if _is_core(api_version) else None
        if path is None:
            for template in self.schema_locations:
                candidate = Path(expand_location(template, api_version, kind, self.version))
                if candidate.exists():
                    path = candidate
                    break
        if path is None:
            return None
        import jsonschema  # only the built-in path needs it; kept off the start-up of every command

        schema = json.loads(path.read_text())
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        return cls(schema)

    def validate(self, file: str, data: dict[str, Any]) -> list[SchemaProblem]:
        kind, name = data.get("kind", ""), data.get("metadata", {}).get("name", "")
        validator = self._validator(data.get("apiVersion", ""), kind)
        if validator is None:
            return [SchemaProblem(file, kind, name, "missing-schema",
                                  f"could not find schema for {data.get('apiVersion')} {kind}")]
        from jsonschema.exceptions import best_match

        problems = []
        for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
            where = "/" + "/".join(str(part) for part in error.absolute_path)
            problems.append(SchemaProblem(file, kind, name, "invalid", f"{where}: {best_match([error]).message}"))
        return problems


GATED_FEATURES = (("image volume", "ImageVolume", (1, 31), (1, 35)),)
"""(feature, feature gate, first Kubernetes version with it (alpha), first with it on by default).
Image volumes: alpha in v1.31, beta and enabled by default in v1.35 (kubernetes.io/docs/tasks/
configure-pod-container/image-volumes, "FEATURE STATE: Kubernetes v1.35 [beta] (enabled by default)")."""


def _uses_image_volume(data: dict[str, Any]) -> bool:
    template = data.get("spec", {}).get("template", {}).get("spec", {})
    return any("image" in volume for volume in template.get("volumes", []))


def feature_problems(objects: list[tuple[str, dict[str, Any]]], kubernetes_version: str) -> list[SchemaProblem]:
    """Objects using a feature `kubernetes_version` lacks ("invalid") or has behind a feature gate that is
    off by default ("feature-gate", a warning)."""
    version = tuple(int(part) for part in kubernetes_version.split(".")[:2])
    problems = []
    for name, data in objects:
        if not _uses_image_volume(data):
            continue
        feature, gate, first, default_on = GATED_FEATURES[0]
        kind, object_name = data["kind"], data["metadata"]["name"]
        if version < first:
            problems.append(SchemaProblem(name, kind, object_name, "invalid",
                                          f"{feature}s need Kubernetes {first[0]}.{first[1]} or later "
                                          f"(--kubernetes-version {kubernetes_version})"))
        elif version < default_on:
            problems.append(SchemaProblem(name, kind, object_name, "feature-gate",
                                          f"{feature}s are off by default before Kubernetes {default_on[0]}."
                                          f"{default_on[1]}: Kubernetes {kubernetes_version} needs the {gate} "
                                          "feature gate on the API server and kubelets"))
    return problems


@dataclass(frozen=True)
class SchemaOptions:
    """How compiled objects are checked: kubeconform if found (else built in), extra schema locations."""

    enabled: bool = True
    schema_locations: tuple[str, ...] = ()
    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION
    use_kubeconform: bool = True


def check_objects(files: dict[str, str], objects: list[tuple[str, dict[str, Any]]], options: SchemaOptions,
                  directory: Optional[Path] = None) -> tuple[list[SchemaProblem], str]:
    """Validate the rendered `files` (output name -> YAML) holding `objects` ((output name, object) pairs);
    returns the problems and the validator used. kubeconform reads `directory` when it holds the files,
    else a temporary copy."""
    if not options.enabled:
        return [], "off"
    problems, validator = _check_schemas(files, objects, options, directory)
    return sorted(problems + feature_problems(objects, options.kubernetes_version)), validator


def _check_schemas(files: dict[str, str], objects: list[tuple[str, dict[str, Any]]], options: SchemaOptions,
                   directory: Optional[Path]) -> tuple[list[SchemaProblem], str]:
    binary = find_kubeconform() if options.use_kubeconform else None
    if binary is None:
        validator = BuiltinValidator(list(options.schema_locations), options.kubernetes_version)
        return sorted(problem for name, data in objects for problem in validator.validate(name, data)), "built-in"
    if directory is not None:
        return validate_with_kubeconform(directory, [data for _, data in objects], list(options.schema_locations),
                                         options.kubernetes_version, binary), "kubeconform"
    from servespec.build.writer import write_files

    scratch = Path(tempfile.mkdtemp(prefix="servespec-"))
    try:
        write_files(scratch, files)
        return validate_with_kubeconform(scratch, [data for _, data in objects], list(options.schema_locations),
                                         options.kubernetes_version, binary), "kubeconform"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class Validation:
    """Objects validated as they are rendered: `add` each, then `finish` once (and `close` in any case).

    With kubeconform, one kubeconform process reads the objects while they are produced, through one named
    pipe per output tree (`<n>.yaml`, read as a file: kubeconform's standard-input reader hands its
    workers a buffer it then reuses, and mixes documents up on long streams), after a pipe of placeholders
    that warms it up (`WARM_UP_KINDS`). Its report names the pipe,
    kind, name and apiVersion of each object; an object whose apiVersion, kind and name repeat within a
    tree (so the report could not tell which one it means) is validated afterwards from a file of its own.
    Without kubeconform the built-in validator checks each object at the end."""

    def __init__(self, options: SchemaOptions, trees: list[str]):
        self._options = options
        self._objects: list[tuple[str, dict[str, Any]]] = []
        self._binary = find_kubeconform() if options.use_kubeconform else None
        self.validator = "built-in" if self._binary is None else "kubeconform"
        self._stream: Optional[_KubeconformStream] = None
        if self._binary is not None:
            self._stream = _KubeconformStream(self._binary, options, trees)

    def add(self, tree: str, name: str, data: dict[str, Any], text: str) -> None:
        self._objects.append((name, data))
        if self._stream is not None:
            self._stream.add(tree, name, data, text)

    def finish(self) -> list[SchemaProblem]:
        if self._stream is None:
            validator = BuiltinValidator(list(self._options.schema_locations), self._options.kubernetes_version)
            problems = [problem for name, data in self._objects for problem in validator.validate(name, data)]
        else:
            problems = self._stream.finish()
        return sorted(problems + feature_problems(self._objects, self._options.kubernetes_version))

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()


_PIPE_OPEN_POLL = 0.002


class _KubeconformStream:
    """One kubeconform process reading a named pipe per output tree, fed by a thread (see `Validation`)."""

    def __init__(self, binary: str, options: SchemaOptions, trees: list[str]):
        self._options, self._binary = options, binary
        self._scratch = Path(tempfile.mkdtemp(prefix="servespec-kubeconform-"))
        self._pipes = {tree: self._scratch / f"{index}.yaml" for index, tree in enumerate(trees)}
        for pipe in self._pipes.values():
            os.mkfifo(pipe, 0o600)
        self._trees = {str(pipe): tree for tree, pipe in self._pipes.items()}
        self._warm_up = self._scratch / "warm-up.yaml" if KUBECONFORM_WORKERS > 1 else None
        if self._warm_up is not None:
            os.mkfifo(self._warm_up, 0o600)
        self._names: dict[tuple[str, str, str, str], str] = {}
        self._deferred: dict[str, tuple[str, dict[str, Any]]] = {}
        self._schemas: set[tuple[str, str]] = set()
        self._process = subprocess.Popen(_kubeconform_command(binary, options) + self._inputs(),
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         env=_kubeconform_environment())
        self._queue: queue.SimpleQueue[Optional[tuple[str, str]]] = queue.SimpleQueue()
        self._failure: list[BaseException] = []
        self._feeder = threading.Thread(target=self._feed, name="servespec-kubeconform", daemon=True)
        self._feeder.start()

    def _inputs(self) -> list[str]:
        """The pipes kubeconform reads, in order: the warm-up (on more than one CPU), then each tree's."""
        return ([str(self._warm_up)] if self._warm_up is not None else []) + list(self._trees)

    def add(self, tree: str, name: str, data: dict[str, Any], text: str) -> None:
        api_version, kind = data.get("apiVersion", ""), data.get("kind", "")
        if (api_version, kind) not in self._schemas:
            self._schemas.add((api_version, kind))
            if _is_core(api_version):
                standalone_core_schema(self._options.kubernetes_version, api_version, kind)
        key = (tree, api_version, kind, str(data.get("metadata", {}).get("name", "")))
        if key in self._names:
            self._deferred[name] = (text, data)
            return
        self._names[key] = name
        self._queue.put((tree, text))

    def _open(self, pipe: Path) -> Any:
        """Open a pipe for writing once kubeconform has opened it for reading (never blocks on a reader that
        has ended)."""
        while True:
            try:
                descriptor = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as err:
                if err.errno != errno.ENXIO or self._process.poll() is not None:
                    raise
                time.sleep(_PIPE_OPEN_POLL)
                continue
            os.set_blocking(descriptor, True)
            return os.fdopen(descriptor, "w", encoding="utf-8", buffering=1 << 16)

    def _feed(self) -> None:
        pending = list(self._pipes.items())  # kubeconform reads the pipes in this order, each to its end
        current: Optional[str] = None
        handle: Any = None
        ended = False
        try:
            if self._warm_up is not None:
                self._write_warm_up(self._warm_up)
            for tree, text in iter(self._queue.get, None):
                while current != tree:
                    if handle is not None:
                        handle.close()
                    current, pipe = pending.pop(0)
                    handle = self._open(pipe)
                handle.write("---\n")
                handle.write(text)
            ended = True
            if handle is not None:
                handle, last = None, handle
                last.close()
            for _, pipe in pending:
                self._open(pipe).close()
        except BaseException as err:  # reported by finish()
            self._failure.append(err)
            if not ended:
                for _ in iter(self._queue.get, None):
                    pass
        finally:
            if handle is not None:
                with contextlib.suppress(OSError):
                    handle.close()

    def _write_warm_up(self, pipe: Path) -> None:
        """One placeholder object of each of `WARM_UP_KINDS` whose schema is at hand."""
        with self._open(pipe) as handle:
            for api_version, kind in WARM_UP_KINDS:
                if standalone_core_schema(self._options.kubernetes_version, api_version, kind) is not None:
                    handle.write(f"---\napiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: warm-up\n")

    def finish(self) -> list[SchemaProblem]:
        self._queue.put(None)
        self._feeder.join()
        output, errors = self._process.communicate()
        try:
            report = json.loads(output.decode() or "{}")
        except json.JSONDecodeError:
            raise RuntimeError(f"kubeconform failed: {errors.decode().strip() or output.decode().strip()}") from None
        resources = [resource for resource in report.get("resources", [])
                     if self._warm_up is None or resource.get("filename") != str(self._warm_up)]
        if self._failure and not resources and self._process.returncode not in (0, 1):
            raise RuntimeError(f"kubeconform failed: {errors.decode().strip() or self._failure[0]}")
        problems = []
        for resource in resources:
            status = resource.get("status", "")
            if status in ("statusValid", "statusSkipped", "statusEmpty"):
                continue
            tree = self._trees.get(resource.get("filename", ""), "")
            key = (tree, resource.get("version", ""), resource.get("kind", ""), resource.get("name", ""))
            problems.append(_problem(self._names.get(key, resource.get("filename", "")), resource))
        return problems + self._check_deferred()

    def _check_deferred(self) -> list[SchemaProblem]:
        if not self._deferred:
            return []
        from servespec.build.writer import write_files

        files = self._scratch / "deferred"
        write_files(files, {name: text for name, (text, _) in self._deferred.items()})
        return validate_with_kubeconform(files, [data for _, data in self._deferred.values()],
                                         list(self._options.schema_locations), self._options.kubernetes_version,
                                         self._binary)

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._queue.put(None)
        self._feeder.join()
        self._process.wait()
        for stream in (self._process.stdout, self._process.stderr):
            with contextlib.suppress(OSError):
                stream.close()  # type: ignore[union-attr]
        shutil.rmtree(self._scratch, ignore_errors=True)
