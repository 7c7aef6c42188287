from typer.testing import CliRunner

from locus_iac import __version__
from locus_iac.cli.main import app


def test_version_prints_package_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output
