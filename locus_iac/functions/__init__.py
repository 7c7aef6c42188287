"""LOCUS functions (seed §4.3): the function template and the functions themselves.

* :mod:`locus_iac.functions.template` — the Table 3 template, its schema, and the VNF/KNF
  package generated from a filled template.
* :mod:`locus_iac.functions.poi` — SNM-UC1 identification of POIs (Annex A) as a library
  and an HTTP service.
"""

from locus_iac.functions.template import FunctionTemplate, build_package, load_template

__all__ = ["FunctionTemplate", "build_package", "load_template"]
