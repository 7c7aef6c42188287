"""Pulumi ComponentResources of locus-iac (one per building block, see CONVENTIONS)."""
