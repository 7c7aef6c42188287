"""Settings of the LCM supervisor and its workers, from the environment.

=========================  ===============================================================
``LOCUS_LCM_WORKERS``       worker processes running at the same time (default 4)
``LOCUS_LCM_POLL``          seconds between two looks at the queue (default 0.5)
``LOCUS_LCM_GRACE``         seconds a stopped worker gets before SIGKILL (default 10)
``LOCUS_LCM_START``         how a worker process starts: ``forkserver`` (default: forked from
                            a process that has imported the runner) or ``exec`` (a new
                            interpreter); see :mod:`locus_iac.lcm.launch`
``LOCUS_LCM_PLAYBOOKS``     how a worker's playbooks start: ``server`` (default: forked by the
                            playbook server the supervisor starts, with Ansible imported) or
                            ``exec`` (a new ``ansible-playbook`` each); see
                            :mod:`locus_iac.config.playbook_server`
=========================  ===============================================================

Which operation runner the workers use is not a setting: it is given in code
(:class:`~locus_iac.lcm.runner.RunnerFactory`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from locus_iac.config.playbook_server import SOCKET_ENV
from locus_iac.errors import Issue, ValidationError

_ENV = {
    "max_workers": "LOCUS_LCM_WORKERS",
    "poll_interval": "LOCUS_LCM_POLL",
    "grace": "LOCUS_LCM_GRACE",
    "start_method": "LOCUS_LCM_START",
    "playbooks": "LOCUS_LCM_PLAYBOOKS",
}


class LcmSettings(BaseModel):
    """Where the queue is, how many workers at once, how often to look, how long to wait."""

    model_config = ConfigDict(frozen=True)

    database_url: str = Field(repr=False)
    data_dir: Path
    max_workers: Annotated[int, Field(ge=1, le=256)] = 4
    poll_interval: Annotated[float, Field(gt=0, le=60)] = 0.5
    grace: Annotated[float, Field(ge=0, le=600)] = 10.0
    start_method: Literal["forkserver", "exec"] = "forkserver"
    playbooks: Literal["server", "exec"] = "server"
    #: the running playbook server's socket (set by the supervisor once it has started one)
    playbook_socket: Path | None = None

    @classmethod
    def from_env(
        cls, database_url: str, data_dir: Path, env: Mapping[str, str] | None = None
    ) -> LcmSettings:
        source = os.environ if env is None else env
        values: dict[str, object] = {
            field: source[var] for field, var in _ENV.items() if source.get(var)
        }
        try:
            return cls.model_validate(
                {**values, "database_url": database_url, "data_dir": data_dir}
            )
        except PydanticValidationError as exc:
            issues = [
                Issue(
                    "/" + _ENV.get(str(err["loc"][0]), str(err["loc"][0])),
                    "invalid-setting",
                    err["msg"],
                )
                for err in exc.errors()
            ]
            raise ValidationError("invalid LCM supervisor settings", issues) from None

    def worker_env(self) -> dict[str, str]:
        """Environment of a worker process (the parent's plus where to find the queue and
        the playbook server)."""
        env = {
            **os.environ,
            "LOCUS_DATABASE_URL": self.database_url,
            "LOCUS_DATA_DIR": str(self.data_dir),
        }
        env.pop(SOCKET_ENV, None)
        if self.playbook_socket is not None:
            env[SOCKET_ENV] = str(self.playbook_socket)
        return env
