module github.com/goformer/goformer

go 1.26
