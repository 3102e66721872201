// Package layers holds no code: its test checks that the project's packages
// import only the layers below them (docs/architecture.md).
package layers
