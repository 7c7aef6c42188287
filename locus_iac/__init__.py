"""locus-iac: the LOCUS MANO as infrastructure-as-code."""

__version__ = "0.1.0"
