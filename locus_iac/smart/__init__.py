"""smart layer of locus-iac (see DESIGN.md)."""
