package codecbench

//go:generate go run ../../cmd/jsgen generate
