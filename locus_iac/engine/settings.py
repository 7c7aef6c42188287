"""Where the Pulumi engine keeps its state and how it is run: settings from env and data dir.

* backend: ``PULUMI_BACKEND_URL``, default ``file://<data-dir>/pulumi-state``;
* secrets: the ``passphrase`` provider, with ``LOCUS_PULUMI_PASSPHRASE`` or a key file
  ``<data-dir>/pulumi-passphrase`` created once with mode 0600;
* CLI: ``pulumi`` found on ``PATH`` or in ``${LOCUS_TOOLS_DIR:-~/.cache/locus-iac/tools}/bin``
  (where ``scripts/bootstrap-tools`` builds it); when it comes from the tools dir, the engine
  runs with that ``bin`` first on ``PATH`` (language host) and, unless ``PULUMI_HOME`` is set,
  with the tools dir's ``pulumi-home`` (provider plugins), so ``locus serve`` needs no
  sourced environment;
* home: with a local ``file://`` backend the CLI runs with ``<data-dir>/pulumi-home``, whose
  plugins are those of the home it would use otherwise and where it keeps no automatic
  debug log (:mod:`locus_iac.engine.home`).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from locus_iac.engine.home import engine_home
from locus_iac.errors import PermanentError

PASSPHRASE_ENV = "LOCUS_PULUMI_PASSPHRASE"
PASSPHRASE_FILE = "pulumi-passphrase"
TOOLS_DIR_ENV = "LOCUS_TOOLS_DIR"

#: Environment every engine run gets: no update checks, no plugin downloads (the machine
#: reaches no plugin host; plugins must be installed by the project's own scripts).
ENGINE_ENV: Mapping[str, str] = {
    "PULUMI_SKIP_UPDATE_CHECK": "true",
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
    "PULUMI_SKIP_CONFIRMATIONS": "true",
}


#: Go runtime settings of the CLI and its plugins (they inherit the CLI's environment), unless
#: the environment sets them: the CLI's live heap is ~15 MB and with the default GOGC=100 it
#: collects 7-9 times a run, mostly while starting; GOGC=400 makes that 1-2 (a heap goal of
#: ~30 MB instead of ~20 MB) and saved ~0.035 CPU s per stack init + up here.
GO_RUNTIME_ENV: Mapping[str, str] = {"GOGC": "400"}


def default_tools_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    configured = env.get(TOOLS_DIR_ENV)
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "locus-iac" / "tools"


def find_pulumi(env: Mapping[str, str] | None = None) -> Path | None:
    """The ``pulumi`` binary on ``PATH`` or in the tools dir, or ``None`` if there is none."""
    env = os.environ if env is None else env
    on_path = shutil.which("pulumi", path=env.get("PATH"))
    if on_path:
        return Path(on_path)
    candidate = default_tools_dir(env) / "bin" / "pulumi"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    return None


def tools_env(pulumi_binary: Path | None, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """PATH and PULUMI_HOME for an engine found in the tools dir (nothing for one on PATH)."""
    env = os.environ if env is None else env
    tools = default_tools_dir(env)
    if pulumi_binary is None or pulumi_binary.parent != tools / "bin":
        return {}
    extra = {"PATH": os.pathsep.join(filter(None, [str(tools / "bin"), env.get("PATH")]))}
    plugins_home = tools / "pulumi-home"
    if not env.get("PULUMI_HOME") and plugins_home.is_dir():
        extra["PULUMI_HOME"] = str(plugins_home)
    return extra


def blank_openstack_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``OS_*`` variables of this host, blanked for the engine: the OpenStack provider must
    take its settings from the VIM account only (``OS_CLOUD`` would make it search the host
    for a ``clouds.yaml``, ``OS_TOKEN`` override the account's credentials)."""
    env = os.environ if env is None else env
    return {key: "" for key in env if key.startswith("OS_")}


def load_or_create_passphrase(data_dir: Path, env: Mapping[str, str] | None = None) -> str:
    """The secrets passphrase: from the environment, else from (or into) the data dir key file.

    The key file is created atomically with mode 0600; an existing file with group/other
    permissions is refused (its secrets could have been read).
    """
    env = os.environ if env is None else env
    given = env.get(PASSPHRASE_ENV)
    if given:
        return given
    path = data_dir / PASSPHRASE_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise PermanentError(
                f"secrets key file {path} is readable by others (mode {mode:o}); "
                "make it 0600 or set " + PASSPHRASE_ENV
            ) from None
        value = path.read_text(encoding="utf-8").strip()
        if not value:
            raise PermanentError(f"secrets key file {path} is empty") from None
        return value
    value = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


@dataclass(frozen=True)
class EngineSettings:
    """Everything the driver needs to run the engine; the passphrase never appears in repr."""

    data_dir: Path
    backend_url: str
    passphrase: str = field(repr=False)
    pulumi_binary: Path | None = None
    extra_env: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, data_dir: Path, env: Mapping[str, str] | None = None) -> EngineSettings:
        env = os.environ if env is None else env
        data_dir = data_dir.resolve()
        backend = env.get("PULUMI_BACKEND_URL") or (data_dir / "pulumi-state").as_uri()
        if backend.startswith("file://"):
            Path(backend.removeprefix("file://")).mkdir(mode=0o700, parents=True, exist_ok=True)
        pulumi_binary = find_pulumi(env)
        extra = {
            **{k: v for k, v in GO_RUNTIME_ENV.items() if k not in env},
            **tools_env(pulumi_binary, env),
            **blank_openstack_env(env),
        }
        if backend.startswith("file://"):
            usual = extra.get("PULUMI_HOME") or env.get("PULUMI_HOME") or Path.home() / ".pulumi"
            extra["PULUMI_HOME"] = str(engine_home(data_dir, Path(usual) / "plugins"))
        return cls(
            data_dir=data_dir,
            backend_url=backend,
            passphrase=load_or_create_passphrase(data_dir, env),
            pulumi_binary=pulumi_binary,
            extra_env=extra,
        )

    @property
    def workspaces_dir(self) -> Path:
        return self.data_dir / "workspaces"

    def engine_env(self) -> dict[str, str]:
        """Env vars for the CLI: the fixed engine flags, the backend and the passphrase."""
        return {
            **ENGINE_ENV,
            **self.extra_env,
            "PULUMI_BACKEND_URL": self.backend_url,
            "PULUMI_CONFIG_PASSPHRASE": self.passphrase,
        }
