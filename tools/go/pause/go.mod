module github.com/locus-iac/locus-iac/tools/go/pause

go 1.26.0
