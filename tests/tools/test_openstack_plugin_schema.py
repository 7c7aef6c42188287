"""The OpenStack provider plugin built by ``scripts/bootstrap-tools`` serves what the Python SDK
pulumi-openstack 5.5.3 asks for (issue 12).

The plugin (``tools/go/pulumi-resource-openstack``) wraps terraform-provider-openstack with its
own token mapping; a token or an input property name the SDK uses and the plugin lacks would fail
only when a program uses it. So the plugin's schema (its ``GetSchema`` answer over gRPC) is
compared with everything the installed SDK registers or sends:

* every resource token of the SDK's resource modules (``resource_modules`` in the package's
  ``__init__``) is a resource of the schema; the input names of its ``<Class>Args`` are the
  schema's input properties, its required arguments the required inputs, its list arguments
  the array inputs (a one-item block the SDK flattens is one object); its output properties
  and secret outputs are the schema's (``ProviderArgs`` and the provider's inputs likewise);
* every function token the SDK invokes is a function of the schema, whose inputs are the
  argument names the SDK sends (``__args__['name']``) and whose outputs are the properties of
  the SDK's result class.
"""

from __future__ import annotations

import collections.abc
import contextlib
import importlib
import inspect
import json
import re
import subprocess
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pulumi_openstack = pytest.importorskip("pulumi_openstack")
grpc = pytest.importorskip("grpc")
from google.protobuf import empty_pb2  # noqa: E402
from pulumi import _types  # noqa: E402
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc  # noqa: E402

from .openstack_plugin import PLUGIN, PLUGIN_VERSION  # noqa: E402

SDK_DIR = Path(pulumi_openstack.__file__).parent

pytestmark = pytest.mark.skipif(not PLUGIN.is_file(), reason="plugin not built")

INVOKE = re.compile(r"""pulumi\.runtime\.invoke(?:_output)?\('(openstack:[^']+)'""")
RESULT = re.compile(r"""pulumi\.runtime\.invoke\('(openstack:[^']+)', .*typ=(\w+)\)""")
SENT_ARG = re.compile(r"""__args__\['(\w+)'\]""")


@contextlib.contextmanager
def _serve(plugin: Path) -> Iterator[str]:
    """Start the plugin without an engine; it prints the port it serves on."""
    proc = subprocess.Popen(
        [str(plugin)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().strip()
        assert port.isdigit(), f"the plugin printed {port!r} instead of its port"
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def plugin() -> dict[str, Any]:
    """The plugin's version (GetPluginInfo) and schema (GetSchema)."""
    with _serve(PLUGIN) as address, grpc.insecure_channel(address) as channel:
        grpc.channel_ready_future(channel).result(timeout=60)
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=60)
        reply = stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=120)
    return {"version": info.version, "schema": json.loads(reply.schema)}


@pytest.fixture(scope="module")
def schema(plugin: dict[str, Any]) -> dict[str, Any]:
    served: dict[str, Any] = plugin["schema"]
    return served


def _resource_modules() -> list[dict[str, Any]]:
    source = (SDK_DIR / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'resource_modules="""(.*?)"""', source, re.S)
    assert found, "pulumi_openstack/__init__.py registers no resource modules"
    modules: list[dict[str, Any]] = json.loads(found.group(1))
    return modules


def sdk_resources() -> list[tuple[str, str, str]]:
    """(token, Python module, class name) of every resource class the SDK registers."""
    return sorted(
        (token, module["fqn"], cls)
        for module in _resource_modules()
        for token, cls in module["classes"].items()
    )


def sdk_functions() -> dict[str, set[str]]:
    """Every function token the SDK invokes, with the argument names it sends."""
    functions: dict[str, set[str]] = {}
    for path in sorted(SDK_DIR.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        # each function body sends its __args__ before its invoke
        for body in re.split(r"\n(?=def )", text):
            for token in INVOKE.findall(body):
                functions.setdefault(token, set()).update(SENT_ARG.findall(body))
    return functions


def sdk_results() -> list[tuple[str, str, str]]:
    """(function token, Python module, result class) of every function the SDK invokes."""
    results = set()
    for path in sorted(SDK_DIR.rglob("*.py")):
        module = ".".join(path.relative_to(SDK_DIR.parent).with_suffix("").parts)
        for token, cls in RESULT.findall(path.read_text(encoding="utf-8")):
            results.add((token, module, cls))
    return sorted(results)


def output_names(cls: type) -> set[str]:
    """The Pulumi names of a class' output properties (``@pulumi.getter(name=...)``)."""
    return {
        getattr(value.fget, "_pulumi_name", name)
        for name, value in vars(cls).items()
        if isinstance(value, property)
    }


def input_names(args_class: type) -> set[str]:
    names: dict[str, str] = _types.input_type_py_to_pulumi_names(args_class)
    return set(names.values())


def _args_class(fqn: str, cls: str) -> type:
    module: ModuleType = importlib.import_module(fqn)
    args = getattr(module, f"{cls}Args", None)
    assert inspect.isclass(args), f"{fqn}.{cls}Args is missing"
    return args


def test_the_sdk_is_the_one_the_plugin_serves() -> None:
    meta = json.loads((SDK_DIR / "pulumi-plugin.json").read_text(encoding="utf-8"))
    assert (meta["name"], meta["version"]) == ("openstack", PLUGIN_VERSION)
    assert len(sdk_resources()) > 100 and len(sdk_functions()) > 60


def test_the_plugin_is_the_package_and_version_the_sdk_requests(plugin: dict[str, Any]) -> None:
    assert plugin["schema"]["name"] == "openstack"
    assert plugin["version"] == PLUGIN_VERSION


def test_every_resource_token_of_the_sdk_resolves(schema: dict[str, Any]) -> None:
    missing = [token for token, _, _ in sdk_resources() if token not in schema["resources"]]
    assert missing == []


def test_every_function_token_of_the_sdk_resolves(schema: dict[str, Any]) -> None:
    missing = sorted(set(sdk_functions()) - set(schema["functions"]))
    assert missing == []


@pytest.mark.parametrize(("token", "fqn", "cls"), sdk_resources(), ids=lambda v: str(v))
def test_resource_inputs_match_the_sdk_args(
    schema: dict[str, Any], token: str, fqn: str, cls: str
) -> None:
    resource = schema["resources"].get(token)
    assert resource is not None, f"{token} is not in the plugin's schema"
    assert input_names(_args_class(fqn, cls)) == set(resource.get("inputProperties", {}))


@pytest.mark.parametrize(("token", "fqn", "cls"), sdk_resources(), ids=lambda v: str(v))
def test_required_inputs_match_the_sdk_args(
    schema: dict[str, Any], token: str, fqn: str, cls: str
) -> None:
    """The SDK's required arguments (no default) are the schema's required inputs: a name the
    SDK leaves optional (autonamed) must not be required by the plugin."""
    args = _args_class(fqn, cls)
    names = _types.input_type_py_to_pulumi_names(args)
    params = inspect.signature(args).parameters
    required = {names[p] for p in names if params[p].default is inspect.Parameter.empty}
    assert required == set(schema["resources"][token].get("requiredInputs", []))


@pytest.mark.parametrize(("token", "fqn", "cls"), sdk_resources(), ids=lambda v: str(v))
def test_resource_outputs_match_the_sdk_class(
    schema: dict[str, Any], token: str, fqn: str, cls: str
) -> None:
    resource_class = getattr(importlib.import_module(fqn), cls)
    assert output_names(resource_class) == set(schema["resources"][token]["properties"])


SECRET_OUTPUTS = re.compile(r"additional_secret_outputs=\[(.*?)\]")


@pytest.mark.parametrize(("token", "fqn", "cls"), sdk_resources(), ids=lambda v: str(v))
def test_secret_outputs_match_the_sdk(
    schema: dict[str, Any], token: str, fqn: str, cls: str
) -> None:
    """The outputs the SDK keeps secret are the schema's secret properties (the upstream
    provider's sensitive attributes): a password must never reach the state in clear."""
    source = inspect.getsource(getattr(importlib.import_module(fqn), cls))
    sdk_secrets = {
        name for listed in SECRET_OUTPUTS.findall(source) for name in re.findall(r'"(\w+)"', listed)
    }
    properties = schema["resources"][token]["properties"]
    assert sdk_secrets == {name for name, prop in properties.items() if prop.get("secret")}


def test_function_results_match_the_sdk_result_classes(schema: dict[str, Any]) -> None:
    results = sdk_results()
    assert len(results) == len(sdk_functions())
    mismatched = {}
    for token, module, cls in results:
        result_class = getattr(importlib.import_module(module), cls)
        outputs = set(schema["functions"][token].get("outputs", {}).get("properties", {}))
        if output_names(result_class) != outputs:
            mismatched[token] = sorted(output_names(result_class) ^ outputs)
    assert mismatched == {}


def test_function_arguments_are_the_function_inputs(schema: dict[str, Any]) -> None:
    mismatched = {}
    for token, sent in sdk_functions().items():
        inputs = set(schema["functions"].get(token, {}).get("inputs", {}).get("properties", {}))
        if sent != inputs:
            mismatched[token] = {"sdk": sorted(sent - inputs), "plugin": sorted(inputs - sent)}
    assert mismatched == {}


def _is_sequence(annotation: Any) -> bool:
    """Whether an SDK input annotation (Union[<type>, None, Awaitable, Output]) is a list."""
    first = typing.get_args(annotation)[0] if typing.get_args(annotation) else annotation
    return typing.get_origin(first) is collections.abc.Sequence


@pytest.mark.parametrize(("token", "fqn", "cls"), sdk_resources(), ids=lambda v: str(v))
def test_list_inputs_are_lists_in_both(
    schema: dict[str, Any], token: str, fqn: str, cls: str
) -> None:
    """A block the SDK flattens (max one item) must be an object in the schema too: a list
    where the SDK sends one object fails at run time."""
    args = _args_class(fqn, cls)
    names = _types.input_type_py_to_pulumi_names(args)
    params = inspect.signature(args).parameters
    properties = schema["resources"][token].get("inputProperties", {})
    sdk_lists = {names[p] for p in names if _is_sequence(params[p].annotation)}
    plugin_lists = {n for n, prop in properties.items() if prop.get("type") == "array"}
    assert sdk_lists == plugin_lists


def test_provider_configuration_matches_the_sdk(schema: dict[str, Any]) -> None:
    provider_args = pulumi_openstack.ProviderArgs
    assert input_names(provider_args) == set(schema["provider"]["inputProperties"])
