"""The LOCUS function template (seed §4.3.1, Table 3) and the packages generated from it."""

from locus_iac.functions.template.helm import chart_files
from locus_iac.functions.template.model import (
    FunctionTemplate,
    load_template,
    template_schema,
    validate_template,
)
from locus_iac.functions.template.package import build_package, package_files, vnfd_document

__all__ = [
    "FunctionTemplate",
    "build_package",
    "chart_files",
    "load_template",
    "package_files",
    "template_schema",
    "validate_template",
    "vnfd_document",
]
